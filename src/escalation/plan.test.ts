/**
 * The escalation decisions as tables, without a database: the demo engagement
 * (Acme Payments and NightOwl MSP), rows as the store returns them, and what
 * each due step plans. Tuesday 2026-11-24 23:47 in New York the partner NOC
 * rotation has Ana on call and Acme's business-hours schedule has nobody;
 * Wednesday 10:00 it has Lee.
 */
import { describe, expect, it } from 'vitest';
import type { EscalationStepRow, IncidentRow } from '../db/schema.js';
import type { Engagement, EscalationPolicy, Service } from '../engagement/model.js';
import { routeIncident } from '../routing/route.js';
import { planRouting, planStep } from './plan.js';
import type { DueStep, StepPlan } from './plan.js';
import { stepRow } from './store.js';
import type { EscalationRow } from './store.js';
import { demoEngagement } from '../engagement/test-fixtures.js';
import { incidentRow } from '../incident/test-fixtures.js';

const M = 60_000;
/** Tuesday 2026-11-24 23:47 in New York. */
const NIGHT = Date.parse('2026-11-25T04:47:00Z');
/** Wednesday 2026-11-25 10:00 in New York. */
const DAY = Date.parse('2026-11-25T15:00:00Z');

const acme = demoEngagement();

function policy(id: string): EscalationPolicy {
  const p = acme.escalationPolicies.find((x) => x.id === id);
  if (!p) throw new Error(id);
  return p;
}
function service(id: string): Service {
  const s = acme.services.find((x) => x.id === id);
  if (!s) throw new Error(id);
  return s;
}

function incident(o: Partial<IncidentRow> = {}): IncidentRow {
  return incidentRow({ created_at: NIGHT, updated_at: NIGHT, ...o });
}
function escalation(o: Partial<EscalationRow> = {}): EscalationRow {
  return {
    id: 3,
    engagement_id: 'acme',
    incident_id: 7,
    policy_id: 'partner-noc',
    side: 'partner',
    reason: 'routing',
    started_at: NIGHT,
    status: 'active',
    ended_at: null,
    ...o,
  };
}
function step(o: Partial<EscalationStepRow> = {}): EscalationStepRow {
  return {
    id: 11,
    engagement_id: 'acme',
    incident_id: 7,
    escalation_id: 3,
    kind: 'tier',
    tier: 0,
    pass: 0,
    due_at: NIGHT,
    status: 'pending',
    fired_at: null,
    fired_by: null,
    ...o,
  };
}
function due(o: Partial<DueStep> = {}): DueStep {
  return { step: step(), incident: incident(), engagement: acme, escalation: escalation(), now: NIGHT, ...o };
}
/** The next step of escalation 3 on incident 7. */
function next(kind: 'tier' | 'end', tier: number, pass: number, dueAt: number) {
  return stepRow({ engagementId: 'acme', incidentId: 7, escalationId: 3, kind, tier, pass, dueAt });
}
const messages = (p: StepPlan) => p.timeline.map((e) => e.message);

describe('planStep: a tier comes due', () => {
  it.each([
    {
      name: 'tier 1 of partner-noc pages the on-call and schedules tier 2 at +5m',
      d: due(),
      message: 'Tier 1 of partner-noc (1st pass of 3): paging Ana Souza (teams).',
      pages: [['ana', 'teams']],
      next: next('tier', 1, 0, NIGHT + 5 * M),
    },
    {
      name: 'a late step still schedules the next tier from the start, not from now',
      d: due({ now: NIGHT + 2 * M }),
      message: 'Tier 1 of partner-noc (1st pass of 3): paging Ana Souza (teams).',
      pages: [['ana', 'teams']],
      next: next('tier', 1, 0, NIGHT + 5 * M),
    },
    {
      name: 'a step later than the next tier schedules it at once',
      d: due({ now: NIGHT + 7 * M }),
      message: 'Tier 1 of partner-noc (1st pass of 3): paging Ana Souza (teams).',
      pages: [['ana', 'teams']],
      next: next('tier', 1, 0, NIGHT + 7 * M),
    },
    {
      name: 'the last tier of a repeating policy starts the next pass (partner-noc passes last 25m)',
      d: due({ step: step({ tier: 2, due_at: NIGHT + 15 * M }), now: NIGHT + 15 * M }),
      message: 'Tier 3 of partner-noc (1st pass of 3): paging Mo Haddad (sms, email).',
      pages: [
        ['mo', 'sms'],
        ['mo', 'email'],
      ],
      next: next('tier', 0, 1, NIGHT + 25 * M),
    },
    {
      name: 'the last tier of the last pass schedules the end check when that tier has had its time',
      d: due({ step: step({ tier: 2, pass: 2, due_at: NIGHT + 65 * M }), now: NIGHT + 65 * M }),
      message: 'Tier 3 of partner-noc (3rd pass of 3): paging Mo Haddad (sms, email).',
      pages: [
        ['mo', 'sms'],
        ['mo', 'email'],
      ],
      next: next('end', 2, 2, NIGHT + 75 * M),
    },
    {
      name: 'a one-tier policy without repeat pages once and ends 5m later',
      d: due({
        incident: incident({ service_id: 'laptops', side: 'internal' }),
        escalation: escalation({ policy_id: 'internal-helpdesk', side: 'internal' }),
      }),
      message: 'Tier 1 of internal-helpdesk: paging Dana Reyes (email, sms after 2m), Lee Park (slack, email after 1m).',
      pages: [
        ['dana', 'email'],
        ['dana', 'sms'],
        ['lee', 'slack'],
        ['lee', 'email'],
      ],
      next: next('end', 0, 0, NIGHT + 5 * M),
    },
  ])('$name', ({ d, message, pages, next: following }) => {
    const plan = planStep(d);
    expect(plan.finish).toBe('done');
    expect(plan.end).toBeUndefined();
    expect(plan.start).toBeUndefined();
    expect(messages(plan)).toEqual([message]);
    const data = { tier: d.step.tier + 1, pass: d.step.pass + 1, late_ms: d.now - d.step.due_at };
    expect(plan.timeline[0]).toMatchObject({ kind: 'escalation.paged', at: d.now, actor: { type: 'system' }, data });
    expect(plan.notifications.map((n) => [n.recipient_id, n.channel])).toEqual(pages);
    expect(plan.notifications.every((n) => n.step_id === d.step.id && n.incident_id === 7 && n.kind === 'page')).toBe(true);
    expect(plan.next).toEqual(following);
  });

  it('names the side in each page’s reason', () => {
    expect(planStep(due()).notifications[0]?.reason).toBe('Tier 1 of partner-noc (1st pass of 3), NightOwl MSP');
  });
});

describe('planStep: a tier with nobody to page', () => {
  // internal-infra's first tier alone (schedule:acme-primary, business hours only), once.
  const primaryOnly: EscalationPolicy = { id: 'primary-only', tiers: policy('internal-infra').tiers.slice(0, 1), repeat: 0 };
  const withPrimaryOnly: Engagement = { ...acme, escalationPolicies: [...acme.escalationPolicies, primaryOnly] };
  it.each([
    {
      name: 'is skipped and the next tier is due at once',
      d: due({ escalation: escalation({ policy_id: 'internal-infra', side: 'internal' }) }),
      message: 'Tier 1 of internal-infra (1st pass of 2): nobody to page (nobody on call in acme-primary); skipped, tier 2 paged now.',
      next: next('tier', 1, 0, NIGHT),
    },
    {
      name: 'when it is the last, the end check follows when its time is up',
      d: due({ engagement: withPrimaryOnly, escalation: escalation({ policy_id: 'primary-only', side: 'internal' }) }),
      message: 'Tier 1 of primary-only: nobody to page (nobody on call in acme-primary); skipped.',
      next: next('end', 0, 0, NIGHT + 5 * M),
    },
  ])('$name', ({ d, message, next: following }) => {
    const plan = planStep(d);
    expect(plan.finish).toBe('done');
    expect(plan.notifications).toEqual([]);
    expect(messages(plan)).toEqual([message]);
    expect(plan.timeline[0]).toMatchObject({ kind: 'escalation.skipped', data: { empty_schedules: ['acme-primary'] } });
    expect(plan.next).toEqual(following);
  });
});

describe('planStep: stops, ends and cancellations', () => {
  const stopped = (status: 'stopped' | 'finished') => ({ id: 3, status });
  const withoutPolicy: Engagement = { ...acme, escalationPolicies: acme.escalationPolicies.filter((p) => p.id !== 'partner-noc') };
  it.each([
    {
      name: 'acknowledged: cancelled, the escalation stops',
      d: due({ incident: incident({ status: 'acknowledged' }) }),
      finish: 'cancelled',
      end: stopped('stopped'),
      messages: ['Escalation partner-noc stopped: the incident was acknowledged.'],
    },
    {
      name: 'resolved: cancelled, the escalation stops',
      d: due({ incident: incident({ status: 'resolved' }) }),
      finish: 'cancelled',
      end: stopped('stopped'),
      messages: ['Escalation partner-noc stopped: the incident was resolved.'],
    },
    {
      name: 'waiting on the customer counts as answered',
      d: due({ incident: incident({ status: 'waiting_on_customer' }) }),
      finish: 'cancelled',
      end: stopped('stopped'),
      messages: ['Escalation partner-noc stopped: the incident was acknowledged.'],
    },
    {
      name: 'acknowledged, escalation already stopped earlier in the batch: told once',
      d: due({ incident: incident({ status: 'acknowledged' }), escalation: escalation({ status: 'stopped' }) }),
      finish: 'cancelled',
      end: undefined,
      messages: [],
    },
    {
      name: 'the end check: nobody acknowledged, it finishes',
      d: due({ step: step({ kind: 'end', tier: 2, pass: 2 }) }),
      finish: 'done',
      end: stopped('finished'),
      messages: ['Escalation partner-noc finished: every tier paged 3 times and nobody acknowledged.'],
    },
    {
      name: 'the end check of a policy without repeat',
      d: due({ step: step({ kind: 'end' }), escalation: escalation({ policy_id: 'internal-helpdesk', side: 'internal' }) }),
      finish: 'done',
      end: stopped('finished'),
      messages: ['Escalation internal-helpdesk finished: every tier paged and nobody acknowledged.'],
    },
    {
      name: 'the end check of an escalation no longer active',
      d: due({ step: step({ kind: 'end' }), escalation: escalation({ status: 'finished' }) }),
      finish: 'done',
      end: undefined,
      messages: [],
    },
    {
      name: 'policy removed from the file: stopped',
      d: due({ engagement: withoutPolicy }),
      finish: 'cancelled',
      end: stopped('stopped'),
      messages: ['Escalation partner-noc stopped: the policy or its tier 1 is no longer in the engagement file.'],
    },
    {
      name: 'policy removed, end check: stopped, not finished',
      d: due({ engagement: withoutPolicy, step: step({ kind: 'end' }) }),
      finish: 'cancelled',
      end: stopped('stopped'),
      messages: ['Escalation partner-noc stopped: the policy or its tier 1 is no longer in the engagement file.'],
    },
    {
      name: 'tier removed from the policy: stopped',
      d: due({ step: step({ tier: 5 }) }),
      finish: 'cancelled',
      end: stopped('stopped'),
      messages: ['Escalation partner-noc stopped: the policy or its tier 6 is no longer in the engagement file.'],
    },
    {
      name: 'policy removed, escalation no longer active: nothing to tell',
      d: due({ engagement: withoutPolicy, escalation: escalation({ status: 'stopped' }) }),
      finish: 'cancelled',
      end: undefined,
      messages: [],
    },
    { name: 'the escalation row is gone', d: due({ escalation: undefined }), finish: 'cancelled', end: undefined, messages: [] },
    { name: 'the incident is gone', d: due({ incident: undefined }), finish: 'cancelled', end: undefined, messages: [] },
    { name: 'the engagement is gone', d: due({ engagement: undefined }), finish: 'cancelled', end: undefined, messages: [] },
  ])('$name', ({ d, finish, end, messages: told }) => {
    const plan = planStep(d);
    expect(plan.finish).toBe(finish);
    expect(plan.end).toEqual(end);
    expect(messages(plan)).toEqual(told);
    expect(plan.notifications).toEqual([]);
    expect(plan.next).toBeUndefined();
    expect(plan.start).toBeUndefined();
  });

  it('an acknowledged stop records the status it saw', () => {
    const plan = planStep(due({ incident: incident({ status: 'resolved' }) }));
    expect(plan.timeline[0]).toMatchObject({ kind: 'escalation.stopped', data: { policy: 'partner-noc', status: 'resolved' } });
  });

  it('a tier step fires even when its escalation is no longer active (the incident is triggered again)', () => {
    expect(planStep(due({ escalation: escalation({ status: 'stopped' }) })).finish).toBe('done');
  });
});

describe('planStep: the overflow check', () => {
  const overflowDue = (o: Partial<DueStep> = {}) =>
    due({
      step: step({ kind: 'overflow', escalation_id: null, due_at: DAY + 10 * M }),
      incident: incident({ side: 'internal', created_at: DAY }),
      escalation: undefined,
      now: DAY + 10 * M,
      ...o,
    });
  const { overflow: _overflow, ...noOverflowCoverage } = acme.coverage;
  const noOverflow: Engagement = { ...acme, coverage: noOverflowCoverage };
  const noPartnerRoute: Engagement = { ...acme, routing: { ...acme.routing, partner: { cloud: 'partner-noc' } } };

  it('still unacknowledged: the partner policy starts now', () => {
    const plan = planStep(overflowDue());
    expect(plan.finish).toBe('done');
    expect(messages(plan)).toEqual(["Overflow: Acme IT did not acknowledge within 10m; NightOwl MSP's policy partner-noc starts."]);
    expect(plan.timeline[0]).toMatchObject({
      kind: 'overflow',
      data: { from: 'internal', to: 'partner', after: '10m', policy: 'partner-noc' },
    });
    const now = DAY + 10 * M;
    expect(plan.start).toEqual({
      escalation: {
        engagement_id: 'acme',
        incident_id: 7,
        policy_id: 'partner-noc',
        side: 'partner',
        reason: 'overflow',
        started_at: now,
        status: 'active',
        ended_at: null,
      },
      firstStep: stepRow({ engagementId: 'acme', incidentId: 7, escalationId: null, kind: 'tier', tier: 0, pass: 0, dueAt: now }),
    });
    expect(plan.end).toBeUndefined();
    expect(plan.next).toBeUndefined();
  });

  it.each([
    {
      name: 'acknowledged in time: cancelled',
      d: overflowDue({ incident: incident({ status: 'acknowledged' }) }),
      finish: 'cancelled',
      messages: [],
    },
    {
      name: 'resolved in time: cancelled',
      d: overflowDue({ incident: incident({ status: 'resolved' }) }),
      finish: 'cancelled',
      messages: [],
    },
    {
      name: 'overflow removed from the file: done, nothing starts',
      d: overflowDue({ engagement: noOverflow }),
      finish: 'done',
      messages: [],
    },
    {
      name: 'service removed from the file: done, nothing starts',
      d: overflowDue({ incident: incident({ service_id: 'gone' }) }),
      finish: 'done',
      messages: [],
    },
    {
      name: 'the other side has no policy for the function: said, nothing starts',
      d: overflowDue({ engagement: noPartnerRoute }),
      finish: 'done',
      messages: ["Overflow: Acme IT did not acknowledge within 10m; NightOwl MSP's policy (none) starts."],
    },
  ])('$name', ({ d, finish, messages: told }) => {
    const plan = planStep(d);
    expect(plan.finish).toBe(finish);
    expect(messages(plan)).toEqual(told);
    expect(plan.start).toBeUndefined();
    expect(plan.end).toBeUndefined();
  });
});

describe('planRouting', () => {
  const routed = (at: number, serviceId: string, pages = true) => {
    const s = service(serviceId);
    return planRouting({
      incident: incident({ created_at: at, service_id: serviceId }),
      engagement: acme,
      service: s,
      decision: routeIncident(acme, s, at),
      pages,
    });
  };

  it('after hours: the partner policy starts, tier 1 due at once, no overflow (the partner is who overflow hands to)', () => {
    const plan = routed(NIGHT, 'payments-api');
    expect(plan.timeline.map((e) => e.message)).toEqual(['Routing: after hours: partner owns infrastructure; policy partner-noc.']);
    expect(plan.timeline[0]).toMatchObject({
      kind: 'routing',
      at: NIGHT,
      data: { window: 'after_hours', side: 'partner', policy: 'partner-noc', holiday: null },
    });
    expect(plan.start).toEqual({
      escalation: {
        engagement_id: 'acme',
        incident_id: 7,
        policy_id: 'partner-noc',
        side: 'partner',
        reason: 'routing',
        started_at: NIGHT,
        status: 'active',
        ended_at: null,
      },
      firstStep: stepRow({ engagementId: 'acme', incidentId: 7, escalationId: null, kind: 'tier', tier: 0, pass: 0, dueAt: NIGHT }),
    });
    expect(plan.overflowStep).toBeUndefined();
  });

  it('business hours: the internal policy starts and the overflow check is due in 10m', () => {
    const plan = routed(DAY, 'payments-api');
    expect(plan.start?.escalation).toMatchObject({ policy_id: 'internal-infra', side: 'internal' });
    expect(plan.overflowStep).toEqual(
      stepRow({ engagementId: 'acme', incidentId: 7, escalationId: null, kind: 'overflow', tier: 0, pass: 0, dueAt: DAY + 10 * M }),
    );
  });

  it('a priority that pages nobody: routing is told, nothing starts', () => {
    const plan = routed(NIGHT, 'payments-api', false);
    expect(plan.timeline.map((e) => e.message)).toEqual([
      'Routing: after hours: partner owns infrastructure; policy partner-noc. P1 pages nobody (priorities.page).',
    ]);
    expect(plan.timeline[0]?.data).toEqual({ window: 'after_hours', side: 'partner', policy: 'partner-noc', pages: false });
    expect(plan.start).toBeUndefined();
    expect(plan.overflowStep).toBeUndefined();
  });

  it('no policy for the owning side: told, nothing starts', () => {
    const s = service('laptops');
    const noHelpdesk: Engagement = { ...acme, routing: { ...acme.routing, internal: { infrastructure: 'internal-infra' } } };
    const plan = planRouting({
      incident: incident({ service_id: 'laptops' }),
      engagement: noHelpdesk,
      service: s,
      decision: routeIncident(noHelpdesk, s, NIGHT),
      pages: true,
    });
    expect(plan.timeline[0]?.message).toMatch(/routing\.internal has no policy for end_user, nobody is paged\.$/);
    expect(plan.start).toBeUndefined();
  });
});
