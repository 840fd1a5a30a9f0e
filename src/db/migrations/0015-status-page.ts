/**
 * 0015: the public status page (issue 13). Component states are derived from
 * open incidents at each request, so nothing about them is stored; what is
 * stored is what an admin chose to publish. `status_notes` holds one row per
 * published note (its headline, the components it is about, its current
 * state, open or resolved, and optionally the incident it was written for,
 * which is never shown publicly); `status_note_updates` is each text
 * published on a note, in order, and is append-only: what the public was
 * told is never rewritten, only followed by a newer update.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn, appendOnly }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('status_notes'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  // The page reads an engagement's open notes and those resolved recently, newest first.
  await db.schema.createIndex('status_notes_page').on('status_notes').columns(['engagement_id', 'updated_at']).execute();
  await idColumn(db.schema.createTable('status_note_updates'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('note_id', 'bigint', (c) => c.notNull().references('status_notes.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('status_note_updates_note').on('status_note_updates').columns(['note_id', 'id']).execute();
  await appendOnly(db, 'status_note_updates');
}
