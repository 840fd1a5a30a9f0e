/**
 * 0017: what chat members asked of incidents (issue 13, acknowledging from
 * Slack). One row per member, incident and action (`slack`, `U0KIMTAN01:42:
 * acknowledge`), written in the transaction that acts on the click, so the
 * same click delivered to two instances at once (a retry behind a load
 * balancer, a double click) acts once: the second insert waits for the first
 * and then finds the row. Acknowledging or resolving twice would change
 * nothing anyway; the row closes the moment in which both read the incident
 * before either wrote it.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chat_actions')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_actions_pk', ['source', 'key'])
    .execute();
}
