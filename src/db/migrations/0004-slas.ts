/**
 * 0004: SLAs on incidents. One row per incident, SLA and kind (respond,
 * resolve), with the next instant the engine must look at it (a warning
 * threshold or the breach) and what it has already recorded: warnings sent
 * once each, and the breach, kept even if the priority later changes,
 * because credits are owed on what happened.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('incident_slas'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('sla_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('target_ms', 'bigint')
    .addColumn('deadline', 'bigint')
    .addColumn('next_check_at', 'bigint')
    .addColumn('warned', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('breached_at', 'bigint')
    .addColumn('breach_priority', 'text')
    .addColumn('stopped_at', 'bigint')
    .addColumn('elapsed_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_slas_incident').on('incident_slas').columns(['incident_id']).execute();
  await sql`create index incident_slas_due on incident_slas (next_check_at) where next_check_at is not null`.execute(db);
  await db.schema.createIndex('incident_slas_breaches').on('incident_slas').columns(['engagement_id', 'breached_at']).execute();
}
