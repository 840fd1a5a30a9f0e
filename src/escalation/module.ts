/**
 * The engine module that fires due escalation steps: claim a batch of due
 * steps in a transaction (SKIP LOCKED on PostgreSQL, so several instances
 * share the work and none fires a step twice), plan each one (plan.ts), and
 * write every plan together: on PostgreSQL a batch of hundreds of steps costs
 * a handful of round trips, which keeps escalation on time when thousands come
 * due at once. Acknowledging or resolving stops escalation: a step that comes
 * due on an incident no longer triggered is cancelled. Nothing is remembered
 * in memory, so a restarted server fires every overdue step exactly once.
 */
import type { EscalationStepRow, IncidentRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { ChangeHooks } from '../incident/changes.js';

/** The engine's context and the incident hooks the module's writes report changes to. */
type HookedContext = EngineContext & { readonly hooks: ChangeHooks };
import { withWriter } from '../incident/writer.js';
import { insertNotifications } from '../paging/store.js';
import { escalationRows } from './escalation.js';
import { planStep } from './plan.js';
import type { StepPlan } from './plan.js';
import { incidentsById } from '../incident/store.js';
import { claimDueSteps, endEscalations, escalationsById, finishSteps, nextStepDue } from './store.js';
import type { EscalationRow } from './store.js';

/** Steps claimed per transaction. */
const BATCH = 500;

/** A step that fired, and how long after it was due. */
interface Fired {
  readonly kind: string;
  readonly lateMs: number;
}

/** The engine module that fires due escalation steps. `onFired` hears of each fired step once it is committed. */
export function escalationModule(options: {
  readonly hooks: ChangeHooks;
  readonly onFired?: (kind: string, lateMs: number) => void;
}): EngineModule {
  return {
    name: 'escalation',
    async step(engine) {
      const ctx = { ...engine, hooks: options.hooks };
      const now = ctx.clock.now();
      const { more, fired } = await engineTransaction(ctx.database, (trx) => fireDueSteps(ctx, trx, now));
      for (const f of fired) options.onFired?.(f.kind, f.lateMs);
      return more;
    },
    nextDue: (ctx) => nextStepDue(ctx.database.db),
  };
}

/** One batch: claim, plan, write. More is due at once after a full batch, or when the batch made work due now (a skipped tier, an overflow). */
async function fireDueSteps(ctx: HookedContext, trx: Executor, now: number): Promise<{ more: boolean; fired: Fired[] }> {
  const steps = await claimDueSteps(trx, ctx.database.dialect, now, BATCH);
  if (steps.length === 0) return { more: false, fired: [] };
  const incidents = await incidentsById(trx, [...new Set(steps.map((s) => s.incident_id))]);
  const escalations = await escalationsById(trx, [...new Set(steps.map((s) => s.escalation_id).filter((id): id is number => id !== null))]);
  const plans = planBatch(ctx, steps, incidents, escalations, now);
  await writePlans(ctx, trx, plans, now);
  const dueNow = plans.some(({ plan }) => plan.start !== undefined || (plan.next !== undefined && plan.next.due_at <= now));
  const fired = plans
    .filter(({ plan }) => plan.finish === 'done')
    .map(({ step }) => ({ kind: step.kind, lateMs: Math.max(0, now - step.due_at) }));
  return { more: steps.length === BATCH || dueNow, fired };
}

/**
 * Plans the steps in order. An escalation ended by one step is seen as ended
 * by the next, so it ends (and the timeline says so) once.
 */
function planBatch(
  ctx: HookedContext,
  steps: readonly EscalationStepRow[],
  incidents: ReadonlyMap<number, IncidentRow>,
  escalations: ReadonlyMap<number, EscalationRow>,
  now: number,
): Array<{ step: EscalationStepRow; plan: StepPlan }> {
  const current = new Map(escalations);
  return steps.map((step) => {
    const escalation = step.escalation_id === null ? undefined : current.get(step.escalation_id);
    const plan = planStep({
      step,
      incident: incidents.get(step.incident_id),
      engagement: ctx.deployment.engagement(step.engagement_id),
      escalation,
      now,
    });
    if (plan.end && escalation) current.set(escalation.id, { ...escalation, status: plan.end.status });
    return { step, plan };
  });
}

/** Writes a batch's plans: step outcomes and ended escalations in one statement per status, then new rows, pages and timeline. */
async function writePlans(
  ctx: HookedContext,
  trx: Executor,
  plans: ReadonlyArray<{ step: EscalationStepRow; plan: StepPlan }>,
  now: number,
): Promise<void> {
  for (const status of ['done', 'cancelled'] as const) {
    await finishSteps(
      trx,
      plans.filter(({ plan }) => plan.finish === status).map(({ step }) => step.id),
      status,
      now,
      ctx.instanceId,
    );
  }
  for (const status of ['stopped', 'finished'] as const) {
    await endEscalations(
      trx,
      plans.flatMap(({ plan }) => (plan.end?.status === status ? [plan.end.id] : [])),
      status,
      now,
    );
  }
  await withWriter(trx, ctx.database, ctx.hooks, async (w) => {
    const rows = escalationRows(w);
    for (const { plan } of plans) {
      if (plan.next) rows.steps.push(plan.next);
      if (plan.start) rows.starts.push(plan.start);
    }
    await insertNotifications(
      w.ex,
      plans.flatMap(({ plan }) => plan.notifications),
    );
    await w.timeline(plans.flatMap(({ plan }) => plan.timeline));
  });
}
