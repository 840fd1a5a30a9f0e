/**
 * 0019: integration keys by engagement. Applying a changed engagement file
 * archives the engagement's keys before writing the current ones
 * (deployment/store.ts), and without an index that update read the whole
 * table: with an MSP's 2,000 engagements, every changed file scanned every
 * other engagement's keys too (issue 14).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('integration_keys_engagement').on('integration_keys').column('engagement_id').execute();
}
