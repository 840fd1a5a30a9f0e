/**
 * 0013: heartbeats, the dead-man switch (issue 13). A heartbeat integration
 * expects a beat every so often; silence past `every + grace` after the last
 * beat opens one incident. That deadline is pending work, so it is a row with
 * a due time (never a timer in memory): one row per heartbeat key of an
 * engagement, written by each beat (src/heartbeat/store.ts), claimed by the
 * engine with a conditional UPDATE when it comes due, so a restart picks it
 * up where the database says and two instances never open two incidents.
 * `state`: watching (a deadline is pending), silent (the incident was opened;
 * the next beat resolves it), unwatched (the integration left the file).
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('heartbeats')
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('integration_key', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_beat_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('silent_since', 'bigint')
    .addColumn('beats', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('heartbeats_pk', ['engagement_id', 'integration_key'])
    .execute();
  // The engine reads the earliest deadlines still watched.
  await sql`create index heartbeats_due on heartbeats (due_at) where state = 'watching'`.execute(db);
}
