/**
 * Every query of heartbeats (0013): one watch row per heartbeat key of an
 * engagement, written by each beat and claimed by the engine with a
 * conditional UPDATE when its deadline passes; and the events a silence and
 * the next beat write into the event log, where the engine applies them like
 * any alert.
 */
import type { Selectable } from 'kysely';
import { executorDialect } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { HeartbeatsTable } from '../db/schema.js';
import type { AlertAction } from '../events/event.js';
import { HEARTBEAT_STATES } from './plan.js';
import type { HeartbeatState, Watch } from './plan.js';

export type HeartbeatRow = Selectable<HeartbeatsTable>;

/** A row's watch, its state checked (an unknown state reads as unwatched: never claimed, a beat watches again). */
export function toWatch(row: Pick<HeartbeatRow, 'state' | 'service_id' | 'last_beat_at' | 'due_at' | 'silent_since'>): Watch {
  const state = (HEARTBEAT_STATES as readonly string[]).includes(row.state) ? (row.state as HeartbeatState) : 'unwatched';
  return {
    state,
    serviceId: row.service_id,
    lastBeatAt: Number(row.last_beat_at),
    dueAt: Number(row.due_at),
    silentSince: row.silent_since === null ? null : Number(row.silent_since),
  };
}

/**
 * The watch of a key, locked for the rest of the transaction on PostgreSQL
 * (a second beat or the engine's claim waits for this one); on SQLite the
 * write transaction is already exclusive.
 */
export async function readWatchForBeat(trx: Executor, engagementId: string, key: string): Promise<Watch | undefined> {
  const read = trx
    .selectFrom('heartbeats')
    .select(['state', 'service_id', 'last_beat_at', 'due_at', 'silent_since'])
    .where('engagement_id', '=', engagementId)
    .where('integration_key', '=', key);
  const row = await (executorDialect(trx) === 'postgres' ? read.forUpdate() : read).executeTakeFirst();
  return row === undefined ? undefined : toWatch(row);
}

/** Writes a beat's watch (a first beat creates the row). */
export async function saveBeat(trx: Executor, engagementId: string, key: string, watch: Watch, at: number): Promise<void> {
  const values = {
    service_id: watch.serviceId,
    state: watch.state,
    last_beat_at: watch.lastBeatAt,
    due_at: watch.dueAt,
    silent_since: watch.silentSince,
    updated_at: at,
  };
  await trx
    .insertInto('heartbeats')
    .values({ engagement_id: engagementId, integration_key: key, beats: 1, ...values })
    .onConflict((oc) =>
      oc.columns(['engagement_id', 'integration_key']).doUpdateSet((eb) => ({ ...values, beats: eb('heartbeats.beats', '+', 1) })),
    )
    .execute();
}

/** Watches whose deadline has passed, earliest first. */
export async function dueWatches(ex: Executor, now: number, limit: number): Promise<HeartbeatRow[]> {
  return ex
    .selectFrom('heartbeats')
    .selectAll()
    .where('state', '=', 'watching')
    .where('due_at', '<=', now)
    .orderBy('due_at', 'asc')
    .limit(limit)
    .execute();
}

/** The earliest pending deadline, or null when nothing is watched. */
export async function nextWatchDue(ex: Executor): Promise<number | null> {
  const row = await ex
    .selectFrom('heartbeats')
    .select((eb) => eb.fn.min('due_at').as('at'))
    .where('state', '=', 'watching')
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/**
 * Claims a passed deadline for its incident: true for exactly one caller, and
 * only if the watch is still the one read (a beat since moved `due_at`). Goes
 * silent on `serviceId`, where the trigger is written in the same transaction.
 */
export async function claimSilence(
  trx: Executor,
  c: { engagementId: string; key: string; dueAt: number; serviceId: string; now: number },
): Promise<boolean> {
  const r = await trx
    .updateTable('heartbeats')
    .set({ state: 'silent', silent_since: c.now, service_id: c.serviceId, updated_at: c.now })
    .where('engagement_id', '=', c.engagementId)
    .where('integration_key', '=', c.key)
    .where('state', '=', 'watching')
    .where('due_at', '=', c.dueAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Stops watching a key that left the file (if no beat moved its deadline since it was read). */
export async function unwatch(ex: Executor, c: { engagementId: string; key: string; dueAt: number; now: number }): Promise<boolean> {
  const r = await ex
    .updateTable('heartbeats')
    .set({ state: 'unwatched', updated_at: c.now })
    .where('engagement_id', '=', c.engagementId)
    .where('integration_key', '=', c.key)
    .where('state', '=', 'watching')
    .where('due_at', '=', c.dueAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Writes a heartbeat's trigger or resolve into the event log, where the engine applies it like any alert. */
export async function insertHeartbeatEvent(
  ex: Executor,
  e: { engagementId: string; serviceId: string; key: string; at: number; requestId: string | null; raw: string; action: AlertAction },
): Promise<void> {
  await ex
    .insertInto('events')
    .values({
      engagement_id: e.engagementId,
      service_id: e.serviceId,
      integration_type: 'heartbeat',
      integration_key: e.key,
      kind: 'alert',
      received_at: e.at,
      request_id: e.requestId,
      raw: e.raw,
      actions: JSON.stringify([e.action]),
      processed_at: null,
    })
    .execute();
}
