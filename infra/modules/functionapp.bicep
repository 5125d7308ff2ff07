// One Lead Sync function app on its own Flex Consumption plan, with its own storage account.
// Used twice by main.bicep: production, and staging (timer disabled, its own tables), so
// staging can never touch production leads: it has no role on the production account at all.

@description('Azure region.')
param location string

@description('Function app name (also its host id: keep the first 32 characters unique).')
param name string

@description('Storage account name for this app: leads, sync state, host state and the deployment container.')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('Tags for every resource.')
param tags object = {}

@description('Application Insights component the app reports to (with its managed identity).')
param applicationInsightsName string

@description('Key Vault holding the Google service-account key.')
param keyVaultName string

@description('Name of the Key Vault secret with the Google service-account key (JSON).')
param googleSecretName string

@description('NCRONTAB schedule of the sync timer (six fields, UTC).')
param syncSchedule string

@description('Run the sync timer (false for staging).')
param timerEnabled bool

@description('Prefix of the three table names (leads, syncstate, syncruns).')
param tablePrefix string

@description('Origins allowed by platform CORS (the CRM dashboard).')
param corsAllowedOrigins array

@description('Client id of the Entra ID app registration that signs operators in to the console (/console); empty: no sign-in, and the console answers 401. Its app roles: infra/console-app-roles.json.')
param consoleClientId string = ''

@description('Memory of one instance (MB): 512, 2048 or 4096.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out, so a traffic spike cannot run up the bill.')
param maximumInstanceCount int = 40

@description('Object id of the operators\' Entra ID group: Storage Table Data Contributor on this app\'s account (read leads and state, edit the sheets table) and Key Vault Secrets User. Empty: no role for people.')
param operatorsGroupId string = ''

@description('Object id of a service principal that writes one entry into this app\'s sheets table before a deploy (staging\'s sample sheet): Storage Table Data Contributor on this account. Empty: none (production).')
param sampleWriterPrincipalId string = ''

var deploymentContainer = 'app-package'
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// A user-assigned identity, created and given its roles before the app exists, so the app's first
// start (and its first timer run) never races the role assignments as a system identity would.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}'
  location: location
  tags: tags
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  //checkov:skip=CKV_AZURE_206:LRS is enough: leads are a copy of the Google Sheets and a full sync rebuilds them; GRS doubles the cost.
  //checkov:skip=CKV_AZURE_35:Flex Consumption without a virtual network reaches storage over public endpoints; access needs Entra ID (shared keys are off).
  //checkov:skip=CKV_AZURE_59:Same reason as CKV_AZURE_35: no VNet integration in this deployment, identity-only access instead.
  //checkov:skip=CKV_AZURE_33:Queue service logging: the sync queue holds sheet ids and run ids only (no lead data); not worth auditing.
  tags: tags
  kind: 'StorageV2'
  //checkov:skip=CKV2_AZURE_1:Customer-managed keys add a Key Vault key to rotate; Microsoft-managed encryption at rest is the accepted baseline here.
  //checkov:skip=CKV2_AZURE_33:Private endpoints need a VNet; see CKV_AZURE_35.
  //checkov:skip=CKV2_AZURE_38:Soft delete for blobs: the only blobs are deployment packages, rebuilt by the workflow and kept as release artifacts.
  //checkov:skip=CKV2_AZURE_40:Shared key access is disabled (allowSharedKeyAccess false); this check misreads the property.
  sku: {
    name: 'Standard_LRS'
  }
  //checkov:skip=CKV_AZURE_43:The name is a parameter checkov cannot evaluate; main.bicep passes 'stprd' or 'ststg' plus uniqueString(): lowercase letters and digits, 18 characters.
  //checkov:skip=CKV2_AZURE_41:No SAS tokens are issued: shared keys are off, so SAS expiration policy has nothing to govern.
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packages 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
  properties: {
    publicAccess: 'None'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  //checkov:skip=CKV_AZURE_225:Zone redundancy on Flex Consumption needs always-ready instances, billed while idle; a sync missed in a zone outage is caught up by the next run.
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  //checkov:skip=CKV_AZURE_17:Client certificates would lock out the CRM dashboard; keyed routes use function keys and health is anonymous by design.
  //checkov:skip=CKV_AZURE_88:Azure Files is not used: Flex Consumption runs from the deployment container.
  //checkov:skip=CKV_AZURE_13:App Service Authentication (Entra ID) is a separate authsettingsV2 resource, on when consoleClientId is set; it requires sign-in for the console (/console) and leaves /api/* to function keys.
  dependsOn: [
    packages
    blobOwner
    queueContributor
    tableContributor
    secretsUser
    metricsPublisher
  ]
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  //checkov:skip=CKV_AZURE_212:Scale to zero is the point of Flex Consumption; a cold start costs seconds and the dashboard retries.
  //checkov:skip=CKV_AZURE_213:Health-check eviction is an App Service feature for fixed instance pools; here the smoke test and the API-failure alert watch GET /api/leads/health.
  //checkov:skip=CKV_AZURE_222:Public network access is needed: the CRM dashboard and GitHub's runners call the API over the internet.
  properties: {
    serverFarmId: plan.id
    keyVaultReferenceIdentity: identity.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
      appSettings: [
        // Host storage through the app's identity (no connection string, shared keys are off).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identity.properties.clientId
        }
        // Lead Sync's own tables: the same account, read by shared/config.py with the same convention.
        {
          name: 'LEAD_SYNC_STORAGE__tableServiceUri'
          value: storage.properties.primaryEndpoints.table
        }
        {
          name: 'LEAD_SYNC_STORAGE__credential'
          value: 'managedidentity'
        }
        {
          name: 'LEAD_SYNC_STORAGE__clientId'
          value: identity.properties.clientId
        }
        {
          name: 'LEAD_SYNC_LEADS_TABLE'
          value: '${tablePrefix}leads'
        }
        {
          name: 'LEAD_SYNC_STATE_TABLE'
          value: '${tablePrefix}syncstate'
        }
        {
          name: 'LEAD_SYNC_RUNS_TABLE'
          value: '${tablePrefix}syncruns'
        }
        {
          name: 'LEAD_SYNC_JOBS_TABLE'
          value: '${tablePrefix}syncjobs'
        }
        // The per-sheet sync queue (and <name>-poison) in the AzureWebJobsStorage account; the
        // queue trigger's binding reads the name from this setting (%LEAD_SYNC_QUEUE%).
        {
          name: 'LEAD_SYNC_QUEUE'
          value: 'leadsync-sheets'
        }
        // The webhook dispatcher's wake-up queue; the queue trigger binds %LEAD_SYNC_WEBHOOK_QUEUE%.
        {
          name: 'LEAD_SYNC_WEBHOOK_QUEUE'
          value: 'leadsync-webhooks'
        }
        {
          name: 'LEAD_SYNC_WEBHOOKS_TABLE'
          value: '${tablePrefix}webhooks'
        }
        // The sheet list lives in this table (python -m shared sheets-import, or the console);
        // provisioning never writes it, so a later `azd provision` cannot revert an edit.
        {
          name: 'LEAD_SYNC_SHEETS_TABLE'
          value: '${tablePrefix}sheets'
        }
        {
          // The console sends a signed-out person here (App Service Authentication's Entra ID sign-in).
          name: 'LEAD_SYNC_CONSOLE_LOGIN'
          value: empty(consoleClientId) ? '' : '/.auth/login/aad'
        }
        {
          name: 'SYNC_SCHEDULE'
          value: syncSchedule
        }
        {
          // The retention purge (purge_timer) runs daily at 03:30 UTC; it deletes nothing unless a retention is set.
          name: 'PURGE_SCHEDULE'
          value: '0 30 3 * * *'
        }
        {
          name: 'AzureWebJobs.sync_timer.Disabled'
          value: timerEnabled ? 'false' : 'true'
        }
        {
          name: 'AzureWebJobs.purge_timer.Disabled'
          value: timerEnabled ? 'false' : 'true'
        }
        // The key is in Key Vault; the platform resolves the reference with the app's identity.
        {
          name: 'GOOGLE_SERVICE_ACCOUNT_JSON'
          value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${googleSecretName}/)'
        }
        // Telemetry with Entra ID: Application Insights has local (key) auth disabled.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
        }
      ]
    }
  }
}

// App Service Authentication (Easy Auth) with Entra ID, for the console. host.json's routePrefix is
// empty: the console is /console and every API route names its own api/ prefix. Sign-in is required
// everywhere but the excluded paths: /api/* keeps its function keys and the anonymous health route
// (and the old /api/console address, which only redirects to /console), /admin/* the host's master
// key. The platform strips any client-sent X-MS-CLIENT-PRINCIPAL* header and sets the signed-in
// user's; the console checks each action's app role (LeadSync.Reader, LeadSync.Operator,
// LeadSync.Privacy) on the server, and sends a signed-out person to /.auth/login/aad itself too.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(consoleClientId)) {
  //checkov:skip=CKV_AZURE_13:This resource IS the App Service Authentication setting (authsettingsV2); checkov reads sites/config as a whole site.
  //checkov:skip=CKV_AZURE_63:HTTP logging belongs to the site resource, not to its authsettingsV2 child; the site logs to Application Insights.
  //checkov:skip=CKV_AZURE_65:Detailed error pages belong to the site resource, not to its authsettingsV2 child (and stay off).
  parent: app
  //checkov:skip=CKV_AZURE_66:Failed request tracing belongs to the site resource, not to its authsettingsV2 child; requests go to Application Insights.
  //checkov:skip=CKV_AZURE_80:There is no dotnet framework in a Python function app; checkov misreads the authsettingsV2 child as a site.
  name: 'authsettingsV2'
  //checkov:skip=CKV_AZURE_88:Azure Files is not used (Flex Consumption runs from the deployment container); the child is not a site.
  //checkov:skip=CKV_AZURE_222:Public access is needed for the API and console; sign-in is App Service Authentication, checked per role by the app.
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      // A trailing /* is the one wildcard excluded paths understand (MicrosoftDocs/azure-docs#86514).
      excludedPaths: [
        '/api/*'
        '/admin/*'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    login: {
      tokenStore: {
        enabled: true
      }
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: '08:00:00'
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: consoleClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            consoleClientId
            'api://${consoleClientId}'
          ]
        }
      }
    }
  }
}

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName
// People: the operators' group reads and edits the tables (leads, state, the sheet list) and reads
// the Key Vault secrets, with shared keys off (nobody could read the tables otherwise).
resource operatorsTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorsGroupId)) {
  name: guid(storage.id, operatorsGroupId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: operatorsGroupId
    principalType: 'Group'
  }
}

resource operatorsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorsGroupId)) {
  name: guid(vault.id, storage.id, operatorsGroupId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: operatorsGroupId
    principalType: 'Group'
  }
}

output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
output storageAccountName string = storage.name

// The deploying service principal writes staging's sample sheet entry (scripts/deploy --sample)
// with Entra ID, shared keys being off; only on the account of the app given one (staging).
resource sampleWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(sampleWriterPrincipalId)) {
  name: guid(storage.id, sampleWriterPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: sampleWriterPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output sheetsTable string = '${tablePrefix}sheets'
