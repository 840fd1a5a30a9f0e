/**
 * Alerts: one deduplicated signal per (service, dedup key) while open.
 */
import { sql } from 'kysely';
import type { Dialect } from '../db/connect.js';
import { chunked, executorDialect, larger, valuesTable } from '../db/dialect.js';
import type { ValuesColumn } from '../db/dialect.js';
import { columnsOf, insertColumns } from '../db/columns.js';
import type { Executor } from '../db/executor.js';
import type { AlertRow } from '../db/schema.js';

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';

/**
 * `status <> 'resolved'` as a literal: SQLite uses the partial index on open
 * alerts only when the query spells out its condition, not through a bound
 * parameter (PostgreSQL plans it either way).
 */
const OPEN = sql.lit('resolved');

/** An alert as it is inserted: the whole row but its id. */
export type NewAlertRow = Omit<AlertRow, 'id'>;

/** Inserts the alert; returns the row as stored. */
export async function insertAlert(ex: Executor, alert: NewAlertRow): Promise<AlertRow> {
  const { id } = await ex.insertInto('alerts').values(alert).returning('id').executeTakeFirstOrThrow();
  return { id, ...alert };
}

/** The alerts table's columns with their PostgreSQL types (db/columns.ts). */
const ALERT_TYPES = columnsOf<AlertRow>({
  id: 'bigint',
  engagement_id: 'text',
  service_id: 'text',
  incident_id: 'bigint',
  dedup_key: 'text',
  status: 'text',
  summary: 'text',
  severity: 'text',
  source: 'text',
  details: 'text',
  integration_type: 'text',
  created_at: 'bigint',
  updated_at: 'bigint',
  resolved_at: 'bigint',
  event_count: 'bigint',
});

/** Inserts alerts whose ids were taken ahead (db/ids.ts), as the rows are now: one statement on PostgreSQL. */
export async function insertAlertRows(ex: Executor, rows: readonly AlertRow[]): Promise<void> {
  if (await insertColumns(ex, 'alerts', ALERT_TYPES, rows)) return;
  for (const chunk of chunked(rows, ALERT_TYPES.length)) await ex.insertInto('alerts').values(chunk).execute();
}

export async function setAlertStatus(ex: Executor, id: number, status: AlertStatus, at: number): Promise<void> {
  await ex
    .updateTable('alerts')
    .set((eb) => ({
      status,
      updated_at: at,
      event_count: eb('event_count', '+', 1),
      ...(status === 'resolved' ? { resolved_at: at } : {}),
    }))
    .where('id', '=', id)
    .execute();
}

export async function listAlertsOfIncident(ex: Executor, incidentId: number): Promise<AlertRow[]> {
  return ex.selectFrom('alerts').selectAll().where('incident_id', '=', incidentId).orderBy('id', 'asc').execute();
}

/** Every open alert among the given (service, dedup key) pairs of one engagement. */
export async function findOpenAlerts(
  ex: Executor,
  engagementId: string,
  keys: ReadonlyArray<{ serviceId: string; dedupKey: string }>,
): Promise<AlertRow[]> {
  if (keys.length === 0) return [];
  if (executorDialect(ex) === 'postgres') {
    // One statement whatever the number of keys: a join with the keys as two arrays probes the open-alert index
    // once per key. The tuple IN list below was, on PostgreSQL, an OR of every pair tested against each row, and a
    // new statement for every length (33 ms a call under bench:ingest, a third of the database's time).
    const unique = new Map(keys.map((k) => [`${k.serviceId}\u0000${k.dedupKey}`, k]));
    const services = [...unique.values()].map((k) => k.serviceId);
    const dedupKeys = [...unique.values()].map((k) => k.dedupKey);
    const { rows } = await sql<AlertRow>`select a.* from alerts a
      join unnest(${services}::text[], ${dedupKeys}::text[]) as k(service_id, dedup_key)
        on a.service_id = k.service_id and a.dedup_key = k.dedup_key
      where a.engagement_id = ${engagementId} and a.status <> ${OPEN}`.execute(ex);
    return rows;
  }
  const rows: AlertRow[] = [];
  for (const chunk of chunked(keys, 2, 400)) {
    rows.push(
      ...(await ex
        .selectFrom('alerts')
        .selectAll()
        .where('engagement_id', '=', engagementId)
        .where('status', '<>', OPEN)
        .where((eb) =>
          eb(
            eb.refTuple('service_id', 'dedup_key'),
            'in',
            chunk.map((k) => eb.tuple(k.serviceId, k.dedupKey)),
          ),
        )
        .execute()),
    );
  }
  return rows;
}

/** `integration_type = 'security'` as a literal, so SQLite uses the partial index on security alerts (0010). */
const SECURITY = sql.lit('security');

/**
 * The newest security alert of (service, dedup key) opened at or after
 * `since`, whatever its status: the detection a later hit within the
 * suppress window joins.
 */
export async function findRecentDetection(
  ex: Executor,
  engagementId: string,
  serviceId: string,
  dedupKey: string,
  since: number,
): Promise<AlertRow | undefined> {
  return ex
    .selectFrom('alerts')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('service_id', '=', serviceId)
    .where('dedup_key', '=', dedupKey)
    .where('integration_type', '=', SECURITY)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface RetriggerUpdate {
  readonly id: number;
  /** Re-triggers folded into this update. */
  readonly count: number;
  readonly summary: string;
  /** Newest details, or null to keep the alert's. */
  readonly details: string | null;
  readonly at: number;
}

const RETRIGGER_COLUMNS: readonly ValuesColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'count', pgType: 'integer' },
  { name: 'summary', pgType: 'text' },
  { name: 'details', pgType: 'text' },
  { name: 'at', pgType: 'bigint' },
];

/**
 * Applies many re-triggers at once: the engine folds a batch's re-triggers of
 * one alert into one update, and all of them into one UPDATE ... FROM
 * (VALUES ...) per thousand alerts, on both databases (db/dialect.ts writes
 * the VALUES table each one's way).
 */
export async function applyRetriggers(ex: Executor, dialect: Dialect, updates: readonly RetriggerUpdate[]): Promise<void> {
  for (const chunk of chunked(updates, RETRIGGER_COLUMNS.length)) {
    const v = valuesTable(
      dialect,
      'v',
      RETRIGGER_COLUMNS,
      chunk.map((u) => [u.id, u.count, u.summary, u.details, u.at]),
    );
    // larger(): a batch may have resolved the alert after these re-triggers.
    await sql`update alerts set summary = ${v.column('summary')}, updated_at = ${larger(dialect, sql.ref('alerts.updated_at'), v.column('at'))},
      event_count = alerts.event_count + ${v.column('count')}, details = coalesce(${v.column('details')}, alerts.details)
      from ${v.from} where alerts.id = ${v.column('id')}`.execute(ex);
  }
}
