/**
 * Every query escalation runs, in one place: escalations and their steps are
 * written in bulk (chunked to stay inside both databases' parameter limits),
 * due steps are claimed with `claimRows` (SKIP LOCKED on PostgreSQL, so two
 * instances never fire the same step), and finished steps and ended
 * escalations are marked in one statement per status. The engine module and
 * the routing hook decide; this file only reads and writes rows.
 */
import { sql } from 'kysely';
import type { Insertable, Selectable } from 'kysely';
import type { Dialect } from '../db/connect.js';
import { columnsOf, insertColumns } from '../db/columns.js';
import { chunked, claimRows } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { EscalationStepRow, EscalationsTable } from '../db/schema.js';

export type EscalationRow = Selectable<EscalationsTable>;
export type EscalationInsert = Insertable<EscalationsTable>;
/** A step row as inserted: every column but the id ({@link stepRow}). */
export type StepInsert = Omit<EscalationStepRow, 'id'>;

/** What a step does when it comes due: page a tier, check overflow, or finish the escalation (the last tier's time is up). */
export type StepKind = 'tier' | 'overflow' | 'end';

/** How a claimed step ends: it fired, or there was nothing left to do. */
export type StepOutcome = 'done' | 'cancelled';

/** How an escalation ends: stopped (acknowledged, resolved, policy gone) or finished (every pass paged). */
export type EscalationEnd = 'stopped' | 'finished';

/** Values each inserted row binds, for `chunked`. */
const ESCALATION_COLUMNS = 8;

/** A pending step row: the one place its columns are spelled out. */
export function stepRow(s: {
  engagementId: string;
  incidentId: number;
  escalationId: number | null;
  kind: StepKind;
  tier: number;
  pass: number;
  dueAt: number;
}): StepInsert {
  return {
    engagement_id: s.engagementId,
    incident_id: s.incidentId,
    escalation_id: s.escalationId,
    kind: s.kind,
    tier: s.tier,
    pass: s.pass,
    due_at: s.dueAt,
    status: 'pending',
    fired_at: null,
    fired_by: null,
  };
}

/** Rows with the same values are interchangeable: their ids can be handed out in any order. */
function escalationKey(r: { incident_id: number; reason: string; policy_id: string; side: string; started_at: number }): string {
  return JSON.stringify([Number(r.incident_id), r.reason, r.policy_id, r.side, Number(r.started_at)]);
}

/**
 * Inserts escalations; returns their ids in the order of `rows`. RETURNING
 * does not promise an order on SQLite, so ids are matched back by the rows'
 * values.
 */
export async function insertEscalations(ex: Executor, rows: readonly EscalationInsert[]): Promise<number[]> {
  const byKey = new Map<string, number[]>();
  for (const chunk of chunked(rows, ESCALATION_COLUMNS)) {
    const returned = await ex
      .insertInto('escalations')
      .values(chunk)
      .returning(['id', 'incident_id', 'reason', 'policy_id', 'side', 'started_at'])
      .execute();
    for (const r of returned) {
      const key = escalationKey(r);
      byKey.set(key, [...(byKey.get(key) ?? []), r.id]);
    }
  }
  return rows.map((r) => {
    const id = byKey.get(escalationKey(r))?.shift();
    if (id === undefined) throw new Error(`escalation for incident ${r.incident_id} was not returned by its insert`);
    return id;
  });
}

/** The columns {@link stepRow} fills, with their PostgreSQL types (db/columns.ts). */
const STEP_TYPES = columnsOf<Omit<EscalationStepRow, 'id'>>({
  engagement_id: 'text',
  incident_id: 'bigint',
  escalation_id: 'bigint',
  kind: 'text',
  tier: 'integer',
  pass: 'integer',
  due_at: 'bigint',
  status: 'text',
  fired_at: 'bigint',
  fired_by: 'text',
});

/** Inserts pending steps ({@link stepRow}): one statement on PostgreSQL, a statement per chunk on SQLite. */
export async function insertSteps(ex: Executor, rows: readonly StepInsert[]): Promise<void> {
  if (await insertColumns(ex, 'escalation_steps', STEP_TYPES, rows)) return;
  for (const chunk of chunked(rows, STEP_TYPES.length)) await ex.insertInto('escalation_steps').values(chunk).execute();
}

/** Claims up to `limit` steps due by `now`, oldest first, for the rest of the transaction. */
export async function claimDueSteps(ex: Executor, dialect: Dialect, now: number, limit: number): Promise<EscalationStepRow[]> {
  const query = ex
    .selectFrom('escalation_steps')
    .selectAll()
    .where('status', '=', sql.lit('pending'))
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit);
  return claimRows(dialect, query).execute();
}

/** Escalations by id. */
export async function escalationsById(ex: Executor, ids: readonly number[]): Promise<Map<number, EscalationRow>> {
  const out = new Map<number, EscalationRow>();
  for (const chunk of chunked(ids))
    for (const e of await ex.selectFrom('escalations').selectAll().where('id', 'in', chunk).execute()) out.set(e.id, e);
  return out;
}

/** Marks claimed steps done or cancelled, fired at `at` by instance `by`. */
export async function finishSteps(ex: Executor, ids: readonly number[], status: StepOutcome, at: number, by: string): Promise<void> {
  for (const chunk of chunked(ids)) {
    await ex.updateTable('escalation_steps').set({ status, fired_at: at, fired_by: by }).where('id', 'in', chunk).execute();
  }
}

/** Ends escalations that are still active. */
export async function endEscalations(ex: Executor, ids: readonly number[], status: EscalationEnd, at: number): Promise<void> {
  for (const chunk of chunked(ids)) {
    await ex.updateTable('escalations').set({ status, ended_at: at }).where('id', 'in', chunk).where('status', '=', 'active').execute();
  }
}

/** When the earliest pending step is due (epoch ms), or null when none is pending. */
export async function nextStepDue(ex: Executor): Promise<number | null> {
  const row = await ex
    .selectFrom('escalation_steps')
    .select((eb) => eb.fn.min('due_at').as('next'))
    .where('status', '=', sql.lit('pending'))
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** Whether any escalation ever ran on the incident. */
export async function hasEscalation(ex: Executor, incidentId: number): Promise<boolean> {
  const row = await ex.selectFrom('escalations').select('id').where('incident_id', '=', incidentId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Escalate now: the incident's next pending tier step becomes due at `now`
 * (the engine pages that tier on its next pass). Returns the step as it was
 * (its tier and pass), or undefined when no tier is left to page (the last
 * tier was paged; only the end check waits).
 */
export async function bringNextTierForward(ex: Executor, incidentId: number, now: number): Promise<EscalationStepRow | undefined> {
  const step = await ex
    .selectFrom('escalation_steps')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .where('status', '=', sql.lit('pending'))
    .where('kind', '=', 'tier')
    .orderBy('due_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!step) return undefined;
  if (step.due_at <= now) return step;
  const moved = await ex
    .updateTable('escalation_steps')
    .set({ due_at: now })
    .where('id', '=', step.id)
    .where('status', '=', sql.lit('pending'))
    .returning('id')
    .execute();
  return moved.length > 0 ? step : undefined;
}
