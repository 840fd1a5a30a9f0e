#!/usr/bin/env node
// npm run bench:ingest — durable ingest throughput and latency.
//
// Drives a running `tandem serve` (a child process) from this separate process
// with autocannon over 64 connections and a realistic mix: about 80% re-triggers
// of open dedup keys, 15% new keys, 5% resolves, spread over 32 services of one
// engagement. Runs on SQLite and (when reachable) PostgreSQL, and, for
// reference, the same alerts posted one per request to Alertmanager 0.25's
// /api/v2/alerts on the same machine in the same run. Prints JSON.
//
// BENCH_SECONDS (default 10) sets the length of each run; BENCH_EVENTS=N sends exactly N events instead, so two
// builds compared with it apply the same work (the applied rate of a timed run depends on how many were accepted).
// BENCH_NO_ENGINE=1 starts the server with --no-engine (ingest only) and does not wait for events to be applied.
// Uses the compiled dist/ (run `npm run build` first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  cpuSeconds,
  freePort,
  peakRssMb,
  openReader,
  postgresReachable,
  round,
  startProcess,
  startTandem,
  tempDatabase,
  tempFile,
} from './lib.js';
import { ratesDuringLoad } from './rates.js';
import { OPEN_AT_START, SERVICES, benchEngagement, pagerDutyBody, workload } from './workload.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const EVENTS = process.env.BENCH_EVENTS ? Number(process.env.BENCH_EVENTS) : undefined;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const NO_ENGINE = process.env.BENCH_NO_ENGINE === '1';
function alertmanagerBody({ action, alert }) {
  return JSON.stringify([
    {
      labels: { alertname: 'HighLatency', service: `svc-${alert.service}`, instance: alert.id, severity: 'warning' },
      annotations: { summary: 'p99 latency above 500ms', description: `instance ${alert.id}` },
      generatorURL: 'http://127.0.0.1:9090/graph',
      ...(action === 'resolve' ? { endsAt: new Date().toISOString() } : {}),
    },
  ]);
}

async function drive(url, path, bodyOf, w) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    ...(EVENTS ? { amount: EVENTS } : { duration: SECONDS }),
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodyOf(w.next()) }),
      },
    ],
  });
  return {
    requests_per_s: round(result.requests.average, 0),
    total: result.requests.total,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function seed(url, path, bodyOf, alerts) {
  // Open the starting set of alerts, 64 at a time.
  for (let i = 0; i < alerts.length; i += 64) {
    await Promise.all(
      alerts.slice(i, i + 64).map((alert) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodyOf({ action: 'trigger', alert }),
        }).then((r) => r.arrayBuffer()),
      ),
    );
  }
}

/**
 * Events stored, and events waiting to be applied (not the quarantined: the engine has set them aside), counted
 * from indexes (the waiting from the partial index of waiting events) rather than a pass over the rows.
 */
const COUNTS =
  'select (select count(*) from events) as total, (select count(*) from events where processed_at is null and quarantined_at is null) as waiting';
async function eventCounts(reader) {
  const [row] = await reader.rows(COUNTS);
  return { total: Number(row.total), waiting: Number(row.waiting) };
}

/**
 * Takes `count()` every SAMPLE_MS while the load runs, so the accepted and applied rates can be compared over the
 * same seconds of the load (bench/rates.js). `stop()` takes a last sample at once and resolves to them all; a count
 * that failed ends the sampling and is thrown there, after the load, rather than mid-load.
 */
const SAMPLE_MS = 500;
function startSampling(count) {
  const samples = [];
  const started = Date.now();
  const sample = async () => {
    const at = Date.now();
    samples.push({ s: (at - started) / 1000, ...(await count()) });
  };
  let timer;
  let stopped = false;
  let failed;
  let pending;
  const tick = () => {
    pending = sample().then(
      () => {
        if (!stopped) timer = setTimeout(tick, SAMPLE_MS);
      },
      (err) => {
        failed = err;
      },
    );
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pending;
      if (failed) throw failed;
      await sample();
      return samples;
    },
  };
}

async function benchTandem(kind, config) {
  const db = await tempDatabase(kind);
  const server = await startTandem([
    '--config',
    config,
    '--db',
    db.url,
    '--log-level',
    process.env.BENCH_LOG_LEVEL ?? 'info',
    ...(process.env.BENCH_SERVER_ARGS ? process.env.BENCH_SERVER_ARGS.split(' ') : []),
    ...(NO_ENGINE ? ['--no-engine'] : []),
  ]);
  let reader;
  try {
    // One read connection for the run's counts: the samples during the load, the backlog at its stop, the drain.
    reader = await openReader(kind, db.url);
    const w = workload(42);
    await seed(server.url, '/v2/enqueue', pagerDutyBody, w.seeded);
    const cpuAtStart = cpuSeconds(server.pid);
    const started = Date.now();
    const count = () => eventCounts(reader);
    // With the engine off nothing is applied, so there is no pace to sample.
    const sampling = NO_ENGINE ? undefined : startSampling(count);
    const run = await drive(server.url, '/v2/enqueue', pagerDutyBody, w);
    const samples = (await sampling?.stop()) ?? [];
    // The engine applies events behind the 202; measure how long it needs to catch up.
    let backlog = (samples.at(-1) ?? (await count())).waiting;
    const backlogAtEnd = backlog;
    while (!NO_ENGINE && backlog > 0 && Date.now() - started < (EVENTS ? 600_000 : SECONDS * 1000 + 120_000)) {
      await new Promise((r) => setTimeout(r, 100));
      backlog = (await count()).waiting;
    }
    const applied = (Date.now() - started) / 1000;
    return {
      events_per_s: run.requests_per_s,
      p50_ms: run.p50_ms,
      p99_ms: run.p99_ms,
      max_ms: run.max_ms,
      accepted: run.total - run.non_2xx,
      non_2xx: run.non_2xx,
      errors: run.errors + run.timeouts,
      mix: w.counts,
      backlog_when_load_stopped: backlogAtEnd,
      // The same backlog as seconds of the load's accepted rate (issue 14's target: at most one).
      backlog_seconds_of_load: run.requests_per_s > 0 ? round(backlogAtEnd / run.requests_per_s, 2) : null,
      ...(NO_ENGINE
        ? { engine: 'off (--no-engine)' }
        : {
            // Every accepted event over the time from the load's start until the last was applied: below the accepted
            // rate by the events in flight at the stop, however fast application runs.
            applied_events_per_s: round((run.total - run.non_2xx) / applied, 0),
            seconds_to_apply_all: round(applied, 1),
            // Both rates over the same seconds of the load, counted in the database.
            during_load: ratesDuringLoad(samples),
          }),
      // Server CPU (user + system) from load start until every event was applied (with the engine off: until the
      // load stopped), per 1,000 events accepted.
      server_cpu_ms_per_1000_events: round(((cpuSeconds(server.pid) - cpuAtStart) * 1e6) / (run.total - run.non_2xx), 0),
      peak_rss_mb: peakRssMb(server.pid),
    };
  } finally {
    await reader?.close();
    await server.stop();
    await db.drop();
  }
}

async function benchAlertmanager() {
  if (spawnSync('sh', ['-c', 'command -v prometheus-alertmanager']).status !== 0)
    return { skipped: 'prometheus-alertmanager is not installed' };
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-am-'));
  const port = await freePort();
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: blackhole\n  group_by: [alertname, service]\nreceivers:\n  - name: blackhole\n');
  const am = await startProcess(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    {
      readyUrl: `http://127.0.0.1:${port}/-/ready`,
    },
  );
  try {
    const url = `http://127.0.0.1:${port}`;
    const w = workload(42);
    await seed(url, '/api/v2/alerts', alertmanagerBody, w.seeded);
    const run = await drive(url, '/api/v2/alerts', alertmanagerBody, w);
    const version = spawnSync('prometheus-alertmanager', ['--version'], { encoding: 'utf8' });
    return {
      version: /version (\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? 'unknown',
      alerts_per_s: run.requests_per_s,
      p50_ms: run.p50_ms,
      p99_ms: run.p99_ms,
      max_ms: run.max_ms,
      non_2xx: run.non_2xx,
      durable: false,
      peak_rss_mb: peakRssMb(am.pid),
    };
  } finally {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const config = tempFile('bench.yaml', benchEngagement());
const out = {
  bench: 'ingest',
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  load: {
    tool: 'autocannon (separate process)',
    connections: CONNECTIONS,
    ...(EVENTS ? { events: EVENTS } : { seconds: SECONDS }),
    services: SERVICES,
    open_alerts_at_start: OPEN_AT_START,
    mix: '80% re-trigger of open keys, 15% new keys, 5% resolve',
  },
  tandem: {},
};
const only = process.env.BENCH_ONLY;
if (!only || only === 'sqlite') out.tandem.sqlite = await benchTandem('sqlite', config);
if (!only || only === 'postgres')
  out.tandem.postgres = (await postgresReachable()) ? await benchTandem('postgres', config) : { skipped: 'PostgreSQL not reachable' };
if (!only || only === 'alertmanager') out.reference = { alertmanager: await benchAlertmanager() };
console.log(JSON.stringify(out, null, 2));
