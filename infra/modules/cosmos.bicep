// Azure Cosmos DB for the bot's store (store/cosmos.py): Entra ID role-based access only (key auth disabled),
// the two containers partitioned on /projectId with expiry on (defaultTtl -1: only documents with a `ttl`
// expire: delivery claims), and indexes on only what the store queries.

param name string
param location string
param secondaryLocation string
param serverless bool
param maxThroughput int
param databaseName string
param identityPrincipalId string

// Cosmos DB Built-in Data Contributor: read and write items; no account keys, no control plane.
var dataContributor = '00000000-0000-0000-0000-000000000002'
var regions = concat([location], empty(secondaryLocation) ? [] : [secondaryLocation])

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  // checkov:skip=CKV_AZURE_101: App Service on a Basic plan has no private endpoint or VNet integration here; access is Entra ID role-based only (key auth disabled), so a caller needs the bot's identity
  // checkov:skip=CKV_AZURE_99: an IP filter would need App Service's outbound addresses, known only after it exists; Entra ID role-based access (key auth disabled) is the gate
  name: '${name}-cosmos'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [for (region, index) in regions: {
      locationName: region
      failoverPriority: index
      isZoneRedundant: false
    }]
    enableAutomaticFailover: length(regions) > 1
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: maxThroughput
      }
    }
  }
}

// projects: every read is a point read; the one query is
// SELECT * FROM c WHERE c.projectId = @projectId [AND c.type = @type], within one partition.
resource projects 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'projects'
  properties: {
    resource: {
      id: 'projects'
      partitionKey: {
        paths: ['/projectId']
        kind: 'Hash'
      }
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/projectId/?'
          }
          {
            path: '/type/?'
          }
        ]
        excludedPaths: [
          {
            path: '/*'
          }
        ]
      }
    }
  }
}

// botstate: botbuilder's conversation state, read and written by id only: nothing to index.
resource botstate 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'botstate'
  properties: {
    resource: {
      id: 'botstate'
      partitionKey: {
        paths: ['/projectId']
        kind: 'Hash'
      }
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: []
        excludedPaths: [
          {
            path: '/*'
          }
        ]
      }
    }
  }
}

resource writer 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, identityPrincipalId, dataContributor)
  properties: {
    principalId: identityPrincipalId
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributor}'
    scope: account.id
  }
}

output endpoint string = account.properties.documentEndpoint
