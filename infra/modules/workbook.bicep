// Azure Monitor workbook: per-sheet status, leads written and sync duration (infra/workbook.json).

param location string
param tags object = {}
param applicationInsightsId string
param displayName string = 'Lead Sync'

resource workbook 'Microsoft.Insights/workbooks@2022-04-01' = {
  name: guid(resourceGroup().id, applicationInsightsId, 'leadsync-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string(loadJsonContent('../workbook.json'))
  }
}

output id string = workbook.id
