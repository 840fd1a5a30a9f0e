/**
 * Every query of the status page: the open incidents of the services a page
 * shows (their service and priority only: nothing else of an incident is
 * read, so nothing else can reach the page), and the notes admins published
 * with their updates (append-only).
 */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { chunked } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import { jsonColumn } from '../db/json-column.js';
import type { StatusNoteUpdatesTable, StatusNotesTable } from '../db/schema.js';
import type { OpenIncident } from './state.js';

export type StatusNoteRow = Selectable<StatusNotesTable>;
export type StatusNoteUpdateRow = Selectable<StatusNoteUpdatesTable>;

/** A note with its updates, oldest first. */
export interface StoredNote {
  readonly id: number;
  readonly engagementId: string;
  readonly title: string;
  readonly components: readonly string[];
  readonly state: string;
  readonly incidentId: number | null;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  readonly updates: ReadonlyArray<{ readonly at: number; readonly state: string; readonly text: string; readonly author: string }>;
}

const componentsColumn = jsonColumn(z.array(z.string()), 'status_notes.components');

/** The open (not resolved) incidents of these services: service and priority, nothing more. */
export async function openIncidentsOf(ex: Executor, engagementId: string, serviceIds: readonly string[]): Promise<OpenIncident[]> {
  const out: OpenIncident[] = [];
  for (const part of chunked([...new Set(serviceIds)])) {
    if (part.length === 0) continue;
    const rows = await ex
      .selectFrom('incidents')
      .select(['service_id', 'priority'])
      .where('engagement_id', '=', engagementId)
      .where('status', '<>', 'resolved')
      .where('service_id', 'in', part)
      .execute();
    for (const r of rows) out.push({ serviceId: r.service_id, priority: r.priority });
  }
  return out;
}

/** A new note and its first update, in the caller's transaction; returns its id. */
export async function insertNote(
  ex: Executor,
  n: {
    engagementId: string;
    title: string;
    components: readonly string[];
    state: string;
    incidentId: number | null;
    author: string;
    text: string;
    at: number;
  },
): Promise<number> {
  const { id } = await ex
    .insertInto('status_notes')
    .values({
      engagement_id: n.engagementId,
      title: n.title,
      components: componentsColumn.stringify([...n.components]),
      state: n.state,
      incident_id: n.incidentId,
      created_by: n.author,
      created_at: n.at,
      updated_at: n.at,
      resolved_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const noteId = Number(id);
  await appendUpdate(ex, { engagementId: n.engagementId, noteId, at: n.at, state: n.state, text: n.text, author: n.author });
  return noteId;
}

/** Appends one update to a note's history. */
export async function appendUpdate(
  ex: Executor,
  u: { engagementId: string; noteId: number; at: number; state: string; text: string; author: string },
): Promise<void> {
  await ex
    .insertInto('status_note_updates')
    .values({ engagement_id: u.engagementId, note_id: u.noteId, at: u.at, state: u.state, text: u.text, author: u.author })
    .execute();
}

/** Changes a note's current fields (an update row records what was said). */
export async function updateNote(
  ex: Executor,
  id: number,
  patch: { title?: string; components?: readonly string[]; state?: string; at: number },
): Promise<void> {
  await ex
    .updateTable('status_notes')
    .set({
      updated_at: patch.at,
      ...(patch.title === undefined ? {} : { title: patch.title }),
      ...(patch.components === undefined ? {} : { components: componentsColumn.stringify([...patch.components]) }),
      ...(patch.state === undefined ? {} : { state: patch.state }),
    })
    .where('id', '=', id)
    .execute();
}

/** Marks a note resolved unless it already is; whether this call resolved it (two admins at once: one wins). */
export async function resolveNote(ex: Executor, id: number, at: number): Promise<boolean> {
  const r = await ex
    .updateTable('status_notes')
    .set({ updated_at: at, resolved_at: at })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Attaches each note's updates, oldest first. */
async function withUpdates(ex: Executor, rows: readonly StatusNoteRow[]): Promise<StoredNote[]> {
  const updates = new Map<number, StoredNote['updates'][number][]>();
  for (const part of chunked(rows.map((r) => Number(r.id)))) {
    if (part.length === 0) continue;
    const found = await ex
      .selectFrom('status_note_updates')
      .select(['note_id', 'at', 'state', 'text', 'author'])
      .where('note_id', 'in', part)
      .orderBy('id', 'asc')
      .execute();
    for (const u of found) {
      const list = updates.get(Number(u.note_id)) ?? [];
      list.push({ at: Number(u.at), state: u.state, text: u.text, author: u.author });
      updates.set(Number(u.note_id), list);
    }
  }
  return rows.map((r) => ({
    id: Number(r.id),
    engagementId: r.engagement_id,
    title: r.title,
    components: componentsColumn.parse(r.components),
    state: r.state,
    incidentId: r.incident_id === null ? null : Number(r.incident_id),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    updates: updates.get(Number(r.id)) ?? [],
  }));
}

/** One note of the given engagements, with its updates; undefined when there is none (or it is another engagement's). */
export async function getNote(ex: Executor, engagementIds: readonly string[], id: number): Promise<StoredNote | undefined> {
  if (engagementIds.length === 0) return undefined;
  const row = await ex
    .selectFrom('status_notes')
    .selectAll()
    .where('id', '=', id)
    .where('engagement_id', 'in', engagementIds)
    .executeTakeFirst();
  return row === undefined ? undefined : (await withUpdates(ex, [row]))[0];
}

/**
 * An engagement's notes, most recently changed first: every open one, and
 * those resolved at or after `resolvedSince`; at most `limit`.
 */
export async function listNotes(ex: Executor, engagementId: string, f: { resolvedSince: number; limit: number }): Promise<StoredNote[]> {
  const rows = await ex
    .selectFrom('status_notes')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where((w) => w.or([w('resolved_at', 'is', null), w('resolved_at', '>=', f.resolvedSince)]))
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit)
    .execute();
  return withUpdates(ex, rows);
}
