#!/usr/bin/env node
// npm run bench:apply — event application alone: BENCH_EVENTS (default 20,000) accepted events of the
// bench:ingest storm mix (80% re-triggers, 15% new keys, 5% resolves over 32 services, 2,000 keys open
// at the start) are stored first, then applied by the engine in this process with nothing else running.
// Reports events applied per second, server CPU per 1,000 events and, on PostgreSQL, the statements
// (round trips) per 1,000 events — the figure that bounds application when the database is a network
// hop away or the process is busy with ingest. On SQLite and (when reachable) PostgreSQL, the latter
// with BENCH_APPLY_WORKERS (default 4) partitions at once. Prints JSON. Uses the compiled dist/.
// BENCH_APPLY_PROFILE=DIR writes a CPU profile of the applying alone (DIR/apply-<database>.cpuprofile).
import pg from 'pg';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startTandem } from '../dist/server/server.js';
import { parseServeSettings } from '../dist/settings/settings.js';
import { postgresReachable, round, tempDatabase, tempFile } from './lib.js';
import { benchEngagement, pagerDutyBody, workload } from './workload.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const WORKERS = Number(process.env.BENCH_APPLY_WORKERS ?? 4);
const ONLY = process.env.BENCH_ONLY;
const PROFILE = process.env.BENCH_APPLY_PROFILE;

/** Runs `fn`, CPU-profiled into PROFILE/apply-NAME.cpuprofile when BENCH_APPLY_PROFILE is set. */
async function profiled(name, fn) {
  if (!PROFILE) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(PROFILE, `apply-${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

// Every statement a pg client sends, counted (the pool's clients are pg.Client instances).
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  statements++;
  return query.apply(this, args);
};

async function accept(tandem, bodies) {
  for (let i = 0; i < bodies.length; i += 200) {
    const chunk = bodies.slice(i, i + 200);
    const answers = await Promise.all(
      chunk.map((payload) =>
        tandem.http.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json' }, payload }),
      ),
    );
    const bad = answers.find((a) => a.statusCode !== 202);
    if (bad) throw new Error(`ingest answered ${bad.statusCode}: ${bad.body}`);
  }
}

async function waiting(tandem) {
  const row = await tandem.database.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('processed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function run(kind) {
  const db = await tempDatabase(kind);
  const file = tempFile('bench-apply.yaml', benchEngagement());
  const settings = parseServeSettings(
    [
      '--config',
      file,
      '--db',
      db.url,
      '--port',
      '0',
      '--log-level',
      'silent',
      '--rate-limit',
      '0',
      '--notify',
      'inbox',
      '--apply-workers',
      String(WORKERS),
    ],
    {},
  );
  const tandem = await startTandem(settings, { listen: false, engineLoop: false });
  try {
    const w = workload(7);
    await accept(
      tandem,
      w.seeded.map((alert) => pagerDutyBody({ action: 'trigger', alert })),
    );
    await tandem.engine.runOnce();
    const bodies = Array.from({ length: EVENTS }, () => pagerDutyBody(w.next()));
    await accept(tandem, bodies);
    const before = { statements, cpu: process.cpuUsage(), at: performance.now() };
    await profiled(kind, () => tandem.engine.runOnce());
    const ms = performance.now() - before.at;
    const cpu = process.cpuUsage(before.cpu);
    const sent = statements - before.statements;
    const left = await waiting(tandem);
    return {
      events: EVENTS,
      mix: w.counts,
      ...(kind === 'postgres' ? { workers: WORKERS } : {}),
      applied_events_per_s: Math.round(EVENTS / (ms / 1000)),
      seconds: round(ms / 1000, 2),
      cpu_ms_per_1000_events: round(((cpu.user + cpu.system) / 1000 / EVENTS) * 1000, 0),
      ...(kind === 'postgres' ? { statements_per_1000_events: Math.round((sent / EVENTS) * 1000) } : {}),
      left_unapplied: left,
    };
  } finally {
    await tandem.close();
    await db.drop();
  }
}

const out = { bench: 'apply', machine: { cpus: cpus().length, node: process.version }, tandem: {} };
if (ONLY !== 'postgres') out.tandem.sqlite = await run('sqlite');
if (ONLY !== 'sqlite') {
  if (await postgresReachable()) out.tandem.postgres = await run('postgres');
  else out.tandem.postgres = { skipped: 'PostgreSQL not reachable' };
}
console.log(JSON.stringify(out, null, 2));
