/**
 * The heartbeat engine module: deadlines that passed with no beat open their
 * incident. It runs on the events loop, before the events are applied (like
 * the overdue vulnerability findings): what it writes is an event, so the
 * incident opens in the same pass, with routing, paging, SLAs, tickets and
 * maintenance windows as for any alert. The escalation loop would only add a
 * hand-off (its pass would have to kick the events loop) for the same result:
 * a silence's trigger waits behind earlier events either way, as any alert
 * sent at that moment would.
 *
 * Pending work is the `heartbeats` rows' `due_at`, never a timer: the loop
 * wakes at the earliest (`nextDue`), a restarted server finds passed
 * deadlines in the rows, and each is claimed with a conditional UPDATE (still
 * watching, same deadline as read) in the transaction that writes its
 * trigger, so one instance of several opens it, once. What the module keeps
 * in memory is only when to query again (`mustLook`): a beat's deadline is at
 * least 10s away, so a look every 5s, and at the earliest deadline seen,
 * finds each one on time.
 */
import type { EngineContext, EngineModule } from '../engine/engine.js';
import { engineTransaction } from '../engine/engine.js';
import { heartbeatConfig, mustLook, nextLook, planDue, silenceTrigger } from './plan.js';
import type { LastLook } from './plan.js';
import { claimSilence, dueWatches, insertHeartbeatEvent, nextWatchDue, toWatch, unwatch } from './store.js';

export interface HeartbeatModuleOptions {
  /** Deadlines handled per step. */
  readonly batch?: number;
}

async function openSilences(ctx: EngineContext, batch: number): Promise<number> {
  const now = ctx.clock.now();
  const due = await dueWatches(ctx.database.db, now, batch);
  for (const row of due) {
    const watch = toWatch(row);
    const key = row.integration_key;
    const engagementId = row.engagement_id;
    const config = heartbeatConfig(ctx.deployment.integration(key), engagementId);
    const plan = planDue(watch, now, config);
    if (plan.kind === 'unwatch') {
      if (await unwatch(ctx.database.db, { engagementId, key, dueAt: watch.dueAt, now }))
        ctx.log.info({ engagement: engagementId, service: row.service_id }, 'heartbeat no longer in the file: not watched');
      continue;
    }
    if (plan.kind !== 'open' || config === undefined) continue;
    const opened = await engineTransaction(ctx.database, async (trx) => {
      if (!(await claimSilence(trx, { engagementId, key, dueAt: watch.dueAt, serviceId: plan.serviceId, now }))) return false;
      const action = silenceTrigger(engagementId, key, watch, config, plan);
      await insertHeartbeatEvent(trx, {
        engagementId,
        serviceId: plan.serviceId,
        key,
        at: now,
        requestId: null,
        raw: JSON.stringify({ heartbeat: 'silence', ...action.details }),
        action,
      });
      return true;
    });
    if (opened)
      ctx.log.info(
        { engagement: engagementId, service: plan.serviceId, silentForMs: plan.silentForMs },
        'heartbeat silent: trigger written',
      );
  }
  return due.length;
}

export function heartbeatModule(options: HeartbeatModuleOptions = {}): EngineModule {
  const batch = options.batch ?? 100;
  // The last look (plan.ts mustLook): a hint of when to query again, never the pending work itself.
  let last: LastLook | undefined;
  return {
    name: 'heartbeats',
    step: async (ctx) => {
      const now = ctx.clock.now();
      if (!mustLook(now, last)) return false;
      const handled = await openSilences(ctx, batch);
      // A full batch may leave more passed deadlines: say so, and the loop runs again at once.
      if (handled >= batch) {
        last = undefined;
        return true;
      }
      last = { at: now, nextDue: await nextWatchDue(ctx.database.db) };
      return false;
    },
    nextDue: async (ctx) => nextLook(ctx.clock.now(), last) ?? nextWatchDue(ctx.database.db),
  };
}
