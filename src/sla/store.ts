/**
 * Every query the SLA code runs: its rows in `incident_slas` (written when an
 * incident opens or is imported, claimed when due, updated after a look,
 * made due again when the incident changes) and what a look reads besides
 * them (the incidents, their status history on the timeline, who was paged
 * last). Rows come back typed, with the `warned` JSON column parsed once.
 */
import { z } from 'zod';
import type { Dialect } from '../db/connect.js';
import { columnsOf, insertColumns } from '../db/columns.js';
import { chunked, claimRows, updateByKey } from '../db/dialect.js';
import type { ValuesColumn } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import { jsonColumn } from '../db/json-column.js';
import type { IncidentSlaRow } from '../db/schema.js';
import type { Collector } from '../incident/writer.js';
import type { SlaKind } from './clock.js';

/** One SLA clock of one incident, as stored: `warned` holds the warning thresholds already sent (or settled). */
export type SlaRow = Omit<IncidentSlaRow, 'kind' | 'warned'> & { readonly kind: SlaKind; readonly warned: readonly number[] };

/** A row to insert. */
export type NewSlaRow = Omit<SlaRow, 'id'>;

/** What a look writes back to a row. */
export type SlaPatch = Omit<SlaRow, 'id' | 'engagement_id' | 'incident_id' | 'sla_id' | 'kind' | 'clock_from'>;

/** A status entry on the timeline: `to` is the status it moved to (from its data; null when it names none). */
export interface StatusEntry {
  readonly incidentId: number;
  readonly at: number;
  readonly kind: string;
  readonly to: string | null;
}

/** A page sent for an incident, newest first (who an SLA warning goes to). */
export interface PageSent {
  readonly stepId: number | null;
  readonly recipientKind: string;
  readonly recipientId: string;
}

/** The timeline kinds an incident's status history is read from. */
export const STATUS_KINDS = [
  'incident.triggered',
  'incident.acknowledged',
  'incident.status',
  'incident.resolved',
  'incident.imported',
] as const;

const warned = jsonColumn(z.array(z.number()), 'incident_slas.warned');
const statusData = jsonColumn(z.object({ to: z.string().optional() }), 'timeline.data');

function slaKind(kind: string): SlaKind {
  if (kind === 'respond' || kind === 'resolve') return kind;
  throw new Error(`incident_slas.kind: "${kind}" is neither respond nor resolve`);
}

function fromStored(r: IncidentSlaRow): SlaRow {
  return { ...r, kind: slaKind(r.kind), warned: warned.parse(r.warned) };
}

function toStored<T extends { readonly warned: readonly number[] }>(r: T): Omit<T, 'warned'> & { warned: string } {
  return { ...r, warned: warned.stringify([...r.warned]) };
}

/** The incident_slas columns a new row fills, with their PostgreSQL types (db/columns.ts). */
const SLA_TYPES = columnsOf<Omit<IncidentSlaRow, 'id'>>({
  engagement_id: 'text',
  incident_id: 'bigint',
  sla_id: 'text',
  kind: 'text',
  status: 'text',
  priority: 'text',
  target_ms: 'bigint',
  deadline: 'bigint',
  next_check_at: 'bigint',
  warned: 'text',
  breached_at: 'bigint',
  breach_priority: 'text',
  stopped_at: 'bigint',
  elapsed_ms: 'bigint',
  updated_at: 'bigint',
  clock_from: 'bigint',
});

/** Inserts rows: one statement on PostgreSQL, a statement per chunk on SQLite. */
export async function insertSlaRows(ex: Executor, rows: readonly NewSlaRow[]): Promise<void> {
  const stored = rows.map(toStored);
  if (await insertColumns(ex, 'incident_slas', SLA_TYPES, stored)) return;
  for (const chunk of chunked(stored, SLA_TYPES.length)) await ex.insertInto('incident_slas').values(chunk).execute();
}

/** Rows of the incidents a batch opened, inserted together when the batch's writer flushes. */
export class SlaRowBatch implements Collector {
  readonly rows: NewSlaRow[] = [];

  async flush(ex: Executor): Promise<void> {
    await insertSlaRows(ex, this.rows);
  }
}

/** Claims up to `limit` rows due at `now`, earliest first (locked on PostgreSQL, skipping rows another instance holds). */
export async function claimDueSlas(ex: Executor, dialect: Dialect, now: number, limit: number): Promise<SlaRow[]> {
  const query = ex.selectFrom('incident_slas').selectAll().where('next_check_at', '<=', now).orderBy('next_check_at').limit(limit);
  return (await claimRows(dialect, query).execute()).map(fromStored);
}

/** The columns that name a row ({@link SlaPatch} leaves them out): a look never changes them. */
const ROW_NAMING: ReadonlySet<string> = new Set(['engagement_id', 'incident_id', 'sla_id', 'kind', 'clock_from'] satisfies Array<
  Exclude<keyof NewSlaRow, keyof SlaPatch>
>);

/** The columns a look writes back: every other column of a row, with its PostgreSQL type. */
const PATCH_TYPES = SLA_TYPES.filter((c) => !ROW_NAMING.has(c.name));
const PATCH_COLUMNS: readonly ValuesColumn[] = [{ name: 'id', pgType: 'bigint' }, ...PATCH_TYPES];

/**
 * Writes what a pass's looks found, each row its own values: one statement
 * for the pass on PostgreSQL (a batch of resolves makes two rows each due at
 * once; a statement per row was the SLA engine's largest share of round
 * trips under bench:ingest). A row given twice gets its last patch (updateByKey).
 */
export async function updateSlaRows(ex: Executor, updates: ReadonlyArray<{ id: number; patch: SlaPatch }>): Promise<void> {
  await updateByKey(
    ex,
    'incident_slas',
    PATCH_COLUMNS,
    updates.map(({ id, patch }) => {
      const stored: Record<string, unknown> = toStored(patch);
      return [id, ...PATCH_TYPES.map((c) => stored[c.name] ?? null)];
    }),
  );
}

/** Rows nothing more can happen to (their incident or SLA is gone): never looked at again. */
export async function stopSlaChecks(ex: Executor, ids: readonly number[], now: number): Promise<void> {
  for (const chunk of chunked(ids))
    await ex.updateTable('incident_slas').set({ next_check_at: null, updated_at: now }).where('id', 'in', chunk).execute();
}

/** (incident, instant) pairs for {@link makeSlasDue}. */
const DUE_COLUMNS: readonly ValuesColumn[] = [
  { name: 'incident_id', pgType: 'bigint' },
  { name: 'next_check_at', pgType: 'bigint' },
];

/**
 * Makes incidents' rows due again (their status or priority changed), each
 * at its own instant (an event batch's changes are as of each event's
 * arrival): one statement for the lot. An incident given twice is made due
 * at its last instant (updateByKey).
 */
export async function makeSlasDue(ex: Executor, due: ReadonlyArray<{ incidentId: number; at: number }>): Promise<void> {
  await updateByKey(
    ex,
    'incident_slas',
    DUE_COLUMNS,
    due.map((d) => [d.incidentId, d.at]),
  );
}

/** The earliest instant any row is due; null when none will be. */
export async function nextSlaCheck(ex: Executor): Promise<number | null> {
  const row = await ex
    .selectFrom('incident_slas')
    .select((eb) => eb.fn.min('next_check_at').as('next'))
    .where('next_check_at', 'is not', null)
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** The rows of each incident, in the order they were created. */
export async function slaRowsOf(ex: Executor, incidentIds: readonly number[]): Promise<Map<number, SlaRow[]>> {
  const out = new Map<number, SlaRow[]>();
  for (const chunk of chunked(incidentIds)) {
    for (const r of await ex.selectFrom('incident_slas').selectAll().where('incident_id', 'in', chunk).orderBy('id').execute()) {
      let list = out.get(r.incident_id);
      if (!list) out.set(r.incident_id, (list = []));
      list.push(fromStored(r));
    }
  }
  return out;
}

/** The status entries of the incidents' timelines, by incident, in the order they were written. */
export async function statusEntries(ex: Executor, incidentIds: readonly number[]): Promise<StatusEntry[]> {
  const out: StatusEntry[] = [];
  for (const chunk of chunked(incidentIds)) {
    const rows = await ex
      .selectFrom('timeline')
      .select(['incident_id', 'at', 'kind', 'data'])
      .where('incident_id', 'in', chunk)
      .where('kind', 'in', STATUS_KINDS)
      .orderBy('incident_id')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      const to = r.kind === 'incident.triggered' ? 'triggered' : r.data === null ? null : (statusData.parse(r.data).to ?? null);
      out.push({ incidentId: r.incident_id, at: r.at, kind: r.kind, to });
    }
  }
  return out;
}

/** The last 50 pages sent for each incident, newest first. */
export async function recentPages(ex: Executor, incidentIds: readonly number[]): Promise<Map<number, PageSent[]>> {
  const out = new Map<number, PageSent[]>();
  for (const id of incidentIds) {
    const rows = await ex
      .selectFrom('notifications')
      .select(['step_id', 'recipient_kind', 'recipient_id'])
      .where('incident_id', '=', id)
      .where('kind', '=', 'page')
      .orderBy('id', 'desc')
      .limit(50)
      .execute();
    out.set(
      id,
      rows.map((r) => ({ stepId: r.step_id, recipientKind: r.recipient_kind, recipientId: r.recipient_id })),
    );
  }
  return out;
}
