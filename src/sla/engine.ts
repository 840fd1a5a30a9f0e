/**
 * The SLA engine module. SLA rows carry the next instant something can
 * happen to them (a warning threshold or the breach); a status or priority
 * change makes them due at once (incident-hooks.ts). Each pass claims the
 * due rows, reads what a look needs (the incidents, their status history on
 * the timeline, who was paged last), lets the pure plan decide (plan.ts:
 * re-derive the clock, warn once per threshold, record a breach for good,
 * schedule the next look) and writes the plan through the store.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { ChangeHooks } from '../incident/changes.js';

/** The engine's context and the incident hooks the module's writes report changes to. */
type HookedContext = EngineContext & { readonly hooks: ChangeHooks };
import { BufferedWriter } from '../incident/writer.js';
import { insertNotifications } from '../paging/store.js';
import { statusHistories } from './evaluate.js';
import type { SlaBreach, SlaPlan } from './plan.js';
import { checkSlas, incidentsToWarn, planSlaWrites } from './plan.js';
import type { SlaRow } from './store.js';
import { incidentsById } from '../incident/store.js';
import { claimDueSlas, nextSlaCheck, recentPages, statusEntries, stopSlaChecks, updateSlaRows } from './store.js';

/** Rows per pass (a full batch means more are due: the engine runs another pass at once). */
const BATCH = 200;

/** Reads what a look at `rows` needs and plans the pass. */
async function plan(trx: Transaction<DB>, ctx: HookedContext, rows: readonly SlaRow[], now: number): Promise<SlaPlan> {
  const ids = [...new Set(rows.map((r) => r.incident_id))];
  const facts = {
    incidents: await incidentsById(trx, ids),
    histories: statusHistories(await statusEntries(trx, ids)),
    engagement: (id: string) => ctx.deployment.engagement(id),
  };
  const checks = checkSlas(rows, facts, now);
  return planSlaWrites(checks, await recentPages(trx, incidentsToWarn(checks)), now);
}

/** Writes a plan: the rows, the warning pages and the timeline entries. */
async function write(trx: Transaction<DB>, ctx: HookedContext, p: SlaPlan, now: number): Promise<void> {
  await stopSlaChecks(trx, p.stop, now);
  await updateSlaRows(trx, p.updates);
  const w = new BufferedWriter(trx, ctx.database, ctx.hooks);
  await insertNotifications(w.ex, p.notifications);
  await w.timeline(p.timeline);
  await w.flush();
}

/** The engine module: fires SLA warnings and breaches when due. `onBreach` hears of each breach once it is committed. */
export function slaModule(
  hooks: ChangeHooks,
  onBreach: (engagementId: string, sla: string, kind: string) => void = () => {},
): EngineModule {
  return {
    name: 'sla',
    async step(engine: EngineContext) {
      const ctx = { ...engine, hooks };
      const now = ctx.clock.now();
      let breaches: readonly SlaBreach[] = [];
      const more = await engineTransaction(ctx.database, async (trx) => {
        const rows = await claimDueSlas(trx, ctx.database.dialect, now, BATCH);
        if (rows.length === 0) return false;
        const p = await plan(trx, ctx, rows, now);
        await write(trx, ctx, p, now);
        breaches = p.breaches;
        return rows.length === BATCH;
      });
      for (const b of breaches) onBreach(b.engagementId, b.sla, b.kind);
      return more;
    },
    nextDue: (ctx) => nextSlaCheck(ctx.database.db),
  };
}
