/**
 * Incidents: what people respond to. Every query is scoped to engagements the
 * caller may see; an incident outside that scope simply does not exist.
 * Their timelines live here too (appended, never changed: incident/timeline.ts).
 */
import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database } from '../db/connect.js';
import { GENESIS, canonicalJson, entryHash } from '../audit/hash.js';
import { randomInt } from 'node:crypto';
import { chunked, executorDialect, insertPrepared, oneOf, selectPrepared, updateByKey } from '../db/dialect.js';
import type { ValuesColumn } from '../db/dialect.js';
import { columnsOf, insertColumns } from '../db/columns.js';
import type { Executor } from '../db/executor.js';
import type { IncidentRow, TimelineRow, TimelineTable } from '../db/schema.js';
import type { TimelineEntry } from './timeline.js';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'waiting_on_customer', 'waiting_on_vendor', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface NewIncident {
  engagementId: string;
  serviceId: string;
  title: string;
  severity: string;
  priority: string;
  groupKey: string | null;
  side: string | null;
  at: number;
  /** A number already allocated (see {@link IncidentNumbers}); otherwise the next one is taken here. */
  number?: number;
}

/** Opens an incident with the engagement's next number (ACME-42). Call inside a transaction. */
export async function insertIncident(ex: Executor, i: NewIncident): Promise<IncidentRow> {
  const number =
    i.number ??
    (
      await ex
        .updateTable('engagements')
        .set((eb) => ({ next_incident_number: eb('next_incident_number', '+', 1) }))
        .where('id', '=', i.engagementId)
        .returning(['next_incident_number'])
        .executeTakeFirstOrThrow()
    ).next_incident_number - 1;
  const { id: _none, ...values } = incidentRow(i, 0, number);
  return ex.insertInto('incidents').values(values).returningAll().executeTakeFirstOrThrow();
}

/** A new incident's row as it opens: triggered, with its first alert. */
export function incidentRow(i: Omit<NewIncident, 'number'>, id: number, number: number): IncidentRow {
  return {
    id,
    engagement_id: i.engagementId,
    number,
    service_id: i.serviceId,
    title: i.title,
    severity: i.severity,
    priority: i.priority,
    status: 'triggered',
    group_key: i.groupKey,
    side: i.side,
    created_at: i.at,
    updated_at: i.at,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    alert_count: 1,
    open_alert_count: 1,
  };
}

/** The incidents table's columns with their PostgreSQL types (db/columns.ts). */
const INCIDENT_TYPES = columnsOf<IncidentRow>({
  id: 'bigint',
  engagement_id: 'text',
  number: 'bigint',
  service_id: 'text',
  title: 'text',
  severity: 'text',
  priority: 'text',
  status: 'text',
  group_key: 'text',
  side: 'text',
  created_at: 'bigint',
  updated_at: 'bigint',
  acknowledged_at: 'bigint',
  acknowledged_by: 'text',
  resolved_at: 'bigint',
  resolved_by: 'text',
  alert_count: 'bigint',
  open_alert_count: 'bigint',
});

/** Inserts incidents whose ids were taken ahead (db/ids.ts), as the rows are now: one statement on PostgreSQL. */
export async function insertIncidentRows(ex: Executor, rows: readonly IncidentRow[]): Promise<void> {
  if (await insertColumns(ex, 'incidents', INCIDENT_TYPES, rows)) return;
  for (const chunk of chunked(rows, INCIDENT_TYPES.length)) await ex.insertInto('incidents').values(chunk).execute();
}

/** The `incidents.number` column as a VALUES table (id, number) for one update of a batch's numbers. */
const NUMBER_COLUMNS: readonly ValuesColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'number', pgType: 'integer' },
];

/**
 * Incident numbers for a batch that opens incidents: each opens with a
 * stand-in number, and {@link flush}, the batch's last writes, takes the real
 * ones from each engagement's counter in one atomic increment and sets them.
 * The counter row is locked only from then to the commit, so batches of one
 * engagement applied in parallel (other partitions, other instances) wait on
 * each other for milliseconds, not for their whole batch; numbers have no
 * gaps (a batch rolled back took none) and no repeats. Engagements are taken
 * in id order, so two batches never deadlock on their counters.
 *
 * A stand-in is a random negative number: unique among the batches in
 * flight, so an insert never waits on another batch's uncommitted row of the
 * unique (engagement, number) index; two equal ones (one in two billion)
 * would only make the second wait for the first's commit. Nothing outside
 * the transaction ever sees one.
 */
export class IncidentNumbers {
  readonly #ex: Executor;
  /** Incidents opened in the batch, by engagement, in the order they opened. */
  readonly #opened = new Map<string, IncidentRow[]>();

  constructor(ex: Executor) {
    this.#ex = ex;
  }

  /** A stand-in number for an incident about to open in this batch. */
  standIn(): number {
    return -randomInt(1, 2 ** 31 - 1);
  }

  /** The batch opened `incident` (with a stand-in); it gets its real number at {@link flush}. */
  opened(incident: IncidentRow): void {
    let list = this.#opened.get(incident.engagement_id);
    if (!list) this.#opened.set(incident.engagement_id, (list = []));
    list.push(incident);
  }

  /** Takes the real numbers, in opening order, and writes them; the batch's rows get them too. */
  async flush(): Promise<void> {
    if (this.#opened.size === 0) return;
    if (executorDialect(this.#ex) === 'postgres') return this.#flushPostgres();
    const numbered: IncidentRow[] = [];
    for (const engagementId of [...this.#opened.keys()].sort()) {
      const rows = this.#opened.get(engagementId) ?? [];
      const { next_incident_number: next } = await this.#ex
        .updateTable('engagements')
        .set((eb) => ({ next_incident_number: eb('next_incident_number', '+', rows.length) }))
        .where('id', '=', engagementId)
        .returning('next_incident_number')
        .executeTakeFirstOrThrow();
      let n = next - rows.length;
      for (const row of rows) {
        row.number = n++;
        numbered.push(row);
      }
    }
    this.#opened.clear();
    await updateByKey(
      this.#ex,
      'incidents',
      NUMBER_COLUMNS,
      numbered.map((r) => [r.id, r.number]),
    );
  }

  /**
   * PostgreSQL: one statement per engagement takes the numbers and sets them,
   * so the counter row is held for that statement and the commit, not for a
   * round trip more: batches of one engagement applied in parallel queue on
   * that row. pg_stat_statements under bench:ingest: 6.2 to 6.7 ms waited per
   * increment while the batch marked its events applied between the counter
   * and the commit; 2.6 ms since it marks them first (events/apply.ts).
   */
  async #flushPostgres(): Promise<void> {
    for (const engagementId of [...this.#opened.keys()].sort()) {
      const rows = this.#opened.get(engagementId) ?? [];
      const ids = rows.map((r) => r.id);
      const { rows: set } = await sql<{ id: number; number: number }>`with counter as (
          update engagements set next_incident_number = next_incident_number + ${rows.length}
          where id = ${engagementId} returning next_incident_number - ${rows.length} as first
        )
        update incidents set number = counter.first + v.ord::integer - 1
        from counter, unnest(${ids}::int8[]) with ordinality as v(id, ord)
        where incidents.id = v.id
        returning incidents.id, incidents.number`.execute(this.#ex);
      if (set.length !== rows.length) throw new Error(`engagement ${engagementId}: ${set.length} of ${rows.length} incidents numbered`);
      const numbers = new Map(set.map((r) => [Number(r.id), r.number]));
      for (const row of rows) row.number = numbers.get(row.id) ?? row.number;
    }
    this.#opened.clear();
  }
}

export async function getIncident(ex: Executor, engagementIds: readonly string[], id: number): Promise<IncidentRow | undefined> {
  if (engagementIds.length === 0) return undefined;
  return ex.selectFrom('incidents').selectAll().where('id', '=', id).where('engagement_id', 'in', engagementIds).executeTakeFirst();
}

/**
 * The incident, read to change it: on PostgreSQL its row is locked until the
 * transaction ends (SELECT ... FOR NO KEY UPDATE, which returns the row as the
 * writer before committed it), so two people pressing Acknowledge at the same
 * moment on two connections or instances act one after the other and the
 * second finds it acknowledged. Take it first in the transaction: every
 * writer locks an incident row before the rows that hang off it. SQLite's
 * write transactions are already one at a time.
 */
export async function getIncidentToChange(ex: Executor, engagementIds: readonly string[], id: number): Promise<IncidentRow | undefined> {
  if (engagementIds.length === 0) return undefined;
  const read = ex.selectFrom('incidents').selectAll().where('id', '=', id).where('engagement_id', 'in', engagementIds);
  // FOR NO KEY UPDATE, the lock an UPDATE of the row takes: it waits for another writer of the incident, but
  // not for the key-share lock a timeline insert's foreign key check takes (FOR UPDATE would, and deadlocked
  // with a batch holding chain heads while inserting entries).
  return (ex.isTransaction && executorDialect(ex) === 'postgres' ? read.forNoKeyUpdate() : read).executeTakeFirst();
}

/** The incidents with these ids, by id (those that still exist), for engine modules working through claimed rows. */
export async function incidentsById(ex: Executor, ids: readonly number[]): Promise<Map<number, IncidentRow>> {
  const out = new Map<number, IncidentRow>();
  for (const chunk of chunked(ids)) {
    for (const i of await ex.selectFrom('incidents').selectAll().where('id', 'in', chunk).execute()) out.set(i.id, i);
  }
  return out;
}

/**
 * Incidents by id, to change them ({@link getIncidentToChange}, many at once):
 * on PostgreSQL, inside a transaction, locked until it ends, taken in id
 * order so two writers locking several never deadlock on them.
 */
export async function incidentsToChange(ex: Executor, ids: readonly number[]): Promise<Map<number, IncidentRow>> {
  const out = new Map<number, IncidentRow>();
  const lock = ex.isTransaction && executorDialect(ex) === 'postgres';
  for (const chunk of chunked([...new Set(ids)].sort((a, b) => a - b))) {
    const read = ex.selectFrom('incidents').selectAll().where('id', 'in', chunk).orderBy('id');
    for (const i of await (lock ? read.forNoKeyUpdate() : read).execute()) out.set(i.id, i);
  }
  return out;
}

/**
 * An incident by id in any engagement: for a capability that already names
 * it (a signed respond link), never for a caller with a token (use getIncident).
 */
export async function getIncidentAnywhere(ex: Executor, id: number): Promise<IncidentRow | undefined> {
  return ex.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getIncidentByNumber(
  ex: Executor,
  engagementIds: readonly string[],
  prefix: string,
  number: number,
): Promise<IncidentRow | undefined> {
  if (engagementIds.length === 0) return undefined;
  return ex
    .selectFrom('incidents as i')
    .innerJoin('engagements as e', 'e.id', 'i.engagement_id')
    .selectAll('i')
    .where('e.incident_prefix', '=', prefix)
    .where('i.number', '=', number)
    .where('i.engagement_id', 'in', engagementIds)
    .executeTakeFirst();
}

/** The open incident of an Alertmanager group on a service, if any. */
export async function findOpenIncidentByGroup(
  ex: Executor,
  engagementId: string,
  serviceId: string,
  groupKey: string,
): Promise<IncidentRow | undefined> {
  return ex
    .selectFrom('incidents')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('service_id', '=', serviceId)
    .where('group_key', '=', groupKey)
    .where('status', '<>', sql.lit('resolved'))
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export interface IncidentFilter {
  engagementIds: readonly string[];
  status?: readonly string[];
  priority?: readonly string[];
  service?: readonly string[];
  since?: number;
  /** Only incidents with id below this (cursor paging, newest first). */
  beforeId?: number;
  limit: number;
}

/** Incidents newest first. */
export async function listIncidents(ex: Executor, f: IncidentFilter): Promise<IncidentRow[]> {
  if (f.engagementIds.length === 0) return [];
  let q = ex.selectFrom('incidents').selectAll().where('engagement_id', 'in', f.engagementIds);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.priority?.length) q = q.where('priority', 'in', f.priority);
  if (f.service?.length) q = q.where('service_id', 'in', f.service);
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

export type IncidentPatch = Partial<
  Pick<
    IncidentRow,
    | 'status'
    | 'title'
    | 'severity'
    | 'priority'
    | 'side'
    | 'acknowledged_at'
    | 'acknowledged_by'
    | 'resolved_at'
    | 'resolved_by'
    | 'open_alert_count'
  >
>;

/** Updates the incident row only; the commands tell subscribers (SLA clocks) about status and priority changes. */
export async function updateIncident(ex: Executor, id: number, at: number, patch: IncidentPatch): Promise<void> {
  await ex
    .updateTable('incidents')
    .set({ ...patch, updated_at: at })
    .where('id', '=', id)
    .execute();
}

/**
 * Resolves an incident's row (`patch`, updated at `at`) and every open alert
 * of it; `counted`, the alert whose resolve event resolves the incident, also
 * counts that event. Returns the ids of the other alerts it resolved (the
 * ones resolved with the incident). One statement on PostgreSQL: an event
 * batch resolves many incidents, and the alert, the incident's other alerts
 * and the incident as three round trips each were most of its statements
 * (bench:apply); two on SQLite, whose statements cost no round trip.
 */
export async function resolveIncidentWithAlerts(
  ex: Executor,
  incidentId: number,
  at: number,
  patch: IncidentPatch,
  counted?: number,
): Promise<number[]> {
  const alerts = (db: Executor) =>
    db
      .updateTable('alerts')
      .set({
        status: 'resolved',
        resolved_at: at,
        updated_at: at,
        event_count:
          counted === undefined ? sql<number>`event_count` : sql<number>`event_count + case when id = ${counted} then 1 else 0 end`,
      })
      .where('incident_id', '=', incidentId)
      .where('status', '<>', sql.lit('resolved'))
      .returning('id');
  let resolved: Array<{ id: number }>;
  if (executorDialect(ex) === 'postgres') {
    resolved = await ex
      .with('resolved', (db) => alerts(db as Executor))
      .with('incident', (db) =>
        db
          .updateTable('incidents')
          .set({ ...patch, updated_at: at })
          .where('id', '=', incidentId)
          .returning('id'),
      )
      .selectFrom('resolved')
      .select('id')
      .execute();
  } else {
    resolved = await alerts(ex).execute();
    await updateIncident(ex, incidentId, at, patch);
  }
  return resolved.map((r) => Number(r.id)).filter((id) => id !== counted);
}

/** Counts an alert joining (+1) or leaving (-1 open) the incident. */
export async function adjustAlertCounts(ex: Executor, id: number, at: number, delta: { alerts: number; open: number }): Promise<void> {
  await ex
    .updateTable('incidents')
    .set((eb) => ({
      updated_at: at,
      alert_count: eb('alert_count', '+', delta.alerts),
      open_alert_count: eb('open_alert_count', '+', delta.open),
    }))
    .where('id', '=', id)
    .execute();
}

// ---- Timeline ----

const TIMELINE_COLUMNS = [
  'engagement_id',
  'incident_id',
  'at',
  'kind',
  'actor_type',
  'actor_id',
  'message',
  'data',
  'event_id',
  'alert_id',
  'hash',
] as const;
type NewTimelineRow = Required<Pick<Insertable<TimelineTable>, (typeof TIMELINE_COLUMNS)[number]>>;
/** The timeline's columns with their PostgreSQL types, for one insert of a batch's entries (db/columns.ts). */
const TIMELINE_TYPES = columnsOf<NewTimelineRow>({
  engagement_id: 'text',
  incident_id: 'bigint',
  at: 'bigint',
  kind: 'text',
  actor_type: 'text',
  actor_id: 'text',
  message: 'text',
  data: 'text',
  event_id: 'bigint',
  alert_id: 'bigint',
  hash: 'text',
});

function timelineRow(e: TimelineEntry, prev: string): NewTimelineRow & { hash: string } {
  const row: NewTimelineRow & { hash: string } = {
    engagement_id: e.engagementId,
    incident_id: e.incidentId,
    at: e.at,
    kind: e.kind,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    message: e.message,
    // Stored as the canonical JSON the hash covers: one serialization, and the column reads the same.
    data: e.data === undefined ? null : canonicalJson(e.data),
    event_id: e.eventId ?? null,
    alert_id: e.alertId ?? null,
    hash: '',
  };
  row.hash = entryHash(prev, row, row.data);
  return row;
}

/** SQLite: where each incident's chain ends, its last entry's hash (by the timeline's incident index), in one query. */
const SQLITE_HEADS =
  'select j.value as incident_id, (select t.hash from timeline t where t.incident_id = j.value order by t.id desc limit 1) as hash from json_each(?) j';

/**
 * Where each incident's chain ends now (audit/hash.ts), for the incidents of
 * a batch about to be appended. On PostgreSQL: the `timeline_heads` rows
 * (0012), locked until commit, in incident id order, by the statement that
 * reads them (which, having waited for a lock, returns the head the other
 * writer committed), so two instances appending to the same incident chain
 * one after the other instead of forking. Nothing else locks head rows, and
 * every writer locks them last in its transaction and in one order, so this
 * cannot deadlock with the incident rows a batch updated before. An incident
 * without a head row is one this transaction opened (its first entry is
 * written with it), so its chain starts at {@link GENESIS}. On SQLite the
 * write transaction is already exclusive, so the heads are read from the
 * timeline itself and no head rows are kept: rewriting a row per incident in
 * every batch cost about 15% of SQLite's event throughput (bench:ingest).
 */
async function chainHeads(ex: Executor, incidentIds: readonly number[], database: Database | undefined): Promise<Map<number, string>> {
  const heads = new Map<number, string>();
  const fast = selectPrepared<{ incident_id: number; hash: string | null }>(database, ex, SQLITE_HEADS, [JSON.stringify(incidentIds)]);
  for (const r of fast ?? []) if (r.hash) heads.set(r.incident_id, r.hash);
  if (fast) return heads;
  const lock = ex.isTransaction && executorDialect(ex) === 'postgres';
  for (const ids of chunked([...incidentIds].sort((a, b) => a - b))) {
    const read = ex
      .selectFrom('timeline_heads')
      .select(['incident_id', 'hash'])
      .where(oneOf(ex, 'incident_id', ids, 'int8'))
      .orderBy('incident_id');
    for (const r of await (lock ? read.forUpdate() : read).execute()) heads.set(Number(r.incident_id), r.hash);
  }
  return heads;
}

/** PostgreSQL: records where each chain ends after an append (one row per incident, in incident id order). */
async function setChainHeads(ex: Executor, heads: ReadonlyMap<number, string>): Promise<void> {
  if (executorDialect(ex) !== 'postgres') return;
  const rows = [...heads].sort((a, b) => a[0] - b[0]);
  if (rows.length === 0) return;
  // One statement whatever the count, in incident id order (two batches never wait on each other's rows crosswise).
  await sql`insert into timeline_heads (incident_id, hash)
    select incident_id, hash from unnest(${rows.map((r) => r[0])}::int8[], ${rows.map((r) => r[1])}::text[])
      with ordinality as u(incident_id, hash, ord) order by ord
    on conflict (incident_id) do update set hash = excluded.hash`.execute(ex);
}

/**
 * Appends entries in order, each chained to the one before it on the same
 * incident (audit/hash.ts; the heads are read once per batch and written
 * back after the entries). Given the `database` the transaction `ex` runs on,
 * SQLite writes them through prepared statements on the raw handle
 * (db/dialect.ts): timeline rows are the largest share of what the engine
 * writes (every re-trigger is one).
 */
export async function appendTimeline(ex: Executor, entries: readonly TimelineEntry[], database?: Database): Promise<void> {
  if (entries.length === 0) return;
  const touched = [...new Set(entries.map((e) => e.incidentId))];
  const heads = await chainHeads(ex, touched, database);
  const rows = entries.map((e) => {
    const row = timelineRow(e, heads.get(e.incidentId) ?? GENESIS);
    heads.set(e.incidentId, row.hash);
    return row;
  });
  if (!insertPrepared(database, ex, 'timeline', TIMELINE_COLUMNS, rows) && !(await insertColumns(ex, 'timeline', TIMELINE_TYPES, rows))) {
    for (const chunk of chunked(rows, TIMELINE_COLUMNS.length)) await ex.insertInto('timeline').values(chunk).execute();
  }
  await setChainHeads(ex, heads);
}

/** An incident's timeline, oldest first, with the raw body of each event entry. */
export async function listTimeline(
  ex: Executor,
  engagementId: string,
  incidentId: number,
): Promise<Array<TimelineRow & { raw: string | null }>> {
  return ex
    .selectFrom('timeline as t')
    .leftJoin('events as e', 'e.id', 't.event_id')
    .selectAll('t')
    .select('e.raw as raw')
    .where('t.engagement_id', '=', engagementId)
    .where('t.incident_id', '=', incidentId)
    .orderBy('t.id', 'asc')
    .execute();
}
