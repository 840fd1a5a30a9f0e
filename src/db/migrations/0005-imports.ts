/**
 * 0005: history imports. One row per incident brought in from another tool's
 * export (`tandem import incidents`), keyed by where it came from and its id
 * there, so importing the same file twice imports nothing the second time.
 * Append-only, like the timeline: it is the record of where history came from.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn, appendOnly }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('imports'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('imports_source').unique().on('imports').columns(['engagement_id', 'source', 'source_id']).execute();
  await appendOnly(db, 'imports');
}
