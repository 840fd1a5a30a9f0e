/**
 * 0018: email subscribers of the public status page (issue 13). People who
 * read the page can ask to be told by email when a note is published,
 * updated or resolved (double opt-in, as Atlassian Statuspage and Instatus
 * do). `status_subscribers` holds one row per engagement and address
 * (lowercase): its state (pending until the confirmation link is opened,
 * active, unsubscribed), the components it follows (JSON; empty = all), and
 * the SHA-256 of its confirmation and unsubscribe tokens, never the tokens.
 * `status_mails` is their outbox: one row per subscriber and mail (a
 * confirmation, or one version of a note), unique on (subscriber, key) so a
 * note version is queued once, claimed with a lease by the delivery loop and
 * sent outside any HTTP request, with retries.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('status_subscribers'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('confirm_nonce', 'text')
    .addColumn('confirm_hash', 'text')
    .addColumn('confirm_expires_at', 'bigint')
    .addColumn('unsubscribe_nonce', 'text', (c) => c.notNull())
    .addColumn('unsubscribe_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addUniqueConstraint('status_subscribers_address', ['engagement_id', 'email'])
    .execute();
  await db.schema.createIndex('status_subscribers_confirm').on('status_subscribers').column('confirm_hash').execute();
  await db.schema.createIndex('status_subscribers_unsubscribe').on('status_subscribers').column('unsubscribe_hash').execute();
  await idColumn(db.schema.createTable('status_mails'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('subscriber_id', 'bigint', (c) => c.notNull().references('status_subscribers.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('note_id', 'bigint')
    .addColumn('update_id', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addUniqueConstraint('status_mails_once', ['subscriber_id', 'key'])
    .execute();
  await db.schema.createIndex('status_mails_due').on('status_mails').columns(['status', 'due_at']).execute();
}
