/**
 * 0021: outbox rows by the send that carries them (issue 14). A send's rows
 * and carrier (`bundle_id`, which names its delivery id) are now recorded
 * before it leaves, on every row including a single page's, so a retry or a
 * re-send after a lost lease sends the same message under the same id. The
 * claim finds the other rows of a recorded send by `bundle_id`, and Twilio's
 * callbacks the rows of the send they report on; without this index both
 * read the whole table.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('notifications_bundle').on('notifications').column('bundle_id').execute();
}
