/**
 * What escalation decides, without a database: when an incident opens, which
 * policy starts and whether an overflow check is scheduled; when a step comes
 * due, whether it still applies (an acknowledged or resolved incident stops
 * its escalation), who the tier pages now, what comes next (the next tier,
 * a repeat pass, the last tier's time to answer) and what the timeline says.
 * Plans are rows to write and entries to append; the engine module and the
 * routing hook write them through the store. Pure, so it is table-tested
 * (plan.test.ts) like the paging and routing decisions it builds on.
 */
import { lookup } from '../engagement/model.js';
import { overflowApplies } from '../coverage/index.js';
import type { EscalationStepRow, IncidentRow } from '../db/schema.js';
import type { Engagement, EscalationPolicy, Service, Side, Tier } from '../engagement/model.js';
import { SYSTEM } from '../incident/actor.js';
import type { TimelineEntry, TimelineKind } from '../incident/timeline.js';
import { describePlan, pageRows } from '../paging/page.js';
import type { NotificationInsert } from '../paging/page.js';
import type { Recipient } from '../paging/recipient.js';
import type { RouteDecision } from '../routing/route.js';
import { nextStep, resolveTier, targetRef, tierDueAt } from '../routing/route.js';
import * as say from './messages.js';
import { stepRow } from './store.js';
import type { EscalationEnd, EscalationInsert, EscalationRow, StepInsert, StepOutcome } from './store.js';

/** A policy starting on an incident: its escalation row and first step (whose escalation id is set when the row is written). */
export interface EscalationStart {
  readonly escalation: EscalationInsert;
  readonly firstStep: StepInsert;
}

/** What happens when an incident opens paging (or is raised into a paging priority). */
export interface RoutingPlan {
  readonly timeline: readonly TimelineEntry[];
  readonly start?: EscalationStart;
  /** The overflow check, when the owning side's silence hands the incident to the other side. */
  readonly overflowStep?: StepInsert;
}

/** A claimed step with what it is about, as the batch knows it now. */
export interface DueStep {
  readonly step: EscalationStepRow;
  readonly incident: IncidentRow | undefined;
  readonly engagement: Engagement | undefined;
  /** The step's escalation; its status reflects ends planned earlier in the same batch. */
  readonly escalation: EscalationRow | undefined;
  readonly now: number;
}

/** What one due step does. */
export interface StepPlan {
  readonly finish: StepOutcome;
  /** The escalation this step ends; only when it is still active, so it ends (and is told) once. */
  readonly end?: { readonly id: number; readonly status: EscalationEnd };
  /** Outbox rows for the people and addresses the tier pages. */
  readonly notifications: readonly NotificationInsert[];
  /** The step that follows: the next tier, a repeat pass, or the end check. */
  readonly next?: StepInsert;
  /** A policy that starts now (overflow). */
  readonly start?: EscalationStart;
  readonly timeline: readonly TimelineEntry[];
}

/** Which incident an entry or row is about. */
interface On {
  readonly engagementId: string;
  readonly incidentId: number;
}

function onStep(step: EscalationStepRow): On {
  return { engagementId: step.engagement_id, incidentId: step.incident_id };
}

function entry(on: On, at: number, kind: TimelineKind, message: string, data?: Record<string, unknown>): TimelineEntry {
  return {
    engagementId: on.engagementId,
    incidentId: on.incidentId,
    at,
    actor: SYSTEM,
    kind,
    message,
    ...(data === undefined ? {} : { data }),
  };
}

/** A policy starting at `start`: tier 1 is due after its own delay. */
export function startOf(o: On & { policy: EscalationPolicy; side: Side; reason: 'routing' | 'overflow'; start: number }): EscalationStart {
  return {
    escalation: {
      engagement_id: o.engagementId,
      incident_id: o.incidentId,
      policy_id: o.policy.id,
      side: o.side,
      reason: o.reason,
      started_at: o.start,
      status: 'active',
      ended_at: null,
    },
    firstStep: stepRow({
      engagementId: o.engagementId,
      incidentId: o.incidentId,
      escalationId: null,
      kind: 'tier',
      tier: 0,
      pass: 0,
      dueAt: tierDueAt(o.policy, o.start, 0, 0),
    }),
  };
}

/** Routing on open: the timeline says who owns the incident and why; a paging priority starts the policy and the overflow check. */
export function planRouting(o: {
  incident: IncidentRow;
  engagement: Engagement;
  service: Service;
  decision: RouteDecision;
  pages: boolean;
}): RoutingPlan {
  const { incident, engagement, service, decision } = o;
  const at = incident.created_at;
  const on: On = { engagementId: engagement.id, incidentId: incident.id };
  const about = { window: decision.window, side: decision.side, policy: decision.policy?.id ?? null };
  if (!o.pages) {
    return {
      timeline: [entry(on, at, 'routing', say.routedWithoutPaging(decision.reason, incident.priority), { ...about, pages: false })],
    };
  }
  const timeline = [entry(on, at, 'routing', say.routed(decision.reason), { ...about, holiday: decision.holidayName ?? null })];
  const start = decision.policy
    ? startOf({ ...on, policy: decision.policy, side: decision.side, reason: 'routing', start: at })
    : undefined;
  const overflow = overflowApplies(engagement, service.function, decision.side);
  const overflowStep = overflow
    ? stepRow({ ...on, escalationId: null, kind: 'overflow', tier: 0, pass: 0, dueAt: at + overflow.after.ms })
    : undefined;
  return { timeline, ...(start ? { start } : {}), ...(overflowStep ? { overflowStep } : {}) };
}

const cancelled: StepPlan = { finish: 'cancelled', notifications: [], timeline: [] };
const done: StepPlan = { finish: 'done', notifications: [], timeline: [] };

/** Decides what a due step does. */
export function planStep(d: DueStep): StepPlan {
  const { step, incident, engagement } = d;
  if (!incident || !engagement) return cancelled;
  if (step.kind === 'overflow') return planOverflow(step, incident, engagement, d.now);
  return planEscalationStep(d, incident, engagement);
}

/** The overflow check: still unacknowledged, so the other side's policy starts. */
function planOverflow(step: EscalationStepRow, incident: IncidentRow, engagement: Engagement, now: number): StepPlan {
  if (incident.status !== 'triggered') return cancelled;
  const service = lookup(engagement).service(incident.service_id);
  const overflow = engagement.coverage.overflow;
  if (!service || !overflow) return done;
  const policyId = engagement.routing[overflow.to][service.function];
  const policy = policyId === undefined ? undefined : lookup(engagement).policy(policyId);
  const from = overflow.to === 'partner' ? 'internal' : 'partner';
  const message = say.overflowed(engagement.sides[from].name, overflow.after.text, engagement.sides[overflow.to].name, policy?.id);
  const data = { from, to: overflow.to, after: overflow.after.text, policy: policy?.id ?? null };
  const timeline = [entry(onStep(step), now, 'overflow', message, data)];
  if (!policy) return { ...done, timeline };
  const start = startOf({
    engagementId: engagement.id,
    incidentId: incident.id,
    policy,
    side: overflow.to,
    reason: 'overflow',
    start: now,
  });
  return { ...done, timeline, start };
}

/** A tier or end step: stop when answered or when the policy is gone, finish after the last tier, or page. */
function planEscalationStep(d: DueStep, incident: IncidentRow, engagement: Engagement): StepPlan {
  const { step, escalation: esc, now } = d;
  if (!esc) return cancelled;
  const on = onStep(step);
  const active = esc.status === 'active';
  if (incident.status !== 'triggered') {
    if (!active) return cancelled;
    const why = incident.status === 'resolved' ? 'resolved' : 'acknowledged';
    const data = { policy: esc.policy_id, status: incident.status };
    const stopped = entry(on, now, 'escalation.stopped', say.stoppedAnswered(esc.policy_id, why), data);
    return { ...cancelled, end: { id: esc.id, status: 'stopped' }, timeline: [stopped] };
  }
  const policy = lookup(engagement).policy(esc.policy_id);
  if (step.kind === 'end' && policy) {
    // The last tier has had its time to answer and nobody acknowledged.
    if (!active) return done;
    const finished = entry(on, now, 'escalation.finished', say.finished(policy.id, policy.repeat), { policy: policy.id });
    return { ...done, end: { id: esc.id, status: 'finished' }, timeline: [finished] };
  }
  const tier = step.kind === 'tier' ? policy?.tiers[step.tier] : undefined;
  if (!policy || !tier) {
    if (!active) return cancelled;
    const stopped = entry(on, now, 'escalation.stopped', say.stoppedPolicyGone(esc.policy_id, step.tier));
    return { ...cancelled, end: { id: esc.id, status: 'stopped' }, timeline: [stopped] };
  }
  return planTier(step, esc, engagement, policy, tier, now);
}

/** Pages the tier's people now (or skips an empty tier) and schedules what follows. */
function planTier(
  step: EscalationStepRow,
  esc: EscalationRow,
  engagement: Engagement,
  policy: EscalationPolicy,
  tier: Tier,
  now: number,
): StepPlan {
  const label = say.tierLabel(policy.id, step.tier, step.pass, policy.repeat + 1);
  const resolved = resolveTier(engagement, tier, now);
  const next = nextStep(policy, step.tier, step.pass);
  const on = onStep(step);
  const about = { policy: policy.id, tier: step.tier + 1, pass: step.pass + 1, targets: tier.targets.map(targetRef) };
  /** The next tier due at `dueAt`, or after the last one the end check. */
  const following = (dueAt: number): StepInsert =>
    next
      ? stepRow({ ...on, escalationId: esc.id, kind: 'tier', tier: next.tier, pass: next.pass, dueAt })
      : endWhenAnswered(step, esc, policy, now);
  if (resolved.empty) {
    const data = { ...about, empty_schedules: resolved.emptySchedules };
    const skipped = entry(on, now, 'escalation.skipped', say.skipped(label, resolved.emptySchedules, next?.tier), data);
    // Never a silent wait: the next tier is due at once.
    return { ...done, next: following(now), timeline: [skipped] };
  }
  const recipients: Recipient[] = [
    ...resolved.people.map((id): Recipient => ({ kind: 'person', id })),
    ...resolved.teamAddresses.map((t): Recipient => ({ kind: 'team', id: t.team, email: t.email })),
  ];
  const reason = say.pageReason(label, engagement.sides[esc.side as Side].name);
  const { planned, rows } = pageRows({
    engagement,
    incidentId: step.incident_id,
    stepId: step.id,
    recipients,
    reason,
    kind: 'page',
    at: now,
  });
  const data = {
    ...about,
    people: resolved.people,
    team_addresses: resolved.teamAddresses.map((t) => t.email),
    late_ms: now - step.due_at,
  };
  const paged = entry(on, now, 'escalation.paged', say.paged(label, describePlan(engagement, planned, now)), data);
  const nextDue = next ? Math.max(now, tierDueAt(policy, esc.started_at, next.tier, next.pass)) : now;
  return { ...done, notifications: rows, next: following(nextDue), timeline: [paged] };
}

/**
 * After the last tier of the last pass is paged, the escalation is not over
 * yet: that tier has a pass's remaining time to answer (ADR 0002: a pass lasts
 * `last tier's after + max(last gap, 5m)`). An `end` step at that moment
 * finishes it if nobody acknowledged; an acknowledgement before then stops it.
 */
function endWhenAnswered(step: EscalationStepRow, esc: EscalationRow, policy: EscalationPolicy, now: number): StepInsert {
  const endsAt = tierDueAt(policy, esc.started_at, 0, policy.repeat + 1);
  return stepRow({ ...onStep(step), escalationId: esc.id, kind: 'end', tier: step.tier, pass: step.pass, dueAt: Math.max(now, endsAt) });
}
