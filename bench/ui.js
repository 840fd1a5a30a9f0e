#!/usr/bin/env node
// npm run bench:ui — the dashboard under a 5,000-incident queue.
//
// Starts a fresh `tandem serve --demo` on SQLite (a child process), opens
// 5,000 incidents through the ingest API (PagerDuty Events v2 and generic
// JSON, a realistic mix of services and severities), waits until the API
// lists 5,000 open, then drives headless Chromium:
//
//   - first render of Now: navigation start to the first rows on screen
//     (`now:rendered`, a performance mark the app sets after the paint), and
//     to the whole queue loaded (`now:complete`); rows in the DOM (the list
//     is windowed); the longest main-thread task while loading.
//   - live updates: 100 acknowledge events sent to the ingest API change 100
//     open incidents; the time from sending the first to the page showing all
//     100 (every id in `now:live-rendered` marks, and the queue's
//     "unacknowledged" count down by 100), the longest task and the longest
//     gap between frames meanwhile.
//
// Prints JSON. BENCH_INCIDENTS (default 5000), BENCH_UPDATES (100) and
// BENCH_RUNS (3 page loads) change the workload; CHROMIUM_PATH the browser.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, peakRssMb, round, startTandem, tempDatabase } from './lib.js';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 5000);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONCURRENCY = 32;

const PD = { payments: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c', storefront: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' };
const GENERIC = { edr: 'edr-generic-77d2', laptops: 'helpdesk-generic-1a9b' };
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

const log = (msg) => process.stderr.write(`[bench:ui] ${msg}\n`);

/** Incident i: which integration, key, dedup key, severity and title (deterministic). */
function incident(i) {
  const kind = i % 4;
  const severity = SEVERITIES[(i * 7) % 4];
  const dedup = `ui-bench-${i}`;
  const title = `Bench ${String(i).padStart(5, '0')}: ${['Payment API errors', 'Storefront latency', 'EDR detection', 'Laptop enrolment failing'][kind]}`;
  if (kind === 0) return { url: '/v2/enqueue', pd: PD.payments, dedup, severity, title };
  if (kind === 1) return { url: '/v2/enqueue', pd: PD.storefront, dedup, severity, title };
  return { url: `/integrations/generic/${kind === 2 ? GENERIC.edr : GENERIC.laptops}`, dedup, severity, title };
}

function body(x, action) {
  if (x.pd)
    return {
      routing_key: x.pd,
      event_action: action,
      dedup_key: x.dedup,
      payload: { summary: x.title, source: 'bench', severity: x.severity },
    };
  return { summary: x.title, severity: x.severity, dedup_key: x.dedup, source: 'bench', action };
}

async function post(base, path, payload) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (res.status === 202) return;
    if (attempt > 5) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
  }
}

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function openIncidents(base, token) {
  const all = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ status: 'triggered,acknowledged,waiting_on_customer,waiting_on_vendor', limit: '1000' });
    if (cursor) q.set('cursor', cursor);
    const res = await fetch(`${base}/api/v1/incidents?${q}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET /incidents answered ${res.status}`);
    const page = await res.json();
    all.push(...page.incidents);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

// In the page before any script: record long tasks and frame gaps.
function instrument() {
  window.__bench = { longtasks: [], frames: [] };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No long-task observer in this browser: frames are still timed below.
  }
  const frame = (t) => {
    window.__bench.frames.push(t);
    if (window.__bench.frames.length > 20000) window.__bench.frames.splice(0, 10000);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.log(JSON.stringify({ skipped: `no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)` }));
    return;
  }
  if (!existsSync(join(ROOT, 'dist/web/index.html'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

  const db = await tempDatabase('sqlite');
  const server = await startTandem(['--demo', '--db', db.url, '--rate-limit', '0', '--log-level', 'error', '--host', '127.0.0.1']);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const token = readFileSync(join(dirname(db.url.slice('sqlite:'.length)), 'demo-token'), 'utf8').trim();
    const base = server.url;

    log(`opening ${INCIDENTS} incidents through the ingest API`);
    const t0 = Date.now();
    const items = Array.from({ length: INCIDENTS }, (_, i) => incident(i));
    await pool(items, CONCURRENCY, (x) => post(base, x.url, body(x, 'trigger')));
    const ingestedMs = Date.now() - t0;
    let open = [];
    for (;;) {
      open = await openIncidents(base, token);
      if (open.length >= INCIDENTS) break;
      if (Date.now() - t0 > 600_000) throw new Error(`only ${open.length} open incidents after 10 minutes`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const listedMs = Date.now() - t0;
    log(`${open.length} open after ${round(listedMs / 1000)} s; loading the dashboard`);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const signIn = await context.request.post(`${base}/api/v1/session`, { data: { token } });
    if (!signIn.ok()) throw new Error(`sign-in answered ${signIn.status()}`);
    await context.addInitScript(instrument);
    const page = await context.newPage();

    const loads = [];
    for (let run = 0; run < RUNS; run++) {
      await page.goto(`${base}/`, { waitUntil: 'commit' });
      await page.waitForFunction(() => performance.getEntriesByName('now:complete').length > 0, null, { timeout: 120_000, polling: 50 });
      const m = await page.evaluate(() => {
        const first = performance.getEntriesByName('now:rendered')[0];
        const complete = performance.getEntriesByName('now:complete')[0];
        const longest = Math.max(0, ...window.__bench.longtasks.filter((t) => t.start <= complete.startTime).map((t) => t.duration));
        return {
          first_rows_ms: first.startTime,
          all_loaded_ms: complete.startTime,
          rows_in_queue: Number(document.querySelector('[data-stat="open"]')?.textContent?.replace(/\D/g, '') ?? 0),
          rows_in_dom: document.querySelectorAll('.queue-list .vrow').length,
          longest_task_ms: longest,
          js_heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null,
        };
      });
      loads.push(m);
      log(
        `load ${run + 1}: first rows ${round(m.first_rows_ms)} ms, all ${m.rows_in_queue} in ${round(m.all_loaded_ms)} ms, ${m.rows_in_dom} rows in the DOM`,
      );
    }

    // Live updates: acknowledge events for 100 triggered incidents (PagerDuty-integrated ones).
    await page.waitForSelector('.live-live');
    const byTitle = new Map(open.map((i) => [i.title, i]));
    const targets = items
      .filter((x) => x.pd && byTitle.get(x.title)?.status === 'triggered')
      .slice(0, UPDATES)
      .map((x) => ({ x, id: byTitle.get(x.title).id }));
    if (targets.length < UPDATES) throw new Error(`only ${targets.length} triggered incidents to acknowledge`);
    const before = await page.evaluate(() =>
      Number(document.querySelector('[data-stat="unacknowledged"] strong')?.textContent?.replace(/\D/g, '') ?? 0),
    );
    const start = await page.evaluate(() => {
      window.__bench.longtasks = [];
      window.__bench.frames = [];
      return performance.now();
    });
    const watch = page.evaluate(
      ({ ids, target, start }) =>
        new Promise((resolve) => {
          const want = new Set(ids);
          const check = () => {
            for (const mark of performance.getEntriesByName('now:live-rendered')) {
              if (mark.startTime < start) continue;
              for (const id of mark.detail?.ids ?? []) want.delete(id);
            }
            const shown = Number(document.querySelector('[data-stat="unacknowledged"] strong')?.textContent?.replace(/\D/g, '') ?? 0);
            if (want.size === 0 && shown <= target) {
              const end = performance.now();
              const frames = window.__bench.frames.filter((t) => t >= start && t <= end + 20);
              let gap = 0;
              for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i] - frames[i - 1]);
              const tasks = window.__bench.longtasks.filter((t) => t.start + t.duration >= start && t.start <= end);
              const marks = performance.getEntriesByName('now:live-rendered').filter((m) => m.startTime >= start && m.startTime <= end);
              resolve({ end, gap, longest: Math.max(0, ...tasks.map((t) => t.duration)), long_tasks: tasks.length, renders: marks.length });
            } else requestAnimationFrame(check);
          };
          check();
        }),
      { ids: targets.map((t) => t.id), target: before - UPDATES, start },
    );
    const sentAt = Date.now();
    await pool(targets, 20, ({ x }) => post(base, x.url, body(x, 'acknowledge')));
    const sendMs = Date.now() - sentAt;
    const live = await Promise.race([
      watch,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the page did not show all updates within 60 s')), 60_000)),
    ]);
    const shotPath = join(ROOT, 'test-output/screenshots/now-5000.png');
    await page.screenshot({ path: shotPath }).catch(() => undefined);

    const result = {
      benchmark: 'dashboard (Now) with a large open queue, headless Chromium',
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version },
      server: {
        database: 'sqlite',
        open_incidents: open.length,
        ingest_seconds: round(ingestedMs / 1000),
        listed_after_seconds: round(listedMs / 1000),
        peak_rss_mb: peakRssMb(server.pid),
      },
      first_render: {
        runs: loads.map((m) => ({
          first_rows_ms: round(m.first_rows_ms),
          all_loaded_ms: round(m.all_loaded_ms),
          longest_task_ms: round(m.longest_task_ms),
          rows_in_dom: m.rows_in_dom,
        })),
        median_first_rows_ms: round(median(loads.map((m) => m.first_rows_ms))),
        median_all_loaded_ms: round(median(loads.map((m) => m.all_loaded_ms))),
        rows_in_queue: loads[0]?.rows_in_queue ?? null,
        rows_in_dom: loads[0]?.rows_in_dom ?? null,
        js_heap_mb: loads[0]?.js_heap_mb === null ? null : round(loads[loads.length - 1]?.js_heap_mb ?? 0),
      },
      live_updates: {
        events: UPDATES,
        kind: 'PagerDuty acknowledge events through /v2/enqueue',
        send_ms: sendMs,
        all_shown_ms: round(live.end - start),
        renders: live.renders,
        longest_task_ms: round(live.longest),
        long_tasks: live.long_tasks,
        longest_frame_gap_ms: round(live.gap),
      },
      screenshot: 'test-output/screenshots/now-5000.png',
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await server.stop();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
