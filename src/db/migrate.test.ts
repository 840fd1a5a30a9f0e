/**
 * The migration lock on PostgreSQL is taken inside the migrations' transaction
 * (src/db/migrate.ts), so it holds through a pooler in transaction mode and can
 * never be left behind on a connection; it keeps Kysely's key, so an older
 * instance holding Kysely's session lock during a rolling upgrade still
 * excludes it. (Through PgBouncer itself: test/scenarios/pgbouncer.test.ts.)
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './connect.js';
import type { Database } from './connect.js';
import { migrateToLatest } from './migrate.js';
import { postgresOnly } from '../../test/support/databases.js';
import type { TestDatabase } from '../../test/support/databases.js';

/** Kysely's PostgreSQL migration lock key, as older versions of Tandem take it. */
const KYSELY_LOCK = '3853314791062309107';

async function advisoryLocks(client: pg.Client): Promise<Array<{ granted: boolean }>> {
  const { rows } = await client.query<{ granted: boolean }>(
    "select granted from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
  );
  return rows;
}

describe.each(postgresOnly())('migrations on $name', (kind) => {
  let test: TestDatabase | undefined;
  const opened: Database[] = [];
  let watcher: pg.Client | undefined;
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
    await watcher?.end();
    watcher = undefined;
    await test?.drop();
  });

  it('four instances starting at once: one migrates, the others find it done, and no lock is left held', async () => {
    test = await kind.create();
    for (let i = 0; i < 4; i++) opened.push(await openDatabase(test.url, { poolSize: 2 }));
    const applied = await Promise.all(opened.map((d) => migrateToLatest(d)));
    const counts = applied.map((a) => a.length).sort((a, b) => b - a);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts.slice(1)).toEqual([0, 0, 0]);
    // Checked while every pool still holds its connections: a session lock would still be there.
    watcher = new pg.Client({ connectionString: test.url });
    await watcher.connect();
    expect(await advisoryLocks(watcher)).toEqual([]);
  });

  it("waits while another holds Kysely's session lock (an older instance migrating), then finds nothing to do", async () => {
    test = await kind.create();
    const first = await openDatabase(test.url, { poolSize: 2 });
    opened.push(first);
    expect((await migrateToLatest(first)).length).toBeGreaterThan(0);
    watcher = new pg.Client({ connectionString: test.url });
    await watcher.connect();
    await watcher.query(`select pg_advisory_lock(${KYSELY_LOCK})`);
    const second = await openDatabase(test.url, { poolSize: 2 });
    opened.push(second);
    let done = false;
    const migrating = migrateToLatest(second).then((a) => {
      done = true;
      return a;
    });
    // The second waits in its transaction on the lock the first client holds.
    for (let i = 0; i < 200 && !(await advisoryLocks(watcher)).some((l) => !l.granted); i++) await new Promise((r) => setTimeout(r, 25));
    expect((await advisoryLocks(watcher)).some((l) => !l.granted)).toBe(true);
    expect(done).toBe(false);
    await watcher.query(`select pg_advisory_unlock(${KYSELY_LOCK})`);
    expect(await migrating).toEqual([]);
  });
});
