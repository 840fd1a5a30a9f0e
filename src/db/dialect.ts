/**
 * What differs between SQLite and PostgreSQL, in one place. Stores call these
 * helpers instead of branching on the dialect themselves, so a domain file
 * never needs to know which database is behind it:
 *
 * - claiming due rows: PostgreSQL adds `FOR UPDATE SKIP LOCKED` so two
 *   instances never claim the same row; SQLite has one writer at a time and
 *   needs nothing;
 * - statement size: both databases cap the bound parameters per statement
 *   (SQLite 32766, PostgreSQL 65535); `chunked` splits rows so a statement
 *   stays well inside the smaller limit;
 * - the engine's exclusive section: a transaction-scoped advisory lock on
 *   PostgreSQL; on SQLite the write transaction itself is exclusive.
 */
import { sql } from 'kysely';
import type { Dialect } from './connect.js';
import type { Executor } from './executor.js';

/**
 * Bound values per statement. Far below both databases' limits: large
 * statements parse slowly and a few thousand values already amortise the
 * round trip.
 */
export const MAX_PARAMS_PER_STATEMENT = 5000;

/** Rows or ids in groups small enough for one statement, given how many values each binds. */
export function chunked<T>(items: readonly T[], valuesPerItem = 1, maxRows = 1000): T[][] {
  const size = Math.max(1, Math.min(maxRows, Math.floor(MAX_PARAMS_PER_STATEMENT / Math.max(1, valuesPerItem))));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A query builder that can lock the rows it selects. */
interface Lockable<Q> {
  forUpdate(): Q;
}
interface SkipLockable<Q> {
  skipLocked(): Q;
}

/**
 * Claims the rows a select returns: on PostgreSQL they are locked and rows
 * another instance already holds are skipped; on SQLite the query is
 * returned as it is (the write transaction is already exclusive).
 */
export function claimRows<Q extends Lockable<Q> & SkipLockable<Q>>(dialect: Dialect, query: Q): Q {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}

/**
 * Takes the engine-wide lock named by `key` for the rest of the transaction.
 * Returns false when another instance holds it (PostgreSQL); on SQLite the
 * write transaction is already exclusive, so it always returns true.
 */
export async function tryExclusive(dialect: Dialect, trx: Executor, key: number): Promise<boolean> {
  if (dialect !== 'postgres') return true;
  const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${key}) as ok`.execute(trx);
  return lock.rows[0]?.ok === true;
}

/**
 * Engine transactions do not wait for the WAL flush on PostgreSQL (their work
 * is re-derived from durable inputs if lost); SQLite's engine commits already
 * run at synchronous=NORMAL.
 */
export async function relaxCommitDurability(dialect: Dialect, trx: Executor): Promise<void> {
  if (dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
}
