/**
 * 0020: waiting events by apply partition (issue 14). On PostgreSQL, events
 * are applied by partition: a hash of (engagement, service) into
 * {@link APPLY_PARTITIONS} parts (src/events/partition.ts), each applied by
 * whichever worker, on whichever instance, holds its advisory lock, so
 * several apply in parallel while every dedup key, group and service keeps
 * one applier and its order. This partial index lets a worker read the
 * oldest waiting events of one partition, and find the partitions with work,
 * without reading the others'. It indexes an expression (no new column), so
 * the events table is not rewritten and nothing that appends events changes.
 * SQLite has one writer: one worker applies everything, oldest first, with
 * the index 0001 made.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';
import { PARTITION_EXPRESSION } from '../../events/partition.js';

export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create index events_waiting_by_partition on events ((${sql.raw(PARTITION_EXPRESSION)}), id)
    where processed_at is null and quarantined_at is null`.execute(db);
}
