/**
 * The cheapest proof that the database answers: /readyz asks it when no
 * event-lag limit gives it a real query to run.
 */
import { sql } from 'kysely';
import type { Executor } from './executor.js';

/** Runs `select 1`; throws when the database does not answer. */
export async function ping(ex: Executor): Promise<void> {
  await sql`select 1`.execute(ex);
}
