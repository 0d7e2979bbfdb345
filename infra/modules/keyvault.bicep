// Key Vault for SIGNING_SECRET: the app setting is a Key Vault reference, read by the managed identity
// (Key Vault Secrets User, role-based access only).

param name string
param location string
param tenantId string
param identityPrincipalId string

@secure()
param signingSecret string

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: App Service on a Basic plan has no fixed outbound address or VNet to allow; role-based access (Key Vault Secrets User for the bot's identity only) is the gate
  // checkov:skip=CKV_AZURE_189: App Service resolves Key Vault references over the public endpoint without VNet integration; role-based access is the gate
  name: '${name}-kv'
  location: location
  properties: {
    tenantId: tenantId
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
      // App Service on a Basic plan has no fixed outbound address to allow; trusted Azure services still pass.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: an expiring SIGNING_SECRET would silently break every link issued (tab links live 180 days); rotate it on purpose (a new version, then restart), and `revoke links` handles a leaked link
  parent: vault
  name: 'signing-secret'
  properties: {
    value: signingSecret
    contentType: 'text/plain; SIGNING_SECRET, the HMAC key of tab, calendar and export links'
  }
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, secretsUser)
  scope: vault
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
  }
}

// Versionless: a new secret version reaches the app on its next restart.
output signingSecretUri string = secret.properties.secretUri
