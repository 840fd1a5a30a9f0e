/**
 * The incident list as integrators use it: newest first, filters, cursor
 * paging that neither skips nor repeats; and the per-key rate limit (429 with
 * Retry-After; nothing stored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

interface Listed {
  number: string;
  priority: string;
  status: string;
  service: { id: string };
}

describe.each(databaseKinds())('listing incidents, on $name', (kind) => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:00:00Z' });
    token = await h.token('viewer');
    // Seven incidents, a minute apart: payments (P1) and storefront (P2 when 'error').
    for (let i = 1; i <= 7; i++) {
      const key = i % 2 ? PAYMENTS : STOREFRONT;
      expect(
        (
          await h.ingest('/v2/enqueue', {
            routing_key: key,
            event_action: 'trigger',
            dedup_key: `k${i}`,
            payload: { summary: `incident ${i}`, source: 's', severity: i % 2 ? 'critical' : 'error' },
          })
        ).statusCode,
      ).toBe(202);
      await h.settle();
      h.clock.advance(60_000);
    }
    const admin = await h.token('admin');
    expect((await h.api('POST', '/incidents/ACME-2/resolve', admin)).statusCode).toBe(200);
  });
  afterAll(async () => h.close());

  const list = async (q: string) =>
    (await h.api('GET', `/incidents${q}`, token)).json<{ incidents: Listed[]; next_cursor: string | null }>();

  it('pages newest first with a cursor, without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.incidents.map((i) => i.number));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(['ACME-7', 'ACME-6', 'ACME-5', 'ACME-4', 'ACME-3', 'ACME-2', 'ACME-1']);
  });

  it('filters by status, priority, service and since, together', async () => {
    expect((await list('?status=resolved')).incidents.map((i) => i.number)).toEqual(['ACME-2']);
    expect((await list('?priority=P2')).incidents.map((i) => i.number)).toEqual(['ACME-6', 'ACME-4', 'ACME-2']);
    expect((await list('?service=payments-api&status=triggered')).incidents.map((i) => i.number)).toEqual([
      'ACME-7',
      'ACME-5',
      'ACME-3',
      'ACME-1',
    ]);
    expect((await list('?since=2026-11-25T04:04:00Z')).incidents.map((i) => i.number)).toEqual(['ACME-7', 'ACME-6', 'ACME-5']);
    expect((await list('?status=triggered,acknowledged&priority=P2&limit=1')).incidents.map((i) => i.number)).toEqual(['ACME-6']);
  });
});

describe.each(databaseKinds().slice(0, 1))('the per-key rate limit, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind, { extraArgs: ['--rate-limit', '5', '--rate-burst', '3'] });
  });
  afterAll(async () => h.close());

  it('answers 429 with Retry-After past the burst, stores nothing for it, and counts it; other keys are not affected', async () => {
    const send = (key: string, n: number) =>
      h.ingest('/v2/enqueue', {
        routing_key: key,
        event_action: 'trigger',
        dedup_key: `r${n}`,
        payload: { summary: 'x', source: 's', severity: 'info' },
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(PAYMENTS, i)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    const limited = await send(PAYMENTS, 9);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json()).toMatchObject({ status: 'throttle event' });
    expect((await send(STOREFRONT, 1)).statusCode).toBe(202);
    // After the bucket refills, the key sends again.
    h.clock.advance(1000);
    expect((await send(PAYMENTS, 10)).statusCode).toBe(202);
    const stored = await h.tandem.database.db.selectFrom('events').select('id').where('integration_key', '=', PAYMENTS).execute();
    expect(stored).toHaveLength(4);
    const metrics = (await h.tandem.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/tandem_events_rejected_total\{integration="pagerduty",reason="rate_limited"\} 3/);
  });
});
