/**
 * The event log: every accepted event (appended by the ingest inbox), the
 * engine's queue of events not yet applied, and the events set aside because
 * they could not be applied (quarantined, waiting for an admin's retry).
 */
import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database } from '../db/connect.js';
import { columnsOf, insertColumns } from '../db/columns.js';
import { chunked, commitPreparedDurably, oneOf } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { EventRow, EventsTable } from '../db/schema.js';
import { APPLY_PARTITIONS, PARTITION_EXPRESSION } from './partition.js';

const APPEND_COLUMNS = [
  'engagement_id',
  'service_id',
  'integration_type',
  'integration_key',
  'kind',
  'received_at',
  'request_id',
  'raw',
  'actions',
  'processed_at',
] as const;
/** An accepted event as the inbox appends it (events/inbox.ts builds it). */
export type NewEventRow = Required<Pick<Insertable<EventsTable>, (typeof APPEND_COLUMNS)[number]>>;
const APPEND_TYPES = columnsOf<NewEventRow>({
  engagement_id: 'text',
  service_id: 'text',
  integration_type: 'text',
  integration_key: 'text',
  kind: 'text',
  received_at: 'bigint',
  request_id: 'text',
  raw: 'text',
  actions: 'text',
  processed_at: 'bigint',
});

/**
 * Appends accepted events in one atomic commit that is durable when it
 * resolves: on SQLite through the prepared-statement fast path, whose
 * commit is flushed to disk (the WAL fdatasync'd) before it resolves
 * (db/dialect.ts commitPreparedDurably); on PostgreSQL as one multi-row
 * INSERT, every commit outside the engine being synchronous.
 */
export async function appendEvents(database: Database, rows: readonly NewEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (await commitPreparedDurably(database, 'events', APPEND_COLUMNS, rows)) return;
  // One array per column (db/columns.ts): a group of a few hundred events built no query tree per value.
  if (await insertColumns(database.db, 'events', APPEND_TYPES, rows)) return;
  await database.db.insertInto('events').values(rows).execute();
}

const APPLY_COLUMNS = ['id', 'engagement_id', 'service_id', 'integration_type', 'kind', 'received_at', 'actions'] as const;
/** An accepted event, as much of it as applying it needs (not the raw body: that is evidence, not input). */
export type EventToApply = Pick<EventRow, (typeof APPLY_COLUMNS)[number]>;

/** An event's apply partition in SQL (PostgreSQL; the expression migration 0020 indexed). */
const partitionOf = sql<number>`(${sql.raw(PARTITION_EXPRESSION)})`;

/**
 * The oldest events waiting to be applied, oldest first (quarantined ones are
 * not waiting): of every partition (SQLite), or of some (PostgreSQL).
 */
export async function nextEventsToApply(ex: Executor, limit: number, partitions?: readonly number[]): Promise<EventToApply[]> {
  if (partitions?.length === 0) return [];
  let q = ex.selectFrom('events').select(APPLY_COLUMNS).where('processed_at', 'is', null).where('quarantined_at', 'is', null);
  if (partitions !== undefined) q = q.where(partitionOf, 'in', partitions);
  return q.orderBy('id', 'asc').limit(limit).execute();
}

/** A partition with events waiting, and how many (counted up to a limit). */
export interface WaitingPartition {
  readonly part: number;
  readonly events: number;
}

/**
 * The partitions that have events waiting (PostgreSQL), each with how many,
 * counted up to `upTo`: one bounded probe of the partition index per
 * partition, so it costs about the same with a backlog of a million events
 * as with a few thousand.
 */
export async function partitionsWaiting(ex: Executor, upTo: number): Promise<WaitingPartition[]> {
  // A lateral count, evaluated once per partition: the same count in a select list and its WHERE was run twice,
  // 127 ms for 100,000 waiting events (EXPLAIN ANALYZE) against 9 ms this way.
  const rows = await sql<{
    part: number;
    events: string | number;
  }>`select p as part, w.events from generate_series(0, ${sql.lit(APPLY_PARTITIONS - 1)}) as p
    cross join lateral (select count(*) as events from (select 1 from events
      where ${partitionOf} = p and processed_at is null and quarantined_at is null limit ${upTo}) as x) as w
    where w.events > 0`.execute(ex);
  return rows.rows.map((r) => ({ part: Number(r.part), events: Number(r.events) }));
}

/**
 * One event, if it is still waiting to be applied (another instance may have
 * applied it meanwhile) and, when `partitions` are given, is in one of them.
 */
export async function eventToApply(ex: Executor, id: number, partitions?: readonly number[]): Promise<EventToApply | undefined> {
  if (partitions?.length === 0) return undefined;
  let q = ex
    .selectFrom('events')
    .select(APPLY_COLUMNS)
    .where('id', '=', id)
    .where('processed_at', 'is', null)
    .where('quarantined_at', 'is', null);
  if (partitions !== undefined) q = q.where(partitionOf, 'in', partitions);
  return q.executeTakeFirst();
}

export async function markApplied(ex: Executor, ids: readonly number[], at: number): Promise<void> {
  if (ids.length === 0) return;
  for (const chunk of chunked(ids))
    await ex
      .updateTable('events')
      .set({ processed_at: at })
      .where(oneOf(ex, 'id', chunk, 'int8'))
      .execute();
}

/** Sets an event aside with the reason it could not be applied; returns its engagement, or undefined if it was applied meanwhile. */
export async function quarantineEvent(ex: Executor, id: number, at: number, error: string): Promise<string | undefined> {
  const row = await ex
    .updateTable('events')
    .set({ quarantined_at: at, apply_error: error.slice(0, 4000) })
    .where('id', '=', id)
    .where('processed_at', 'is', null)
    .returning('engagement_id')
    .executeTakeFirst();
  return row?.engagement_id;
}

export interface QuarantinedEvent {
  id: number;
  engagement_id: string;
  service_id: string;
  integration_type: string;
  kind: string;
  received_at: number;
  request_id: string | null;
  quarantined_at: number;
  apply_error: string;
  /** The body as received, cut at {@link RAW_SHOWN} characters. */
  raw: string;
  raw_length: number;
}

/** How much of a quarantined event's body a listing shows. */
export const RAW_SHOWN = 4096;

/** Quarantined events of some engagements, newest first, `before` an id for paging. */
export async function listQuarantined(
  ex: Executor,
  engagementIds: readonly string[],
  options: { limit: number; before?: number },
): Promise<QuarantinedEvent[]> {
  if (engagementIds.length === 0) return [];
  let q = ex
    .selectFrom('events')
    .select(['id', 'engagement_id', 'service_id', 'integration_type', 'kind', 'received_at', 'request_id', 'quarantined_at', 'apply_error'])
    .select([sql<string>`substr(raw, 1, ${sql.lit(RAW_SHOWN)})`.as('raw'), sql<number>`length(raw)`.as('raw_length')])
    .where('quarantined_at', 'is not', null)
    .where('engagement_id', 'in', engagementIds);
  if (options.before !== undefined) q = q.where('id', '<', options.before);
  const rows = await q.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    ...r,
    raw_length: Number(r.raw_length),
    quarantined_at: r.quarantined_at ?? 0,
    apply_error: r.apply_error ?? '',
  }));
}

/**
 * Puts quarantined events back in the queue: those named, or every one of the
 * engagements given. Returns the ids put back.
 */
export async function retryQuarantined(
  ex: Executor,
  select: { engagementIds: readonly string[]; ids?: readonly number[] },
): Promise<number[]> {
  if (select.engagementIds.length === 0 || (select.ids && select.ids.length === 0)) return [];
  let q = ex
    .updateTable('events')
    .set({ quarantined_at: null, apply_error: null })
    .where('quarantined_at', 'is not', null)
    .where('processed_at', 'is', null)
    .where('engagement_id', 'in', select.engagementIds);
  if (select.ids) q = q.where('id', 'in', select.ids);
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export interface EventBacklog {
  /** Events accepted and not yet applied (quarantined ones excluded). */
  waiting: number;
  /** When the oldest of them was accepted (epoch ms), or null when none waits. */
  oldestReceivedAt: number | null;
  /** Events set aside, waiting for an admin. */
  quarantined: number;
}

/** Seconds since the oldest waiting event was accepted; 0 when none waits. */
export function waitingAgeSeconds(oldestReceivedAt: number | null, now: number): number {
  return oldestReceivedAt === null ? 0 : Math.max(0, (now - oldestReceivedAt) / 1000);
}

/** The backlog of all engagements (metrics), or of some (an admin's view). */
export async function eventBacklog(ex: Executor, engagementIds?: readonly string[]): Promise<EventBacklog> {
  if (engagementIds && engagementIds.length === 0) return { waiting: 0, oldestReceivedAt: null, quarantined: 0 };
  let counts = ex
    .selectFrom('events')
    .select([
      sql<number>`count(*) filter (where quarantined_at is null)`.as('waiting'),
      sql<number>`count(*) filter (where quarantined_at is not null)`.as('quarantined'),
      sql<number | null>`min(case when quarantined_at is null then received_at end)`.as('oldest'),
    ])
    .where('processed_at', 'is', null);
  if (engagementIds) counts = counts.where('engagement_id', 'in', engagementIds);
  const row = await counts.executeTakeFirstOrThrow();
  return {
    waiting: Number(row.waiting),
    oldestReceivedAt: row.oldest === null ? null : Number(row.oldest),
    quarantined: Number(row.quarantined),
  };
}

/** When the oldest waiting event was accepted (epoch ms), or null: one index lookup, for /readyz. */
export async function oldestWaitingEvent(ex: Executor): Promise<number | null> {
  const row = await ex
    .selectFrom('events')
    .select('received_at')
    .where('processed_at', 'is', null)
    .where('quarantined_at', 'is', null)
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row?.received_at ?? null;
}
