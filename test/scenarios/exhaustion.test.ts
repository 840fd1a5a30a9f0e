/**
 * Resource exhaustion without credentials (issue 8, point 4): a client that
 * trickles its body is cut off, connections past the cap are refused while
 * the server keeps answering, PDF printing shares one browser and refuses
 * what it cannot queue, and one Alertmanager webhook cannot open thousands of
 * incidents on one rate-limit token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const AM_KEY = 'am-payments-3c8e1f';

/** An Alertmanager notification (payload version 4) carrying `n` firing alerts. */
function webhook(n: number, prefix: string): Record<string, unknown> {
  return {
    version: '4',
    status: 'firing',
    receiver: 'tandem',
    groupKey: `{}:{alertname="DiskFull-${prefix}"}`,
    alerts: Array.from({ length: n }, (_, i) => ({ status: 'firing', labels: { alertname: 'DiskFull', instance: `node-${i}` }, annotations: {}, fingerprint: `${prefix}-${i}` })),
  };
}

describe.each(databaseKinds())('an Alertmanager flood, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    // A bucket of 1,000 events that refills at one per second (the virtual clock stands still).
    h = await startHarness(kind, { extraArgs: ['--rate-limit', '1', '--rate-burst', '1000'] });
  });
  afterAll(async () => h.close());

  const stored = async () => (await h.tandem.database.db.selectFrom('events').select('id').where('integration_key', '=', AM_KEY).execute()).length;

  it('a request with 1,001 alerts is refused whole with 413 TOO_MANY_ALERTS and stores nothing', async () => {
    const res = await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(1001, 'big'));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 'invalid event', code: 'TOO_MANY_ALERTS', errors: [expect.stringContaining('at most 1000')] });
    expect(await stored()).toBe(0);
    const metrics = (await h.tandem.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/tandem_events_rejected_total\{integration="alertmanager",reason="too_many_alerts"\} 1/);
  });

  it('each alert costs one token: 900 alerts leave 100 of the burst, so 101 more wait and 100 more pass', async () => {
    expect((await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(900, 'a'))).statusCode).toBe(202);
    const over = await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(101, 'b'));
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBe(1);
    expect((await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(100, 'c'))).statusCode).toBe(202);
    // The bucket is empty now: even one alert waits, until a second has refilled a token.
    expect((await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(1, 'd'))).statusCode).toBe(429);
    h.clock.advance(1000);
    expect((await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(1, 'd'))).statusCode).toBe(202);
    expect(await stored()).toBe(3);
    await h.settle();
    const alerts = await h.tandem.database.db.selectFrom('alerts').select('id').execute();
    expect(alerts).toHaveLength(1001);
  });
});
