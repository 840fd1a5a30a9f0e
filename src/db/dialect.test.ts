import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './connect.js';
import { databaseKinds, postgresOnly } from '../../test/support/databases.js';
import type { Database } from './connect.js';
import {
  MAX_PARAMS_PER_STATEMENT,
  WalFlusher,
  chunked,
  commitPreparedDurably,
  flushWalInBackground,
  oneOf,
  tryExclusive,
  tryExclusiveParts,
  updateByKey,
  valuesTable,
} from './dialect.js';
import { sql } from 'kysely';
import type { Executor } from './executor.js';
import type { ValuesColumn } from './dialect.js';

describe('chunked', () => {
  it.each([
    { items: 0, per: 1, max: 1000, sizes: [] },
    { items: 2500, per: 1, max: 1000, sizes: [1000, 1000, 500] },
    { items: 1200, per: 10, max: 1000, sizes: [500, 500, 200] },
    { items: 3, per: MAX_PARAMS_PER_STATEMENT * 2, max: 1000, sizes: [1, 1, 1] },
    { items: 7, per: 0, max: 3, sizes: [3, 3, 1] },
  ])('$items items of $per values, at most $max rows: $sizes', ({ items, per, max, sizes }) => {
    const rows = Array.from({ length: items }, (_, i) => i);
    const chunks = chunked(rows, per, max);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(rows);
  });
});

describe('WalFlusher', () => {
  /** A sync whose completion the test controls; counts how many were started. */
  function controlledSync() {
    const runs: Array<{ done: () => void; fail: (err: Error) => void }> = [];
    const sync = () =>
      new Promise<void>((resolve, reject) => {
        runs.push({ done: resolve, fail: reject });
      });
    return { runs, sync };
  }
  const settled = async (p: Promise<unknown>) => {
    let state = 'pending';
    p.then(
      () => (state = 'resolved'),
      () => (state = 'rejected'),
    );
    await new Promise((r) => setImmediate(r));
    return state;
  };

  it('resolves a flush only after a sync that started after it; callers during a sync share the next one', async () => {
    const { runs, sync } = controlledSync();
    const flusher = new WalFlusher(sync);
    const first = flusher.flush();
    expect(runs).toHaveLength(1);
    // Written after the first sync started: that sync may not cover them.
    const second = flusher.flush();
    const third = flusher.flush();
    expect(runs).toHaveLength(1);
    runs[0]?.done();
    expect(await settled(first)).toBe('resolved');
    expect(await settled(second)).toBe('pending');
    expect(runs).toHaveLength(2);
    runs[1]?.done();
    expect(await settled(second)).toBe('resolved');
    expect(await settled(third)).toBe('resolved');
    expect(runs).toHaveLength(2);
  });

  it('a failed sync rejects exactly the flushes it covered, and the next flush syncs again', async () => {
    const { runs, sync } = controlledSync();
    const flusher = new WalFlusher(sync);
    const failed = flusher.flush();
    const later = flusher.flush();
    runs[0]?.fail(new Error('EIO'));
    await expect(failed).rejects.toThrow('EIO');
    expect(await settled(later)).toBe('pending');
    runs[1]?.done();
    await expect(later).resolves.toBeUndefined();
  });
});

describe('commitPreparedDurably', () => {
  it.each([
    ['inside the commit (the default)', false],
    ['on a libuv thread after it (an ingest-only server)', true],
  ])(
    'on a SQLite file, the WAL flushed %s: the rows are committed and readable from another connection, the connection left at synchronous=NORMAL',
    async (_how, background) => {
      const dir = mkdtempSync(join(tmpdir(), 'tandem-durable-'));
      const database = await openDatabase(`sqlite:${join(dir, 't.db')}`);
      if (background) flushWalInBackground(database);
      try {
        database.sqlite?.exec('create table t (a integer, b text)');
        const rows = Array.from({ length: 50 }, (_, i) => ({ a: i, b: `row ${i}` }));
        await Promise.all([
          commitPreparedDurably(database, 't', ['a', 'b'], rows.slice(0, 25)),
          commitPreparedDurably(database, 't', ['a', 'b'], rows.slice(25)),
        ]);
        expect(database.sqlite?.pragma('synchronous', { simple: true })).toBe(1);
        const other = new BetterSqlite3(join(dir, 't.db'), { readonly: true });
        try {
          expect(other.prepare('select count(*) as n, sum(a) as s from t').get()).toEqual({ n: 50, s: (49 * 50) / 2 });
        } finally {
          other.close();
        }
      } finally {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('in memory (no WAL file): the rows are committed and the connection left at synchronous=NORMAL', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      database.sqlite?.exec('create table t (a integer)');
      expect(await commitPreparedDurably(database, 't', ['a'], [{ a: 1 }, { a: 2 }])).toBe(true);
      expect(database.sqlite?.prepare('select count(*) as n from t').get()).toEqual({ n: 2 });
      expect(database.sqlite?.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      await database.close();
    }
  });
});

describe.each(postgresOnly())('the apply lock family on $name', (kind) => {
  const KEY = 7_243_501;

  /** Runs `fn` in a transaction that stays open until `release` is called: what another instance holds meanwhile. */
  async function holding<T>(database: Database, fn: (trx: Executor) => Promise<T>): Promise<{ value: T; release: () => Promise<void> }> {
    let value!: T;
    let ready!: () => void;
    let release!: () => void;
    const started = new Promise<void>((r) => (ready = r));
    const ended = new Promise<void>((r) => (release = r));
    const done = database.db.transaction().execute(async (trx) => {
      value = await fn(trx);
      ready();
      await ended;
    });
    await started;
    return { value, release: async () => (release(), await done) };
  }

  it('parts are taken one by one, skipped where held, and the whole key (an older instance) excludes them all', async () => {
    const db = await kind.create();
    const database = await openDatabase(db.url);
    try {
      const a = await holding(database, (trx) => tryExclusiveParts('postgres', trx, KEY, [1, 2]));
      expect(a.value).toEqual([1, 2]);
      // Another worker: part 1 and 2 are held, part 3 is free.
      const b = await holding(database, (trx) => tryExclusiveParts('postgres', trx, KEY, [1, 2, 3]));
      expect(b.value).toEqual([3]);
      // An older instance's one lock for all events waits for nobody and gets nothing while parts are held.
      const old = await holding(database, (trx) => tryExclusive('postgres', trx, KEY));
      expect(old.value).toBe(false);
      await old.release();
      await a.release();
      await b.release();
      // Held by an older instance, the whole key keeps every part from being taken.
      const whole = await holding(database, (trx) => tryExclusive('postgres', trx, KEY));
      expect(whole.value).toBe(true);
      const c = await holding(database, (trx) => tryExclusiveParts('postgres', trx, KEY, [1, 2, 3]));
      expect(c.value).toEqual([]);
      await c.release();
      await whole.release();
      // SQLite has one writer: every part is its own.
      expect(await tryExclusiveParts('sqlite', database.db, KEY, [4, 5])).toEqual([4, 5]);
    } finally {
      await database.close();
      await db.drop();
    }
  });
});

describe.each(databaseKinds())('lists of values bound as arrays on $name', (kind) => {
  /** Text a PostgreSQL array literal must escape, and text that only looks like its syntax. */
  const AWKWARD = ['plain', 'with "quotes"', 'back\\slash', 'comma, and {braces}', 'NULL', '', 'ünïcödé ✓', "it's", ' padded '];

  it('oneOf finds exactly the rows named, whatever their text; valuesTable updates each row with its own values, nulls kept', async () => {
    const db = await kind.create();
    const database = await openDatabase(db.url);
    try {
      const ex = database.db as unknown as Executor;
      await sql`create table t (id bigint primary key, name text, score double precision, flag boolean)`.execute(ex);
      for (const [i, name] of AWKWARD.entries()) await sql`insert into t (id, name) values (${i + 1}, ${name})`.execute(ex);
      const byName = await sql<{
        id: number;
      }>`select id from t where ${oneOf(ex, 'name', AWKWARD.slice(1, 6), 'text')} order by id`.execute(ex);
      expect(byName.rows.map((r) => Number(r.id))).toEqual([2, 3, 4, 5, 6]);
      const byId = await sql<{ name: string }>`select name from t where ${oneOf(ex, 'id', [9, 1, 42], 'int8')} order by id`.execute(ex);
      expect(byId.rows.map((r) => r.name)).toEqual(['plain', ' padded ']);

      const v = valuesTable(
        database.dialect,
        'v',
        [
          { name: 'id', pgType: 'bigint' },
          { name: 'name', pgType: 'text' },
          { name: 'score', pgType: 'double precision' },
        ],
        AWKWARD.map((name, i) => [i + 1, `${name}!`, i % 2 === 0 ? i / 4 : null]),
      );
      await sql`update t set name = ${v.column('name')}, score = ${v.column('score')} from ${v.from} where t.id = ${v.column('id')}`.execute(
        ex,
      );
      const rows = await sql<{ name: string; score: number | null }>`select name, score from t order by id`.execute(ex);
      expect(rows.rows.map((r) => r.name)).toEqual(AWKWARD.map((n) => `${n}!`));
      expect(rows.rows.map((r) => (r.score === null ? null : Number(r.score)))).toEqual(
        AWKWARD.map((_, i) => (i % 2 === 0 ? i / 4 : null)),
      );
    } finally {
      await database.close();
      await db.drop();
    }
  });

  it('updateByKey gives a key named twice its last row, on a table large enough to be read by index', async () => {
    const db = await kind.create();
    const database = await openDatabase(db.url);
    try {
      const ex = database.db as unknown as Executor;
      await sql`create table t (id bigint primary key, name text)`.execute(ex);
      for (const [i, name] of AWKWARD.entries()) await sql`insert into t (id, name) values (${i + 1}, ${name})`.execute(ex);
      // Enough rows that PostgreSQL looks each key up by index, where the first of a join's matches would win.
      await sql`with recursive g(n) as (select 1 union all select n + 1 from g where n < 5000) insert into t (id, name) select 100 + n, 'filler' from g`.execute(
        ex,
      );
      await sql`analyze t`.execute(ex);
      const given = [
        [2, 'zero'],
        [5, 'zero'],
        ...AWKWARD.map((name, i) => [i + 1, `first ${name}`]),
        [2, 'second'],
        [5, 'second'],
        [2, 'third'],
      ];
      const columns: readonly ValuesColumn[] = [
        { name: 'id', pgType: 'bigint' },
        { name: 'name', pgType: 'text' },
      ];
      await updateByKey(ex, 't', columns, given);
      const after = await sql<{ name: string }>`select name from t where id < 100 order by id`.execute(ex);
      expect(after.rows.map((r) => r.name)).toEqual(AWKWARD.map((n, i) => (i === 1 ? 'third' : i === 4 ? 'second' : `first ${n}`)));
    } finally {
      await database.close();
      await db.drop();
    }
  });
});
