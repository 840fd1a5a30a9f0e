/**
 * 0008: two-way ticket sync (issue 10). `tickets.external_id` is what the
 * system's API addresses a ticket by (ServiceNow's sys_id, ConnectWise's
 * ticket id; Jira's key) beside the key people read; `ticket_ops.external_ref`
 * is the id of the note an operation created there, so its echo in a
 * webhook is recognised. `ticket_inbound` holds each accepted webhook of a
 * ticketing system (202 means stored), once per delivery (`dedupe_key`:
 * Jira's X-Atlassian-Webhook-Identifier, else a digest of the body), until
 * the sync has applied it to the incident.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn }: MigrationContext): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('external_id', 'text').execute();
  await db.schema.alterTable('ticket_ops').addColumn('external_ref', 'text').execute();
  await idColumn(db.schema.createTable('ticket_inbound'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('ticketing_id', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('ticket_inbound_delivery', ['engagement_id', 'ticketing_id', 'dedupe_key'])
    .execute();
  await sql`create index ticket_inbound_due on ticket_inbound (next_attempt_at) where status in ('pending', 'running')`.execute(db);
  await db.schema.createIndex('tickets_external').on('tickets').columns(['ticketing_id', 'external_id']).execute();
  // Health (/readyz, /metrics) counts operations by status and ticket at every probe and scrape.
  await db.schema.createIndex('ticket_ops_status').on('ticket_ops').columns(['status', 'ticket_id']).execute();
}
