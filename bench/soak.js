#!/usr/bin/env node
// npm run soak — three `tandem serve` instances on one PostgreSQL database behind nginx, under a
// mixed load for SOAK_SECONDS, while a random instance is killed (SIGKILL) and restarted every
// SOAK_KILL_EVERY_S and PostgreSQL is restarted once. Not part of `npm test` or `npm run bench`.
//
// Then it checks what a pager must never do, from the client's own record and the database:
//   - lose an event: every request answered 202 ("accepted", known by its X-Request-Id, which the
//     server stores as events.request_id) must be in the events table;
//   - open a duplicate incident for a dedup key: per (service, dedup key), two alerts whose open
//     intervals [created_at, resolved_at) overlap, or more alerts than the client opened episodes
//     (an episode: the first accepted trigger after the key's last accepted resolve; the client
//     never has two requests for one key in flight, so its order is the order the server stored);
//   - page twice or not at all: each (incident, tier) of the escalation policy is expected when the
//     tier was due long enough before the incident was acknowledged or resolved (see `grace` below);
//     a page received under two different Tandem-Delivery ids is a duplicate; the same delivery id
//     received again is the documented at-least-once re-send (an instance killed between the send and
//     recording it) and is counted apart as resent_same_delivery_id;
// and measures escalation lateness (fired_at - due_at of tier steps), all and outside the 10 s after
// each kill or restart, and each instance's peak resident memory. Prints JSON; exits 1 when an
// accepted event was lost, a dedup key got a duplicate incident, or a page was duplicated or missing.
//
// nginx retries a POST on another instance when the connection to the first fails or times out
// (proxy_next_upstream error timeout non_idempotent). That can store one request twice (the first
// instance stored it and died before answering), which ingest allows: a stored event is applied
// at least once per request, a second trigger for a key is a re-trigger of the same alert and a
// second resolve or acknowledge changes nothing. The client does not send a key's next action until
// the previous one was answered, and nginx's read timeout (120 s) is far beyond any request, so a
// retried request can not be stored after the key's next action.
//
// Environment: SOAK_SECONDS (600), SOAK_RATE events/s (300), SOAK_KILL_EVERY_S (60),
// SOAK_RESTART_DELAY_S (3), SOAK_PG_URL (an admin URL of the server to create the database on;
// default TANDEM_BENCH_PG_URL / TANDEM_TEST_PG_URL / postgres://postgres@127.0.0.1:5432/postgres),
// SOAK_PG_RESTART (the shell command that restarts that server; default
// `pg_ctlcluster --skip-systemctl-redirect 15 main restart`; empty: no restart), SOAK_TIER2_S (30),
// SOAK_NGINX (/usr/sbin/nginx), SOAK_KEEP=1 keeps the database and the temporary directory (logs).
// Uses the compiled dist/ (run `npm run build` first).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { verifyTandemSignature } from '../dist/notify/signature.js';
import { mulberry32 } from '../dist/random/seeded.js';
import { BIN, PG_URL, ROOT, freePort, peakRssMb, round, serverNodeArgs, waitHttp } from './lib.js';

const env = process.env;
const SECONDS = Number(env.SOAK_SECONDS ?? 600);
const RATE = Number(env.SOAK_RATE ?? 300);
const KILL_EVERY_S = Number(env.SOAK_KILL_EVERY_S ?? 60);
const RESTART_DELAY_S = Number(env.SOAK_RESTART_DELAY_S ?? 3);
const ADMIN_URL = env.SOAK_PG_URL ?? PG_URL;
const PG_RESTART = env.SOAK_PG_RESTART ?? 'pg_ctlcluster --skip-systemctl-redirect 15 main restart';
const TIER2_S = Number(env.SOAK_TIER2_S ?? 30);
const NGINX = env.SOAK_NGINX ?? '/usr/sbin/nginx';
const SEED = Number(env.SOAK_SEED ?? 14);
const INSTANCES = 3;
const SERVICES = 8;
const SECRET = 'soak-webhook-secret';
/** Requests in flight at once at most; past it the client falls behind its rate (counted). */
const MAX_IN_FLIGHT = 256;
/** After a kill or restart: escalation steps due from its start until this long after its end are "disturbed". */
const SETTLE_MS = 10_000;
/**
 * How long before the incident was acknowledged or resolved a tier must have been due for its page
 * to be required. Calm: the engine fires within a second and the webhook follows; 15 s leaves room
 * for an apply backlog on a loaded machine. Disturbed (a kill or restart, or the 10 s after one,
 * overlaps those first 15 s): a page claimed by the killed instance waits for its delivery lease
 * (60 s) to run out before another instance sends it, and a page not sent because the incident was
 * resolved meanwhile is right; such a page is required only when the incident stayed open 75 s.
 */
const GRACE_CALM_MS = 15_000;
const GRACE_DISTURBED_MS = 75_000;
const PAGED_PRIORITIES = new Set(['P1', 'P2', 'P3']);

const rand = mulberry32(SEED);
const pick = (list) => list[Math.floor(rand() * list.length)];
const now = () => Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---------------------------------------------------------------------------------------------
// The engagement: demo/acme.yaml with its services replaced by SERVICES cloud services (always the
// partner's: policy partner-noc), each with a PagerDuty and an Alertmanager key, and partner-noc
// reduced to Sam by webhook at 0 s and again at TIER2_S, once.

const pdKey = (i) => `soak${String(i).padStart(4, '0')}`.padEnd(32, 'e');
const amKey = (i) => `am-soak-${i}`;

function engagementYaml() {
  const demo = readFileSync(join(ROOT, 'demo/acme.yaml'), 'utf8');
  const start = demo.indexOf('\nservices:');
  const end = demo.indexOf('\n# Event severity');
  const services = Array.from({ length: SERVICES }, (_, i) =>
    [
      `  - id: soak-${i}`,
      `    name: Soak service ${i}`,
      '    function: cloud',
      `    criticality: ${(i % 2) + 1}`,
      '    integrations:',
      `      - { type: pagerduty, key: "${pdKey(i)}" }`,
      `      - { type: alertmanager, key: "${amKey(i)}" }`,
    ].join('\n'),
  );
  let text = `${demo.slice(0, start)}\nservices:\n${services.join('\n')}\n${demo.slice(end)}`;
  const statusPage = text.indexOf('\nstatus_page:');
  if (statusPage >= 0) {
    const rest = text.slice(statusPage + 1);
    const next = rest.search(/\n[a-z_]+:/);
    text = text.slice(0, statusPage + 1) + (next < 0 ? '' : rest.slice(next + 1));
  }
  const policy = text.replace(
    /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
    `  - id: partner-noc\n    tiers:\n      - { notify: ["person:sam"], after: 0s }\n      - { notify: ["person:sam"], after: ${TIER2_S}s }\n`,
  );
  if (policy === text) throw new Error('soak engagement: the partner-noc policy of demo/acme.yaml was not found');
  return policy;
}
const TIER_OFFSETS_MS = [0, TIER2_S * 1000];

// ---------------------------------------------------------------------------------------------
// Bodies, from the captured fixtures: pdjs 2.2.4's trigger, Alertmanager 0.25's PagerDuty trigger
// and resolve, and Alertmanager 0.25's webhook (one alert per notification, its own group).

const fixture = (path) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures', path), 'utf8'));
const PDJS_TRIGGER = fixture('pdjs-2.2.4/pdjs-trigger.json');
const AM_PD_TRIGGER = fixture('alertmanager-0.25/pagerduty-trigger.json');
const AM_PD_RESOLVE = fixture('alertmanager-0.25/pagerduty-resolve.json');
const AM_WEBHOOK = fixture('alertmanager-0.25/webhook-firing.json');

function pagerDutyBody(key, action) {
  if (action === 'trigger') {
    const base = key.via === 'pdjs' ? PDJS_TRIGGER : AM_PD_TRIGGER;
    return {
      ...base,
      routing_key: pdKey(key.service),
      dedup_key: key.id,
      event_action: 'trigger',
      payload: { ...base.payload, summary: `${key.id} down on soak-${key.service}`, severity: key.severity },
    };
  }
  // Acknowledge and resolve: Alertmanager's resolve body, the action named.
  return { ...AM_PD_RESOLVE, routing_key: pdKey(key.service), dedup_key: key.id, event_action: action };
}

function alertmanagerBody(key, action) {
  const [template] = AM_WEBHOOK.alerts;
  const status = action === 'trigger' ? 'firing' : 'resolved';
  const labels = { ...template.labels, alertname: 'SoakDown', instance: key.id, service: `soak-${key.service}`, severity: key.severity };
  return {
    ...AM_WEBHOOK,
    status,
    alerts: [
      {
        ...template,
        status,
        labels,
        annotations: { ...template.annotations, summary: `${key.id} down on soak-${key.service}` },
        startsAt: key.startsAt,
        endsAt: action === 'trigger' ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
        fingerprint: key.id,
      },
    ],
    groupLabels: { alertname: 'SoakDown', instance: key.id },
    commonLabels: labels,
    groupKey: `{}:{alertname="SoakDown", instance="${key.id}"}`,
  };
}

function request(key, action) {
  if (key.via === 'am') return { path: `/integrations/alertmanager/${amKey(key.service)}`, body: alertmanagerBody(key, action) };
  return { path: '/v2/enqueue', body: pagerDutyBody(key, action) };
}

// ---------------------------------------------------------------------------------------------
// The client: every request until it is answered 202, its X-Request-Id the same on each attempt.

const client = {
  inFlight: 0,
  sent: 0,
  behind: 0,
  attempts: 0,
  accepted: new Set(),
  byAction: { trigger: 0, retrigger: 0, reopen: 0, acknowledge: 0, resolve: 0 },
  statuses: {},
  errors: {},
  refused: [],
  abandoned: 0,
  giveUpAt: Infinity,
};

async function send(key, action, kind) {
  const id = `soak-${++client.sent}`;
  const { path, body } = request(key, action);
  const text = JSON.stringify(body);
  key.busy = true;
  client.inFlight++;
  try {
    for (let attempt = 0; ; attempt++) {
      client.attempts++;
      let status;
      try {
        const res = await fetch(`${nginxUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: text,
          signal: AbortSignal.timeout(180_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch (err) {
        const code = err.cause?.code ?? err.name ?? 'error';
        client.errors[code] = (client.errors[code] ?? 0) + 1;
      }
      if (status !== undefined && status !== 202) client.statuses[status] = (client.statuses[status] ?? 0) + 1;
      if (status === 202) {
        client.accepted.add(id);
        client.byAction[kind]++;
        return true;
      }
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        // Refused for good: a fault of the soak's bodies or of the server; reported, not retried.
        if (client.refused.length < 20) client.refused.push({ status, path, id });
        return false;
      }
      if (now() > client.giveUpAt) {
        client.abandoned++;
        return false;
      }
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
    }
  } finally {
    client.inFlight--;
    key.busy = false;
  }
}

// ---------------------------------------------------------------------------------------------
// The keys: each a dedup key of one service, sent by one client kind, with a severity for its life.
// Some flap (2 to 8 s), some are resolved around tier 2 (20 to 45 s), half stay open well past tier 2
// (110 to 200 s). Some are acknowledged (PagerDuty only); every key still open at the end is resolved.

const keys = [];
const open = []; // keys whose last accepted action opened or re-triggered them
let nextKey = 0;

function newKey() {
  const r = rand();
  const severity = r < 0.2 ? 'critical' : r < 0.5 ? 'error' : r < 0.85 ? 'warning' : 'info';
  const via = pick(['pdjs', 'am-pd', 'am-pd', 'am']);
  const key = {
    id: `soak-key-${nextKey++}`,
    service: Math.floor(rand() * SERVICES),
    via,
    severity,
    state: 'new',
    busy: false,
    episodes: 0,
  };
  keys.push(key);
  return key;
}

function lifetimeMs() {
  const r = rand();
  if (r < 0.15) return 2000 + rand() * 6000; // flapping: may be resolved before its first page
  if (r < 0.5) return 20_000 + rand() * 25_000; // tier 1 due, resolved before or soon after tier 2
  return 110_000 + rand() * 90_000; // both tiers due, the second well before the resolve
}

async function trigger(key, kind) {
  const wasOpen = key.state === 'open';
  if (!wasOpen) {
    key.closeAt = now() + lifetimeMs();
    key.acked = false;
    key.startsAt = new Date().toISOString();
  }
  if (await send(key, 'trigger', kind)) {
    if (!wasOpen) {
      key.state = 'open';
      key.episodes++;
      open.push(key);
    }
  }
}

async function resolve(key) {
  if (await send(key, 'resolve', 'resolve')) {
    key.state = 'resolved';
    const i = open.indexOf(key);
    if (i >= 0) open.splice(i, 1);
  }
}

/** The next action, started (not awaited). */
function act() {
  const t = now();
  const due = open.find((k) => !k.busy && k.closeAt <= t);
  if (due) return void resolve(due);
  const r = rand();
  if (r < 0.05 || open.length < 50) return void trigger(newKey(), 'trigger');
  if (r < 0.065) {
    const closed = keys.filter((k) => k.state === 'resolved' && !k.busy);
    if (closed.length > 0) return void trigger(pick(closed), 'reopen');
  }
  for (let tries = 0; tries < 5; tries++) {
    const k = pick(open);
    if (k.busy) continue;
    if (r < 0.085 && k.via !== 'am' && !k.acked) {
      k.acked = true;
      return void send(k, 'acknowledge', 'acknowledge');
    }
    return void trigger(k, 'retrigger');
  }
  client.behind++;
}

async function load(seconds) {
  const start = now();
  let issued = 0;
  while (now() - start < seconds * 1000) {
    const due = Math.floor(((now() - start) / 1000) * RATE);
    while (issued < due) {
      issued++;
      if (client.inFlight >= MAX_IN_FLIGHT) client.behind++;
      else act();
    }
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver: verifies each signature and records which (incident, tier) each page names.
// It also plays a receiver that drops a Tandem-Delivery id it has seen, as signature.ts tells
// receivers to: a re-send under a known id that carries a page the first message did not would
// hide that page from such a receiver.

function receiver() {
  const pages = new Map(); // `${incident}:${tier}` -> [{ delivery, at }]
  const firstSeen = new Map(); // delivery id -> the page keys of its first message
  const deduplicated = new Set(); // page keys a deduplicating receiver got
  const stats = { requests: 0, bad_signatures: 0, bundles: 0, not_a_tier_page: 0, resent_same_delivery_id_other_pages: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      stats.requests++;
      const raw = Buffer.concat(chunks);
      if (!verifyTandemSignature(req.headers['tandem-signature'], raw, SECRET, at)) stats.bad_signatures++;
      const delivery = String(req.headers['tandem-delivery'] ?? '');
      try {
        const body = JSON.parse(raw.toString('utf8'));
        if (body.type === 'tandem.bundle') stats.bundles++;
        const keysOfMessage = [];
        for (const incident of body.incidents ?? []) {
          const m = /^Tier (\d+) of partner-noc/.exec(incident.reason ?? body.reason ?? '');
          if (!m) {
            stats.not_a_tier_page++;
            continue;
          }
          const k = `${incident.id}:${Number(m[1]) - 1}`;
          if (!pages.has(k)) pages.set(k, []);
          pages.get(k).push({ delivery, at });
          keysOfMessage.push(k);
        }
        const seen = firstSeen.get(delivery);
        if (seen === undefined) {
          firstSeen.set(delivery, new Set(keysOfMessage));
          for (const k of keysOfMessage) deduplicated.add(k);
        } else if (keysOfMessage.some((k) => !seen.has(k))) stats.resent_same_delivery_id_other_pages++;
      } catch {
        stats.not_a_tier_page++;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        pages,
        deduplicated,
        stats,
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Processes: the three instances (restartable on their port), nginx, PostgreSQL restarts.

let dir;
let nginxUrl;
const windows = []; // { kind, start, end } disturbances
const unexpectedExits = [];
let stopping = false;

class Instance {
  constructor(slot, port, args, envVars) {
    Object.assign(this, { slot, port, args, envVars, child: undefined, peakMb: 0, starts: 0 });
  }

  async start() {
    const out = openSync(join(dir, `tandem-${this.slot}.log`), 'a');
    const child = spawn(process.execPath, [...serverNodeArgs(), BIN, 'serve', '--port', String(this.port), ...this.args], {
      env: { ...process.env, ...this.envVars },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.starts++;
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (child.expectedExit || stopping) return;
      unexpectedExits.push({ slot: this.slot, code, signal, at_s: round((now() - startedAt) / 1000, 1) });
      log(`instance ${this.slot} exited by itself (${code ?? signal}); restarting`);
      setTimeout(() => void this.start().catch((err) => log(`restart of ${this.slot} failed: ${err.message}`)), 1000);
    });
    await waitHttp(`http://127.0.0.1:${this.port}/readyz`, 120_000);
  }

  sampleMemory() {
    try {
      if (this.child) this.peakMb = Math.max(this.peakMb, peakRssMb(this.child.pid) ?? 0);
    } catch {
      // The process is gone: its last sample stands.
    }
  }

  kill(signal = 'SIGKILL') {
    const child = this.child;
    if (!child) return Promise.resolve();
    this.sampleMemory();
    child.expectedExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    return exited;
  }
}

function nginxConfig(port, upstreams) {
  const temp = (name) => join(dir, 'nginx', name);
  return `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx', 'nginx.pid')};
error_log ${join(dir, 'nginx', 'error.log')} warn;
events { worker_connections 2048; }
http {
  access_log ${join(dir, 'nginx', 'access.log')};
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  client_body_buffer_size 1m;
  client_max_body_size 1m;
  upstream tandem {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://tandem;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      # Ingest stores a request at least once (see the top of bench/soak.js): a POST whose instance
      # failed may go to another. Not on a 5xx: that instance answered, and the client retries.
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries ${INSTANCES};
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
      proxy_send_timeout 120s;
    }
  }
}
`;
}

async function startNginx(port, upstreams) {
  mkdirSync(join(dir, 'nginx'), { recursive: true });
  const conf = join(dir, 'nginx', 'nginx.conf');
  writeFileSync(conf, nginxConfig(port, upstreams));
  const child = spawn(NGINX, ['-p', join(dir, 'nginx'), '-c', conf, '-e', join(dir, 'nginx', 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitHttp(`http://127.0.0.1:${port}/readyz`, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not start: ${err.message}\n${stderr}`);
  }
  return {
    async stop() {
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function pgQuery(url, sql, params = []) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Chaos: a kill every KILL_EVERY_S, PostgreSQL restarted once half-way (between two kills).

const chaos = { kills: [], pg_restarts: [], failures: [] };

async function killOne(instances) {
  const target = pick(instances);
  const start = now();
  await target.kill('SIGKILL');
  await sleep(RESTART_DELAY_S * 1000);
  try {
    await target.start();
  } catch (err) {
    chaos.failures.push(`restart of instance ${target.slot}: ${err.message.slice(0, 300)}`);
  }
  const end = now();
  windows.push({ kind: 'kill', start, end });
  chaos.kills.push({ slot: target.slot, at_s: round((start - startedAt) / 1000, 1), back_after_s: round((end - start) / 1000, 1) });
  log(`killed instance ${target.slot}; back after ${round((end - start) / 1000, 1)} s`);
}

async function restartPostgres(instances) {
  const start = now();
  const run = spawnSync('sh', ['-c', PG_RESTART], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) chaos.failures.push(`PostgreSQL restart (${PG_RESTART}) exited ${run.status}: ${run.stderr.slice(0, 300)}`);
  const restarted = now();
  // Disturbed until every instance is ready again.
  await Promise.all(
    instances.map((i) => waitHttp(`http://127.0.0.1:${i.port}/readyz`, 120_000).catch((err) => chaos.failures.push(err.message))),
  );
  const end = now();
  windows.push({ kind: 'pg_restart', start, end });
  chaos.pg_restarts.push({
    at_s: round((start - startedAt) / 1000, 1),
    command_s: round((restarted - start) / 1000, 1),
    all_ready_after_s: round((end - start) / 1000, 1),
  });
  log(`restarted PostgreSQL; every instance ready after ${round((end - start) / 1000, 1)} s`);
}

async function chaosLoop(instances, until) {
  const plan = [];
  for (let t = KILL_EVERY_S; t < SECONDS; t += KILL_EVERY_S) plan.push({ at: t * 1000, what: 'kill' });
  if (PG_RESTART.trim() !== '') {
    const kills = plan.length;
    const at = kills > 0 ? (Math.floor(kills / 2) + 0.5) * KILL_EVERY_S * 1000 : (SECONDS * 1000) / 2;
    plan.push({ at, what: 'pg' });
  }
  plan.sort((a, b) => a.at - b.at);
  for (const step of plan) {
    const wait = startedAt + step.at - now();
    if (wait > 0) await sleep(wait);
    if (now() > until) break;
    if (step.what === 'kill') await killOne(instances);
    else await restartPostgres(instances);
  }
}

// ---------------------------------------------------------------------------------------------
// The checks, from the client's record, the receiver's and the database.

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const summary = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : null };
};
const disturbed = (t) => windows.some((w) => t >= w.start - 1000 && t <= w.end + SETTLE_MS);
const disturbedBetween = (from, to) => windows.some((w) => w.start <= to && w.end + SETTLE_MS >= from);

async function drain(dbUrl) {
  // Resolve every key still open, then wait until the engine has applied every event, fired every
  // due step and settled every page.
  const deadline = now() + Number(env.SOAK_DRAIN_S ?? 300) * 1000;
  client.giveUpAt = deadline;
  while (client.inFlight > 0 && now() < deadline) await sleep(100);
  const resolving = [...open].filter((k) => k.state === 'open');
  for (let i = 0; i < resolving.length; i += 64) await Promise.all(resolving.slice(i, i + 64).map((k) => resolve(k)));
  let last = {};
  while (now() < deadline) {
    try {
      const [row] = await pgQuery(
        dbUrl,
        `select (select count(*) from events where processed_at is null and quarantined_at is null)::int as unapplied,
                (select count(*) from escalation_steps where status = 'pending' and due_at <= $1)::int as steps_due,
                (select count(*) from notifications where status in ('pending', 'sending') and next_attempt_at <= $2)::int as pages_due`,
        [now(), now() + 120_000],
      );
      last = row;
      if (row.unapplied === 0 && row.steps_due === 0 && row.pages_due === 0) break;
    } catch {
      // PostgreSQL restarting: ask again.
    }
    await sleep(1000);
  }
  await sleep(2000); // webhooks in flight arrive
  return last;
}

async function analyse(dbUrl, rx) {
  // Lost events: accepted (202) but not in the table.
  const stored = new Map();
  for (const r of await pgQuery(
    dbUrl,
    "select request_id, count(*)::int as n from events where request_id like 'soak-%' group by request_id",
  ))
    stored.set(r.request_id, r.n);
  let lost = 0;
  const lostSample = [];
  for (const id of client.accepted)
    if (!stored.has(id)) {
      lost++;
      if (lostSample.length < 10) lostSample.push(id);
    }
  const [eventCounts] = await pgQuery(
    dbUrl,
    `select count(*)::int as rows, count(*) filter (where quarantined_at is not null)::int as quarantined,
            count(*) filter (where processed_at is null and quarantined_at is null)::int as unapplied from events`,
  );
  const storedTwice = [...stored.values()].filter((n) => n > 1).length;
  const storedUnanswered = [...stored.keys()].filter((id) => !client.accepted.has(id)).length;

  // Duplicate incidents per dedup key.
  const alerts = await pgQuery(
    dbUrl,
    'select service_id, dedup_key, incident_id, status, created_at::float8 as created_at, resolved_at::float8 as resolved_at from alerts order by created_at, id',
  );
  const byKey = new Map();
  for (const a of alerts) {
    const k = `${a.service_id}\u0000${a.dedup_key}`;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(a);
  }
  let overlapping = 0;
  let extra = 0;
  let missingIncidents = 0;
  let leftOpen = 0;
  const duplicateSample = [];
  for (const key of keys) {
    const list = byKey.get(`soak-${key.service}\u0000${key.id}`) ?? [];
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      if (prev.resolved_at === null || list[i].created_at < prev.resolved_at) overlapping++;
    }
    const incidents = new Set(list.map((a) => a.incident_id)).size;
    if (incidents > key.episodes) {
      extra += incidents - key.episodes;
      if (duplicateSample.length < 10) duplicateSample.push({ key: key.id, episodes: key.episodes, incidents });
    }
    if (incidents < key.episodes) missingIncidents += key.episodes - incidents;
    leftOpen += list.filter((a) => a.status !== 'resolved').length;
  }

  // Pages: expected per (incident, tier) from the policy, against what the receiver got.
  const incidents = await pgQuery(
    dbUrl,
    `select id, priority, status, created_at::float8 as created_at, acknowledged_at::float8 as acknowledged_at,
            resolved_at::float8 as resolved_at from incidents`,
  );
  const steps = await pgQuery(
    dbUrl,
    `select incident_id, tier, status, due_at::float8 as due_at, fired_at::float8 as fired_at from escalation_steps where kind = 'tier' and pass = 0`,
  );
  const stepDue = new Map(steps.map((s) => [`${s.incident_id}:${s.tier}`, s.due_at]));
  // Outbox rows per (incident, tier): one row sent under two delivery ids is the same page re-sent
  // (after a takeover, in a bundle made up differently); two rows are two pages.
  const outboxRows = new Map();
  for (const r of await pgQuery(
    dbUrl,
    `select n.incident_id, s.tier, count(*)::int as n from notifications n join escalation_steps s on s.id = n.step_id
     where n.kind = 'page' and s.kind = 'tier' and s.pass = 0 group by n.incident_id, s.tier`,
  ))
    outboxRows.set(`${r.incident_id}:${r.tier}`, r.n);
  const pages = {
    expected: 0,
    received: 0,
    duplicates: 0,
    duplicates_from_one_outbox_row: 0,
    missing: 0,
    missing_if_receiver_deduplicates: 0,
    resent_same_delivery_id: 0,
    optional_received: 0,
    optional_not_received: 0,
    after_answered: 0,
    not_paging_priority: 0,
    unknown_incident: 0,
    due_mismatch: 0,
  };
  const missingSample = [];
  const duplicatePageSample = [];
  const unexpectedSample = [];
  const pageLate = { all: [], calm: [] };
  const known = new Set();
  for (const inc of incidents) {
    const end = Math.min(inc.acknowledged_at ?? Infinity, inc.resolved_at ?? Infinity);
    TIER_OFFSETS_MS.forEach((offset, tier) => {
      const k = `${inc.id}:${tier}`;
      known.add(k);
      const due = inc.created_at + offset;
      if (stepDue.has(k) && stepDue.get(k) !== due) pages.due_mismatch++;
      const got = rx.pages.get(k) ?? [];
      const paged = PAGED_PRIORITIES.has(inc.priority);
      const grace = disturbedBetween(due, due + GRACE_CALM_MS) ? GRACE_DISTURBED_MS : GRACE_CALM_MS;
      const required = paged && due + grace <= end;
      // Due after the acknowledgement or resolve was received: no page wanted (one may still go out
      // while the engine has not applied that event yet: counted, not a failure).
      const forbidden = !paged || due >= end;
      if (got.length > 0) {
        pages.received++;
        const ids = new Set(got.map((g) => g.delivery));
        pages.duplicates += ids.size - 1;
        if (ids.size > 1 && outboxRows.get(k) === 1) pages.duplicates_from_one_outbox_row += ids.size - 1;
        pages.resent_same_delivery_id += got.length - ids.size;
        if (ids.size > 1 && duplicatePageSample.length < 10)
          duplicatePageSample.push({ incident: inc.id, tier: tier + 1, deliveries: [...ids], outbox_rows: outboxRows.get(k) ?? 0 });
        const first = Math.min(...got.map((g) => g.at));
        pageLate.all.push(first - due);
        if (!disturbedBetween(due, first)) pageLate.calm.push(first - due);
      }
      if (required) {
        pages.expected++;
        if (got.length === 0) {
          pages.missing++;
          if (missingSample.length < 10)
            missingSample.push({ incident: inc.id, tier: tier + 1, priority: inc.priority, due, end: Number.isFinite(end) ? end : null });
        } else if (!rx.deduplicated.has(k)) pages.missing_if_receiver_deduplicates++;
      } else if (forbidden) {
        if (got.length > 0) {
          if (paged) pages.after_answered++;
          else pages.not_paging_priority++;
          if (unexpectedSample.length < 10)
            unexpectedSample.push({
              incident: inc.id,
              tier: tier + 1,
              priority: inc.priority,
              due,
              end,
              first_received: Math.min(...got.map((g) => g.at)),
            });
        }
      } else if (got.length > 0) pages.optional_received++;
      else pages.optional_not_received++;
    });
  }
  for (const k of rx.pages.keys()) if (!known.has(k)) pages.unknown_incident++;

  const fired = steps.filter((s) => s.fired_at !== null);
  const lateness = {
    all: summary(fired.map((s) => s.fired_at - s.due_at)),
    outside_10s_after_kill_or_restart: summary(fired.filter((s) => !disturbed(s.due_at)).map((s) => s.fired_at - s.due_at)),
  };
  const [notificationCounts] = await pgQuery(
    dbUrl,
    `select count(*) filter (where status = 'delivered')::int as delivered, count(*) filter (where status = 'bundled')::int as bundled,
            count(*) filter (where status = 'cancelled')::int as cancelled, count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status in ('pending', 'sending'))::int as unsettled from notifications`,
  );

  return {
    events: {
      accepted: client.accepted.size,
      lost,
      ...(lostSample.length ? { lost_sample: lostSample } : {}),
      rows: eventCounts.rows,
      stored_twice: storedTwice,
      stored_without_202: storedUnanswered,
      quarantined: eventCounts.quarantined,
      unapplied: eventCounts.unapplied,
    },
    incidents: {
      total: incidents.length,
      dedup_keys: keys.length,
      episodes: keys.reduce((n, k) => n + k.episodes, 0),
      duplicates: overlapping + extra,
      overlapping_alerts: overlapping,
      more_incidents_than_episodes: extra,
      ...(duplicateSample.length ? { duplicate_sample: duplicateSample } : {}),
      fewer_incidents_than_episodes: missingIncidents,
      alerts_left_open: leftOpen,
    },
    pages: {
      ...pages,
      ...(missingSample.length ? { missing_sample: missingSample } : {}),
      ...(duplicatePageSample.length ? { duplicate_sample: duplicatePageSample } : {}),
      ...(unexpectedSample.length ? { after_answered_sample: unexpectedSample } : {}),
      resent_same_delivery_id_other_pages: rx.stats.resent_same_delivery_id_other_pages,
      webhook_requests: rx.stats.requests,
      bundles: rx.stats.bundles,
      bad_signatures: rx.stats.bad_signatures,
      not_a_tier_page: rx.stats.not_a_tier_page,
      notifications: notificationCounts,
    },
    escalation_lateness_ms: lateness,
    page_lateness_ms: { all: summary(pageLate.all), outside_10s_after_kill_or_restart: summary(pageLate.calm) },
  };
}

// ---------------------------------------------------------------------------------------------

const startedAtWall = new Date().toISOString();
let startedAt = now();
dir = mkdtempSync(join(tmpdir(), 'tandem-soak-'));
chmodSync(dir, 0o755); // nginx's workers (another user when started as root) read below it
const dbName = `tandem_soak_${Math.floor(rand() * 2 ** 32).toString(16)}_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const instances = [];
let nginx;
let rx;
let result;
let exitCode = 1;
const sampler = setInterval(() => instances.forEach((i) => i.sampleMemory()), 2000);
try {
  await pgQuery(ADMIN_URL, `create database ${dbName}`);
  const config = join(dir, 'soak.yaml');
  writeFileSync(config, engagementYaml());
  rx = await receiver();
  const nginxPort = await freePort();
  nginxUrl = `http://127.0.0.1:${nginxPort}`;
  const ports = [];
  for (let i = 0; i < INSTANCES; i++) ports.push(await freePort());
  const args = [
    ...['--config', config, '--db', dbUrl, '--log-level', env.SOAK_LOG_LEVEL ?? 'warn', '--notify', 'live'],
    ...['--webhook-url', rx.url, '--contact-rate', '1000000', '--rate-limit', '0', '--public-url', nginxUrl],
  ];
  const secrets = { TANDEM_WEBHOOK_SECRET: SECRET, TANDEM_SECRET: 'soak-link-secret-0123456789abcdef' };
  for (let i = 0; i < INSTANCES; i++) instances.push(new Instance(i, ports[i], args, secrets));
  // The first applies the migrations; the other two start together.
  await instances[0].start();
  await Promise.all(instances.slice(1).map((i) => i.start()));
  nginx = await startNginx(nginxPort, ports);
  log(`3 instances on ${dbName} behind nginx at ${nginxUrl}; ${SECONDS} s at ${RATE} events/s; logs in ${dir}`);

  startedAt = now();
  const loadEnd = startedAt + SECONDS * 1000;
  const backlog = { max: 0, samples: 0 };
  const backlogLoop = (async () => {
    while (now() < loadEnd) {
      await sleep(5000);
      try {
        const [r] = await pgQuery(dbUrl, 'select count(*)::int as n from events where processed_at is null and quarantined_at is null');
        backlog.max = Math.max(backlog.max, r.n);
        backlog.samples++;
      } catch {
        // PostgreSQL restarting.
      }
    }
  })();
  await Promise.all([load(SECONDS), chaosLoop(instances, loadEnd), backlogLoop]);
  log(`load stopped: ${client.accepted.size} accepted; draining`);
  const drainStart = now();
  const left = await drain(dbUrl);
  const drainSeconds = round((now() - drainStart) / 1000, 1);
  instances.forEach((i) => i.sampleMemory());
  const checks = await analyse(dbUrl, rx);

  result = {
    bench: 'soak',
    started: startedAtWall,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, load_average: loadavg().map((l) => round(l, 2)) },
    settings: {
      seconds: SECONDS,
      rate_events_per_s: RATE,
      kill_every_s: KILL_EVERY_S,
      restart_delay_s: RESTART_DELAY_S,
      pg_restart: PG_RESTART,
      instances: INSTANCES,
      services: SERVICES,
      tiers_s: TIER_OFFSETS_MS.map((t) => t / 1000),
    },
    client: {
      requests: client.sent,
      accepted_per_s: round(client.accepted.size / SECONDS, 0),
      attempts: client.attempts,
      by_action: client.byAction,
      non_2xx: client.statuses,
      errors: client.errors,
      refused: client.refused,
      abandoned: client.abandoned,
      fell_behind: client.behind,
    },
    ...checks,
    backlog_max_seen: backlog.max,
    drain: { seconds: drainSeconds, left },
    chaos: {
      kills: chaos.kills.length,
      pg_restarts: chaos.pg_restarts.length,
      unexpected_exits: unexpectedExits,
      failures: chaos.failures,
    },
    kills: chaos.kills,
    pg_restarts: chaos.pg_restarts,
    peak_rss_mb: Object.fromEntries(instances.map((i) => [`instance_${i.slot}`, i.peakMb])),
    instance_starts: instances.map((i) => i.starts),
  };
  const failed = checks.events.lost > 0 || checks.incidents.duplicates > 0 || checks.pages.duplicates > 0 || checks.pages.missing > 0;
  result.passed = !failed;
  exitCode = failed ? 1 : 0;
} catch (err) {
  console.error(err);
  exitCode = 2;
} finally {
  clearInterval(sampler);
  stopping = true;
  await nginx?.stop().catch(() => {});
  await Promise.all(instances.map((i) => i.kill('SIGTERM')));
  await rx?.close();
  if (env.SOAK_KEEP) log(`kept database ${dbName} and ${dir}`);
  else {
    await pgQuery(ADMIN_URL, `drop database if exists ${dbName} with (force)`).catch((err) => log(`drop database: ${err.message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
if (result) console.log(JSON.stringify(result, null, 2));
process.exit(exitCode);
