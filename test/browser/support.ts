/**
 * Shared by the browser tests: a Tandem listening on SQLite with the demo,
 * Globex and Initech engagements and its engine running in real time, a
 * headless Chromium, signing in, sending events, and saving screenshots.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { systemClock } from '../../src/clock/clock.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO, FIXTURES, ROOT } from '../support/paths.js';
import { mulberry32 } from '../../src/random/seeded.js';

export const GLOBEX = join(FIXTURES, 'deployments/globex.yaml');
export const INITECH = join(ROOT, 'test/browser/fixtures/initech.yaml');
export const SCREENSHOTS = join(ROOT, 'test-output/screenshots');

export const KEYS = {
  payments: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
  storefront: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  edr: 'edr-generic-77d2',
  laptops: 'helpdesk-generic-1a9b',
  globex: 'globex-pd-5e1d0c7a9b2f4e3d8c6a1b0f',
  initech: 'initech-pd-7c2e9a1f4b6d8e0a3c5f7b9d',
} as const;

/** The app must be built (npm test builds it; a bare `vitest run` may not have). */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'dist/web/index.html'))) return;
  execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'ignore' });
}

export async function startServer(): Promise<Harness> {
  const sqlite = databaseKinds().find((k) => k.name === 'sqlite');
  if (!sqlite) throw new Error('no SQLite database kind');
  return startHarness(sqlite, { config: [DEMO, GLOBEX, INITECH], clock: systemClock, listen: true, engineLoop: true });
}

export function baseUrl(h: Harness): string {
  const url = h.tandem.url;
  if (!url) throw new Error('the server is not listening');
  return url.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
}

/** A PagerDuty Events v2 trigger through the real HTTP ingest endpoint. */
export async function trigger(
  h: Harness,
  key: string,
  dedup: string,
  summary: string,
  severity: 'critical' | 'error' | 'warning' | 'info' = 'critical',
): Promise<void> {
  const res = await fetch(`${baseUrl(h)}/v2/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      routing_key: key,
      event_action: 'trigger',
      dedup_key: dedup,
      payload: { summary, source: `${dedup}-host`, severity },
    }),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/** A generic JSON event (the demo's security and end-user services take these). */
export async function triggerGeneric(
  h: Harness,
  key: string,
  dedup: string,
  summary: string,
  severity: 'critical' | 'error' | 'warning' | 'info',
): Promise<void> {
  const res = await fetch(`${baseUrl(h)}/integrations/generic/${key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ summary, severity, dedup_key: dedup, source: `${dedup}-sensor` }),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

interface IncidentSummary {
  id: number;
  number: string;
  title: string;
  status: string;
  engagement: string;
}

/** Waits until the API lists an open incident with this title (the engine applies events asynchronously). */
export async function waitForIncident(h: Harness, token: string, title: string, timeoutMs = 10_000): Promise<IncidentSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.api('GET', '/incidents?limit=200', token);
    const found = res.json<{ incidents: IncidentSummary[] }>().incidents.find((i) => i.title === title);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no incident "${title}" after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function newPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'America/New_York',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { context, page, errors };
}

/** Signs in through the page's own form, as a person would. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Open incidents/ }).waitFor({ timeout: 10_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // Let countdowns and fonts settle, and take the picture without the blinking caret.
  await page.waitForTimeout(300);
  await page.screenshot({ path, caret: 'hide', animations: 'disabled' });
  return path;
}

const HISTORY: ReadonlyArray<{ service: string; titles: readonly string[]; weights: readonly number[] }> = [
  {
    service: 'payments-api',
    titles: [
      'Payment API error rate above 2%',
      'Card authorisations timing out',
      'Payments database replica lag',
      'Settlement batch failed',
    ],
    weights: [0.3, 0.45, 0.2, 0.05],
  },
  {
    service: 'storefront',
    titles: ['Storefront 5xx spike', 'Checkout page slow (p95 > 3 s)', 'CDN cache hit ratio dropped', 'Search index out of date'],
    weights: [0.1, 0.4, 0.35, 0.15],
  },
  {
    service: 'edr',
    titles: ['Malware quarantined on a laptop', 'Impossible travel sign-in', 'EDR agent offline on a server'],
    weights: [0.2, 0.4, 0.3, 0.1],
  },
  { service: 'laptops', titles: ['VPN connection failures', 'Password reset backlog', 'Printer offline'], weights: [0, 0.1, 0.4, 0.5] },
];

/**
 * Six months of resolved incidents of the demo engagement in Tandem's CSV
 * layout (docs/import.md), timed relative to `now`, so Performance has
 * months to show.
 */
export function historyCsv(now: number): string {
  const rand = mulberry32(42);
  const rows = ['number,service,title,priority,severity,side,created_at,acknowledged_at,resolved_at,acknowledged_by,resolved_by'];
  const start = now - 180 * 86_400_000;
  let n = 0;
  for (let t = start; t < now - 86_400_000; t += (4 + rand() * 10) * 3_600_000) {
    const svc = HISTORY[Math.floor(rand() * HISTORY.length)] ?? HISTORY[0];
    if (!svc) break;
    const title = svc.titles[Math.floor(rand() * svc.titles.length)] ?? 'Alert';
    let r = rand();
    let p = 0;
    while (p < svc.weights.length - 1 && r > (svc.weights[p] ?? 0)) r -= svc.weights[p++] ?? 0;
    const priority = `P${p + 1}`;
    // Most acknowledgements land well inside the partner's 15 min / 30 min targets; a few do not.
    const ackMin = rand() < 0.08 ? 20 + rand() * 40 : 1 + rand() * (p === 0 ? 9 : 18);
    const resolveMin = ackMin + 15 + rand() * (p === 0 ? 150 : 600);
    const iso = (ms: number) => new Date(Math.round(ms / 1000) * 1000).toISOString();
    rows.push(
      [
        `H-${++n}`,
        svc.service,
        title,
        priority,
        p === 0 ? 'critical' : p === 1 ? 'error' : 'warning',
        '',
        iso(t),
        iso(t + ackMin * 60_000),
        iso(t + resolveMin * 60_000),
        '',
        '',
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}
