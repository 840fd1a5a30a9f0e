/**
 * Append-only migrations, run at start. Each migration is a module under
 * migrations/ named NNNN-what.ts with a comment on why it exists; a shipped
 * migration is never edited, only followed by a new one.
 */
import { CompiledQuery, Kysely, Migrator, PostgresAdapter, PostgresDialect, PostgresDriver, sql } from 'kysely';
import type { DatabaseConnection, Driver, Migration, MigrationProvider, MigrationResultSet, TransactionSettings } from 'kysely';
import type pg from 'pg';
import type { Database, Dialect } from './connect.js';
import type { MigrationContext } from './migrations/context.js';
import type { DB } from './schema.js';
import * as m0001 from './migrations/0001-core.js';
import * as m0002 from './migrations/0002-escalation.js';
import * as m0003 from './migrations/0003-sessions.js';
import * as m0004 from './migrations/0004-slas.js';
import * as m0005 from './migrations/0005-imports.js';
import * as m0006 from './migrations/0006-event-quarantine.js';
import * as m0007 from './migrations/0007-tickets.js';
import * as m0008 from './migrations/0008-ticket-sync.js';
import * as m0009 from './migrations/0009-vulnerabilities.js';
import * as m0010 from './migrations/0010-security-detections.js';
import * as m0011 from './migrations/0011-timeline-chain.js';
import * as m0012 from './migrations/0012-timeline-heads.js';
import * as m0015 from './migrations/0015-status-page.js';
import * as m0013 from './migrations/0013-heartbeats.js';
import * as m0014 from './migrations/0014-maintenance.js';
import * as m0016 from './migrations/0016-voice.js';
import * as m0017 from './migrations/0017-chat-actions.js';
import * as m0018 from './migrations/0018-status-subscribers.js';
import * as m0019 from './migrations/0019-integration-keys-by-engagement.js';
import * as m0020 from './migrations/0020-events-apply-partitions.js';
import * as m0021 from './migrations/0021-notification-bundles.js';

type Step = (db: Kysely<unknown>, ctx: MigrationContext) => Promise<void>;

const STEPS: ReadonlyArray<readonly [string, Step]> = [
  ['0001-core', m0001.up],
  ['0002-escalation', m0002.up],
  ['0003-sessions', m0003.up],
  ['0004-slas', m0004.up],
  ['0005-imports', m0005.up],
  ['0006-event-quarantine', m0006.up],
  ['0007-tickets', m0007.up],
  ['0008-ticket-sync', m0008.up],
  ['0009-vulnerabilities', m0009.up],
  ['0010-security-detections', m0010.up],
  ['0011-timeline-chain', m0011.up],
  ['0012-timeline-heads', m0012.up],
  ['0015-status-page', m0015.up],
  ['0013-heartbeats', m0013.up],
  ['0014-maintenance', m0014.up],
  ['0016-voice', m0016.up],
  ['0017-chat-actions', m0017.up],
  ['0018-status-subscribers', m0018.up],
  ['0019-integration-keys-by-engagement', m0019.up],
  ['0020-events-apply-partitions', m0020.up],
  ['0021-notification-bundles', m0021.up],
];

function context(dialect: Dialect): MigrationContext {
  return {
    dialect,
    idColumn: (table) =>
      dialect === 'sqlite'
        ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()),
    appendOnly: async (db, table) => {
      if (dialect === 'sqlite') {
        for (const op of ['update', 'delete']) {
          await sql
            .raw(`create trigger ${table}_no_${op} before ${op} on ${table} begin select raise(abort, '${table} is append-only'); end`)
            .execute(db);
        }
      } else {
        await sql
          .raw(
            `create or replace function tandem_append_only() returns trigger language plpgsql as $$ begin raise exception '% is append-only', tg_table_name; end $$`,
          )
          .execute(db);
        await sql
          .raw(`create trigger ${table}_append_only before update or delete on ${table} for each row execute function tandem_append_only()`)
          .execute(db);
      }
    },
  };
}

/**
 * The key of Kysely's own PostgreSQL migration lock, so that an instance of an
 * older version starting during a rolling upgrade (which takes it as a session
 * lock) and this one still exclude each other.
 */
const MIGRATION_LOCK = '3853314791062309107';

/**
 * Kysely's PostgreSQL migrator takes a session-level advisory lock
 * (`pg_advisory_lock`) on a connection, runs the migrations in a transaction,
 * then unlocks, three separate round trips. Through a pooler in transaction
 * mode (PgBouncer, docs/scaling.md) each of them may run on a different server
 * connection: the lock guards nothing (two instances starting together both
 * migrated, one failed on a duplicate table), the unlock misses, and the lock
 * stays on a pooled connection and stalls every later start that reaches it.
 * Here the lock is taken as the first statement of the migrations' own
 * transaction instead (`pg_advisory_xact_lock`, same key): it is held exactly
 * as long as the transaction that reads which migrations ran and applies the
 * rest, on whichever connection that is, and ends with it, also when the
 * process dies. An instance that waited on it reads the migrations table
 * after the first one committed and finds nothing to do.
 */
class TransactionLockedAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class TransactionLockedDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await super.beginTransaction(connection, settings);
    await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${MIGRATION_LOCK})`));
  }

  /** The pool is the server's, ended when its {@link Database} closes. */
  override async destroy(): Promise<void> {}
}

class TransactionLockedDialect extends PostgresDialect {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    super({ pool });
    this.#pool = pool;
  }

  override createDriver(): Driver {
    return new TransactionLockedDriver({ pool: this.#pool });
  }

  override createAdapter(): PostgresAdapter {
    return new TransactionLockedAdapter();
  }
}

/** The Kysely the migrations run through: on PostgreSQL one whose transactions begin by taking the migration lock. */
function migrationDb(database: Database): Kysely<DB> {
  if (database.dialect !== 'postgres' || !database.pool) return database.db;
  return new Kysely<DB>({ dialect: new TransactionLockedDialect(database.pool) });
}

function migrator(database: Database): Migrator {
  const ctx = context(database.dialect);
  const provider: MigrationProvider = {
    getMigrations: async () => Object.fromEntries(STEPS.map(([name, up]): [string, Migration] => [name, { up: (db) => up(db, ctx) }])),
  };
  return new Migrator({
    db: migrationDb(database),
    provider,
    migrationTableName: 'tandem_migrations',
    migrationLockTableName: 'tandem_migrations_lock',
  });
}

/** Brings the schema up to date. Safe to run on every start and from several instances at once. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  return applied(await migrator(database).migrateToLatest());
}

/** Brings the schema up to the migration named (inclusive): tests of a migration start from the schema before it. */
export async function migrateTo(database: Database, name: string): Promise<string[]> {
  return applied(await migrator(database).migrateTo(name));
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
