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
 *   PostgreSQL; on SQLite the write transaction itself is exclusive;
 * - writing many rows' values in one UPDATE ... FROM (VALUES ...): SQLite
 *   names the columns column1..N, PostgreSQL needs them named and typed
 *   (`valuesTable`), and the larger of two values is max() or greatest();
 * - how many commits may be in flight at once: SQLite has one writer;
 * - the raw SQLite fast paths (`insertPrepared`, `commitPreparedDurably`):
 *   prepared statements on the better-sqlite3 handle for the hottest inserts
 *   (timeline entries, the inbox); this file is the only reader of
 *   `Database.sqlite` outside connect.ts.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { PostgresAdapter, sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { Database, Dialect } from './connect.js';
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

/**
 * `column IN (values)` for a query on `ex`. On PostgreSQL it is
 * `column = any($1::type[])`: one bound array, so a list of any length is the
 * same statement, and the planner probes the index once per value. A long
 * `IN ($1, $2, ...)` is a new statement for every length, parsed and planned
 * each time (pg_stat_statements under bench:ingest: hundreds of variants of
 * the apply step's reads). SQLite keeps the list. Callers pass at least one
 * value, and chunk as for any statement.
 */
export function oneOf(
  ex: Executor,
  column: string,
  values: readonly (string | number)[],
  type: 'int4' | 'int8' | 'text',
): RawBuilder<SqlBool> {
  if (executorDialect(ex) === 'postgres') return sql<SqlBool>`${sql.ref(column)} = any(${values}::${sql.raw(type)}[])`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
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
 * Takes what it can of parts `parts` of the lock family `key`, in one
 * statement, for the rest of the transaction: each the two-key lock
 * (key, part), exclusive, plus `key` itself shared, so parts are taken
 * independently while whoever holds the whole `key` ({@link tryExclusive},
 * e.g. an older version of Tandem during a rolling upgrade) excludes them
 * all. Returns the parts taken (those held elsewhere are skipped); on
 * SQLite, all of them.
 */
export async function tryExclusiveParts(dialect: Dialect, trx: Executor, key: number, parts: readonly number[]): Promise<number[]> {
  if (dialect !== 'postgres' || parts.length === 0) return [...parts];
  const taken = await sql<{ part: number }>`select part from unnest(${[...parts]}::int4[]) as part
    where pg_try_advisory_xact_lock_shared(${key}::bigint) and pg_try_advisory_xact_lock(${key}::int4, part)`.execute(trx);
  return taken.rows.map((r) => Number(r.part));
}

/**
 * Engine transactions do not wait for the WAL flush on PostgreSQL (their work
 * is re-derived from durable inputs if lost); SQLite's engine commits already
 * run at synchronous=NORMAL.
 */
export async function relaxCommitDurability(dialect: Dialect, trx: Executor): Promise<void> {
  if (dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
}

/**
 * Makes an engine transaction's commit wait for the WAL flush again (the
 * server's synchronous_commit), for the engine writes that are not re-derived
 * if lost: what a message about to be sent is (paging/deliver.ts).
 */
export async function keepCommitDurable(dialect: Dialect, trx: Executor): Promise<void> {
  if (dialect === 'postgres') await sql`set local synchronous_commit to default`.execute(trx);
}

/** Prepared INSERT statements on a raw SQLite handle, by table and column list. */
const preparedInserts = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

function preparedInsert(handle: BetterSqlite3.Database, table: string, columns: readonly string[]): BetterSqlite3.Statement {
  let byKey = preparedInserts.get(handle);
  if (!byKey) preparedInserts.set(handle, (byKey = new Map()));
  const key = `${table}(${columns.join(',')})`;
  let statement = byKey.get(key);
  if (!statement) {
    statement = handle.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`);
    byKey.set(key, statement);
  }
  return statement;
}

/**
 * The raw SQLite fast path for many small rows: inserts them through one
 * cached prepared statement on the better-sqlite3 handle, in the caller's
 * transaction `trx` (same connection), skipping the query builder, which
 * costs more than the insert itself. Returns false, writing nothing, on
 * PostgreSQL or outside a transaction; the store then inserts through Kysely.
 * Every row must carry every column named.
 */
export function insertPrepared<R extends object>(
  database: Database | undefined,
  trx: Executor,
  table: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
): boolean {
  const handle = database?.sqlite;
  if (!handle || !trx.isTransaction) return false;
  const insert = preparedInsert(handle, table, columns);
  for (const row of rows) insert.run(row);
  return true;
}

/** The dialect a query builder or transaction runs on, for stores that are not given their {@link Database}. */
export function executorDialect(ex: Executor): Dialect {
  return ex.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Prepared SELECT statements on a raw SQLite handle, by their text. */
const preparedSelects = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/**
 * The raw SQLite fast path for a small read on the hot write path (a store's
 * own SQL text, with `?` parameters): runs it through a cached prepared
 * statement in the caller's transaction `trx` (same connection). Returns
 * undefined, reading nothing, on PostgreSQL or outside a transaction; the
 * store then reads through Kysely.
 */
export function selectPrepared<R>(
  database: Database | undefined,
  trx: Executor,
  text: string,
  params: readonly unknown[],
): R[] | undefined {
  const handle = database?.sqlite;
  if (!handle || !trx.isTransaction) return undefined;
  let byText = preparedSelects.get(handle);
  if (!byText) preparedSelects.set(handle, (byText = new Map()));
  let statement = byText.get(text);
  if (!statement) byText.set(text, (statement = handle.prepare(text)));
  return statement.all(...params) as R[];
}

/**
 * The raw SQLite fast path for the durable inbox: rows committed in one
 * transaction of prepared inserts that is on disk when this resolves, even
 * after a power loss. The Kysely connection is held for the transaction, so no
 * engine transaction can be open on the handle. By default the connection is
 * raised to synchronous=FULL around the transaction, so the commit itself
 * flushes the WAL. On a server that runs no engine (`--no-engine`, an ingest
 * tier: {@link flushWalInBackground}) the commit runs at the connection's
 * synchronous=NORMAL (it writes the rows to the WAL, safe from any process
 * crash) and the WAL is then flushed to disk (fdatasync) on a libuv thread,
 * so the event loop keeps parsing requests while the disk works, and one
 * flush covers every commit made before it started (see {@link WalFlusher}):
 * about a third more events per second with ingest alone, but with the engine
 * on the same thread about a tenth fewer (its batches come smaller and more
 * often; bench:ingest, issue 14).
 * Returns false, writing nothing, on PostgreSQL, where a commit outside the
 * engine is already synchronous and the store inserts through Kysely.
 */
export async function commitPreparedDurably<R extends object>(
  database: Database,
  table: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
): Promise<boolean> {
  const handle = database.sqlite;
  if (!handle) return false;
  const flusher = walFlusher(handle);
  await database.db.connection().execute(async () => {
    const insert = preparedInsert(handle, table, columns);
    const commit = handle.transaction(() => {
      for (const row of rows) insert.run(row);
    });
    if (flusher) return commit();
    handle.pragma('synchronous = FULL');
    try {
      commit();
    } finally {
      handle.pragma('synchronous = NORMAL');
    }
  });
  if (flusher) await flusher.flush();
  return true;
}

/**
 * Flushes a file to disk on demand, sharing flushes between callers: `flush()`
 * resolves after a flush that started after the call did, so everything
 * written before the call is on disk; callers that arrive while a flush runs
 * share the next one. At most one flush runs at a time.
 */
export class WalFlusher {
  readonly #sync: () => Promise<void>;
  #running = false;
  #waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(sync: () => Promise<void>) {
    this.#sync = sync;
  }

  flush(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (!this.#running) this.#start();
    });
  }

  #start(): void {
    const covered = this.#waiting;
    this.#waiting = [];
    this.#running = true;
    this.#sync().then(
      () => this.#settle(covered, undefined),
      (err: unknown) => this.#settle(covered, err ?? new Error('flush failed')),
    );
  }

  #settle(covered: ReadonlyArray<{ resolve: () => void; reject: (err: unknown) => void }>, err: unknown): void {
    this.#running = false;
    for (const c of covered)
      if (err === undefined) c.resolve();
      else c.reject(err);
    if (this.#waiting.length > 0) this.#start();
  }
}

/** One flusher per SQLite handle in WAL mode; undefined for a database without a WAL file (in memory). */
const walFlushers = new WeakMap<BetterSqlite3.Database, WalFlusher | null>();
/** Handles whose durable commits flush the WAL on a libuv thread ({@link flushWalInBackground}). */
const inBackground = new WeakSet<BetterSqlite3.Database>();

/**
 * SQLite: the inbox's durable commits flush the WAL on a libuv thread after
 * committing, instead of inside the commit (see {@link commitPreparedDurably});
 * for a server that only ingests. No effect on PostgreSQL.
 */
export function flushWalInBackground(database: Database): void {
  if (database.sqlite) inBackground.add(database.sqlite);
}

function walFlusher(handle: BetterSqlite3.Database): WalFlusher | undefined {
  if (!inBackground.has(handle)) return undefined;
  let flusher = walFlushers.get(handle);
  if (flusher === undefined) {
    const wal = !handle.memory && String(handle.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    flusher = wal ? new WalFlusher(syncWal(`${handle.name}-wal`)) : null;
    walFlushers.set(handle, flusher);
  }
  return flusher ?? undefined;
}

/**
 * fdatasync of the WAL file. The file stays open while flushes follow one
 * another and is closed after a second without one: SQLite never removes the
 * WAL while a connection (this one) is open, and a closed handle frees its
 * descriptor. The first flush also syncs the directory, whose entry for a
 * newly created WAL is otherwise only made durable by SQLite's first
 * checkpoint. A WAL that is gone was checkpointed into the database file
 * (synced) and removed: nothing to flush.
 */
function syncWal(path: string): () => Promise<void> {
  let directorySynced = false;
  let file: FileHandle | undefined;
  let closer: NodeJS.Timeout | undefined;
  const closeIdle = () => {
    const f = file;
    file = undefined;
    void f?.close().catch(() => {});
  };
  return async () => {
    if (closer) clearTimeout(closer);
    try {
      if (!file) {
        try {
          file = await open(path, 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
      }
      await file.datasync();
      if (!directorySynced) {
        await syncDirectory(dirname(path));
        directorySynced = true;
      }
    } catch (err) {
      closeIdle();
      throw err;
    } finally {
      closer = setTimeout(closeIdle, 1000).unref();
    }
  };
}

async function syncDirectory(path: string): Promise<void> {
  let dir: FileHandle;
  try {
    dir = await open(path, 'r');
  } catch (err) {
    // Windows cannot open a directory as a file; it has no directory sync to do.
    if (process.platform === 'win32') return;
    throw err;
  }
  try {
    await dir.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory (EINVAL): their entries are not ours to sync.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await dir.close();
  }
}

/** A column of a {@link valuesTable}: its name, and its PostgreSQL type (SQLite needs none). */
export interface ValuesColumn {
  readonly name: string;
  readonly pgType: 'bigint' | 'integer' | 'text' | 'double precision' | 'boolean';
}

/** Rows of values to join an UPDATE against: `from` goes after FROM, `column(name)` reads one of them. */
export interface ValuesTable {
  readonly from: RawBuilder<unknown>;
  column(name: string): RawBuilder<unknown>;
}

/**
 * Rows of values for an UPDATE ... FROM, written the way each database reads
 * them best: on SQLite `(VALUES (...), (...)) AS alias`, whose columns are
 * column1..N; on PostgreSQL `unnest($1::type[], ...) AS alias(names)`, one
 * typed array per column, so the statement is the same text for any number
 * of rows (a VALUES list was a new statement, parsed and planned, for every
 * length: under bench:ingest the engine's updates came in hundreds of
 * variants).
 */
export function valuesTable(
  dialect: Dialect,
  alias: string,
  columns: readonly ValuesColumn[],
  rows: ReadonlyArray<readonly unknown[]>,
): ValuesTable {
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const position = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`valuesTable ${alias} has no column ${name}`);
    return i;
  };
  if (dialect === 'sqlite') {
    const values = sql.join(rows.map((r) => sql`(${sql.join(r.map((v) => sql`${v}`))})`));
    return { from: sql`(values ${values}) as ${sql.id(alias)}`, column: (name) => sql.ref(`${alias}.column${position(name) + 1}`) };
  }
  const arrays = sql.join(columns.map((c, i) => sql`${rows.map((r) => r[i] ?? null)}::${sql.raw(c.pgType)}[]`));
  const names = sql.join(columns.map((c) => sql.id(c.name)));
  return {
    from: sql`unnest(${arrays}) as ${sql.id(alias)}(${names})`,
    column: (name) => sql.ref(`${alias}.${columns[position(name)]?.name ?? name}`),
  };
}

/**
 * Sets columns of `table` row by row from `rows` of values, each row's first
 * value its key (`columns[0]`) and the rest the columns to set: one
 * `UPDATE ... FROM` a {@link valuesTable} per chunk, so on PostgreSQL one
 * statement however many rows. A key given twice gets its last row: the
 * database would pick one of a join's duplicate matches at random.
 */
export async function updateByKey(
  ex: Executor,
  table: string,
  columns: readonly ValuesColumn[],
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<void> {
  const [key, ...set] = columns;
  if (key === undefined || set.length === 0) throw new Error(`updateByKey ${table}: a key and at least one column to set`);
  const dialect = executorDialect(ex);
  const last = [...new Map(rows.map((r) => [r[0], r])).values()];
  for (const chunk of chunked(last, columns.length)) {
    const v = valuesTable(dialect, 'v', columns, chunk);
    const assignments = sql.join(set.map((c) => sql`${sql.id(c.name)} = ${v.column(c.name)}`));
    await sql`update ${sql.table(table)} set ${assignments} from ${v.from} where ${sql.ref(`${table}.${key.name}`)} = ${v.column(key.name)}`.execute(
      ex,
    );
  }
}

/** The larger of two values: max(a, b) on SQLite, greatest(a, b) on PostgreSQL. */
export function larger(dialect: Dialect, a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<unknown> {
  return dialect === 'sqlite' ? sql`max(${a}, ${b})` : sql`greatest(${a}, ${b})`;
}

/**
 * How many durable appends may usefully be in flight at once: PostgreSQL takes
 * `wanted`; SQLite one, with one writer: while its WAL is flushed
 * (commitPreparedDurably) the requests that arrive gather into the next commit,
 * which is larger and cheaper per event than committing them beside the flush.
 */
export function concurrentWriters(dialect: Dialect, wanted: number): number {
  return dialect === 'sqlite' ? 1 : wanted;
}

/**
 * Runs one write so that it is on disk when this resolves, even after a
 * power loss: on SQLite the connection is held and raised to synchronous=FULL
 * around it (it normally commits at NORMAL, safe from any process crash); on
 * PostgreSQL a commit outside the engine is already synchronous.
 */
export async function durably<T>(database: Database, fn: (ex: Executor) => Promise<T>): Promise<T> {
  const handle = database.sqlite;
  if (!handle) return fn(database.db);
  return database.db.connection().execute(async (conn) => {
    handle.pragma('synchronous = FULL');
    try {
      return await fn(conn);
    } finally {
      handle.pragma('synchronous = NORMAL');
    }
  });
}
