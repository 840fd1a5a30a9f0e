/**
 * The SLA plan without a database: rows as the engine would claim them,
 * facts as the store would read them, and what one pass decides to write.
 * The stories are the demo engagement's (partner-sla 24x7 with credits,
 * internal-ola on business hours) on Tuesday night and before Thanksgiving.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentRow } from '../db/schema.js';
import type { Engagement } from '../engagement/model.js';
import type { IncidentStatus } from '../incident/store.js';
import type { StatusChange } from './clock.js';
import { newSlaRows, statusHistories } from './evaluate.js';
import type { SlaPlan } from './plan.js';
import { checkSlas, incidentsToWarn, planSlaWrites, respondersFrom } from './plan.js';
import type { PageSent, SlaRow } from './store.js';
import { M, NY, buildEngagement, dur, internalOla, iso, partnerSla, wall } from './test-fixtures.js';
import { incidentRow } from '../incident/test-fixtures.js';

const ny = (local: string): number => wall(NY, local);
/** Tuesday 23:47: a partner P1 opens. */
const T = ny('2026-11-24T23:47');
const at = (min: number): number => T + min * M;

/** The demo engagement with both SLAs; Kim is emailed at once when paged. */
const acme: Engagement = buildEngagement({
  slas: [partnerSla, internalOla],
  people: buildEngagement().people.map((p) => (p.id === 'kim' ? { ...p, notify: [{ channel: 'email', after: dur('0m') }] } : p)),
});

function incident(over: Partial<IncidentRow> = {}): IncidentRow {
  return incidentRow({ number: 42, title: 'payments down', created_at: T, updated_at: T, ...over });
}

const history = (...entries: Array<[number, IncidentStatus]>): StatusChange[] => entries.map(([a, status]) => ({ at: a, status }));

/** The rows the incident got when it opened (ids 1, 2, ...), as the engine claims them. */
function openedRows(i: IncidentRow, engagement: Engagement = acme): SlaRow[] {
  return newSlaRows(engagement, i, history([i.created_at, 'triggered']), i.created_at).map((r, n) => ({ ...r, id: n + 1 }));
}

/** Kim was paged by escalation step 5 (Sam by an earlier step). */
const kimPaged: PageSent[] = [
  { stepId: 5, recipientKind: 'person', recipientId: 'kim' },
  { stepId: 5, recipientKind: 'team', recipientId: 'noc' },
  { stepId: 4, recipientKind: 'person', recipientId: 'sam' },
];

interface LookOptions {
  readonly engagement?: Engagement;
  readonly pages?: PageSent[];
}

function look(
  rows: readonly SlaRow[],
  i: IncidentRow | undefined,
  h: readonly StatusChange[],
  now: number,
  opts: LookOptions = {},
): SlaPlan {
  const engagement = opts.engagement ?? acme;
  const facts = {
    incidents: new Map(i ? [[i.id, i]] : []),
    histories: new Map(i ? [[i.id, h]] : []),
    engagement: (id: string) => (id === engagement.id ? engagement : undefined),
  };
  const checks = checkSlas(rows, facts, now);
  const pages = new Map(i && opts.pages ? [[i.id, opts.pages]] : []);
  return planSlaWrites(checks, pages, now);
}

/** The row after a pass applied the plan's update to it. */
function applied(rows: readonly SlaRow[], plan: SlaPlan): SlaRow[] {
  return rows.map((r) => {
    const u = plan.updates.find((x) => x.id === r.id);
    return u ? { ...r, ...u.patch } : r;
  });
}

/** The fields a table row checks, instants as ISO. */
function rowView(plan: SlaPlan, id: number) {
  const p = plan.updates.find((u) => u.id === id)?.patch;
  return (
    p && { status: p.status, next: iso(p.next_check_at), warned: p.warned, breachedAt: iso(p.breached_at), elapsedMin: p.elapsed_ms / M }
  );
}

describe("an incident opening gets its side's SLA rows", () => {
  it.each([
    [
      'partner P1: partner-sla respond and resolve, first look at the 50% warnings',
      incident(),
      [
        ['partner-sla', 'respond', iso(at(7.5))],
        ['partner-sla', 'resolve', iso(at(120))],
      ],
    ],
    [
      'internal: internal-ola (business hours from Wednesday 08:00), first look at 75%',
      incident({ side: 'internal' }),
      [
        ['internal-ola', 'respond', iso(ny('2026-11-25T08:22:30'))],
        ['internal-ola', 'resolve', iso(ny('2026-11-25T14:00'))],
      ],
    ],
    ['no side: none', incident({ side: null }), []],
  ])('%s', (_, i, expected) => {
    expect(openedRows(i).map((r) => [r.sla_id, r.kind, iso(r.next_check_at)])).toEqual(expected);
  });
});

describe('one pass over due rows (partner P1 opened Tuesday 23:47: respond 15m, resolve 4h, warnings at 50/75/90%)', () => {
  const opened = incident();
  const rows = openedRows(opened);
  const triggered = history([T, 'triggered']);

  it('at risk: at 50% of the respond target the current responders are warned once, and the next look is at 75%', () => {
    const plan = look(rows, opened, triggered, at(7.5), { pages: kimPaged });
    expect(rowView(plan, 1)).toEqual({ status: 'running', next: iso(at(11.25)), warned: [0.5], breachedAt: null, elapsedMin: 7.5 });
    expect(rowView(plan, 2)).toEqual({ status: 'running', next: iso(at(120)), warned: [], breachedAt: null, elapsedMin: 7.5 });
    expect(plan.notifications.map((n) => [n.recipient_id, n.channel, n.kind, n.reason])).toEqual([
      ['kim', 'email', 'sla_warning', 'SLA partner-sla: 50% of the respond target used'],
    ]);
    expect(plan.timeline.map((e) => [e.kind, e.message])).toEqual([
      [
        'sla.warning',
        'SLA warning: partner-sla respond target for P1 (15m) is 50% used; 7m 30s left, due by 2026-11-25T05:02:00.000Z. Notifying Kim Tan.',
      ],
    ]);
    expect(plan.breaches).toEqual([]);
    // The next pass at 75% does not warn at 50% again.
    const again = look(applied(rows, plan), opened, triggered, at(11.25), { pages: kimPaged });
    expect(again.timeline.map((e) => e.data)).toEqual([{ sla: 'partner-sla', kind: 'respond', threshold: 0.75, priority: 'P1' }]);
  });

  it('at risk with nobody paged yet: the warning is recorded, nobody is notified', () => {
    const plan = look(rows, opened, triggered, at(7.5));
    expect(plan.notifications).toEqual([]);
    expect(plan.timeline[0]?.message).toMatch(/ Nobody has been paged to notify\.$/);
  });

  it('met: acknowledged at 10m, the respond clock stops; the 50% threshold it crossed is settled, not sent', () => {
    const acked = incident({ status: 'acknowledged', acknowledged_at: at(10), acknowledged_by: 'person:kim' });
    const plan = look(rows, acked, history([T, 'triggered'], [at(10), 'acknowledged']), at(10), { pages: kimPaged });
    expect(rowView(plan, 1)).toEqual({ status: 'met', next: null, warned: [0.5], breachedAt: null, elapsedMin: 10 });
    expect(plan.updates.find((u) => u.id === 1)?.patch.stopped_at).toBe(at(10));
    expect(plan.timeline).toEqual([]);
    expect(plan.notifications).toEqual([]);
  });

  it('breached once: the first look after the deadline records the breach and its credit; later looks do not again', () => {
    const plan = look(rows, opened, triggered, at(15) + 1);
    const breachedRow = { status: 'breached', next: null, warned: [0.5, 0.75, 0.9], breachedAt: iso(at(15)), elapsedMin: 15 + 1 / M };
    expect(rowView(plan, 1)).toEqual(breachedRow);
    expect(plan.breaches).toEqual([{ engagementId: 'acme', sla: 'partner-sla', kind: 'respond' }]);
    expect(plan.timeline.map((e) => [e.kind, e.message, e.data])).toEqual([
      [
        'sla.breached',
        'SLA breached: partner-sla respond target for P1 (15m) was due by 2026-11-25T05:02:00.000Z. Service credit: 5% of the monthly fee.',
        { sla: 'partner-sla', kind: 'respond', priority: 'P1', breached_at: at(15), credit_fraction: 0.05 },
      ],
    ]);
    const acked = incident({ status: 'acknowledged', acknowledged_at: at(20) });
    const later = look(applied(rows, plan), acked, history([T, 'triggered'], [at(20), 'acknowledged']), at(20));
    expect(later.breaches).toEqual([]);
    expect(later.timeline).toEqual([]);
    expect(rowView(later, 1)).toMatchObject({ status: 'breached', breachedAt: iso(at(15)) });
    expect(later.updates.find((u) => u.id === 1)?.patch.breach_priority).toBe('P1');
  });

  it('paused while waiting on the customer: nothing to look at until it changes; back to acknowledged, the clock resumes where it stopped', () => {
    const waiting = incident({ status: 'waiting_on_customer', acknowledged_at: at(5) });
    const h = history([T, 'triggered'], [at(5), 'acknowledged'], [at(60), 'waiting_on_customer']);
    const paused = look(rows, waiting, h, at(90));
    expect(rowView(paused, 2)).toEqual({ status: 'paused', next: null, warned: [], breachedAt: null, elapsedMin: 60 });
    const back = incident({ status: 'acknowledged', acknowledged_at: at(5) });
    const resumed = look(applied(rows, paused), back, [...h, { at: at(180), status: 'acknowledged' }], at(180));
    // 60 minutes counted; 50% of 4h is reached 60 minutes after the clock resumed.
    expect(rowView(resumed, 2)).toEqual({ status: 'running', next: iso(at(240)), warned: [], breachedAt: null, elapsedMin: 60 });
  });

  it('a P1 raised from P2 after 20 minutes is past the 15-minute respond target at once', () => {
    const p2 = incident({ priority: 'P2' });
    const p2Rows = openedRows(p2);
    const plan = look(p2Rows, { ...p2, priority: 'P1' }, triggered, at(20));
    expect(rowView(plan, 1)).toMatchObject({ status: 'breached', breachedAt: iso(at(15)) });
    expect(plan.breaches).toHaveLength(1);
  });

  it.each([
    ['the SLA was removed from the file', rows, opened, buildEngagement({ slas: [internalOla] })],
    ['the incident is gone', rows, undefined, acme],
    ['the engagement is gone', rows, opened, buildEngagement({ id: 'other', slas: [partnerSla] })],
  ])('%s: the rows are never looked at again, nothing else is written', (_, claimed, i, engagement) => {
    const plan = look(claimed, i, triggered, at(8), { engagement });
    expect(plan).toEqual({ stop: [1, 2], updates: [], notifications: [], timeline: [], breaches: [] });
  });
});

describe('a business-hours clock (internal-ola: respond 30m, warn at 75%)', () => {
  // Opened Wednesday 17:30 before Thanksgiving: 30 business minutes run out at 18:00 exactly.
  const opened = incident({ side: 'internal', created_at: ny('2026-11-25T17:30'), updated_at: ny('2026-11-25T17:30') });
  const rows = openedRows(opened);
  const h = history([opened.created_at, 'triggered']);

  it('warns at 17:52:30, then looks next when business hours reopen on Friday (the breach), not at 18:00', () => {
    expect(iso(rows[0]?.next_check_at ?? null)).toBe(iso(ny('2026-11-25T17:52:30')));
    const warned = look(rows, opened, h, ny('2026-11-25T17:52:30'));
    expect(rowView(warned, 1)).toEqual({
      status: 'running',
      next: iso(ny('2026-11-27T08:00') + 1),
      warned: [0.75],
      breachedAt: null,
      elapsedMin: 22.5,
    });
    expect(warned.timeline.map((e) => e.kind)).toEqual(['sla.warning']);
    const breached = look(applied(rows, warned), opened, h, ny('2026-11-27T08:00') + 1);
    expect(rowView(breached, 1)).toMatchObject({ status: 'breached', breachedAt: iso(ny('2026-11-27T08:00')) });
    // internal-ola has no credits.
    expect(breached.timeline[0]?.data).toMatchObject({ credit_fraction: 0 });
  });
});

describe('who a warning goes to, and which incidents need that read', () => {
  it.each([
    ['nobody paged', [], []],
    [
      'the people of the latest step, in the order they were paged, once each',
      [
        { stepId: 9, recipientKind: 'person', recipientId: 'mo' },
        { stepId: 9, recipientKind: 'person', recipientId: 'kim' },
        { stepId: 9, recipientKind: 'person', recipientId: 'mo' },
        { stepId: 8, recipientKind: 'person', recipientId: 'sam' },
      ],
      ['kim', 'mo'],
    ],
    ['team addresses are not responders', [{ stepId: 3, recipientKind: 'team', recipientId: 'noc' }], []],
  ] as Array<[string, PageSent[], string[]]>)('%s', (_, pages, expected) => {
    expect(respondersFrom(pages).map((r) => r.id)).toEqual(expected);
  });

  it('only incidents with a warning to send', () => {
    const a = incident();
    const b = incident({ id: 8, created_at: at(-5) });
    const claimed = [...openedRows(a), ...openedRows(b).map((r) => ({ ...r, id: r.id + 10 }))];
    const facts = {
      incidents: new Map([
        [7, a],
        [8, b],
      ]),
      histories: new Map<number, StatusChange[]>(),
      engagement: () => acme,
    };
    // At 3 minutes incident 8 (opened 5 minutes earlier) is at 8 of 15 minutes; incident 7 is at 3.
    expect(incidentsToWarn(checkSlas(claimed, facts, at(3)))).toEqual([8]);
  });
});

describe('status histories from timeline entries', () => {
  it('takes the status each entry moved to, skips entries naming none, and never goes back in time', () => {
    const entries = [
      { incidentId: 1, at: 100, kind: 'incident.triggered', to: 'triggered' },
      { incidentId: 1, at: 200, kind: 'incident.acknowledged', to: 'acknowledged' },
      { incidentId: 1, at: 150, kind: 'incident.status', to: 'waiting_on_vendor' },
      { incidentId: 2, at: 300, kind: 'incident.status', to: null },
    ];
    expect([...statusHistories(entries)]).toEqual([
      [
        1,
        [
          { at: 100, status: 'triggered' },
          { at: 200, status: 'acknowledged' },
          { at: 200, status: 'waiting_on_vendor' },
        ],
      ],
      [2, []],
    ]);
  });
});
