/**
 * 0006: quarantined events. An accepted event that cannot be applied (a bug,
 * or input a database refuses) is retried alone and then set aside with its
 * error, so it never stops the events after it (issue 8). It stays in the
 * table, unapplied, until an admin retries it (`tandem events retry`, or the
 * API), which clears these columns and puts it back in the queue.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('quarantined_at', 'bigint').execute();
  await db.schema.alterTable('events').addColumn('apply_error', 'text').execute();
  await sql`create index events_quarantined on events (engagement_id, id) where quarantined_at is not null`.execute(db);
}
