/**
 * 0012: where each incident's timeline chain ends (issue 12), in a row of its
 * own. Appending reads the heads of the incidents it writes to from here and,
 * on PostgreSQL, locks them (SELECT ... FOR UPDATE, in incident id order)
 * until it commits, so two writers to one incident chain one after the other.
 * 0011 locked the incident rows instead; a batch of events updates incident
 * rows early in its transaction, so that second lock, taken at the end and in
 * another order than the escalation and delivery loops took theirs,
 * deadlocked under an alert storm (a second's wait and a batch applied again
 * each time). Head rows are locked by nothing else, always last and in one
 * order. They also let `tandem verify` see entries removed from the end of a
 * chain. Filled here from the chains 0011 wrote. SQLite has one writer at a
 * time, so it reads heads from the timeline and keeps no head rows (writing
 * one per incident per batch cost about 15% of its event throughput): the
 * table is created there too, so both schemas stay alike, and left empty.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('timeline_heads')
    .addColumn('incident_id', 'bigint', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  if (dialect !== 'postgres') return;
  await sql`insert into timeline_heads (incident_id, hash)
    select t.incident_id, t.hash from timeline t
    join (select incident_id, max(id) as id from timeline group by incident_id) last on last.id = t.id
    where t.hash is not null`.execute(db);
}
