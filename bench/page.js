#!/usr/bin/env node
// npm run bench:page — how fast Tandem pages, and how late escalations fire under load.
//
// 1. Time to page: a critical event for a service whose first tier pages Sam by
//    webhook; measured from the 202 to the signed webhook arriving at a local
//    receiver, one probe every 250 ms, while 200 events/s of other traffic flow
//    (re-triggers of open alerts and new low-priority alerts that page nobody).
//    The 500 alerts the background re-triggers are opened, and applied, first:
//    the probes measure the steady 200 events/s, not the drain of that burst.
// 2. Time to page under a storm: the same probes while BENCH_STORM_RATE
//    (default 5,000) events/s of other traffic flow for BENCH_STORM_SECONDS
//    (default 10), bench:ingest's mix on the service that pages nobody: 80%
//    re-triggers of 2,000 open alerts, 15% new alerts, 5% resolves. The storm
//    comes from autocannon (rate-limited, BENCH_STORM_CONNECTIONS connections)
//    in a child process, so this process's clock and receiver stay free; the
//    rate it achieved is in the JSON. Probes sent near the end wait for the
//    storm's backlog: each is followed until its page arrives.
// 3. Escalation lateness: 10,000 incidents opened at once, each with a tier 2
//    due 60 s later; lateness = when the engine fired the step minus when it
//    was due, read from the database afterwards.
// The server's peak resident memory across all three. Runs on SQLite and, when
// reachable, PostgreSQL (BENCH_ONLY=sqlite|postgres for one). Prints JSON. The
// server runs with --contact-rate 1000000 so that the per-contact rate limit
// (which would bundle Sam's pages on purpose) does not hide the latency being
// measured.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { mulberry32 } from '../dist/random/seeded.js';
import { ROOT, peakRssMb, postgresReachable, queryOnce, round, startTandem, tempDatabase, tempFile } from './lib.js';

const PROBES = Number(process.env.BENCH_PROBES ?? 120);
const BACKGROUND_RATE = 200;
const STORM = Number(process.env.BENCH_STORM ?? 10_000);
const STORM_RATE = Number(process.env.BENCH_STORM_RATE ?? 5000);
const STORM_SECONDS = Number(process.env.BENCH_STORM_SECONDS ?? 10);
const STORM_CONNECTIONS = Number(process.env.BENCH_STORM_CONNECTIONS ?? 64);
/** Alerts open when the storm starts, which its re-triggers and resolves name. */
const STORM_OPEN = 2000;
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

/** The storm's traffic: bench:ingest's mix, on the service whose low-priority alerts page nobody. */
function stormWorkload(seed) {
  const rand = mulberry32(seed);
  const open = Array.from({ length: STORM_OPEN }, (_, i) => `storm-open-${i}`);
  let next = 0;
  const counts = { retrigger: 0, new: 0, resolve: 0 };
  const body = (action, dedupKey) =>
    JSON.stringify({
      routing_key: PAYMENTS,
      event_action: action,
      dedup_key: dedupKey,
      ...(action === 'trigger' ? { payload: { summary: `storm traffic ${dedupKey}`, source: 'storm', severity: 'info' } } : {}),
    });
  return {
    counts,
    next() {
      const r = rand();
      if (r < 0.8 && open.length > 0) {
        counts.retrigger++;
        return body('trigger', open[Math.floor(rand() * open.length)]);
      }
      if (r < 0.95 || open.length === 0) {
        counts.new++;
        const key = `storm-new-${seed}-${next++}`;
        open.push(key);
        return body('trigger', key);
      }
      counts.resolve++;
      const [key] = open.splice(Math.floor(rand() * open.length), 1);
      return body('resolve', key);
    },
  };
}

/** The child process's part: send the storm with autocannon at the target rate, print what it achieved. */
async function stormLoad() {
  const w = stormWorkload(42);
  const result = await autocannon({
    url: process.env.BENCH_STORM_URL,
    connections: STORM_CONNECTIONS,
    overallRate: STORM_RATE,
    duration: STORM_SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v2/enqueue',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: w.next() }),
      },
    ],
  });
  const seconds = result.duration || STORM_SECONDS;
  console.log(
    JSON.stringify({
      target_events_per_s: STORM_RATE,
      achieved_events_per_s: round(result.requests.total / seconds, 0),
      sent: result.requests.total,
      accepted: result.requests.total - result.non2xx,
      non_2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      accept_p50_ms: result.latency.p50,
      accept_p99_ms: result.latency.p99,
      connections: STORM_CONNECTIONS,
      seconds: round(seconds, 1),
      mix: w.counts,
    }),
  );
}

/** Runs stormLoad() in a child process against `url`; resolves with its JSON when it is done. */
function startStorm(url) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--storm-load'], {
    env: { ...process.env, BENCH_STORM_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`storm load exited with ${code}`))));
  });
}

async function unapplied(kind, dbUrl) {
  const rows = await queryOnce(kind, dbUrl, 'select count(*) as n from events where processed_at is null and quarantined_at is null');
  return Number(rows[0].n);
}

/** Waits until every accepted event is applied (or `timeoutMs` passes); returns the seconds it took. */
async function waitApplied(kind, dbUrl, timeoutMs = 300_000) {
  const start = Date.now();
  while ((await unapplied(kind, dbUrl)) > 0 && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 100));
  return (Date.now() - start) / 1000;
}

/** p50/p99/max of the probes' times from 202 to page (ms). */
function pageTimes(sent, arrivals) {
  const latencies = [...sent]
    .map(([title, t]) => (arrivals.has(title) ? arrivals.get(title) - t : null))
    .filter((x) => x !== null)
    .sort((a, b) => a - b);
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies[latencies.length - 1] ?? NaN),
    probes: sent.size,
    paged: latencies.length,
  };
}

/** One critical probe: its 202 time by title, when it was accepted. */
async function probe(url, sent, title, dedupKey) {
  const status = await post(url, {
    routing_key: STOREFRONT,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: { summary: title, source: 'probe', severity: 'critical' },
  }).catch(() => 0); // not accepted (the connection failed): not counted as sent
  if (status === 202) sent.set(title, performance.timeOrigin + performance.now());
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
    await waitApplied(kind, db.url);
    let stop = false;
    let background = 0;
    let backgroundErrors = 0;
    let backgroundStart = Date.now();
    const backgroundLoop = (async () => {
      const start = (backgroundStart = Date.now());
      while (!stop) {
        // At most a second's worth at once: a server (or machine) too slow to keep up shows as a lower achieved rate,
        // not as thousands of connections opened at once.
        const due = Math.min(background + BACKGROUND_RATE, Math.floor(((Date.now() - start) / 1000) * BACKGROUND_RATE));
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
            }).catch(() => backgroundErrors++),
          );
        }
        await Promise.all(batch);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Probes: one critical incident every 250 ms; time from the 202 to the webhook.
    const sent = new Map();
    for (let p = 0; p < PROBES; p++) {
      await probe(server.url, sent, `probe ${p}`, `probe-${p}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    // The rate offered over the window: the loop sends what is due by the clock, catching up after a slow answer.
    const backgroundRate = background / ((Date.now() - backgroundStart) / 1000);
    await backgroundLoop;
    const timeToPage = pageTimes(sent, rx.arrivals);

    // Storm: 5,000 events/s of other traffic; a probe every 250 ms while it flows, each followed to its page.
    const stormSent = new Map();
    let stormTraffic = null;
    let backlogAtEnd = null;
    let drainSeconds = null;
    if (STORM_RATE > 0 && STORM_SECONDS > 0) {
      for (let i = 0; i < STORM_OPEN; i += 100)
        await Promise.all(
          Array.from({ length: Math.min(100, STORM_OPEN - i) }, (_, k) =>
            post(server.url, {
              routing_key: PAYMENTS,
              event_action: 'trigger',
              dedup_key: `storm-open-${i + k}`,
              payload: { summary: `storm traffic storm-open-${i + k}`, source: 'storm', severity: 'info' },
            }),
          ),
        );
      await waitApplied(kind, db.url);
      const load = startStorm(server.url);
      let loadDone = false;
      void load.then(
        () => (loadDone = true),
        () => (loadDone = true),
      );
      // Let autocannon open its connections before the first probe.
      await new Promise((r) => setTimeout(r, 500));
      for (let p = 0; !loadDone; p++) {
        await probe(server.url, stormSent, `storm probe ${p}`, `storm-probe-${p}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      stormTraffic = await load;
      backlogAtEnd = await unapplied(kind, db.url);
      drainSeconds = await waitApplied(kind, db.url);
      // Every probe's page: delivery follows application within moments; allow a little more.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && [...stormSent.keys()].some((t) => !rx.arrivals.has(t))) await new Promise((r) => setTimeout(r, 100));
    }

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
      const rows = await queryOnce(kind, db.url, "select count(*) as n from escalation_steps where tier = 1 and status = 'done'");
      fired = Number(rows[0].n);
      if (fired >= STORM + sent.size + stormSent.size) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const late = (
      await queryOnce(kind, db.url, 'select fired_at - due_at as late from escalation_steps where tier = 1 and fired_at is not null')
    )
      .map((r) => Number(r.late))
      .sort((a, b) => a - b);
    // Where a storm probe's time went, hop by hop (ms, from the database's own times): accepted to applied (its incident
    // opened), opened to its first tier fired, fired to the page delivered.
    const hops = !stormTraffic
      ? []
      : await queryOnce(
          kind,
          db.url,
          `select e.processed_at - e.received_at as applied, s.fired_at - e.processed_at as fired, n.delivered_at - s.fired_at as delivered
       from alerts a
       join events e on e.id = (select min(t.event_id) from timeline t where t.incident_id = a.incident_id)
       join notifications n on n.incident_id = a.incident_id
       join escalation_steps s on s.id = n.step_id and s.tier = 0
       where a.dedup_key like 'storm-probe-%' and n.delivered_at is not null`,
        );
    const hop = (name) => {
      const v = hops.map((r) => Number(r[name])).sort((a, b) => a - b);
      return { p50: percentile(v, 50), p99: percentile(v, 99) };
    };
    return {
      time_to_page_ms: timeToPage,
      background_events: background,
      background_events_per_s_achieved: round(backgroundRate, 0),
      background_errors: backgroundErrors,
      storm_time_to_page_ms: stormTraffic ? pageTimes(stormSent, rx.arrivals) : null,
      storm_probe_hops_ms: stormTraffic
        ? { accepted_to_applied: hop('applied'), applied_to_tier_fired: hop('fired'), fired_to_delivered: hop('delivered') }
        : null,
      storm_traffic: stormTraffic && {
        ...stormTraffic,
        backlog_when_load_stopped: backlogAtEnd,
        seconds_to_apply_backlog: round(drainSeconds, 1),
      },
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

if (process.argv[2] === '--storm-load') {
  await stormLoad();
  process.exit(0);
}
const config = engagement();
const out = {
  bench: 'page',
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  probes: PROBES,
  background_events_per_s: BACKGROUND_RATE,
  storm_incidents: STORM,
  storm_events_per_s: STORM_RATE,
  storm_seconds: STORM_SECONDS,
};
const only = process.env.BENCH_ONLY;
if (!only || only === 'sqlite') out.sqlite = await bench('sqlite', config);
if (!only || only === 'postgres')
  out.postgres = (await postgresReachable()) ? await bench('postgres', config) : { skipped: 'PostgreSQL not reachable' };
console.log(JSON.stringify(out, null, 2));
