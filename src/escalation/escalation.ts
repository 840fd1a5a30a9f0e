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
import { sql } from 'kysely';
import { overflowApplies } from '../coverage/index.js';
import type { Insertable, Selectable } from 'kysely';
import type { EscalationStepRow, EscalationStepsTable, EscalationsTable, IncidentRow } from '../db/schema.js';
import type { Engagement, EscalationPolicy, Side } from '../engagement/model.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { OpenedIncident } from '../engine/hooks.js';
import { SYSTEM } from '../incident/actor.js';
import { updateIncident } from '../incident/store.js';
import { BufferedWriter } from '../incident/writer.js';
import type { Collector, IncidentWriter } from '../incident/writer.js';
import type { Executor } from '../db/executor.js';
import { describePlan, insertNotifications, pageRows } from '../paging/page.js';
import type { NotificationInsert } from '../paging/page.js';
import type { Recipient } from '../routing/route.js';
import { nextStep, resolveTier, routeIncident, targetRef, tierDueAt } from '../routing/route.js';

const BATCH = 500;

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}

/**
 * Escalations started while a batch of events opens incidents, written
 * together: the escalations in one insert (their ids come back by incident),
 * then every first step and overflow check in one more.
 */
class StartedEscalations implements Collector {
  readonly escalations: Array<Insertable<EscalationsTable>> = [];
  readonly firstSteps = new Map<string, Omit<Insertable<EscalationStepsTable>, 'escalation_id'>>();
  readonly otherSteps: Array<Insertable<EscalationStepsTable>> = [];

  async flush(ex: Executor): Promise<void> {
    const ids = new Map<string, number>();
    for (let i = 0; i < this.escalations.length; i += 500) {
      for (const r of await ex.insertInto('escalations').values(this.escalations.slice(i, i + 500)).returning(['id', 'incident_id', 'reason']).execute()) ids.set(`${r.incident_id}/${r.reason}`, r.id);
    }
    const steps = [...this.otherSteps, ...[...this.firstSteps].map(([key, step]) => ({ ...step, escalation_id: ids.get(key) ?? null }))];
    for (let i = 0; i < steps.length; i += 500) await ex.insertInto('escalation_steps').values(steps.slice(i, i + 500)).execute();
  }
}

/** Starts a policy on an incident: an escalations row and its first step. */
async function startEscalation(w: IncidentWriter, o: { engagementId: string; incidentId: number; policy: EscalationPolicy; side: Side; reason: 'routing' | 'overflow'; start: number }): Promise<void> {
  const collect = w.collector?.('escalations', () => new StartedEscalations());
  if (collect && o.reason === 'routing') {
    collect.escalations.push({ engagement_id: o.engagementId, incident_id: o.incidentId, policy_id: o.policy.id, side: o.side, reason: o.reason, started_at: o.start, status: 'active', ended_at: null });
    collect.firstSteps.set(`${o.incidentId}/${o.reason}`, { engagement_id: o.engagementId, incident_id: o.incidentId, kind: 'tier', tier: 0, pass: 0, due_at: tierDueAt(o.policy, o.start, 0, 0), status: 'pending', fired_at: null, fired_by: null });
    return;
  }
  const esc = await w.ex
    .insertInto('escalations')
    .values({ engagement_id: o.engagementId, incident_id: o.incidentId, policy_id: o.policy.id, side: o.side, reason: o.reason, started_at: o.start, status: 'active', ended_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertStep(w, { engagementId: o.engagementId, incidentId: o.incidentId, escalationId: esc.id, kind: 'tier', tier: 0, pass: 0, dueAt: tierDueAt(o.policy, o.start, 0, 0) });
}

async function insertStep(w: IncidentWriter, s: { engagementId: string; incidentId: number; escalationId: number | null; kind: 'tier' | 'overflow'; tier: number; pass: number; dueAt: number }): Promise<void> {
  const collect = w.collector?.('escalations', () => new StartedEscalations());
  if (collect) {
    collect.otherSteps.push({ engagement_id: s.engagementId, incident_id: s.incidentId, escalation_id: s.escalationId, kind: s.kind, tier: s.tier, pass: s.pass, due_at: s.dueAt, status: 'pending', fired_at: null, fired_by: null });
    return;
  }
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
  const decision = opened.route ?? routeIncident(engagement, service, at);
  if (incident.side !== decision.side) {
    await updateIncident(w.ex, incident.id, at, { side: decision.side });
    incident.side = decision.side;
  }
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

/**
 * What one batch of steps writes, collected and written together: on
 * PostgreSQL a batch of hundreds of steps costs a handful of round trips,
 * which is what keeps escalation on time when thousands come due at once.
 */
class StepBatch {
  readonly finished = new Map<'done' | 'cancelled', number[]>([
    ['done', []],
    ['cancelled', []],
  ]);
  readonly ended: Array<{ id: number; status: 'stopped' | 'finished' }> = [];
  readonly steps: Array<Insertable<EscalationStepsTable>> = [];
  readonly notifications: NotificationInsert[] = [];
  /** Steps that fired, and how long after they were due (for metrics, once committed). */
  readonly fired: Array<{ kind: string; lateMs: number }> = [];

  constructor(
    readonly w: BufferedWriter,
    readonly ctx: EngineContext,
    readonly now: number,
    readonly incidents: Map<number, IncidentRow>,
    readonly escalations: Map<number, Selectable<EscalationsTable>>,
  ) {}

  finish(step: EscalationStepRow, status: 'done' | 'cancelled'): void {
    this.finished.get(status)?.push(step.id);
    if (status === 'done') this.fired.push({ kind: step.kind, lateMs: Math.max(0, this.now - step.due_at) });
  }

  /** Ends an escalation once; returns whether this call ended it. */
  end(id: number, status: 'stopped' | 'finished'): boolean {
    const esc = this.escalations.get(id);
    if (!esc || esc.status !== 'active') return false;
    esc.status = status;
    this.ended.push({ id, status });
    return true;
  }

  /** Whether this batch created work that is already due. */
  dueNow = false;

  step(s: { engagementId: string; incidentId: number; escalationId: number | null; kind: 'tier' | 'overflow' | 'end'; tier: number; pass: number; dueAt: number }): void {
    if (s.dueAt <= this.now) this.dueNow = true;
    this.steps.push({ engagement_id: s.engagementId, incident_id: s.incidentId, escalation_id: s.escalationId, kind: s.kind, tier: s.tier, pass: s.pass, due_at: s.dueAt, status: 'pending', fired_at: null, fired_by: null });
  }

  async flush(): Promise<void> {
    const ex = this.w.ex;
    for (const [status, ids] of this.finished) {
      for (let i = 0; i < ids.length; i += 1000) {
        await ex.updateTable('escalation_steps').set({ status, fired_at: this.now, fired_by: this.ctx.instanceId }).where('id', 'in', ids.slice(i, i + 1000)).execute();
      }
    }
    for (const status of ['stopped', 'finished'] as const) {
      const ids = this.ended.filter((e) => e.status === status).map((e) => e.id);
      if (ids.length) await ex.updateTable('escalations').set({ status, ended_at: this.now }).where('id', 'in', ids).where('status', '=', 'active').execute();
    }
    for (let i = 0; i < this.steps.length; i += 500) await ex.insertInto('escalation_steps').values(this.steps.slice(i, i + 500)).execute();
    await insertNotifications(this.w, this.notifications);
    await this.w.flush();
  }
}

/**
 * An incident raised from a priority that pages nobody into one that pages,
 * while still unacknowledged: routing and escalation start now, as if it had
 * paged from the start (tier times count from its opening, so the first
 * tiers are due at once).
 */
export async function escalateIfRaised(w: IncidentWriter, incident: IncidentRow, engagement: Engagement, previousPriority: string): Promise<void> {
  const paged = engagement.priorities.page;
  if (paged.includes(previousPriority) || !paged.includes(incident.priority) || incident.status !== 'triggered') return;
  const running = await w.ex.selectFrom('escalations').select('id').where('incident_id', '=', incident.id).executeTakeFirst();
  if (running) return;
  await routeOnOpen(w, { incident, engagement, service: engagement.services.find((s) => s.id === incident.service_id), pages: true }, incident.created_at);
}

/** The engine module that fires due escalation steps. `onFired` hears of each fired step once it is committed. */
export function escalationModule(options: { onFired?: (kind: string, lateMs: number) => void } = {}): EngineModule {
  return {
    name: 'escalation',
    async step(ctx) {
      const now = ctx.clock.now();
      let fired: StepBatch['fired'] = [];
      const more = await engineTransaction(ctx.database, async (trx) => {
        const steps = await trx
          .selectFrom('escalation_steps')
          .selectAll()
          .where('status', '=', sql.lit('pending'))
          .where('due_at', '<=', now)
          .orderBy('due_at')
          .orderBy('id')
          .limit(BATCH)
          .$if(ctx.database.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
          .execute();
        if (steps.length === 0) return false;
        const incidentIds = [...new Set(steps.map((s) => s.incident_id))];
        const escalationIds = [...new Set(steps.map((s) => s.escalation_id).filter((id): id is number => id !== null))];
        const incidents = new Map((await trx.selectFrom('incidents').selectAll().where('id', 'in', incidentIds).execute()).map((i) => [i.id, i]));
        const escalations = new Map(escalationIds.length ? (await trx.selectFrom('escalations').selectAll().where('id', 'in', escalationIds).execute()).map((e) => [e.id, e]) : []);
        const batch = new StepBatch(new BufferedWriter(trx, ctx.database, ctx.hooks), ctx, now, incidents, escalations);
        for (const step of steps) await fire(batch, step);
        await batch.flush();
        fired = batch.fired;
        // More now: a full batch, or steps this batch made due at once (a skipped tier, an overflow).
        return steps.length === BATCH || batch.dueNow;
      });
      for (const f of fired) options.onFired?.(f.kind, f.lateMs);
      return more;
    },
    nextDue: async (ctx) => {
      const row = await ctx.database.db.selectFrom('escalation_steps').select((eb) => eb.fn.min('due_at').as('next')).where('status', '=', sql.lit('pending')).executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },
  };
}

async function fire(b: StepBatch, step: EscalationStepRow): Promise<void> {
  const { ctx, now, w } = b;
  const incident = b.incidents.get(step.incident_id);
  const engagement = ctx.deployment.engagement(step.engagement_id);
  const base = { engagementId: step.engagement_id, incidentId: step.incident_id, at: now, actor: SYSTEM };
  if (!incident || !engagement) {
    b.finish(step, 'cancelled');
    return;
  }

  if (step.kind === 'overflow') {
    b.finish(step, incident.status === 'triggered' ? 'done' : 'cancelled');
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
    if (policy) {
      await startEscalation(w, { engagementId: engagement.id, incidentId: incident.id, policy, side: overflow.to, reason: 'overflow', start: now });
      b.dueNow = true;
    }
    return;
  }

  const esc = step.escalation_id === null ? undefined : b.escalations.get(step.escalation_id);
  if (!esc) {
    b.finish(step, 'cancelled');
    return;
  }
  if (incident.status !== 'triggered') {
    b.finish(step, 'cancelled');
    if (b.end(esc.id, 'stopped')) {
      const why = incident.status === 'resolved' ? 'resolved' : 'acknowledged';
      await w.timeline([{ ...base, kind: 'escalation.stopped', message: `Escalation ${esc.policy_id} stopped: the incident was ${why}.`, data: { policy: esc.policy_id, status: incident.status } }]);
    }
    return;
  }
  const policy = engagement.escalationPolicies.find((p) => p.id === esc.policy_id);
  if (step.kind === 'end' && policy) {
    // The last tier has had its time to answer and nobody acknowledged.
    b.finish(step, 'done');
    await finish(b, esc.id, policy, base);
    return;
  }
  const tier = step.kind === 'tier' ? policy?.tiers[step.tier] : undefined;
  if (!policy || !tier) {
    b.finish(step, 'cancelled');
    if (b.end(esc.id, 'stopped')) {
      await w.timeline([{ ...base, kind: 'escalation.stopped', message: `Escalation ${esc.policy_id} stopped: the policy or its tier ${step.tier + 1} is no longer in the engagement file.` }]);
    }
    return;
  }

  const passes = policy.repeat + 1;
  const label = `Tier ${step.tier + 1} of ${policy.id}${passes > 1 ? ` (${ordinal(step.pass + 1)} pass of ${passes})` : ''}`;
  const resolved = resolveTier(engagement, tier, now);
  const next = nextStep(policy, step.tier, step.pass);
  b.finish(step, 'done');
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
      b.step({ engagementId: engagement.id, incidentId: incident.id, escalationId: esc.id, kind: 'tier', tier: next.tier, pass: next.pass, dueAt: now });
    } else endWhenAnswered(b, esc, policy, step);
    return;
  }

  const recipients: Recipient[] = [
    ...resolved.people.map((id): Recipient => ({ kind: 'person', id })),
    ...resolved.teamAddresses.map((t): Recipient => ({ kind: 'team', id: t.team, email: t.email })),
  ];
  const reason = `${label}, ${engagement.sides[esc.side as Side].name}`;
  const { planned, rows } = pageRows({ engagement, incidentId: incident.id, stepId: step.id, recipients, reason, kind: 'page', at: now });
  b.notifications.push(...rows);
  await w.timeline([
    {
      ...base,
      kind: 'escalation.paged',
      message: `${label}: paging ${describePlan(engagement, planned, now)}.`,
      data: { policy: policy.id, tier: step.tier + 1, pass: step.pass + 1, targets: tier.targets.map(targetRef), people: resolved.people, team_addresses: resolved.teamAddresses.map((t) => t.email), late_ms: now - step.due_at },
    },
  ]);
  if (next) {
    b.step({ engagementId: engagement.id, incidentId: incident.id, escalationId: esc.id, kind: 'tier', tier: next.tier, pass: next.pass, dueAt: Math.max(now, tierDueAt(policy, esc.started_at, next.tier, next.pass)) });
  } else endWhenAnswered(b, esc, policy, step);
}

/**
 * After the last tier of the last pass is paged, the escalation is not over
 * yet: that tier has a pass's remaining time to answer (ADR 0002: a pass lasts
 * `last tier's after + max(last gap, 5m)`). An `end` step at that moment
 * finishes it if nobody acknowledged; an acknowledgement before then stops it.
 */
function endWhenAnswered(b: StepBatch, esc: Selectable<EscalationsTable>, policy: EscalationPolicy, step: EscalationStepRow): void {
  const endsAt = tierDueAt(policy, esc.started_at, 0, policy.repeat + 1);
  b.step({ engagementId: step.engagement_id, incidentId: step.incident_id, escalationId: esc.id, kind: 'end', tier: step.tier, pass: step.pass, dueAt: Math.max(b.now, endsAt) });
}

async function finish(b: StepBatch, escalationId: number, policy: EscalationPolicy, base: { engagementId: string; incidentId: number; at: number; actor: typeof SYSTEM }): Promise<void> {
  if (b.end(escalationId, 'finished')) {
    await b.w.timeline([
      { ...base, kind: 'escalation.finished', message: `Escalation ${policy.id} finished: every tier paged${policy.repeat ? ` ${policy.repeat + 1} times` : ''} and nobody acknowledged.`, data: { policy: policy.id } },
    ]);
  }
}

