/**
 * The burnout figure: pages per person, and the night pages (22:00-07:00 in
 * the person's own time zone, not the engagement's) and after-hours pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

describe.each(databaseKinds())('pages per person, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    admin = await h.token('admin');
    // Each incident is acknowledged as soon as its first page went out, so each pages one person once.
    const page = async (at: string, key: string, n: number) => {
      h.clock.set(at);
      expect(
        (
          await h.ingest('/v2/enqueue', {
            routing_key: key,
            event_action: 'trigger',
            dedup_key: `p${n}`,
            payload: { summary: `page ${n}`, source: 's', severity: 'critical' },
          })
        ).statusCode,
      ).toBe(202);
      await h.settle();
      expect((await h.api('POST', `/incidents/ACME-${n}/acknowledge`, admin)).statusCode).toBe(200);
      await h.settle();
    };
    await page('2026-11-25T04:47:00Z', STOREFRONT, 1); // Ana (New York): 23:47 her time
    await page('2026-11-25T15:00:00Z', PAYMENTS, 2); // Lee (New York): 10:00, business hours
    await page('2026-11-25T23:30:00Z', STOREFRONT, 3); // Sam (London): 23:30 his time, 18:30 in New York
  });
  afterAll(async () => h.close());

  it("counts each person's pages, the night ones in their own time zone, and the after-hours ones", async () => {
    const m = (await h.api('GET', '/engagements/acme/metrics?from=2026-11-01T00:00:00-04:00&to=2026-12-01T00:00:00-05:00', admin)).json<{
      pages: Array<{ person: string; pages: number; night_pages: number; after_hours_pages: number }>;
    }>();
    const byPerson = Object.fromEntries(m.pages.map((p) => [p.person, [p.pages, p.night_pages, p.after_hours_pages]]));
    expect(byPerson).toEqual({ ana: [1, 1, 1], sam: [1, 1, 1], lee: [1, 0, 0] });
  });
});
