// Everything the bot needs in Azure, deployed by the Microsoft 365 Agents Toolkit (m365agents.yml, arm/deploy)
// or by hand: az deployment group create -g <group> -f infra/main.bicep -p infra/main.parameters.json
//
// Hosting: Azure App Service on Linux (Python 3.11), not Container Apps. The Toolkit deploys code to App Service
// itself (azureAppService/zipDeploy: no container registry to create, build into and pull from), Always On keeps
// the reminder and outbox loops running, app settings read Key Vault secrets through the managed identity, and the
// platform's health check uses /livez. The Dockerfile makes the same app an image for Container Apps or a laptop.
//
// Identity: one user-assigned managed identity is the bot (Azure Bot, msaAppType UserAssignedMSI), reads the
// signing secret from Key Vault, writes Cosmos DB through Entra ID role-based access (key auth is off) and gets
// Microsoft Graph tokens. No password or key exists anywhere.

targetScope = 'resourceGroup'

@minLength(4)
@maxLength(20)
@description('Prefix of every resource name (letters and digits).')
param resourceBaseName string

@description('Region of the app, Cosmos DB, Key Vault and monitoring.')
param location string = resourceGroup().location

@description('A second region: a second App Service in it and a Cosmos DB replica with automatic failover. Empty: one region. Cosmos DB serverless runs in one region only, so a second region makes it provisioned (autoscale).')
param secondaryLocation string = ''

@description('Cosmos DB serverless (pay per request). Ignored (provisioned autoscale) when secondaryLocation is set.')
param cosmosServerless bool = true

@description('Autoscale maximum RU/s of the database when Cosmos DB is provisioned.')
param cosmosMaxThroughput int = 1000

@description('App Service plan SKU (B1 and up keep Always On).')
param appServiceSku string = 'B1'

@description('Azure Bot pricing tier: F0 (free, standard channels) or S1.')
@allowed(['F0', 'S1'])
param botSku string = 'F0'

@description('The bot name people see in Azure.')
param botDisplayName string = 'Workshops'

@secure()
@minLength(32)
@description('SIGNING_SECRET (signs tab, calendar and export links); stored in Key Vault, never in an app setting.')
param signingSecret string

@description('ALLOWED_TENANTS: comma-separated tenant ids allowed to use the bot; empty allows any.')
param allowedTenants string = ''

@description('REMINDER_LEAD_HOURS: how long before a workshop its reminder is posted.')
param reminderLeadHours string = '24'

@description('COSMOS_DATABASE')
param cosmosDatabase string = 'workshops'

var name = toLower(resourceBaseName)
var twoRegions = !empty(secondaryLocation)
var tenantId = tenant().tenantId

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-identity'
  location: location
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: name
    location: location
    identityPrincipalId: identity.properties.principalId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: name
    location: location
    tenantId: tenantId
    identityPrincipalId: identity.properties.principalId
    signingSecret: signingSecret
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    name: name
    location: location
    secondaryLocation: secondaryLocation
    serverless: cosmosServerless && !twoRegions
    maxThroughput: cosmosMaxThroughput
    databaseName: cosmosDatabase
    identityPrincipalId: identity.properties.principalId
  }
}

var settings = {
  identityId: identity.id
  identityClientId: identity.properties.clientId
  tenantId: tenantId
  cosmosEndpoint: cosmos.outputs.endpoint
  cosmosDatabase: cosmosDatabase
  signingSecretUri: vault.outputs.signingSecretUri
  appInsightsConnectionString: monitoring.outputs.connectionString
  allowedTenants: allowedTenants
  reminderLeadHours: reminderLeadHours
}

module app 'modules/app.bicep' = {
  name: 'app'
  params: {
    name: name
    location: location
    sku: appServiceSku
    settings: settings
  }
}

module secondaryApp 'modules/app.bicep' = if (twoRegions) {
  name: 'app-secondary'
  params: {
    name: '${name}-2'
    location: secondaryLocation
    sku: appServiceSku
    settings: settings
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${app.outputs.hostName}/api/messages'
    msaAppId: identity.properties.clientId
    msaAppType: 'UserAssignedMSI'
    msaAppMSIResourceId: identity.id
    msaAppTenantId: tenantId
    disableLocalAuth: true // no Direct Line or Web Chat keys: Teams is the only channel
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Read by the Toolkit (arm/deploy writes each output into env/.env.<environment>).
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = tenantId
output BOT_DOMAIN string = app.outputs.hostName
output BOT_ENDPOINT string = 'https://${app.outputs.hostName}'
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = app.outputs.resourceId
output BOT_AZURE_APP_SERVICE_RESOURCE_ID_SECONDARY string = twoRegions ? secondaryApp.outputs.resourceId : ''
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
