// Key Vault (RBAC authorization) holding the Google service-account key. The apps read it
// through Key Vault references with their own identities (Key Vault Secrets User, granted in
// functionapp.bicep); nobody gets access policies.

param location string
param name string
param tags object = {}

@description('Name of the secret holding the Google service-account key (JSON).')
param googleSecretName string

@secure()
@description('The Google service-account key (JSON). Empty: set it later with az keyvault secret set.')
param googleServiceAccountJson string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  //checkov:skip=CKV_AZURE_109:Key Vault references are resolved by the platform over the public endpoint; without a VNet there is no private path. Access needs Entra ID and RBAC.
  //checkov:skip=CKV_AZURE_189:Same reason as CKV_AZURE_109: public network access with RBAC-only authorization.
  //checkov:skip=CKV2_AZURE_32:Private endpoints need a VNet, which this deployment does not have (see CKV_AZURE_109).
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource googleKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(googleServiceAccountJson)) {
  parent: vault
  name: googleSecretName
  //checkov:skip=CKV_AZURE_114:contentType is set below; checkov does not read the body of a conditional resource (the same resource without `if` passes).
  //checkov:skip=CKV_AZURE_41:A Google service-account key has no fixed expiry; it is rotated by hand (README, Deploy), and an expiry here would silently break every sheet.
  properties: {
    value: googleServiceAccountJson
    contentType: 'application/json'
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
