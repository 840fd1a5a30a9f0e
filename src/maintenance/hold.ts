/**
 * What maintenance does to incidents. An incident that opens while its
 * service is in maintenance (a window of the file or the API) or while a
 * silence matches its alert still opens, so nothing is lost, but routing,
 * paging and SLA clocks do not start: the timeline says "in maintenance:
 * <reason>" and a hold row waits with the end as its due time. When it comes
 * due the engine module here looks again: still in maintenance (a window
 * follows, or was made since), it waits on; resolved meanwhile, nothing ever
 * pages; otherwise routing and SLA clocks start as if it opened then, so the
 * first tier is paged at once and later tiers and SLA targets count from
 * the end of maintenance.
 *
 * Holds are claimed like escalation steps (SKIP LOCKED on PostgreSQL, marked
 * in the claiming transaction), so with several instances each incident is
 * released once. Ending a window or silence early makes the engagement's
 * holds due at once. The module also records, once, that an API window's end
 * passed ("expired" on its own timeline).
 */
import type { Executor } from '../db/executor.js';
import type { IncidentRow } from '../db/schema.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import type { ChangeHooks } from '../incident/changes.js';
import type { OpenedIncident } from '../incident/hooks.js';
import { SYSTEM } from '../incident/actor.js';
import { incidentsById } from '../incident/store.js';
import type { TimelineEntry } from '../incident/timeline.js';
import type { Collector, IncidentWriter } from '../incident/writer.js';
import { withWriter } from '../incident/writer.js';
import { formatLocalDate, toNaive } from '../time/local-time.js';
import { DAY_MS } from '../time/duration.js';
import type { AlertFields } from './silences.js';
import { silenceMatches } from './silences.js';
import type { StoredWindow } from './store.js';
import {
  HoldBatch,
  alertFieldsOf,
  appendLog,
  asApiWindow,
  claimDueHolds,
  claimEndedWindows,
  deferHold,
  effectiveEnd,
  finishHolds,
  markExpired,
  nextMaintenanceDue,
  windowsInForce,
} from './store.js';
import type { InMaintenance } from './windows.js';
import { maintenanceAt } from './windows.js';

/** A hook run when an incident opens (the type of `IncidentHooks['opened']` entries). */
export type OpenedHook = (w: IncidentWriter, opened: OpenedIncident, at: number) => Promise<void>;

/**
 * Whether an incident of `serviceId` opening (or looked at again) at `at` is
 * in maintenance: the file's windows and the API's (joined into one stretch),
 * or an active silence matching its alert. The later end wins when both apply.
 */
export function holdDecision(
  engagement: Engagement,
  serviceId: string,
  at: number,
  stored: readonly StoredWindow[],
  alert: AlertFields | undefined,
): InMaintenance | undefined {
  const windows = stored.filter((w) => w.kind === 'window').map(asApiWindow);
  let found = maintenanceAt(engagement, serviceId, at, windows);
  if (alert !== undefined) {
    for (const s of stored) {
      if (s.kind !== 'silence' || s.startsAt > at || at >= effectiveEnd(s) || !silenceMatches(s.matchers, alert)) continue;
      const end = effectiveEnd(s);
      if (found === undefined) found = { reason: s.reason, until: end };
      else if (end > found.until) found = { reason: found.reason, until: end };
    }
  }
  return found;
}

/** "2026-12-06 05:00 (Europe/Berlin)": an instant as the engagement's people read it. */
export function localText(zone: string, t: number): string {
  const naive = toNaive(zone, t);
  const day = Math.floor(naive / DAY_MS);
  const minutes = Math.floor((naive - day * DAY_MS) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${formatLocalDate(day)} ${hh}:${mm} (${zone})`;
}

/** The windows and silences in force per engagement, read once per batch (again only for an earlier instant). */
class InForce implements Collector {
  readonly #cache = new Map<string, { from: number; windows: StoredWindow[] }>();

  async get(ex: Executor, engagementId: string, at: number): Promise<StoredWindow[]> {
    const cached = this.#cache.get(engagementId);
    if (cached !== undefined && cached.from <= at) return cached.windows;
    const windows = await windowsInForce(ex, engagementId, at);
    this.#cache.set(engagementId, { from: at, windows });
    return windows;
  }

  readonly cache = true;

  async flush(): Promise<void> {}
}

function entry(
  incident: IncidentRow,
  at: number,
  kind: 'maintenance' | 'maintenance.ended',
  message: string,
  data: Record<string, unknown>,
): TimelineEntry {
  return { engagementId: incident.engagement_id, incidentId: incident.id, at, kind, actor: SYSTEM, message, data };
}

/**
 * The hook that holds incidents opening in maintenance: outside maintenance
 * it runs `inner` (routing, SLA clocks) as before; inside, it writes the
 * timeline entry and the hold instead.
 */
export function maintenanceGate(inner: readonly OpenedHook[]): OpenedHook {
  return async (w, opened, at) => {
    const { incident, engagement } = opened;
    const inForce = await w.collector('maintenance_in_force', () => new InForce()).get(w.ex, engagement.id, incident.created_at);
    let held: InMaintenance | undefined;
    if (inForce.length > 0 || (engagement.maintenance?.length ?? 0) > 0) {
      // Silences need the alert; read it only when one could apply (written first: an event batch collects its new alerts).
      const silences = inForce.some((s) => s.kind === 'silence');
      if (silences) await w.written();
      const alert = silences ? (await alertFieldsOf(w.ex, [incident.id])).get(incident.id) : undefined;
      held = holdDecision(engagement, incident.service_id, incident.created_at, inForce, alert);
    }
    if (held === undefined) {
      for (const hook of inner) await hook(w, opened, at);
      return;
    }
    const until = localText(engagement.timezone, held.until);
    await w.timeline([
      entry(
        incident,
        incident.created_at,
        'maintenance',
        `in maintenance: ${held.reason}. Nobody is paged and no SLA clock starts until ${until}; paging starts then if the incident is still open.`,
        { reason: held.reason, until: new Date(held.until).toISOString() },
      ),
    ]);
    w.collector('maintenance_holds', () => new HoldBatch()).holds.push({
      engagementId: engagement.id,
      incidentId: incident.id,
      reason: held.reason,
      dueAt: held.until,
      at,
    });
  };
}

/** Holds claimed per transaction. */
const BATCH = 200;

/** The engine module releasing due holds (with `onRelease`: routing and SLA clocks) and recording API windows' expiry. */
export function maintenanceModule(options: { readonly hooks: ChangeHooks; readonly onRelease: readonly OpenedHook[] }): EngineModule {
  return {
    name: 'maintenance',
    async step(engine) {
      const ctx = { ...engine, hooks: options.hooks };
      const now = ctx.clock.now();
      return engineTransaction(ctx.database, async (trx) => {
        const expired = await recordExpiries(ctx, trx, now);
        const released = await releaseDue(ctx, trx, now, options.onRelease);
        return expired || released;
      });
    },
    nextDue: (ctx) => nextMaintenanceDue(ctx.database.db),
  };
}

/** Writes "expired" on the own timeline of API windows whose end passed. Returns whether a full batch was claimed. */
async function recordExpiries(ctx: EngineContext, trx: Executor, now: number): Promise<boolean> {
  const ended = await claimEndedWindows(trx, ctx.database.dialect, now, BATCH);
  if (ended.length === 0) return false;
  await markExpired(trx, ended);
  for (const w of ended)
    await appendLog(trx, w.engagementId, [{ windowId: w.id, at: w.endsAt, kind: 'expired', actor: 'system', reason: w.reason }]);
  return ended.length === BATCH;
}

/** Claims due holds and releases, defers or cancels each. Returns whether a full batch was claimed. */
async function releaseDue(
  ctx: EngineContext & { readonly hooks: ChangeHooks },
  trx: Executor,
  now: number,
  onRelease: readonly OpenedHook[],
): Promise<boolean> {
  const holds = await claimDueHolds(trx, ctx.database.dialect, now, BATCH);
  if (holds.length === 0) return false;
  const incidents = await incidentsById(trx, [...new Set(holds.map((h) => Number(h.incident_id)))]);
  const cancelled: number[] = [];
  const released: number[] = [];
  await withWriter(trx, ctx.database, ctx.hooks, async (w) => {
    const inForce = new InForce();
    for (const hold of holds) {
      const incident = incidents.get(Number(hold.incident_id));
      const engagement = ctx.deployment.engagement(hold.engagement_id);
      // Resolved before the end: it never pages. Gone from the deployment: nothing to page.
      if (incident === undefined || engagement === undefined || incident.status === 'resolved') {
        cancelled.push(Number(hold.id));
        continue;
      }
      const stored = await inForce.get(trx, engagement.id, now);
      const alert = stored.some((s) => s.kind === 'silence') ? (await alertFieldsOf(trx, [incident.id])).get(incident.id) : undefined;
      const still = holdDecision(engagement, incident.service_id, now, stored, alert);
      if (still !== undefined) {
        await deferHold(trx, Number(hold.id), still.until, still.reason);
        if (still.until !== Number(hold.due_at))
          await w.timeline([
            entry(
              incident,
              now,
              'maintenance',
              `still in maintenance: ${still.reason}, until ${localText(engagement.timezone, still.until)}.`,
              {
                reason: still.reason,
                until: new Date(still.until).toISOString(),
              },
            ),
          ]);
        continue;
      }
      released.push(Number(hold.id));
      await w.timeline([
        entry(incident, now, 'maintenance.ended', `maintenance over (${hold.reason}): routing, paging and SLA clocks start now.`, {
          reason: hold.reason,
        }),
      ]);
      // As if it opened now: who owns it now, tiers and SLA targets counted from now.
      const asOfNow: IncidentRow = { ...incident, created_at: now };
      const opened: OpenedIncident = {
        incident: asOfNow,
        engagement,
        service: lookup(engagement).service(incident.service_id),
        // Acknowledged meanwhile: the policy starts and stops at once, as for any acknowledged incident (escalation/plan.ts).
        pages: engagement.priorities.page.includes(incident.priority),
      };
      for (const hook of onRelease) await hook(w, opened, now);
    }
  });
  await finishHolds(trx, cancelled, 'cancelled', now, ctx.instanceId);
  await finishHolds(trx, released, 'released', now, ctx.instanceId);
  return holds.length === BATCH;
}
