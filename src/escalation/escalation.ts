/**
 * The escalation engine. When an incident opens, routing picks the owning
 * side and its policy, and the first step is written as a row with a due
 * time (plus an overflow check when the internal side owns it). The engine
 * module claims due steps in transactions (SKIP LOCKED on PostgreSQL, so
 * several instances share the work and none fires a step twice), pages the
 * tier's people, and writes the next step. Acknowledging or resolving stops
 * it: a step that comes due on an incident no longer triggered is cancelled.
 * Nothing is remembered in memory, so a restarted server fires every overdue
 * step exactly once.
 */
import { overflowApplies } from '../coverage/index.js';
import type { EscalationStepRow } from '../db/schema.js';
import type { EscalationPolicy, Side } from '../engagement/model.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { OpenedIncident } from '../engine/hooks.js';
import { SYSTEM } from '../incident/actor.js';
import { getIncident, updateIncident } from '../incident/store.js';
import { BufferedWriter } from '../incident/writer.js';
import type { IncidentWriter } from '../incident/writer.js';
import { describePlan, enqueuePage } from '../paging/page.js';
import type { Recipient } from '../routing/route.js';
import { nextStep, resolveTier, routeIncident, targetRef, tierDueAt } from '../routing/route.js';

const BATCH = 100;

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}

/** Starts a policy on an incident: an escalations row and its first step. */
async function startEscalation(w: IncidentWriter, o: { engagementId: string; incidentId: number; policy: EscalationPolicy; side: Side; reason: 'routing' | 'overflow'; start: number }): Promise<void> {
  const esc = await w.ex
    .insertInto('escalations')
    .values({ engagement_id: o.engagementId, incident_id: o.incidentId, policy_id: o.policy.id, side: o.side, reason: o.reason, started_at: o.start, status: 'active', ended_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertStep(w, { engagementId: o.engagementId, incidentId: o.incidentId, escalationId: esc.id, kind: 'tier', tier: 0, pass: 0, dueAt: tierDueAt(o.policy, o.start, 0, 0) });
}

async function insertStep(w: IncidentWriter, s: { engagementId: string; incidentId: number; escalationId: number | null; kind: 'tier' | 'overflow'; tier: number; pass: number; dueAt: number }): Promise<void> {
  await w.ex
    .insertInto('escalation_steps')
    .values({ engagement_id: s.engagementId, incident_id: s.incidentId, escalation_id: s.escalationId, kind: s.kind, tier: s.tier, pass: s.pass, due_at: s.dueAt, status: 'pending', fired_at: null, fired_by: null })
    .execute();
}

/**
 * Hook run in the transaction that opens an incident: decide who owns it and
 * start their policy. The timeline says why.
 */
export async function routeOnOpen(w: IncidentWriter, opened: OpenedIncident, _at: number): Promise<void> {
  const { incident, engagement, service } = opened;
  if (!service) return;
  const at = incident.created_at;
  const decision = routeIncident(engagement, service, at);
  await updateIncident(w.ex, incident.id, at, { side: decision.side });
  incident.side = decision.side;
  const base = { engagementId: engagement.id, incidentId: incident.id, at, actor: SYSTEM };
  if (!opened.pages) {
    await w.timeline([{ ...base, kind: 'routing', message: `Routing: ${decision.reason}. ${incident.priority} pages nobody (priorities.page).`, data: { window: decision.window, side: decision.side, policy: decision.policy?.id ?? null, pages: false } }]);
    return;
  }
  await w.timeline([{ ...base, kind: 'routing', message: `Routing: ${decision.reason}.`, data: { window: decision.window, side: decision.side, policy: decision.policy?.id ?? null, holiday: decision.holidayName ?? null } }]);
  if (decision.policy) await startEscalation(w, { engagementId: engagement.id, incidentId: incident.id, policy: decision.policy, side: decision.side, reason: 'routing', start: at });
  const overflow = overflowApplies(engagement, service.function, decision.side);
  if (overflow) {
    await insertStep(w, { engagementId: engagement.id, incidentId: incident.id, escalationId: null, kind: 'overflow', tier: 0, pass: 0, dueAt: at + overflow.after.ms });
  }
}

/** The engine module that fires due escalation steps. */
export function escalationModule(): EngineModule {
  return {
    name: 'escalation',
    async step(ctx) {
      const now = ctx.clock.now();
      return ctx.database.db.transaction().execute(async (trx) => {
        const steps = await trx
          .selectFrom('escalation_steps')
          .selectAll()
          .where('status', '=', 'pending')
          .where('due_at', '<=', now)
          .orderBy('due_at')
          .orderBy('id')
          .limit(BATCH)
          .$if(ctx.database.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
          .execute();
        if (steps.length === 0) return false;
        const w = new BufferedWriter(trx);
        for (const step of steps) await fire(w, ctx, step, now);
        await w.flush();
        return true;
      });
    },
  };
}

async function finishStep(w: IncidentWriter, ctx: EngineContext, step: EscalationStepRow, status: 'done' | 'cancelled', now: number): Promise<void> {
  await w.ex.updateTable('escalation_steps').set({ status, fired_at: now, fired_by: ctx.instanceId }).where('id', '=', step.id).execute();
}

async function endEscalation(w: IncidentWriter, escalationId: number, status: 'stopped' | 'finished', now: number): Promise<boolean> {
  const r = await w.ex.updateTable('escalations').set({ status, ended_at: now }).where('id', '=', escalationId).where('status', '=', 'active').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

async function fire(w: IncidentWriter, ctx: EngineContext, step: EscalationStepRow, now: number): Promise<void> {
  const incident = await getIncident(w.ex, [step.engagement_id], step.incident_id);
  const engagement = ctx.deployment.engagement(step.engagement_id);
  const base = { engagementId: step.engagement_id, incidentId: step.incident_id, at: now, actor: SYSTEM };
  if (!incident || !engagement) {
    await finishStep(w, ctx, step, 'cancelled', now);
    return;
  }

  if (step.kind === 'overflow') {
    await finishStep(w, ctx, step, incident.status === 'triggered' ? 'done' : 'cancelled', now);
    if (incident.status !== 'triggered') return;
    const service = engagement.services.find((s) => s.id === incident.service_id);
    const overflow = engagement.coverage.overflow;
    if (!service || !overflow) return;
    const policyId = engagement.routing[overflow.to][service.function];
    const policy = engagement.escalationPolicies.find((p) => p.id === policyId);
    const from = overflow.to === 'partner' ? 'internal' : 'partner';
    await w.timeline([
      {
        ...base,
        kind: 'overflow',
        message: `Overflow: ${engagement.sides[from].name} did not acknowledge within ${overflow.after.text}; ${engagement.sides[overflow.to].name}'s policy ${policy?.id ?? '(none)'} starts.`,
        data: { from, to: overflow.to, after: overflow.after.text, policy: policy?.id ?? null },
      },
    ]);
    if (policy) await startEscalation(w, { engagementId: engagement.id, incidentId: incident.id, policy, side: overflow.to, reason: 'overflow', start: now });
    return;
  }

  const esc = step.escalation_id === null ? undefined : await w.ex.selectFrom('escalations').selectAll().where('id', '=', step.escalation_id).executeTakeFirst();
  if (!esc) {
    await finishStep(w, ctx, step, 'cancelled', now);
    return;
  }
  if (incident.status !== 'triggered') {
    await finishStep(w, ctx, step, 'cancelled', now);
    if (await endEscalation(w, esc.id, 'stopped', now)) {
      const why = incident.status === 'resolved' ? 'resolved' : 'acknowledged';
      await w.timeline([{ ...base, kind: 'escalation.stopped', message: `Escalation ${esc.policy_id} stopped: the incident was ${why}.`, data: { policy: esc.policy_id, status: incident.status } }]);
    }
    return;
  }
  const policy = engagement.escalationPolicies.find((p) => p.id === esc.policy_id);
  const tier = policy?.tiers[step.tier];
  if (!policy || !tier) {
    await finishStep(w, ctx, step, 'cancelled', now);
    if (await endEscalation(w, esc.id, 'stopped', now)) {
      await w.timeline([{ ...base, kind: 'escalation.stopped', message: `Escalation ${esc.policy_id} stopped: the policy or its tier ${step.tier + 1} is no longer in the engagement file.` }]);
    }
    return;
  }

  const passes = policy.repeat + 1;
  const label = `Tier ${step.tier + 1} of ${policy.id}${passes > 1 ? ` (${ordinal(step.pass + 1)} pass of ${passes})` : ''}`;
  const resolved = resolveTier(engagement, tier, now);
  const next = nextStep(policy, step.tier, step.pass);
  await finishStep(w, ctx, step, 'done', now);
  if (resolved.empty) {
    const gap = resolved.emptySchedules.length ? ` (nobody on call in ${resolved.emptySchedules.join(', ')})` : '';
    await w.timeline([
      {
        ...base,
        kind: 'escalation.skipped',
        message: `${label}: nobody to page${gap}; skipped${next ? `, tier ${next.tier + 1} paged now` : ''}.`,
        data: { policy: policy.id, tier: step.tier + 1, pass: step.pass + 1, targets: tier.targets.map(targetRef), empty_schedules: resolved.emptySchedules },
      },
    ]);
    if (next) {
      // Never a silent wait: the next tier is due at once.
      await insertStep(w, { engagementId: engagement.id, incidentId: incident.id, escalationId: esc.id, kind: 'tier', tier: next.tier, pass: next.pass, dueAt: now });
    } else await finish(w, esc.id, policy, base, now);
    return;
  }

  const recipients: Recipient[] = [
    ...resolved.people.map((id): Recipient => ({ kind: 'person', id })),
    ...resolved.teamAddresses.map((t): Recipient => ({ kind: 'team', id: t.team, email: t.email })),
  ];
  const reason = `${label}, ${engagement.sides[esc.side as Side].name}`;
  const planned = await enqueuePage(w, { engagement, incidentId: incident.id, stepId: step.id, recipients, reason, kind: 'page', at: now });
  await w.timeline([
    {
      ...base,
      kind: 'escalation.paged',
      message: `${label}: paging ${describePlan(engagement, planned, now)}.`,
      data: { policy: policy.id, tier: step.tier + 1, pass: step.pass + 1, targets: tier.targets.map(targetRef), people: resolved.people, team_addresses: resolved.teamAddresses.map((t) => t.email), late_ms: now - step.due_at },
    },
  ]);
  if (next) {
    await insertStep(w, { engagementId: engagement.id, incidentId: incident.id, escalationId: esc.id, kind: 'tier', tier: next.tier, pass: next.pass, dueAt: Math.max(now, tierDueAt(policy, esc.started_at, next.tier, next.pass)) });
  } else await finish(w, esc.id, policy, base, now);
}

async function finish(w: IncidentWriter, escalationId: number, policy: EscalationPolicy, base: { engagementId: string; incidentId: number; at: number; actor: typeof SYSTEM }, now: number): Promise<void> {
  if (await endEscalation(w, escalationId, 'finished', now)) {
    await w.timeline([
      { ...base, kind: 'escalation.finished', message: `Escalation ${policy.id} finished: every tier paged${policy.repeat ? ` ${policy.repeat + 1} times` : ''} and nobody acknowledged.`, data: { policy: policy.id } },
    ]);
  }
}

/** Pending steps of an incident (for the API and tests). */
export async function pendingSteps(ctx: { database: EngineContext['database'] }, incidentId: number): Promise<EscalationStepRow[]> {
  return ctx.database.db.selectFrom('escalation_steps').selectAll().where('incident_id', '=', incidentId).where('status', '=', 'pending').orderBy('due_at').execute();
}

