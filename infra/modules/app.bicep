// One region's App Service: a Linux plan and the web app running `python app.py` (Python 3.11), on the
// user-assigned managed identity. Every setting has the name the README's settings table gives it.

param name string
param location string
param sku string
param settings object

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy needs Premium v3 with three instances; the default Basic plan keeps a pilot cheap, and secondaryLocation gives a second region
  name: '${name}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: sku
  }
  properties: {
    reserved: true // Linux
  }
}

// The default host name of a site without a unique-hostname scope: what PUBLIC_BASE_URL must name.
var siteName = '${name}-app'
var hostName = '${siteName}.azurewebsites.net'

resource site 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_222: the Bot Framework connector and Teams reach /api/messages and the tab pages over the internet; every request is authenticated by the app (Bot Framework JWT or a signed link)
  // checkov:skip=CKV_AZURE_17: the Bot Framework connector presents no client certificate; it sends a signed JWT, which the app validates
  // checkov:skip=CKV_AZURE_212: one instance by default for cost; a second region (secondaryLocation) or a larger plan capacity is the failover
  name: siteName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${settings.identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: settings.identityId
    siteConfig: {
      linuxFxVersion: 'PYTHON|3.11'
      appCommandLine: 'python app.py'
      alwaysOn: true // the reminder and outbox loops run in the process
      healthCheckPath: '/livez' // liveness: /readyz would take every instance out during a Cosmos DB outage
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      httpLoggingEnabled: true
      detailedErrorLoggingEnabled: true
      requestTracingEnabled: true
      appSettings: [
        { name: 'MicrosoftAppId', value: settings.identityClientId }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppTenantId', value: settings.tenantId }
        { name: 'AZURE_CLIENT_ID', value: settings.identityClientId }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8000' }
        { name: 'WEBSITES_PORT', value: '8000' }
        { name: 'PUBLIC_BASE_URL', value: 'https://${hostName}' }
        { name: 'COSMOS_ENDPOINT', value: settings.cosmosEndpoint }
        { name: 'COSMOS_DATABASE', value: settings.cosmosDatabase }
        { name: 'SIGNING_SECRET', value: '@Microsoft.KeyVault(SecretUri=${settings.signingSecretUri})' }
        { name: 'ALLOWED_TENANTS', value: settings.allowedTenants }
        { name: 'REMINDER_LEAD_HOURS', value: settings.reminderLeadHours }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: settings.appInsightsConnectionString }
        { name: 'LOG_FORMAT', value: 'json' }
        { name: 'SHUTDOWN_TIMEOUT_SECONDS', value: '20' }
        { name: 'STORE_CACHE_SECONDS', value: '2' } // one instance serves the bot: set '0' before scaling out (README, "Storage")
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' } // pip install -r requirements.txt on deploy
      ]
    }
  }
}

output hostName string = site.properties.defaultHostName
output resourceId string = site.id
