// Alerts on the telemetry Lead Sync really emits (shared/telemetry.py): `sheet_sync` records per
// sheet and `sync_run` records per run, as traces with customDimensions; plus the host's requests.
// tests/test_infra.py checks every event and dimension named below against what the code logs.

param location string
param tags object = {}

@description('Application Insights component the production app reports to.')
param applicationInsightsId string

@description('Production function app name (cloud_RoleName): staging never pages anyone.')
param appName string

@description('Minutes between timer runs (SYNC_SCHEDULE); the heartbeat fires after two without a completed run.')
param scheduleIntervalMinutes int = 15

@description('E-mail addresses that receive the alerts.')
param alertEmails array

@description('Optional webhook (Teams or Slack incoming webhook URL); empty for none.')
@secure()
param alertWebhookUrl string = ''

@description('Production app host name: the alert text links to its health detail, which answers the alert.')
param appHostName string

@description('Failed requests or function invocations in 15 minutes that raise the API alert.')
param failureThreshold int = 5

var interval = 'PT${scheduleIntervalMinutes}M'
// Where a person reads what happened (function key needed); the alert's `sheet` dimension fills in the id.
var healthDetail = 'https://${appHostName}/api/leads/health/detail'
// Static context added to every alert payload (common alert schema, customProperties).
var context = {
  healthDetail: '${healthDetail}?sheet=<the sheet dimension of this alert>'
  runbook: 'docs/operations.md in the Lead Sync repository'
}
var heartbeatWindow = 'PT${scheduleIntervalMinutes * 2}M'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${appName}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'leadsync'
    enabled: true
    emailReceivers: [for (email, i) in alertEmails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
    webhookReceivers: empty(alertWebhookUrl) ? [] : [
      {
        name: 'webhook'
        serviceUri: alertWebhookUrl
        useCommonAlertSchema: true
      }
    ]
  }
}

var sheetErrorQuery = format('''
traces
| where cloud_RoleName =~ '{0}'
| where tostring(customDimensions.event) == "sheet_sync" and tostring(customDimensions.status) == "ERROR"
| where not(tostring(customDimensions.reason_codes) has "guard_blocked")
| summarize errors = count() by sheet = tostring(customDimensions.sheet_id), reasons = tostring(customDimensions.reason_codes)
''', appName)

var guardBlockedQuery = format('''
traces
| where cloud_RoleName =~ '{0}'
| where tostring(customDimensions.event) == "sheet_sync" and tostring(customDimensions.reason_codes) has "guard_blocked"
| summarize blocked = count() by sheet = tostring(customDimensions.sheet_id)
''', appName)

// sync_run with trigger "timer" is logged when the timer has handed every sheet to the queue.
var heartbeatQuery = format('''
traces
| where cloud_RoleName =~ '{0}'
| where tostring(customDimensions.event) == "sync_run" and tostring(customDimensions.trigger) == "timer"
| project timestamp, status = tostring(customDimensions.status), sheets = toint(customDimensions.sheets)
''', appName)

var apiFailureQuery = format('''
requests
| where cloud_RoleName =~ '{0}'
| where success == false or toint(resultCode) >= 500
| summarize failures = count() by operation_Name
''', appName)

resource sheetError 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-${appName}-sheet-error'
  location: location
  tags: tags
  properties: {
    displayName: 'Lead Sync: a sheet failed to sync'
    description: 'A sheet ended a sync in ERROR (bad setting, unshared sheet, missing essential column, storage). The cause and its fix: ${healthDetail}?sheet=SHEET (SHEET is the alert\'s sheet dimension; function key).'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: interval
    windowSize: interval
    criteria: {
      allOf: [
        {
          query: sheetErrorQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'sheet'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
      customProperties: context
    }
  }
}

resource guardBlocked 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-${appName}-guard-blocked'
  location: location
  tags: tags
  properties: {
    displayName: 'Lead Sync: a drop of leads is blocked, awaiting approval'
    description: 'A sheet lost more leads than its limit (or came back empty); nothing was written. The blocked change and its evidence: ${healthDetail}?sheet=SHEET (the alert\'s sheet dimension). Fix the sheet, or approve that change (runbook: A blocked sheet).'
    severity: 1
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: interval
    windowSize: interval
    criteria: {
      allOf: [
        {
          query: guardBlockedQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'sheet'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
      customProperties: context
    }
  }
}

resource heartbeat 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-${appName}-no-sync'
  location: location
  tags: tags
  properties: {
    displayName: 'Lead Sync: no completed sync run for two schedule intervals'
    description: 'The timer stopped (app down, timer disabled, deploy broke indexing) or runs never finish. Health keeps showing the last state, so check the function app and its logs.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: interval
    windowSize: heartbeatWindow
    criteria: {
      allOf: [
        {
          query: heartbeatQuery
          timeAggregation: 'Count'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
      customProperties: context
    }
  }
}

resource apiFailures 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-${appName}-api-failures'
  location: location
  tags: tags
  properties: {
    displayName: 'Lead Sync: HTTP 5xx or failed function invocations'
    description: 'Requests answered 5xx or invocations failed above the threshold in 15 minutes; the CRM dashboard may be affected.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: apiFailureQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: failureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
      customProperties: context
    }
  }
}

output actionGroupId string = actionGroup.id
