// Lead Sync on Azure, from an empty subscription: `azd up` (or `azd provision`).
// A resource group with monitoring, a Key Vault, and two function apps from one module:
// production (timer on) and staging (timer off, its own storage account and table names).

targetScope = 'subscription'

@minLength(1)
@maxLength(20)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region that offers Flex Consumption (e.g. uksouth, westeurope, eastus).')
param location string

// The sheet lists are not parameters: each app reads its own sheets table (LEAD_SYNC_SHEETS_TABLE),
// filled by `python -m shared sheets-import` or the console, which provisioning never overwrites.

@description('Object id of the operators\' Entra ID group (table data and Key Vault secrets for people); empty for none.')
param operatorsGroupId string = ''

@description('Client id of the Entra ID app registration for the operator console (infra/console-app-roles.json); empty: no console sign-in.')
param consoleClientId string = ''

// Staging's sample sheet (docs/deploy.md, "Staging's smoke test"): one entry that the deploy step
// upserts into staging's sheets table before each deploy, and one lead in it that the smoke test
// reads back after running the timer -> queue -> sync path on it. Not the sheet list: no other entry
// is written, production has no sample, and the CSV ships in the package (samples/staging/).
@description('Google spreadsheet id of staging\'s sample sheet (read with the Google key); empty: the CSV packaged with the app, samples/staging/sample_leads.csv.')
param stagingSampleSpreadsheetId string = ''

@description('Email address of one lead in staging\'s sample sheet: the smoke test reads that lead back (set it with stagingSampleSpreadsheetId).')
param stagingSampleEmail string = 'ada.sample@example.com'

@description('Object id of the principal that deploys the app (the workflow\'s service principal): Storage Table Data Contributor on staging\'s storage account only, to write the sample sheet\'s entry. Empty: no such role.')
param deployPrincipalId string = ''

@description('Origins allowed to call the API from a browser (the CRM dashboard).')
param corsAllowedOrigins array = []

@description('Timer schedule (NCRONTAB, six fields, UTC).')
param syncSchedule string = '0 */15 * * * *'

@description('Minutes between two timer runs of syncSchedule (for the heartbeat alert).')
param scheduleIntervalMinutes int = 15

@description('E-mail addresses that receive the alerts.')
param alertEmails array = []

@secure()
@description('Optional Teams/Slack incoming webhook for the alerts.')
param alertWebhookUrl string = ''

@secure()
@description('Google service-account key (JSON); empty to set it later in Key Vault.')
param googleServiceAccountJson string = ''

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  app: 'lead-sync'
}
var googleSecretName = 'google-service-account'
var stagingSampleId = 'staging-sample'
var stagingSampleCustomer = 'Lead Sync staging sample'
// The same entry as samples/staging/sample.json (tests/test_infra.py keeps them equal).
var stagingSampleCsv = {
  id: stagingSampleId
  customer: stagingSampleCustomer
  source: 'csv'
  path: 'samples/staging/sample_leads.csv'
}
var stagingSampleGoogle = {
  id: stagingSampleId
  customer: stagingSampleCustomer
  source: 'google'
  spreadsheet_id: stagingSampleSpreadsheetId
}
// Host ids are the first 32 characters of the app name: the prefixes keep production's and staging's apart.
var prodAppName = 'func-prd-${token}'
var stagingAppName = 'func-stg-${token}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${token}'
    applicationInsightsName: 'appi-${token}'
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'kv-${token}'
    googleSecretName: googleSecretName
    googleServiceAccountJson: googleServiceAccountJson
  }
}

module production 'modules/functionapp.bicep' = {
  name: 'app-production'
  scope: rg
  params: {
    location: location
    tags: union(tags, {
      'azd-service-name': 'api'
    })
    name: prodAppName
    storageAccountName: 'stprd${token}'
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: vault.outputs.name
    googleSecretName: googleSecretName
    syncSchedule: syncSchedule
    timerEnabled: true
    operatorsGroupId: operatorsGroupId
    tablePrefix: ''
    corsAllowedOrigins: corsAllowedOrigins
    consoleClientId: consoleClientId
  }
}

module staging 'modules/functionapp.bicep' = {
  name: 'app-staging'
  scope: rg
  params: {
    location: location
    tags: tags
    name: stagingAppName
    storageAccountName: 'ststg${token}'
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: vault.outputs.name
    googleSecretName: googleSecretName
    syncSchedule: syncSchedule
    timerEnabled: false
    operatorsGroupId: operatorsGroupId
    tablePrefix: 'staging'
    corsAllowedOrigins: corsAllowedOrigins
    maximumInstanceCount: 2
    sampleWriterPrincipalId: deployPrincipalId
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    appName: production.outputs.name
    appHostName: production.outputs.defaultHostName
    scheduleIntervalMinutes: scheduleIntervalMinutes
    alertEmails: alertEmails
    alertWebhookUrl: alertWebhookUrl
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output PRODUCTION_APP_NAME string = production.outputs.name
output PRODUCTION_URL string = 'https://${production.outputs.defaultHostName}'
output STAGING_APP_NAME string = staging.outputs.name
output STAGING_URL string = 'https://${staging.outputs.defaultHostName}'
output KEY_VAULT_NAME string = vault.outputs.name
// What the staging deploy smokes (scripts/deploy --sample): the sample's entry, its known lead, and
// where staging's sheet list is.
output STAGING_SAMPLE object = {
  sheet: empty(stagingSampleSpreadsheetId) ? stagingSampleCsv : stagingSampleGoogle
  email: stagingSampleEmail
  storageAccount: staging.outputs.storageAccountName
  sheetsTable: staging.outputs.sheetsTable
}
