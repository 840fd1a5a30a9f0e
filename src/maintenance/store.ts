/**
 * Every query maintenance runs: windows and silences made through the API,
 * their own timeline (`maintenance_log`), and the holds of incidents opened
 * in maintenance (rows with a due time: the end). Due holds and windows
 * whose end passed are claimed with `claimRows` (SKIP LOCKED on PostgreSQL),
 * so several instances release each incident and record each expiry once.
 */
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Dialect } from '../db/connect.js';
import { chunked, claimRows } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import { jsonColumn } from '../db/json-column.js';
import type { MaintenanceHoldsTable, MaintenanceWindowsTable } from '../db/schema.js';
import type { Collector } from '../incident/writer.js';
import type { AlertFields, Matcher } from './silences.js';
import type { ApiWindow } from './windows.js';

export type HoldRow = Selectable<MaintenanceHoldsTable>;
type WindowRow = Selectable<MaintenanceWindowsTable>;

/** What a window's own timeline records. */
export type LogKind = 'created' | 'ended' | 'expired';

/** A window or silence made through the API, its JSON columns parsed. */
export interface StoredWindow {
  readonly id: number;
  readonly engagementId: string;
  readonly kind: 'window' | 'silence';
  /** window: the services it covers; silence: empty. */
  readonly services: readonly string[];
  /** silence: its matchers; window: empty. */
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly endedAt: number | null;
  readonly endedBy: string | null;
  readonly expiredAt: number | null;
}

export interface LogEntry {
  readonly windowId: number;
  readonly at: number;
  readonly kind: LogKind;
  readonly actor: string;
  readonly reason: string;
}

const services = jsonColumn(z.array(z.string()), 'maintenance_windows.services');
const matchers = jsonColumn(
  z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean() })),
  'maintenance_windows.matchers',
);
const details = jsonColumn(z.unknown(), 'alerts.details');

function fromStored(r: WindowRow): StoredWindow {
  return {
    id: Number(r.id),
    engagementId: r.engagement_id,
    kind: r.kind === 'silence' ? 'silence' : 'window',
    services: r.services === null ? [] : services.parse(r.services),
    matchers: r.matchers === null ? [] : matchers.parse(r.matchers),
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    endedBy: r.ended_by,
    expiredAt: r.expired_at === null ? null : Number(r.expired_at),
  };
}

/** When a window really ends: its end, or when it was ended early. */
export function effectiveEnd(w: Pick<StoredWindow, 'endsAt' | 'endedAt'>): number {
  return w.endedAt === null ? w.endsAt : Math.min(w.endsAt, w.endedAt);
}

/** Inserts a window or silence and its `created` entry; returns its id. */
export async function insertWindow(
  ex: Executor,
  w: {
    engagementId: string;
    kind: 'window' | 'silence';
    services?: readonly string[];
    matchers?: readonly Matcher[];
    startsAt: number;
    endsAt: number;
    reason: string;
    author: string;
    at: number;
  },
): Promise<number> {
  const row = await ex
    .insertInto('maintenance_windows')
    .values({
      engagement_id: w.engagementId,
      kind: w.kind,
      services: w.services === undefined ? null : services.stringify([...w.services]),
      matchers: w.matchers === undefined ? null : matchers.stringify(w.matchers.map((m) => ({ ...m }))),
      starts_at: w.startsAt,
      ends_at: w.endsAt,
      reason: w.reason,
      created_by: w.author,
      created_at: w.at,
      ended_at: null,
      ended_by: null,
      expired_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  await appendLog(ex, w.engagementId, [{ windowId: id, at: w.at, kind: 'created', actor: w.author, reason: w.reason }]);
  return id;
}

/** Appends entries to windows' own timelines. */
export async function appendLog(ex: Executor, engagementId: string, entries: readonly LogEntry[]): Promise<void> {
  const rows = entries.map((e) => ({
    engagement_id: engagementId,
    window_id: e.windowId,
    at: e.at,
    kind: e.kind,
    actor: e.actor,
    reason: e.reason,
  }));
  for (const chunk of chunked(rows, 6)) await ex.insertInto('maintenance_log').values(chunk).execute();
}

/** One window of the given engagements, or undefined. */
export async function getWindow(ex: Executor, engagements: readonly string[], id: number): Promise<StoredWindow | undefined> {
  if (engagements.length === 0) return undefined;
  const row = await ex
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('id', '=', id)
    .where('engagement_id', 'in', engagements)
    .executeTakeFirst();
  return row === undefined ? undefined : fromStored(row);
}

/** An engagement's windows and silences of a kind that end after `since`, earliest start first (at most `limit`). */
export async function listWindows(
  ex: Executor,
  engagementId: string,
  o: { kind?: 'window' | 'silence'; since: number; limit: number },
): Promise<StoredWindow[]> {
  let q = ex
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('ends_at', '>', o.since)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', o.since)]));
  if (o.kind !== undefined) q = q.where('kind', '=', o.kind);
  const rows = await q.orderBy('starts_at').orderBy('id').limit(o.limit).execute();
  return rows.map(fromStored);
}

/** Each window's own timeline, oldest first. */
export async function logsOf(ex: Executor, windowIds: readonly number[]): Promise<Map<number, LogEntry[]>> {
  const out = new Map<number, LogEntry[]>();
  for (const chunk of chunked(windowIds)) {
    const rows = await ex.selectFrom('maintenance_log').selectAll().where('window_id', 'in', chunk).orderBy('id').execute();
    for (const r of rows) {
      const id = Number(r.window_id);
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      const kind: LogKind = r.kind === 'ended' || r.kind === 'expired' ? r.kind : 'created';
      list.push({ windowId: id, at: Number(r.at), kind, actor: r.actor, reason: r.reason });
    }
  }
  return out;
}

/** Ends a window early, unless it already ended or expired; returns whether it did. */
export async function endWindow(ex: Executor, id: number, at: number, by: string): Promise<boolean> {
  const result = await ex
    .updateTable('maintenance_windows')
    .set({ ended_at: at, ended_by: by })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .where('expired_at', 'is', null)
    .where('ends_at', '>', at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Windows and silences of an engagement in force at some instant at or after `from` (the gate's per-batch read). */
export async function windowsInForce(ex: Executor, engagementId: string, from: number): Promise<StoredWindow[]> {
  const rows = await ex
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('ends_at', '>', from)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', from)]))
    .execute();
  return rows.map(fromStored);
}

/** The API windows of an engagement (not silences) in force at some instant at or after `from`, as `maintenanceAt` takes them. */
export async function apiWindowsOf(ex: Executor, engagementId: string, from: number): Promise<ApiWindow[]> {
  return (await windowsInForce(ex, engagementId, from)).flatMap((w) => (w.kind === 'window' ? [asApiWindow(w)] : []));
}

/** A stored window as `maintenanceAt` takes it. */
export function asApiWindow(w: StoredWindow): ApiWindow {
  return { services: w.services, from: w.startsAt, to: effectiveEnd(w), reason: w.reason };
}

/** Windows whose end passed without being ended early or recorded, claimed for the rest of the transaction. */
export async function claimEndedWindows(ex: Executor, dialect: Dialect, now: number, limit: number): Promise<StoredWindow[]> {
  const query = ex
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('expired_at', 'is', null)
    .where('ended_at', 'is', null)
    .where('ends_at', '<=', now)
    .orderBy('ends_at')
    .orderBy('id')
    .limit(limit);
  return (await claimRows(dialect, query).execute()).map(fromStored);
}

/** Records that windows expired (at their end). */
export async function markExpired(ex: Executor, windows: readonly StoredWindow[]): Promise<void> {
  for (const w of windows) await ex.updateTable('maintenance_windows').set({ expired_at: w.endsAt }).where('id', '=', w.id).execute();
}

// ---------------------------------------------------------------- holds

/** A hold to insert. */
export interface NewHold {
  readonly engagementId: string;
  readonly incidentId: number;
  readonly reason: string;
  readonly dueAt: number;
  readonly at: number;
}

/** Holds of the incidents a batch opened in maintenance, inserted when the batch's writer flushes. */
export class HoldBatch implements Collector {
  readonly holds: NewHold[] = [];

  async flush(ex: Executor): Promise<void> {
    await insertHolds(ex, this.holds);
  }
}

export async function insertHolds(ex: Executor, holds: readonly NewHold[]): Promise<void> {
  const rows = holds.map((h) => ({
    engagement_id: h.engagementId,
    incident_id: h.incidentId,
    reason: h.reason,
    due_at: h.dueAt,
    status: 'pending',
    created_at: h.at,
    released_at: null,
    released_by: null,
  }));
  for (const chunk of chunked(rows, 8)) await ex.insertInto('maintenance_holds').values(chunk).execute();
}

/** Claims up to `limit` holds due by `now`, oldest first, for the rest of the transaction. */
export async function claimDueHolds(ex: Executor, dialect: Dialect, now: number, limit: number): Promise<HoldRow[]> {
  const query = ex
    .selectFrom('maintenance_holds')
    .selectAll()
    .where('status', '=', sql.lit('pending'))
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit);
  return claimRows(dialect, query).execute();
}

/** Ends claimed holds: released (paging started) or cancelled (resolved, or nothing to page). */
export async function finishHolds(
  ex: Executor,
  ids: readonly number[],
  status: 'released' | 'cancelled',
  at: number,
  by: string,
): Promise<void> {
  for (const chunk of chunked(ids))
    await ex.updateTable('maintenance_holds').set({ status, released_at: at, released_by: by }).where('id', 'in', chunk).execute();
}

/** Holds a claimed hold further: maintenance goes on until `dueAt`. */
export async function deferHold(ex: Executor, id: number, dueAt: number, reason: string): Promise<void> {
  await ex.updateTable('maintenance_holds').set({ due_at: dueAt, reason }).where('id', '=', id).execute();
}

/** Makes an engagement's pending holds due at `at` (a window or silence ended early: each is looked at again). */
export async function makeHoldsDue(ex: Executor, engagementId: string, at: number): Promise<void> {
  await ex
    .updateTable('maintenance_holds')
    .set({ due_at: at })
    .where('engagement_id', '=', engagementId)
    .where('status', '=', sql.lit('pending'))
    .where('due_at', '>', at)
    .execute();
}

/** When the earliest pending hold or unrecorded window end is due (epoch ms), or null. */
export async function nextMaintenanceDue(ex: Executor): Promise<number | null> {
  const hold = await ex
    .selectFrom('maintenance_holds')
    .select((eb) => eb.fn.min('due_at').as('next'))
    .where('status', '=', sql.lit('pending'))
    .executeTakeFirst();
  const end = await ex
    .selectFrom('maintenance_windows')
    .select((eb) => eb.fn.min('ends_at').as('next'))
    .where('expired_at', 'is', null)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  const times = [hold?.next, end?.next].filter((t) => t !== null && t !== undefined).map(Number);
  return times.length === 0 ? null : Math.min(...times);
}

/** The pending hold of each incident (the API shows it). */
export async function pendingHoldsOf(ex: Executor, incidentIds: readonly number[]): Promise<Map<number, HoldRow>> {
  const out = new Map<number, HoldRow>();
  for (const chunk of chunked(incidentIds)) {
    const rows = await ex
      .selectFrom('maintenance_holds')
      .selectAll()
      .where('incident_id', 'in', chunk)
      .where('status', '=', sql.lit('pending'))
      .execute();
    for (const r of rows) out.set(Number(r.incident_id), r);
  }
  return out;
}

/** Whether the incident waits for the end of maintenance. */
export async function isHeld(ex: Executor, incidentId: number): Promise<boolean> {
  const row = await ex
    .selectFrom('maintenance_holds')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('status', '=', sql.lit('pending'))
    .executeTakeFirst();
  return row !== undefined;
}

/** The first alert of each incident, as silences match it. */
export async function alertFieldsOf(ex: Executor, incidentIds: readonly number[]): Promise<Map<number, AlertFields>> {
  const out = new Map<number, AlertFields>();
  for (const chunk of chunked(incidentIds)) {
    const rows = await ex
      .selectFrom('alerts')
      .select(['incident_id', 'service_id', 'severity', 'summary', 'source', 'dedup_key', 'details'])
      .where('incident_id', 'in', chunk)
      .orderBy('id')
      .execute();
    for (const r of rows) {
      const id = Number(r.incident_id);
      if (out.has(id)) continue;
      out.set(id, {
        service: r.service_id,
        severity: r.severity,
        summary: r.summary,
        source: r.source,
        dedup_key: r.dedup_key,
        details: r.details === null ? null : details.parse(r.details),
      });
    }
  }
  return out;
}
