/**
 * What an event does, as tables, without a database: the demo engagement
 * (Acme Payments and NightOwl MSP), rows as the stores return them, and the
 * plan each action gives. Tuesday 2026-11-24 23:47 in New York the partner
 * owns infrastructure.
 */
import { describe, expect, it } from 'vitest';
import type { AlertRow, IncidentRow } from '../db/schema.js';
import type { Service } from '../engagement/model.js';
import type { AlertAction } from './event.js';
import { detectionContext, foldRetrigger, incidentToRead, planAlertAction, planChange } from './plan.js';
import type { AlertInput, AlertPlan, PlannedEvent } from './plan.js';
import { demoEngagement } from '../engagement/test-fixtures.js';
import { incidentRow } from '../incident/test-fixtures.js';

/** Tuesday 2026-11-24 23:47 in New York. */
const NIGHT = Date.parse('2026-11-25T04:47:00Z');

const acme = demoEngagement();
function service(id: string): Service {
  const s = acme.services.find((x) => x.id === id);
  if (!s) throw new Error(id);
  return s;
}

const event: PlannedEvent = {
  id: 41,
  engagement_id: 'acme',
  service_id: 'payments-api',
  integration_type: 'pagerduty',
  received_at: NIGHT,
};
const actor = { type: 'integration', id: 'pagerduty', name: 'pagerduty integration' };

function alert(o: Partial<AlertRow> = {}): AlertRow {
  return {
    id: 3,
    engagement_id: 'acme',
    service_id: 'payments-api',
    incident_id: 7,
    dedup_key: 'db-down',
    status: 'triggered',
    summary: 'Database down',
    severity: 'critical',
    source: null,
    details: null,
    integration_type: 'pagerduty',
    created_at: NIGHT - 60_000,
    updated_at: NIGHT - 60_000,
    resolved_at: null,
    event_count: 1,
    ...o,
  };
}

function incident(o: Partial<IncidentRow> = {}): IncidentRow {
  return incidentRow({ created_at: NIGHT, updated_at: NIGHT, ...o });
}

const trigger = (o: Partial<AlertAction> = {}): AlertAction => ({ type: 'alert', action: 'trigger', dedupKey: 'db-down', ...o });
const act = (action: 'acknowledge' | 'resolve'): AlertAction => ({ type: 'alert', action, dedupKey: 'db-down' });

function input(o: Partial<AlertInput>): AlertInput {
  return { event, action: trigger(), alert: undefined, incident: undefined, engagement: acme, service: service('payments-api'), ...o };
}
function plan<T extends AlertPlan['type']>(type: T, i: AlertInput): Extract<AlertPlan, { type: T }> {
  const p = planAlertAction(i);
  if (p.type !== type) throw new Error(`expected ${type}, got ${p.type}`);
  return p as Extract<AlertPlan, { type: T }>;
}

describe('which incident an action needs', () => {
  it.each([
    ['a trigger for an open alert', trigger({ groupKey: 'g' }), alert(), undefined],
    ['a trigger with no group', trigger(), undefined, undefined],
    ['a trigger with an empty group', trigger({ groupKey: '' }), undefined, undefined],
    ['a trigger with a group', trigger({ groupKey: 'g' }), undefined, { groupKey: 'g' }],
    ['an acknowledge for an open alert', act('acknowledge'), alert(), { id: 7 }],
    ['a resolve for an open alert', act('resolve'), alert(), { id: 7 }],
    ['a resolve with no open alert', act('resolve'), undefined, undefined],
  ])('%s', (_, action, open, wanted) => {
    expect(incidentToRead(action, open)).toEqual(wanted);
  });
});

describe('a trigger', () => {
  it('for an open alert adds to its log, keeps its summary when none is sent, and pages nobody', () => {
    const p = plan('retrigger', input({ alert: alert(), action: trigger({ details: { disk: 'full' } }) }));
    expect(p.alert).toEqual(alert());
    expect(p.update).toEqual({ summary: 'Database down', details: '{"disk":"full"}', at: NIGHT });
    expect(p.timeline).toEqual([
      {
        engagementId: 'acme',
        at: NIGHT,
        actor,
        eventId: 41,
        kind: 'alert.retriggered',
        message: 'Trigger for the open alert "db-down" added to its log: Database down. Nobody paged again.',
        data: { dedup_key: 'db-down', summary: 'Database down' },
      },
    ]);
  });

  it("for an open alert with a new summary: the alert reads it, and no details keeps the alert's", () => {
    const p = plan('retrigger', input({ alert: alert(), action: trigger({ summary: 'Database still down' }) }));
    expect(p.alert.summary).toBe('Database still down');
    expect(p.update.details).toBeNull();
  });

  it('a security detection for one resolved within its suppress window (apply.ts found it) adds to its log; it stays resolved', () => {
    const resolved = alert({ status: 'resolved', resolved_at: NIGHT - 30_000, created_at: NIGHT - 180_000, integration_type: 'security' });
    const p = plan('retrigger', input({ alert: resolved, action: trigger({ suppressMs: 600_000 }) }));
    expect(p.alert.status).toBe('resolved');
    expect(p.timeline[0]).toMatchObject({
      kind: 'alert.retriggered',
      message:
        'Detection "db-down" hit again 3 min after it opened, within its suppress window: added to its log (Database down). It stays resolved; nobody paged.',
      data: { dedup_key: 'db-down', summary: 'Database down', suppressed: true },
    });
  });

  it('with no open alert opens an incident: priority from severity x criticality, owner from coverage at the instant received', () => {
    const action = trigger({
      summary: 'Database down',
      severity: 'critical',
      source: 'db-1',
      occurredAt: NIGHT - 5000,
      details: { disk: 'full' },
    });
    const p = plan('open', input({ action }));
    expect(p.incident).toEqual({
      engagementId: 'acme',
      serviceId: 'payments-api',
      title: 'Database down',
      severity: 'critical',
      priority: 'P1',
      groupKey: null,
      side: 'partner',
      at: NIGHT,
    });
    expect(p.alert).toEqual({
      engagement_id: 'acme',
      service_id: 'payments-api',
      dedup_key: 'db-down',
      status: 'triggered',
      summary: 'Database down',
      severity: 'critical',
      source: 'db-1',
      details: JSON.stringify({ disk: 'full', source: 'db-1', occurred_at: new Date(NIGHT - 5000).toISOString() }),
      integration_type: 'pagerduty',
      created_at: NIGHT,
      updated_at: NIGHT,
      resolved_at: null,
      event_count: 1,
    });
    expect(p.timeline.map((e) => [e.kind, e.message, e.data])).toEqual([
      [
        'incident.triggered',
        'Incident opened on Payment processing API: Database down. Priority P1 (severity critical x criticality 1).',
        { priority: 'P1', severity: 'critical', criticality: 1, pages: true, service: 'payments-api' },
      ],
      ['alert.triggered', 'Alert "db-down" opened by a pagerduty event: Database down', { dedup_key: 'db-down', severity: 'critical' }],
    ]);
    expect(p.hooks?.pages).toBe(true);
    expect(p.hooks?.route?.side).toBe('partner');
  });

  it.each([
    // severity, service, priority, pages, the end of the opening sentence
    ['critical', 'payments-api', 'P1', true, 'Priority P1 (severity critical x criticality 1).'],
    ['warning', 'storefront', 'P3', true, 'Priority P3 (severity warning x criticality 2).'],
    ['info', 'laptops', 'P5', false, 'Priority P5 (severity info x criticality 4); P5 pages nobody.'],
    [undefined, 'laptops', 'P4', false, 'Priority P4 (severity error x criticality 4); P4 pages nobody.'],
  ] as const)('severity %s on %s is %s (pages: %s)', (severity, serviceId, priority, pages, sentence) => {
    const p = plan('open', input({ service: service(serviceId), action: trigger(severity ? { severity } : {}) }));
    expect(p.incident.priority).toBe(priority);
    expect(p.hooks?.pages).toBe(pages);
    expect(p.timeline[0]?.message.endsWith(sentence)).toBe(true);
  });

  it("with the dedup key as summary, no details and a group it opens the group's incident", () => {
    const p = plan('open', input({ action: trigger({ groupKey: 'g1' }) }));
    expect(p.alert).toMatchObject({ summary: 'db-down', severity: 'error', source: null, details: null });
    expect(p.incident.groupKey).toBe('g1');
  });

  it('of an engagement not loaded opens at P3 with nobody routed and no hooks told', () => {
    const p = plan('open', input({ engagement: undefined, service: undefined, action: trigger({ severity: 'warning' }) }));
    expect(p.incident).toMatchObject({ priority: 'P3', side: null });
    expect(p.hooks).toBeUndefined();
    expect(p.timeline[0]?.message).toBe('Incident opened on payments-api: db-down. Priority P3 (severity warning; engagement not loaded).');
  });

  it('naming the group of an open incident joins it', () => {
    const grouped = incident({ id: 9, group_key: 'g1' });
    const p = plan('join', input({ action: trigger({ groupKey: 'g1', summary: 'Replica lag' }), incident: grouped }));
    expect(p.incident).toBe(grouped);
    expect(p.alert.summary).toBe('Replica lag');
    expect(p.timeline.map((e) => [e.kind, e.message])).toEqual([
      ['alert.triggered', 'Alert "db-down" joined the incident (same pagerduty group): Replica lag'],
    ]);
  });
});

describe('an acknowledge', () => {
  it.each([
    // alert status, incident status, alert changes, incident acknowledged
    ['triggered', 'triggered', true, true],
    ['acknowledged', 'triggered', false, true],
    ['triggered', 'acknowledged', true, false],
    ['acknowledged', 'waiting_on_vendor', false, false],
  ])('of a %s alert on a %s incident', (alertStatus, incidentStatus, alertChanged, incidentAcknowledged) => {
    const p = plan(
      'acknowledge',
      input({ action: act('acknowledge'), alert: alert({ status: alertStatus }), incident: incident({ status: incidentStatus }) }),
    );
    expect(p.alertChanged).toBe(alertChanged);
    expect(p.alert.status).toBe('acknowledged');
    expect(p.acknowledgeIncident).toEqual(incidentAcknowledged ? { via: 'pagerduty event', eventId: 41, alertId: 3 } : undefined);
    expect(p.actor).toEqual(actor);
    expect(p.timeline.map((e) => [e.kind, e.message, e.data])).toEqual([
      ['alert.acknowledged', 'Acknowledge event for alert "db-down"', { dedup_key: 'db-down' }],
    ]);
  });
});

describe('a resolve', () => {
  it.each([
    [1, true],
    [2, false],
    [0, true],
  ])('with %i open alerts on the incident resolves the incident: %s', (open, resolves) => {
    const p = plan('resolve', input({ action: act('resolve'), alert: alert(), incident: incident({ open_alert_count: open }) }));
    expect(p.resolveIncident).toEqual(
      resolves ? { via: 'its last alert resolved by a pagerduty event', eventId: 41, alertId: 3 } : undefined,
    );
    expect(p.timeline.map((e) => [e.kind, e.message])).toEqual([['alert.resolved', 'Resolve event for alert "db-down"']]);
  });
});

describe('changing nothing', () => {
  it.each([
    ['an acknowledge with no open alert', input({ action: act('acknowledge') }), 'no open alert for "db-down"'],
    ['a resolve with no open alert', input({ action: act('resolve') }), 'no open alert for "db-down"'],
    ['a resolve whose incident is gone', input({ action: act('resolve'), alert: alert() }), 'the incident of alert 3 is not there'],
  ])('%s', (_, i, reason) => {
    expect(planAlertAction(i)).toEqual({ type: 'ignore', reason });
  });
});

describe('re-triggers folded into one update per alert', () => {
  it.each([
    ['the first', undefined, { summary: 'a', details: '{"n":1}', at: 1 }, { count: 1, summary: 'a', details: '{"n":1}', at: 1 }],
    [
      'one without details keeps the newest before it',
      { count: 1, summary: 'a', details: '{"n":1}', at: 1 },
      { summary: 'b', details: null, at: 2 },
      { count: 2, summary: 'b', details: '{"n":1}', at: 2 },
    ],
    [
      'one with details replaces them',
      { count: 2, summary: 'b', details: '{"n":1}', at: 2 },
      { summary: 'b', details: '{"n":3}', at: 3 },
      { count: 3, summary: 'b', details: '{"n":3}', at: 3 },
    ],
    [
      "none with details keeps the alert's",
      undefined,
      { summary: 'a', details: null, at: 1 },
      { count: 1, summary: 'a', details: null, at: 1 },
    ],
  ])('%s', (_, prior, next, folded) => {
    expect(foldRetrigger(prior, next)).toEqual(folded);
  });
});

describe('a change event', () => {
  it.each([
    [
      'when the sender says it happened',
      { occurredAt: NIGHT - 1000, details: { sha: 'abc' }, source: 'ci' },
      NIGHT - 1000,
      '{"sha":"abc"}',
      'ci',
    ],
    ['when received, if the sender does not say', {}, NIGHT, null, null],
  ])('is recorded at %s', (_, extra, at, data, source) => {
    expect(planChange(event, { type: 'change', summary: 'Deploy v42', ...extra })).toEqual({
      type: 'change',
      change: { engagement_id: 'acme', service_id: 'payments-api', at, summary: 'Deploy v42', source, data, event_id: 41 },
    });
  });
});

describe('detectionContext: what a Sigma detection adds to its alert.triggered entry', () => {
  const trigger = (details?: Record<string, unknown>): AlertAction => ({
    type: 'alert',
    action: 'trigger',
    dedupKey: 'sigma:r1:web-01',
    summary: 'Linux Webshell Indicators on web-01',
    severity: 'error',
    ...(details === undefined ? {} : { details }),
  });
  it.each([
    { name: 'an alert that is not a detection: nothing', details: undefined, text: undefined },
    { name: 'details without a detection: nothing', details: { host: 'web-01' }, text: undefined },
    {
      name: 'a technique with its name, and the tactic',
      details: {
        detection: {
          rule: { id: 'r1' },
          attack: { tactics: ['Persistence'], techniques: [{ id: 'T1505.003', name: 'Server Software Component: Web Shell' }] },
        },
      },
      text: ' (ATT&CK T1505.003 Server Software Component: Web Shell; tactics Persistence)',
    },
    {
      name: 'a technique whose name is not known: its id',
      details: { detection: { rule: { id: 'r1' }, attack: { tactics: [], techniques: [{ id: 'T9999', name: null }] } } },
      text: ' (ATT&CK T9999)',
    },
    { name: 'a rule without ATT&CK tags: no text, the rule in the data', details: { detection: { rule: { id: 'r1' } } }, text: '' },
    { name: 'garbage in the attack field is ignored', details: { detection: { attack: { techniques: 'T1', tactics: [3] } } }, text: '' },
  ])('$name', ({ details, text }) => {
    expect(detectionContext(trigger(details))?.text).toBe(text);
  });
});
