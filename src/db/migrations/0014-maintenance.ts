/**
 * 0014: maintenance windows and silences made through the API, and incidents
 * held while they run (issue 13, src/maintenance/).
 *
 * - `maintenance_windows`: an admin's window (services, from, to) or silence
 *   (Alertmanager-style matchers, until an expiry), with its reason and
 *   author; ended early by setting `ended_at`; `expired_at` is written by the
 *   engine once the end passes, so the expiry is recorded once.
 * - `maintenance_log`: each window's own timeline (created, ended early,
 *   expired) with reason and author. Append-only, like the incident timeline.
 * - `maintenance_holds`: an incident opened in maintenance waits here with a
 *   due time (the window's end) instead of paging and starting SLA clocks;
 *   the engine claims due holds (SKIP LOCKED on PostgreSQL, so several
 *   instances release each once) and starts paging then if it is still open.
 * - `incident_slas.clock_from`: an SLA clock of an incident released from
 *   maintenance counts from the release, not from the incident's opening.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn, appendOnly }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('maintenance_windows'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('services', 'text')
    .addColumn('matchers', 'text')
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('ended_by', 'text')
    .addColumn('expired_at', 'bigint')
    .execute();
  await db.schema.createIndex('maintenance_windows_engagement').on('maintenance_windows').columns(['engagement_id', 'ends_at']).execute();
  await sql`create index maintenance_windows_expiring on maintenance_windows (ends_at) where expired_at is null and ended_at is null`.execute(
    db,
  );

  await idColumn(db.schema.createTable('maintenance_log'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('window_id', 'bigint', (c) => c.notNull().references('maintenance_windows.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_log_window').on('maintenance_log').columns(['window_id', 'id']).execute();
  await appendOnly(db, 'maintenance_log');

  await idColumn(db.schema.createTable('maintenance_holds'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('released_at', 'bigint')
    .addColumn('released_by', 'text')
    .execute();
  await sql`create index maintenance_holds_due on maintenance_holds (due_at) where status = 'pending'`.execute(db);
  await db.schema.createIndex('maintenance_holds_incident').on('maintenance_holds').columns(['incident_id']).execute();

  await db.schema.alterTable('incident_slas').addColumn('clock_from', 'bigint').execute();
}
