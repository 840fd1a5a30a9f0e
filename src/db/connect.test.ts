/**
 * PostgreSQL going away under a checked-out client: a restart or an administrator terminating the
 * backend while a transaction sits between two statements. pg reports it as an 'error' event on the
 * client; without a listener that was an uncaught exception and the server exited (found by
 * `npm run soak` restarting PostgreSQL). Now the transaction's next statement fails and the pool
 * carries on with a new connection.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './connect.js';
import type { Database } from './connect.js';
import { PG_URL, postgresOnly } from '../../test/support/databases.js';
import type { TestDatabase } from '../../test/support/databases.js';

describe.each(postgresOnly())('a terminated connection on $name', (kind) => {
  let test: TestDatabase | undefined;
  let database: Database | undefined;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  afterEach(async () => {
    process.off('uncaughtException', onUncaught);
    await database?.close();
    await test?.drop();
  });

  it('fails the transaction that held it, without an uncaught error, and the pool goes on', async () => {
    process.on('uncaughtException', onUncaught);
    test = await kind.create();
    database = await openDatabase(test.url, { poolSize: 2 });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const outcome = await database.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          // Terminated while this transaction holds the client and runs no query.
          await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
          await new Promise((r) => setTimeout(r, 300));
          await sql`select 1`.execute(trx);
          return 'committed';
        })
        .catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
      expect(outcome).not.toBe('committed');
      expect(uncaught).toEqual([]);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
    }
  });
});
