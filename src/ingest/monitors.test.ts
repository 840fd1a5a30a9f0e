/**
 * What the Azure Monitor, Cloud Monitoring and Grafana parsers (azure.ts,
 * gcp.ts, grafana.ts) make of the fields they read: action, dedup key,
 * severity, summary, source, time.
 */
import { describe, expect, it } from 'vitest';
import { parseAzureAlert } from './azure.js';
import { parseGcpIncident } from './gcp.js';
import { parseGrafanaWebhook } from './grafana.js';

const azure = (essentials: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  parseAzureAlert({
    schemaId: 'azureMonitorCommonAlertSchema',
    data: { essentials: { alertId: '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a-1', ...essentials }, ...more },
  });

describe('Azure Monitor common alert schema', () => {
  it.each([
    ['Sev0', 'critical'],
    ['Sev1', 'error'],
    ['Sev2', 'warning'],
    ['Sev3', 'info'],
    ['Sev4', 'info'],
    [undefined, 'error'],
  ])('severity %s is %s', (severity, expected) => {
    const r = azure({ monitorCondition: 'Fired', ...(severity ? { severity } : {}) });
    expect(r.ok && r.value.severity).toBe(expected);
  });

  it.each([
    [{ alertRule: 'CPU high', description: 'over 90% for 5 minutes' }, 'CPU high: over 90% for 5 minutes'],
    [{ alertRule: 'CPU high', description: '' }, 'CPU high'],
    [{ description: 'over 90%' }, 'over 90%'],
    [{}, 'Azure Monitor alert'],
  ])('summary of %j is "%s"', (fields, summary) => {
    const r = azure({ monitorCondition: 'Fired', ...fields });
    expect(r.ok && r.value.summary).toBe(summary);
  });

  it.each([
    [
      {
        configurationItems: ['vm-1'],
        alertTargetIDs: ['/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-2'],
      },
      'vm-1',
    ],
    [{ alertTargetIDs: ['/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-2'] }, 'vm-2'],
    [{ monitoringService: 'Log Alerts V2' }, 'Log Alerts V2'],
    [{}, 'Azure Monitor'],
  ])('source of %j is %s', (fields, source) => {
    const r = azure({ monitorCondition: 'Fired', ...fields });
    expect(r.ok && r.value.source).toBe(source);
  });

  it('Fired triggers at firedDateTime, Resolved resolves at resolvedDateTime (seven fraction digits read to the millisecond)', () => {
    const times = { firedDateTime: '2019-03-22T13:58:24.3713213Z', resolvedDateTime: '2019-03-22T14:03:16.2246313Z' };
    const fired = azure({ monitorCondition: 'Fired', ...times });
    const resolved = azure({ monitorCondition: 'Resolved', ...times });
    expect(fired.ok && [fired.value.action, fired.value.occurredAt]).toEqual(['trigger', Date.parse('2019-03-22T13:58:24.371Z')]);
    expect(resolved.ok && [resolved.value.action, resolved.value.occurredAt]).toEqual(['resolve', Date.parse('2019-03-22T14:03:16.224Z')]);
    expect(fired.ok && resolved.ok && fired.value.dedupKey === resolved.value.dedupKey).toBe(true);
  });

  it('keeps essentials, alertContext and customProperties as details', () => {
    const r = azure(
      { monitorCondition: 'Fired', severity: 'Sev2' },
      { alertContext: { conditionType: 'LogQueryCriteria' }, customProperties: { team: 'erp' } },
    );
    expect(r.ok && r.value.details).toMatchObject({
      essentials: { severity: 'Sev2' },
      alertContext: { conditionType: 'LogQueryCriteria' },
      customProperties: { team: 'erp' },
    });
  });

  it.each([
    [[], 'the body must be a JSON object, got an array'],
    [{ schemaId: 'Microsoft.Insights/activityLogs' }, 'set "Enable the common alert schema" to Yes'],
    [{ schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: [] } }, "'data.essentials' must be an object, got an array"],
    [
      {
        schemaId: 'azureMonitorCommonAlertSchema',
        data: { essentials: { alertId: 'a', monitorCondition: 'Fired', configurationItems: [3] } },
      },
      "'data.essentials.configurationItems[0]' must be a string, got number 3",
    ],
    [
      {
        schemaId: 'azureMonitorCommonAlertSchema',
        data: { essentials: { alertId: 'a', monitorCondition: 'Fired', firedDateTime: 'noon' } },
      },
      "'data.essentials.firedDateTime' is not an ISO 8601 timestamp",
    ],
  ])('refuses %j: %s', (body, message) => {
    const r = parseAzureAlert(body);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.errors.join('\n')).toContain(message);
  });
});

const gcp = (incident: Record<string, unknown>, version = '1.2') =>
  parseGcpIncident({ version, incident: { incident_id: '0.abc', ...incident } });

describe('Google Cloud Monitoring webhook', () => {
  it.each([
    ['open', 'trigger'],
    ['closed', 'resolve'],
    ['OPEN', 'trigger'],
    ['Closed', 'resolve'],
  ])('state %s is a %s', (state, action) => {
    const r = gcp({ state });
    expect(r.ok && r.value.action).toBe(action);
  });

  it.each([
    ['Critical', 'critical'],
    ['ERROR', 'error'],
    ['Warning', 'warning'],
    ['No severity', 'error'],
    [undefined, 'error'],
  ])('severity %s is %s', (severity, expected) => {
    const r = gcp({ state: 'open', ...(severity ? { severity } : {}) });
    expect(r.ok && r.value.severity).toBe(expected);
  });

  it('the summary is the incident summary, else the policy name; the source the resource', () => {
    const full = gcp({
      state: 'open',
      summary: 'CPU above 0.9',
      policy_name: 'CPU policy',
      resource_display_name: 'vm-1',
      scoping_project_id: 'p',
    });
    const bare = gcp({ state: 'open', policy_name: 'CPU policy', scoping_project_id: 'p' });
    expect(full.ok && [full.value.summary, full.value.source]).toEqual(['CPU above 0.9', 'vm-1']);
    expect(bare.ok && [bare.value.summary, bare.value.source]).toEqual(['CPU policy', 'p']);
  });

  it('opens at started_at and closes at ended_at (seconds); a null ended_at is not yet', () => {
    const open = gcp({ state: 'open', started_at: 1577840461, ended_at: null });
    const closed = gcp({ state: 'closed', started_at: 1577840461, ended_at: 1577877071 });
    expect(open.ok && open.value.occurredAt).toBe(1577840461000);
    expect(closed.ok && closed.value.occurredAt).toBe(1577877071000);
  });

  it('reads the console test notification (version "test")', () => {
    expect(gcp({ state: 'OPEN', summary: 'Test Incident' }, 'test').ok).toBe(true);
  });

  it.each([
    [{ version: '1.2', incident: { state: 'open' } }, "'incident.incident_id' is missing or blank"],
    [
      { version: '1.2', incident: { incident_id: 'i', state: 'acknowledged' } },
      '\'incident.state\' is invalid: got "acknowledged", expected open or closed',
    ],
    [{ version: 1.2, incident: { incident_id: 'i', state: 'open' } }, '\'version\' must be "1.2"'],
    [{ version: '1.2', incident: { incident_id: 'i', state: 'open', ended_at: -5 } }, "'incident.ended_at' must be a time in seconds"],
  ])('refuses %j: %s', (body, message) => {
    const r = parseGcpIncident(body);
    expect(r.ok ? '' : r.errors.join('\n')).toContain(message);
  });
});

describe('Grafana alerting webhook', () => {
  const alert = (more: Record<string, unknown> = {}) => ({
    status: 'firing',
    fingerprint: 'c6eadffa33fcdf37',
    labels: { alertname: 'High memory usage', severity: 'warning' },
    annotations: { summary: 'Memory above 90%' },
    ...more,
  });

  it('reads alerts as Alertmanager does: dedup by fingerprint, severity label, group key', () => {
    const r = parseGrafanaWebhook({
      version: '1',
      groupKey: '{}:{alertname="High memory usage"}',
      alerts: [alert(), alert({ status: 'resolved', fingerprint: 'b' })],
    });
    expect(r.ok && r.value.map((a) => [a.action, a.dedupKey, a.severity, a.summary, a.source, a.groupKey])).toEqual([
      ['trigger', 'c6eadffa33fcdf37', 'warning', 'Memory above 90%', 'Grafana', '{}:{alertname="High memory usage"}'],
      ['resolve', 'b', 'warning', 'Memory above 90%', 'Grafana', '{}:{alertname="High memory usage"}'],
    ]);
  });

  it('keeps silenceURL, values and imageURL; leaves out empty URLs', () => {
    const r = parseGrafanaWebhook({
      version: '1',
      alerts: [alert({ silenceURL: 'https://g/silence', dashboardURL: '', imageURL: 'https://g/i.png', values: { B: 44.2, C: 1 } })],
    });
    expect(r.ok && r.value[0]?.details).toEqual({
      labels: { alertname: 'High memory usage', severity: 'warning' },
      annotations: { summary: 'Memory above 90%' },
      silenceURL: 'https://g/silence',
      imageURL: 'https://g/i.png',
      values: { B: 44.2, C: 1 },
    });
  });

  it.each([
    [{ version: '4', alerts: [alert()] }, '\'version\' must be "1" (Grafana alerting webhook payload version 1), got "4"'],
    [{ version: '1', alerts: [alert({ silenceURL: 7 })] }, "'alerts[0].silenceURL' must be a string, got number 7"],
    [{ version: '1', alerts: [alert({ values: [1] })] }, "'alerts[0].values' must be an object (query ref id -> value), got an array"],
  ])('refuses %j: %s', (body, message) => {
    const r = parseGrafanaWebhook(body);
    expect(r.ok ? '' : r.errors.join('\n')).toContain(message);
  });
});
