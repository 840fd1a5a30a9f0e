/**
 * 0007: tickets in the engagement's ticketing systems (issue 10). One row per
 * incident and ticketing entry (what Tandem knows of the external ticket: its
 * key, link, state and last error), and `ticket_ops`, the durable outbox of
 * operations on those tickets (create, transition, comment, priority), run
 * in order per ticket, claimed with a lease and retried with backoff.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('tickets'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('ticketing_id', 'text', (c) => c.notNull())
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('external_key', 'text')
    .addColumn('external_url', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('tickets_incident_ticketing', ['incident_id', 'ticketing_id'])
    .execute();
  await idColumn(db.schema.createTable('ticket_ops'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'bigint', (c) => c.notNull().references('tickets.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index ticket_ops_due on ticket_ops (next_attempt_at) where status in ('pending', 'running')`.execute(db);
  await db.schema.createIndex('ticket_ops_ticket').on('ticket_ops').columns(['ticket_id', 'id']).execute();
}
