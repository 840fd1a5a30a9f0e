#!/usr/bin/env node
// npm run bench:engagements — an MSP with many clients: N engagement files in one `tandem serve --config DIR`.
//
// Generates BENCH_ENGAGEMENTS (default 2000) engagement files derived from demo/acme.yaml (people, teams,
// schedules, coverage, escalation policies, services with integration keys, SLAs, a status page), each with
// its own id and keys, into a temporary directory; starts `tandem serve --config DIR` on SQLite (and
// PostgreSQL when reachable) and reports: seconds from spawn to /readyz 200 (and the server's CPU seconds by then,
// which neighbours on a shared machine disturb less), resident memory after the load,
// after each of BENCH_RELOADS (default 3) SIGHUP reloads (each waited for in the server's log), and a short ingest probe
// (BENCH_SECONDS, default 5, of autocannon at 64 connections, new PagerDuty events spread over the
// engagements' keys) with all of them loaded. Prints JSON.
// Uses the compiled dist/ (run `npm run build` first). BENCH_SERVER_NODE_ARGS passes flags to the server's node
// (e.g. --cpu-prof); BENCH_ONLY=sqlite or postgres runs one database.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BIN, ROOT, freePort, peakRssMb, postgresReachable, round, serverNodeArgs, tempDatabase } from './lib.js';

const COUNT = Number(process.env.BENCH_ENGAGEMENTS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 3);
/** BENCH_ONLY=sqlite or postgres: one database only. */
const ONLY = process.env.BENCH_ONLY;

const hex = (n, i, salt) => (salt + i.toString(16)).padStart(n, '0').slice(-n);

/** The demo engagement as client number i: its own id, name, integration keys and contact addresses. */
function engagementFile(demo, i) {
  const id = `c${String(i).padStart(4, '0')}`;
  return demo
    .replace('  id: acme\n', `  id: ${id}\n`)
    .replace('name: Acme Payments', `name: Client ${i} Payments`)
    .replace('/status/acme', `/status/${id}`)
    .replace('"9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c"', `"${hex(32, i, 'a1')}"`)
    .replace('"0a1b2c3d4e5f60718293a4b5c6d7e8f9"', `"${hex(32, i, 'b2')}"`)
    .replace('"am-payments-3c8e1f"', `"am-payments-${id}"`)
    .replace('"edr-generic-77d2"', `"edr-generic-${id}"`)
    .replace('"helpdesk-generic-1a9b"', `"helpdesk-generic-${id}"`)
    .replaceAll('@acme.example', `@${id}.acme.example`);
}
/** The first PagerDuty key of client i (payments-api). */
const pagerDutyKey = (i) => hex(32, i, 'a1');

function generate(dir) {
  const demo = readFileSync(join(ROOT, 'demo/acme.yaml'), 'utf8');
  for (let i = 0; i < COUNT; i++) writeFileSync(join(dir, `c${String(i).padStart(4, '0')}.yaml`), engagementFile(demo, i));
}

/**
 * CPU seconds the process has used (all its threads: user + system, /proc/PID/stat in USER_HZ ticks, 100 a second on
 * Linux). Beside the wall-clock start time: on a shared machine the wall clock measures the neighbours too.
 */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return round((Number(fields[11]) + Number(fields[12])) / 100, 2);
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

/** Starts the server, resolving once /readyz answers 200; `waitFor(msg)` resolves at the next log line with that msg. */
async function start(configDir, dbUrl) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [...serverNodeArgs(), BIN, 'serve', '--port', String(port), '--config', configDir, '--db', dbUrl, '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d.toString()));
  const waiters = [];
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      for (const w of [...waiters]) {
        if (line.includes(`"msg":"${w.msg}"`) || line.includes(`"msg":"${w.alt}"`)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tandem serve exited ${child.exitCode}\n${stderr}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tandem serve was not ready in 300 s\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid,
    readySeconds: round((performance.now() - began) / 1000, 2),
    readyCpuSeconds: cpuSeconds(child.pid),
    waitFor: (msg, alt) => new Promise((resolve) => waiters.push({ msg, alt, resolve })),
    signal: (s) => child.kill(s),
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function probe(url) {
  let n = 0;
  const result = await autocannon({
    url,
    connections: 64,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v2/enqueue',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          n++;
          // Like bench:ingest's mix: 15% new alerts, the rest re-triggers of open ones.
          const k = n % 100 < 15 || n < 100 ? n : (n * 7919) % Math.min(n, 1000);
          const body = {
            routing_key: pagerDutyKey(k % COUNT),
            event_action: 'trigger',
            dedup_key: `probe-${k}`,
            payload: { summary: 'p99 latency above 500ms', source: `host-${k}`, severity: 'warning' },
          };
          return { ...req, body: JSON.stringify(body) };
        },
      },
    ],
  });
  return {
    requests_per_s: round(result.requests.average, 0),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors,
  };
}

async function bench(kind, configDir) {
  const db = await tempDatabase(kind);
  const server = await start(configDir, db.url);
  try {
    const out = {
      ready_seconds: server.readySeconds,
      ready_cpu_seconds: server.readyCpuSeconds,
      rss_after_load_mb: rssMb(server.pid),
      rss_after_reload_mb: [],
      reload_seconds: [],
    };
    for (let r = 0; r < RELOADS; r++) {
      const began = performance.now();
      const done = server.waitFor('engagements reloaded', 'reload failed');
      server.signal('SIGHUP');
      const line = await done;
      if (line.includes('reload failed')) throw new Error(`reload failed: ${line}`);
      out.reload_seconds.push(round((performance.now() - began) / 1000, 2));
      await new Promise((res) => setTimeout(res, 1000));
      out.rss_after_reload_mb.push(rssMb(server.pid));
    }
    out.ingest = await probe(server.url);
    out.peak_rss_mb = peakRssMb(server.pid);
    return out;
  } finally {
    await server.stop();
    await db.drop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-engagements-'));
try {
  generate(dir);
  const results = { engagements: COUNT, probe_seconds: SECONDS };
  if (ONLY !== 'postgres') results.sqlite = await bench('sqlite', dir);
  if (ONLY === 'sqlite') results.postgres = 'skipped: BENCH_ONLY=sqlite';
  else if (await postgresReachable()) results.postgres = await bench('postgres', dir);
  else results.postgres = 'skipped: no PostgreSQL at TANDEM_BENCH_PG_URL';
  console.log(JSON.stringify(results, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
