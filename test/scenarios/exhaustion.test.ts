/**
 * Resource exhaustion without credentials (issue 8, point 4): a client that
 * trickles its body is cut off, connections past the cap are refused while
 * the server keeps answering, PDF printing shares one browser and refuses
 * what it cannot queue, and one Alertmanager webhook cannot open thousands of
 * incidents on one rate-limit token.
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON } from '../support/chromium.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { PdfBusyError, PdfPrinter } from '../../src/report/pdf.js';

const AM_KEY = 'am-payments-3c8e1f';

/** An Alertmanager notification (payload version 4) carrying `n` firing alerts. */
function webhook(n: number, prefix: string): Record<string, unknown> {
  return {
    version: '4',
    status: 'firing',
    receiver: 'tandem',
    groupKey: `{}:{alertname="DiskFull-${prefix}"}`,
    alerts: Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: `node-${i}` },
      annotations: {},
      fingerprint: `${prefix}-${i}`,
    })),
  };
}

/** A plain GET on a connection of its own (no keep-alive pool): the status, or the socket error. */
function get(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a TCP connection to the server and sends the start of a request that never finishes. */
async function slowClient(base: string): Promise<Socket> {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  socket.write('GET /healthz HTTP/1.1\r\nHost: tandem\r\n');
  return socket;
}

/** Waits (boundedly) until `check` holds: the server's own connection count, not the wall clock, decides. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.each(databaseKinds().slice(0, 1))('slow clients on a listening server, on $name', (kind) => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness(kind, { listen: true, extraArgs: ['--request-timeout-ms', '300'] });
    base = h.tandem.url ?? '';
  });
  afterAll(async () => h.close());

  it('a client that trickles its body forever is cut off with 408 once the request timeout passes', async () => {
    const url = new URL(base);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    socket.write(`POST /v2/enqueue HTTP/1.1\r\nHost: tandem\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
    // One byte every 20 ms, at most 200 of them: the client gives up by itself if the server never does.
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent >= 200) socket.end();
      else if (socket.writable) {
        socket.write(' ');
        sent += 1;
      }
    }, 20);
    await closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(200);
    // The server is unharmed.
    expect(await get(base, '/healthz')).toBe(200);
  }, 20_000);
});

describe.each(databaseKinds().slice(0, 1))('the connection cap, on $name', (kind) => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness(kind, { listen: true, extraArgs: ['--max-connections', '3'] });
    base = h.tandem.url ?? '';
  });
  afterAll(async () => h.close());

  const connections = () =>
    new Promise<number>((resolve, reject) => h.tandem.http.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

  it('refuses connections past the cap, and /healthz answers again once they close', async () => {
    expect(await get(base, '/healthz')).toBe(200);
    await until('the health check connection to close', async () => (await connections()) === 0);
    const slow = [await slowClient(base), await slowClient(base), await slowClient(base)];
    try {
      await until('three open connections', async () => (await connections()) === 3);
      // A fourth connection is closed at once: the server keeps its file descriptors.
      await expect(get(base, '/healthz')).rejects.toThrow();
      expect(await connections()).toBe(3);
    } finally {
      for (const s of slow) s.destroy();
    }
    await until('the slow connections to close', async () => (await connections()) === 0);
    expect(await get(base, '/healthz')).toBe(200);
  }, 20_000);
});

const pdfName = HAS_CHROMIUM
  ? 'PDF reviews for many viewers at once, in Chromium'
  : `PDF reviews for many viewers at once ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(pdfName, () => {
  let h: Harness;
  beforeAll(async () => {
    const [kind] = databaseKinds();
    if (!kind) throw new Error('no database');
    h = await startHarness(kind, { extraArgs: ['--pdf-renders', '2', '--pdf-queue', '2'] });
  });
  afterAll(async () => h?.close());

  it('eight requests at once: one shared browser, two renders at a time, two wait, the rest get 429 with Retry-After', async () => {
    const viewer = await h.token('viewer');
    const pdf = () => h.api('GET', '/engagements/acme/reports/monthly?month=2026-11&format=pdf', viewer);
    const answers = await Promise.all(Array.from({ length: 8 }, pdf));
    const printed = answers.filter((r) => r.statusCode === 200);
    const refused = answers.filter((r) => r.statusCode === 429);
    // Two render and two wait while the shared browser starts; the rest are refused. (A render that
    // finishes before the last request arrives frees a slot, so on some machines more are printed.)
    expect(printed.length + refused.length).toBe(8);
    expect(printed.length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of printed) expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    for (const r of refused) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(r.json()).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringContaining('retry after') } });
    }
    expect(h.tandem.pdf.stats).toEqual({ launches: 1, peakRenders: 2, rendering: 0, waiting: 0 });
    // The next request prints in the same browser.
    expect((await pdf()).statusCode).toBe(200);
    expect(h.tandem.pdf.stats.launches).toBe(1);
  }, 120_000);

  it('a request the printer would refuse is refused before its review is built', async () => {
    const printer = new PdfPrinter({ renders: 1, queue: 0 });
    try {
      const printing = printer.print('<!doctype html><title>t</title><h1>Held</h1>');
      expect(() => printer.ensureRoom()).toThrow(PdfBusyError);
      expect((await printing).subarray(0, 5).toString()).toBe('%PDF-');
      expect(() => printer.ensureRoom()).not.toThrow();
    } finally {
      await printer.close();
    }
  }, 120_000);
});

describe.each(databaseKinds())('an Alertmanager flood, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    // A bucket of 1,000 events that refills at one per second (the virtual clock stands still).
    h = await startHarness(kind, { extraArgs: ['--rate-limit', '1', '--rate-burst', '1000'] });
  });
  afterAll(async () => h.close());

  const stored = async () =>
    (await h.tandem.database.db.selectFrom('events').select('id').where('integration_key', '=', AM_KEY).execute()).length;

  it('a request with 1,001 alerts is refused whole with 413 TOO_MANY_ALERTS and stores nothing', async () => {
    const res = await h.ingest(`/integrations/alertmanager/${AM_KEY}`, webhook(1001, 'big'));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      status: 'invalid event',
      code: 'TOO_MANY_ALERTS',
      errors: [expect.stringContaining('at most 1000')],
    });
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
