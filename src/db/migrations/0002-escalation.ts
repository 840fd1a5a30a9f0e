/**
 * 0002: 24/7 response. Escalations (a policy running on an incident), their
 * pending steps as rows with due times (the engine claims them, so a restart
 * or a second instance never loses or doubles one), the notification outbox
 * with its delivery attempts, the demo inbox, and the server's signing key.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('escalations'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('escalations_incident').on('escalations').columns(['incident_id']).execute();

  await idColumn(db.schema.createTable('escalation_steps'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull())
    .addColumn('escalation_id', 'bigint')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tier', 'integer', (c) => c.notNull())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'bigint')
    .addColumn('fired_by', 'text')
    .execute();
  await sql`create index escalation_steps_due on escalation_steps (due_at) where status = 'pending'`.execute(db);
  await db.schema.createIndex('escalation_steps_incident').on('escalation_steps').columns(['incident_id']).execute();

  await idColumn(db.schema.createTable('notifications'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull())
    .addColumn('step_id', 'bigint')
    .addColumn('recipient_kind', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('provider_id', 'text')
    .addColumn('bundle_id', 'bigint')
    .execute();
  await sql`create index notifications_due on notifications (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
  await db.schema.createIndex('notifications_incident').on('notifications').columns(['incident_id']).execute();
  await db.schema.createIndex('notifications_contact').on('notifications').columns(['channel', 'address', 'delivered_at']).execute();

  await idColumn(db.schema.createTable('inbox'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
