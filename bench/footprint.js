#!/usr/bin/env node
// node bench/footprint.js — what an event costs PostgreSQL, for sizing (docs/scaling.md): BENCH_EVENTS
// (default 20,000) events of the bench:ingest storm mix (80% re-triggers, 15% new keys, 5% resolves over 32
// services, 2,000 keys open at the start) accepted and applied by Tandem in this process on a fresh database,
// then, per 1,000 events: transactions committed in that database, rows inserted, updated and deleted per
// table, and bytes added per table (heap, indexes and TOAST, dead row versions included: nothing vacuumed
// yet). Counters come from the database's own statistics, read after Tandem closed its connections (a
// backend sends its counts when it exits), so other work on the same server does not count. WAL is
// cluster-wide: `wal_bytes_upper_bound` includes whatever else the server wrote meanwhile. Prints JSON.
// Uses the compiled dist/ and TANDEM_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import pg from 'pg';
import { cpus } from 'node:os';
import { startTandem } from '../dist/server/server.js';
import { parseServeSettings } from '../dist/settings/settings.js';
import { PG_URL, postgresReachable, round, tempDatabase, tempFile } from './lib.js';
import { benchEngagement, pagerDutyBody, workload } from './workload.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);

async function accept(tandem, bodies) {
  for (let i = 0; i < bodies.length; i += 200) {
    const answers = await Promise.all(
      bodies
        .slice(i, i + 200)
        .map((payload) =>
          tandem.http.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json' }, payload }),
        ),
    );
    const bad = answers.find((a) => a.statusCode !== 202);
    if (bad) throw new Error(`ingest answered ${bad.statusCode}: ${bad.body}`);
  }
}

/** Runs `fn` on a Tandem started on `url` (no engine loop: applied by runOnce), closed afterwards. */
async function withTandem(url, file, fn) {
  const settings = parseServeSettings(
    ['--config', file, '--db', url, '--port', '0', '--log-level', 'silent', '--rate-limit', '0', '--notify', 'inbox'],
    {},
  );
  const tandem = await startTandem(settings, { listen: false, engineLoop: false });
  try {
    await fn(tandem);
  } finally {
    await tandem.close();
  }
}

/** The database's counters and sizes, once every backend that wrote has exited and reported. */
async function snapshot(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const read = async () => {
      const db = await c.query('select xact_commit::bigint as commits from pg_stat_database where datname = current_database()');
      const tables = await c.query(
        `select relname as table, n_tup_ins::bigint as inserted, n_tup_upd::bigint as updated, n_tup_del::bigint as deleted,
           pg_total_relation_size(relid)::bigint as bytes from pg_stat_user_tables`,
      );
      return {
        commits: Number(db.rows[0].commits),
        tables: new Map(
          tables.rows.map((r) => [
            r.table,
            { inserted: Number(r.inserted), updated: Number(r.updated), deleted: Number(r.deleted), bytes: Number(r.bytes) },
          ]),
        ),
      };
    };
    // Statistics arrive asynchronously: read until two reads a second apart agree.
    let last = await read();
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const next = await read();
      const same = [...next.tables].every(([t, v]) => {
        const p = last.tables.get(t);
        return p && p.inserted === v.inserted && p.updated === v.updated;
      });
      last = next;
      if (same) break;
    }
    return last;
  } finally {
    await c.end();
  }
}

async function walLsn() {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query('select pg_current_wal_lsn()::text as lsn')).rows[0].lsn;
  } finally {
    await c.end();
  }
}

async function walSince(lsn) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return Number((await c.query('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint as n', [lsn])).rows[0].n);
  } finally {
    await c.end();
  }
}

const per1000 = (n) => round((n / EVENTS) * 1000, 0);

async function run() {
  const db = await tempDatabase('postgres');
  const file = tempFile('bench-footprint.yaml', benchEngagement());
  try {
    const w = workload(7);
    // The 2,000 keys open at the start, in a first run, so their cost is not counted.
    await withTandem(db.url, file, async (tandem) => {
      await accept(
        tandem,
        w.seeded.map((alert) => pagerDutyBody({ action: 'trigger', alert })),
      );
      await tandem.engine.runOnce();
    });
    const before = await snapshot(db.url);
    const lsn = await walLsn();
    await withTandem(db.url, file, async (tandem) => {
      await accept(
        tandem,
        Array.from({ length: EVENTS }, () => pagerDutyBody(w.next())),
      );
      await tandem.engine.runOnce();
    });
    const wal = await walSince(lsn);
    const after = await snapshot(db.url);
    const tables = {};
    let bytes = 0;
    for (const [name, v] of after.tables) {
      const b = before.tables.get(name) ?? { inserted: 0, updated: 0, deleted: 0, bytes: 0 };
      const d = {
        inserted: v.inserted - b.inserted,
        updated: v.updated - b.updated,
        deleted: v.deleted - b.deleted,
        bytes: v.bytes - b.bytes,
      };
      bytes += d.bytes;
      if (d.inserted || d.updated || d.deleted) {
        tables[name] = {
          inserted: per1000(d.inserted),
          updated: per1000(d.updated),
          deleted: per1000(d.deleted),
          kb: round(d.bytes / 1024 / (EVENTS / 1000), 0),
        };
      }
    }
    return {
      events: EVENTS,
      mix: w.counts,
      per_1000_events: {
        commits: per1000(after.commits - before.commits),
        kb_added: round(bytes / 1024 / (EVENTS / 1000), 0),
        wal_kb_upper_bound: round(wal / 1024 / (EVENTS / 1000), 0),
        tables,
      },
    };
  } finally {
    await db.drop();
  }
}

const out = { bench: 'footprint', machine: { cpus: cpus().length, node: process.version } };
out.postgres = (await postgresReachable()) ? await run() : { skipped: 'PostgreSQL not reachable' };
console.log(JSON.stringify(out, null, 2));
