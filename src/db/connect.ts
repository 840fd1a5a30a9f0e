/**
 * Opening the database. The only module that knows which driver is behind a
 * URL: `sqlite:PATH` (better-sqlite3, WAL) or `postgres://...` (pg pool).
 * Everything above it speaks Kysely.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { SqliteDatabase } from 'kysely';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** The URL with any password masked, for logs. */
  readonly label: string;
  /**
   * The better-sqlite3 handle (sqlite only), for the prepared-statement fast
   * paths in db/dialect.ts that the stores call (the inbox's durable append,
   * the engine's timeline inserts). Nothing outside db/ reads it.
   */
  readonly sqlite?: BetterSqlite3.Database;
  /** The pg pool (postgres only). */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Maximum pool size on PostgreSQL. */
  poolSize?: number;
  /**
   * Refuse to create a SQLite file that is not there (reporting commands: a mistyped path
   * must not silently become a new, empty database). The server creates it.
   */
  mustExist?: boolean;
}

/**
 * The database named cannot be opened: a malformed URL, a missing SQLite file, an
 * unreachable or refusing PostgreSQL. The message is one line meant for the operator.
 */
export class DatabaseOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseOpenError';
  }
}

function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(reason).join('; ');
  if (err instanceof Error) return err.message || ('code' in err ? String(err.code) : err.name);
  return String(err);
}

// bigint (int8) and numeric columns hold epoch milliseconds and counters that fit in a double.
const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8 || oid === PG_NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Parses the `--db` value. Accepts `sqlite:path`, `sqlite://path`, a bare `*.db` path, `postgres://` or `postgresql://`. */
export function parseDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', target: url };
  if (url.startsWith('sqlite://')) return { dialect: 'sqlite', target: url.slice('sqlite://'.length) };
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', target: url.slice('sqlite:'.length) };
  if (url === ':memory:' || /\.(db|sqlite3?)$/.test(url)) return { dialect: 'sqlite', target: url };
  throw new DatabaseOpenError(`unsupported database URL "${url}": expected sqlite:PATH or postgres://user@host:port/db`);
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    const file = target === ':memory:' ? target : resolve(target);
    if (file !== ':memory:' && options.mustExist && !existsSync(file)) {
      throw new DatabaseOpenError(
        `no database at ${file} (${url}): check --db or TANDEM_DATABASE_URL; \`tandem serve\` creates the database`,
      );
    }
    let handle: BetterSqlite3.Database;
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      handle = new BetterSqlite3(file);
    } catch (err) {
      throw new DatabaseOpenError(`cannot open the SQLite database at ${file}: ${reason(err)}`);
    }
    // WAL lets readers run beside the writer. synchronous=NORMAL survives any process crash;
    // the ingest inbox flushes the WAL to disk after its own commits, so an accepted event also
    // survives power loss (docs/adr/0005-durability-levels.md).
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('busy_timeout = 5000');
    // An 8 MB page cache keeps the hot B-tree pages (open alerts, recent incidents) in memory.
    handle.pragma('cache_size = -8192');
    // Checkpoint every ~40 MB of WAL instead of 4 MB: under a write-heavy load, hot pages are
    // written back once instead of many times, and commits pay for far fewer checkpoints.
    handle.pragma('wal_autocheckpoint = 10000');
    handle.pragma('foreign_keys = ON');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
    return {
      db,
      dialect,
      label: `sqlite:${target}`,
      sqlite: handle,
      close: async () => {
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: target, max: options.poolSize ?? 10, types: pgTypes });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  // Nor a client checked out between two statements (a transaction while the engine computes): pg
  // emits the server's "terminating connection" on the client itself when no query is running, and
  // an 'error' event without a listener is an uncaught exception. The query that uses the client next
  // fails (a transient database error, retried by its caller) and the pool drops the dead client on
  // release. Found by `npm run soak`: every instance exited when PostgreSQL restarted.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const label = target.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => {});
    throw new DatabaseOpenError(`cannot connect to the database ${label}: ${reason(err)}`);
  }
  return {
    db,
    dialect,
    label,
    pool,
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements are reusable,
 * and preparing is a large share of a small query's cost. Queries repeat
 * (Kysely compiles parameters out of the SQL), so a small LRU of prepared
 * statements removes most of it. Safe because Kysely runs one query at a time
 * on the single connection.
 */
function withStatementCache(handle: BetterSqlite3.Database, size = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => handle.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (stmt) {
        // Re-insert to mark as most recently used.
        cache.delete(sqlText);
      } else {
        stmt = handle.prepare(sqlText);
        if (cache.size >= size) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}
