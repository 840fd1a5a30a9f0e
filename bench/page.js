#!/usr/bin/env node
// npm run bench:page — how fast Tandem pages, and how late escalations fire under load.
//
// 1. Time to page: a critical event for a service whose first tier pages Sam by
//    webhook; measured from the 202 to the signed webhook arriving at a local
//    receiver, one probe every 250 ms, while 200 events/s of other traffic flow
//    (re-triggers of open alerts and new low-priority alerts that page nobody).
// 2. Escalation lateness: 10,000 incidents opened at once, each with a tier 2
//    due 60 s later; lateness = when the engine fired the step minus when it
//    was due, read from the database afterwards.
// The server's peak resident memory across both. Runs on SQLite and, when
// reachable, PostgreSQL. Prints JSON. The server runs with --contact-rate
// 1000000 so that the per-contact rate limit (which would bundle Sam's pages
// on purpose) does not hide the latency being measured.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { ROOT, peakRssMb, postgresReachable, round, startTandem, tempDatabase, tempFile } from './lib.js';

const PROBES = Number(process.env.BENCH_PROBES ?? 120);
const BACKGROUND_RATE = 200;
const STORM = Number(process.env.BENCH_STORM ?? 10_000);
const SECRET = 'bench-secret';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // cloud: always partner-noc
const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

function engagement() {
  const yaml = readFileSync(join(ROOT, 'demo/acme.yaml'), 'utf8').replace(
    /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
    '  - id: partner-noc\n    tiers:\n      - { notify: ["person:sam"], after: 0s }\n      - { notify: ["person:sam"], after: 60s }\n',
  );
  if (!yaml.includes('after: 60s')) throw new Error('bench engagement did not apply');
  return tempFile('bench-page.yaml', yaml);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function receiver() {
  const arrivals = new Map(); // probe title -> arrival time
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const now = performance.timeOrigin + performance.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const i of body.incidents ?? []) if (!arrivals.has(i.title)) arrivals.set(i.title, now);
      } catch {
        // A body that is not JSON carries no incident: still answer 200.
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    arrivals,
    requests: () => requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function post(url, body) {
  const res = await fetch(`${url}/v2/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function query(kind, dbUrl, sql) {
  if (kind === 'sqlite') {
    const db = new BetterSqlite3(dbUrl.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

async function bench(kind, config) {
  const db = await tempDatabase(kind);
  const rx = await receiver();
  const server = await startTandem(
    [
      '--config',
      config,
      '--db',
      db.url,
      '--log-level',
      'warn',
      '--notify',
      'live',
      '--webhook-url',
      rx.url,
      '--contact-rate',
      '1000000',
      '--rate-limit',
      '0',
    ],
    { TANDEM_WEBHOOK_SECRET: SECRET },
  );
  try {
    // Background: 200 events/s. Open 500 low-priority alerts first, then re-trigger them and add new ones.
    for (let i = 0; i < 500; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          post(server.url, {
            routing_key: PAYMENTS,
            event_action: 'trigger',
            dedup_key: `bg-${i + k}`,
            payload: { summary: `background ${i + k}`, source: 'bg', severity: 'info' },
          }),
        ),
      );
    let stop = false;
    let background = 0;
    const backgroundLoop = (async () => {
      const start = Date.now();
      while (!stop) {
        const due = Math.floor(((Date.now() - start) / 1000) * BACKGROUND_RATE);
        const batch = [];
        while (background < due) {
          const n = background++;
          const fresh = n % 5 === 0;
          batch.push(
            post(server.url, {
              routing_key: PAYMENTS,
              event_action: 'trigger',
              dedup_key: fresh ? `bg-new-${n}` : `bg-${n % 500}`,
              payload: { summary: `background ${n}`, source: 'bg', severity: 'info' },
            }),
          );
        }
        await Promise.all(batch);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Probes: one critical incident every 250 ms; time from the 202 to the webhook.
    const sent = new Map();
    for (let p = 0; p < PROBES; p++) {
      const title = `probe ${p}`;
      const status = await post(server.url, {
        routing_key: STOREFRONT,
        event_action: 'trigger',
        dedup_key: `probe-${p}`,
        payload: { summary: title, source: 'probe', severity: 'critical' },
      });
      if (status === 202) sent.set(title, performance.timeOrigin + performance.now());
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    await backgroundLoop;
    const latencies = [...sent]
      .map(([title, t]) => (rx.arrivals.has(title) ? rx.arrivals.get(title) - t : null))
      .filter((x) => x !== null)
      .sort((a, b) => a - b);

    // Storm: 10,000 incidents at once; each has a tier 2 due 60 s after it opened.
    const stormStart = Date.now();
    for (let i = 0; i < STORM; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, STORM - i) }, (_, k) =>
          post(server.url, {
            routing_key: STOREFRONT,
            event_action: 'trigger',
            dedup_key: `storm-${i + k}`,
            payload: { summary: `storm ${i + k}`, source: 'storm', severity: 'critical' },
          }),
        ),
      );
    }
    const stormIngest = (Date.now() - stormStart) / 1000;
    // Wait until every tier-2 step fired.
    const deadline = Date.now() + 180_000;
    let fired = 0;
    while (Date.now() < deadline) {
      const rows = await query(kind, db.url, "select count(*) as n from escalation_steps where tier = 1 and status = 'done'");
      fired = Number(rows[0].n);
      if (fired >= STORM + PROBES) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const late = (
      await query(kind, db.url, 'select fired_at - due_at as late from escalation_steps where tier = 1 and fired_at is not null')
    )
      .map((r) => Number(r.late))
      .sort((a, b) => a - b);
    return {
      time_to_page_ms: {
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies[latencies.length - 1] ?? NaN),
        probes: sent.size,
        paged: latencies.length,
      },
      background_events: background,
      storm: { incidents: STORM, ingest_seconds: round(stormIngest, 1), tier2_steps_fired: fired },
      escalation_lateness_ms: {
        p50: percentile(late, 50),
        p99: percentile(late, 99),
        max: late[late.length - 1] ?? null,
        steps: late.length,
      },
      webhook_requests: rx.requests(),
      peak_rss_mb: peakRssMb(server.pid),
    };
  } finally {
    await server.stop();
    await rx.close();
    await db.drop();
  }
}

const config = engagement();
const out = {
  bench: 'page',
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  probes: PROBES,
  background_events_per_s: BACKGROUND_RATE,
  storm_incidents: STORM,
};
const only = process.env.BENCH_ONLY;
if (!only || only === 'sqlite') out.sqlite = await bench('sqlite', config);
if (!only || only === 'postgres')
  out.postgres = (await postgresReachable()) ? await bench('postgres', config) : { skipped: 'PostgreSQL not reachable' };
console.log(JSON.stringify(out, null, 2));
