/**
 * Figures the contract depends on: a hand-worked slice of incidents gives
 * exactly the MTTA, MTTR, SLA attainment and credits computed here by hand;
 * a generated month agrees with an independent tally; credits respect the
 * cap; `tandem metrics`, `credits` and `report monthly` print what the API
 * serves, and the monthly review renders as HTML and as a PDF page.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { BIN } from '../support/paths.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // cloud, criticality 2: always the partner; critical=P1, error=P2, warning=P3
const MIN = 60_000;
const HOUR = 60 * MIN;
const hasChromium = existsSync('/usr/bin/chromium');

interface Planned {
  open: number;
  severity: 'critical' | 'error' | 'warning';
  ackAfter: number;
  resolveAfter: number;
}

/** Drives incidents through ingest and the API in time order on the virtual clock. */
async function play(h: Harness, token: string, plan: Planned[], prefix: string): Promise<void> {
  type Step = { at: number; run: () => Promise<void> };
  const steps: Step[] = [];
  plan.forEach((p, k) => {
    const dedup = `${prefix}-${k}`;
    let id = 0;
    steps.push({
      at: p.open,
      run: async () => {
        expect(
          (
            await h.ingest('/v2/enqueue', {
              routing_key: STOREFRONT,
              event_action: 'trigger',
              dedup_key: dedup,
              payload: { summary: `Checkout failing ${dedup}`, source: 'shop', severity: p.severity },
            })
          ).statusCode,
        ).toBe(202);
        await h.settle();
        id = (await h.api('GET', '/incidents?limit=1', token)).json<{ incidents: Array<{ id: number }> }>().incidents[0]?.id ?? 0;
      },
    });
    steps.push({
      at: p.open + p.ackAfter,
      run: async () => void expect((await h.api('POST', `/incidents/${id}/acknowledge`, token)).statusCode).toBe(200),
    });
    steps.push({
      at: p.open + p.resolveAfter,
      run: async () => void expect((await h.api('POST', `/incidents/${id}/resolve`, token)).statusCode).toBe(200),
    });
  });
  steps.sort((a, b) => a.at - b.at);
  for (const s of steps) {
    if (s.at > h.clock.now()) {
      h.clock.set(s.at);
      await h.settle();
    }
    await s.run();
    await h.settle();
  }
}

describe.each(databaseKinds())('metrics, credits and the monthly review, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-10-01T00:00:00Z' });
    admin = await h.token('admin');
    // October: a generated month (deterministic), for the trend and the independent tally.
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const october: Planned[] = [];
    for (let k = 0; k < 60; k++) {
      const ackAfter = Math.floor(1 + rand() * 40) * MIN;
      october.push({
        open: Date.parse('2026-10-02T00:00:00Z') + Math.floor(rand() * 26 * 24) * HOUR + k * 1000,
        severity: (['critical', 'error', 'warning'] as const)[Math.floor(rand() * 3)] ?? 'error',
        ackAfter,
        resolveAfter: ackAfter + Math.floor(1 + rand() * 600) * MIN,
      });
    }
    october.sort((a, b) => a.open - b.open);
    await play(h, admin, october, 'oct');
    // November: the hand-worked slice.
    await play(
      h,
      admin,
      [
        { open: Date.parse('2026-11-03T10:00:00Z'), severity: 'critical', ackAfter: 10 * MIN, resolveAfter: HOUR }, // P1: both met
        { open: Date.parse('2026-11-05T02:00:00Z'), severity: 'critical', ackAfter: 20 * MIN, resolveAfter: 5 * HOUR }, // P1: both breached (5% + 5%)
        { open: Date.parse('2026-11-10T12:00:00Z'), severity: 'error', ackAfter: 25 * MIN, resolveAfter: 9 * HOUR }, // P2: respond met, resolve breached (2%)
        { open: Date.parse('2026-11-12T12:00:00Z'), severity: 'warning', ackAfter: 5 * HOUR, resolveAfter: 24 * HOUR }, // P3: respond breached (0.5%), resolve met
        { open: Date.parse('2026-11-20T08:00:00Z'), severity: 'critical', ackAfter: 5 * MIN, resolveAfter: 30 * MIN }, // P1: both met
      ],
      'nov',
    );
    // December: six P1 breaches, both kinds: 60% before the 20% cap.
    await play(
      h,
      admin,
      Array.from({ length: 6 }, (_, k) => ({
        open: Date.parse('2026-12-02T12:00:00Z') + k * 6 * HOUR,
        severity: 'critical' as const,
        ackAfter: HOUR,
        resolveAfter: 6 * HOUR,
      })),
      'dec',
    );
    h.clock.set('2026-12-20T00:00:00Z');
    await h.settle();
  });
  afterAll(async () => h.close());

  it('the November slice: MTTA, MTTR, attainment and credits as worked out by hand', async () => {
    const m = (await h.api('GET', '/engagements/acme/metrics?from=2026-11-01T00:00:00-04:00&to=2026-12-01T00:00:00-05:00', admin)).json<{
      incidents: number;
      mtta_s: number;
      mttr_s: number;
      sla_attainment_pct: number;
      by_priority: Array<{ priority: string; incidents: number; mtta_s: number }>;
      by_side: Array<{ side: string; incidents: number }>;
      sla_attainment: Array<{ sla: string; priority: string; kind: string; total: number; met: number; breached: number; pct: number }>;
    }>();
    expect(m.incidents).toBe(5);
    expect(m.mtta_s).toBe(((10 + 20 + 25 + 300 + 5) / 5) * 60); // 72 minutes
    expect(m.mttr_s).toBe(((60 + 300 + 540 + 1440 + 30) / 5) * 60); // 474 minutes
    expect(m.by_priority.map((p) => [p.priority, p.incidents, p.mtta_s])).toEqual([
      ['P1', 3, ((10 + 20 + 5) / 3) * 60],
      ['P2', 1, 25 * 60],
      ['P3', 1, 300 * 60],
    ]);
    expect(m.by_side.find((s) => s.side === 'partner')?.incidents).toBe(5);
    expect(m.sla_attainment.map((a) => `${a.sla} ${a.priority} ${a.kind} ${a.met}/${a.total}`)).toEqual([
      'partner-sla P1 resolve 2/3',
      'partner-sla P1 respond 2/3',
      'partner-sla P2 resolve 0/1',
      'partner-sla P2 respond 1/1',
      'partner-sla P3 resolve 1/1',
      'partner-sla P3 respond 0/1',
    ]);
    expect(m.sla_attainment_pct).toBe(60);

    const c = (await h.api('GET', '/engagements/acme/credits?month=2026-11', admin)).json<{
      breaches: Array<{ incident: string; priority: string; kind: string; credit_percent: number }>;
      credit_percent: number;
      credit_amount: number;
      currency: string;
      capped: boolean;
    }>();
    expect(c.breaches.map((b) => `${b.priority} ${b.kind} ${b.credit_percent}`)).toEqual([
      'P1 respond 5',
      'P1 resolve 5',
      'P2 resolve 2',
      'P3 respond 0.5',
    ]);
    expect(c).toMatchObject({ credit_percent: 12.5, credit_amount: 2250, currency: 'USD', capped: false });
  });

  it('December: credits stop at the 20% cap', async () => {
    const c = (await h.api('GET', '/engagements/acme/credits?month=2026-12', admin)).json<{
      breaches: unknown[];
      credit_percent: number;
      credit_amount: number;
      capped: boolean;
    }>();
    expect(c.breaches).toHaveLength(12);
    expect(c).toMatchObject({ credit_percent: 20, credit_amount: 3600, capped: true });
  });

  it('the generated October agrees with an independent tally of its timeline', async () => {
    const list = (await h.api('GET', '/incidents?limit=1000&since=2026-10-01T00:00:00Z', admin)).json<{
      incidents: Array<{ created_at: string; acknowledged_at: string; resolved_at: string; number: string }>;
    }>().incidents;
    const oct = list.filter((i) => i.created_at < '2026-11-01T04:00:00Z');
    expect(oct).toHaveLength(60);
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length / 1000);
    const m = (await h.api('GET', '/engagements/acme/metrics?from=2026-10-01T00:00:00-04:00&to=2026-11-01T00:00:00-04:00', admin)).json<{
      incidents: number;
      mtta_s: number;
      mttr_s: number;
    }>();
    expect(m.incidents).toBe(60);
    expect(m.mtta_s).toBe(mean(oct.map((i) => Date.parse(i.acknowledged_at) - Date.parse(i.created_at))));
    expect(m.mttr_s).toBe(mean(oct.map((i) => Date.parse(i.resolved_at) - Date.parse(i.created_at))));
  });

  it('tandem metrics and tandem credits print the figures the API serves, with the documented JSON keys', () => {
    const db = ['--db', h.db.url];
    const metrics = spawnSync(
      process.execPath,
      [BIN, 'metrics', '--engagement', 'acme', '--from', '2026-11-01T00:00:00-04:00', '--to', '2026-12-01T00:00:00-05:00', '--json', ...db],
      { encoding: 'utf8' },
    );
    expect(metrics.status, metrics.stderr).toBe(0);
    const mj = JSON.parse(metrics.stdout) as Record<string, unknown>;
    for (const key of ['mtta_s', 'mttr_s', 'incidents', 'by_window', 'by_side', 'by_priority', 'sla_attainment'])
      expect(mj).toHaveProperty(key);
    expect(mj['mtta_s']).toBe(4320);
    const credits = spawnSync(process.execPath, [BIN, 'credits', '--engagement', 'acme', '--month', '2026-11', '--json', ...db], {
      encoding: 'utf8',
    });
    expect(credits.status, credits.stderr).toBe(0);
    const cj = JSON.parse(credits.stdout) as Record<string, unknown>;
    for (const key of ['month', 'breaches', 'credit_percent', 'credit_amount', 'currency']) expect(cj).toHaveProperty(key);
    expect((cj['breaches'] as Array<Record<string, unknown>>)[0]).toMatchObject({
      incident: expect.stringMatching(/^ACME-\d+$/),
      sla: 'partner-sla',
      priority: 'P1',
      kind: 'respond',
    });
    expect(cj['credit_amount']).toBe(2250);
    const human = spawnSync(process.execPath, [BIN, 'credits', '--engagement', 'acme', '--month', '2026-11', ...db], { encoding: 'utf8' });
    expect(human.stdout).toContain('credit 12.5% of $18,000 = $2,250');
    const missing = spawnSync(process.execPath, [BIN, 'credits', '--engagement', 'nope', '--month', '2026-11', ...db], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('engagement "nope" is not in');
  });

  it('the monthly review: the API serves HTML with every breach; the CLI writes HTML and a PDF whose first page renders', async () => {
    const res = await h.api('GET', '/engagements/acme/reports/monthly?month=2026-11', admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Acme Payments');
    expect(res.body).toContain('$2,250');
    expect(res.body.match(/ACME-\d+/g)?.length).toBeGreaterThanOrEqual(4);
    const dir = mkdtempSync(join(tmpdir(), 'tandem-review-'));
    const html = spawnSync(
      process.execPath,
      [BIN, 'report', 'monthly', '--engagement', 'acme', '--month', '2026-11', '--out', join(dir, 'review.html'), '--db', h.db.url],
      { encoding: 'utf8' },
    );
    expect(html.status, html.stderr).toBe(0);
    expect(readFileSync(join(dir, 'review.html'), 'utf8')).toContain('<svg');
    if (!hasChromium) return;
    const pdf = spawnSync(
      process.execPath,
      [BIN, 'report', 'monthly', '--engagement', 'acme', '--month', '2026-11', '--out', join(dir, 'review.pdf'), '--db', h.db.url],
      { encoding: 'utf8' },
    );
    expect(pdf.status, pdf.stderr).toBe(0);
    expect(readFileSync(join(dir, 'review.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const png = spawnSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', join(dir, 'review.pdf'), join(dir, 'page')], {
      encoding: 'utf8',
    });
    expect(png.status, png.stderr).toBe(0);
    expect(statSync(join(dir, 'page-1.png')).size).toBeGreaterThan(20_000);
  });
});
