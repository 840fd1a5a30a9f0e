import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/clock.js';
import { makeSnsPki, startSnsFake } from '../../test/support/fakes/sns.js';
import type { SnsFake, SnsPki } from '../../test/support/fakes/sns.js';
import { SnsClient, httpsGetter } from './sns-client.js';
import type { HttpsAnswer } from './sns-client.js';

const pki: SnsPki = makeSnsPki();
const HOUR = 3_600_000;

/** A getter that answers from a table and counts its calls. */
function table(answers: Record<string, HttpsAnswer | Error>) {
  const calls: string[] = [];
  const get = async (url: URL): Promise<HttpsAnswer> => {
    calls.push(url.href);
    await new Promise((r) => setTimeout(r, 5));
    const a = answers[url.href];
    if (a === undefined) return { status: 404, body: 'Not Found' };
    if (a instanceof Error) throw a;
    return a;
  };
  return { get, calls };
}

const url = (n: number) => new URL(`https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-${n}.pem`);

describe('the SNS certificate cache', () => {
  it('fetches a certificate once, serves it from memory, and fetches again after a day', async () => {
    const clock = new VirtualClock('2026-11-24T12:00:00Z');
    const t = table({ [url(1).href]: { status: 200, body: pki.signingCertPem } });
    const sns = new SnsClient(t.get, clock);
    expect(await sns.certificate(url(1))).toMatchObject({ ok: true });
    clock.advance(23 * HOUR);
    expect(await sns.certificate(url(1))).toMatchObject({ ok: true });
    expect(t.calls).toHaveLength(1);
    clock.advance(2 * HOUR);
    expect(await sns.certificate(url(1))).toMatchObject({ ok: true });
    expect(t.calls).toHaveLength(2);
  });

  it('a burst of messages signed with a new certificate fetches it once', async () => {
    const t = table({ [url(1).href]: { status: 200, body: pki.signingCertPem } });
    const sns = new SnsClient(t.get, new VirtualClock(0));
    const results = await Promise.all(Array.from({ length: 20 }, () => sns.certificate(url(1))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(t.calls).toHaveLength(1);
  });

  it('keeps at most its bound, dropping the least recently used', async () => {
    const answers = Object.fromEntries([1, 2, 3].map((n) => [url(n).href, { status: 200, body: pki.signingCertPem }]));
    const t = table(answers);
    const sns = new SnsClient(t.get, new VirtualClock(0), { entries: 2 });
    await sns.certificate(url(1));
    await sns.certificate(url(2));
    await sns.certificate(url(1)); // 1 is now the most recent
    await sns.certificate(url(3)); // drops 2
    expect(t.calls).toHaveLength(3);
    await sns.certificate(url(1));
    expect(t.calls).toHaveLength(3);
    await sns.certificate(url(2));
    expect(t.calls).toHaveLength(4);
  });

  it('says unavailable (retry) for no answer or an HTTP error, invalid for a file that is no certificate; neither is cached', async () => {
    const t = table({
      [url(1).href]: new Error('connect ECONNREFUSED'),
      [url(2).href]: { status: 200, body: '<html>hello</html>' },
    });
    const sns = new SnsClient(t.get, new VirtualClock(0));
    expect(await sns.certificate(url(1))).toMatchObject({ ok: false, unavailable: true });
    expect(await sns.certificate(url(2))).toMatchObject({ ok: false, unavailable: false });
    expect(await sns.certificate(url(3))).toMatchObject({ ok: false, unavailable: true, error: 'answered HTTP 404' });
    await sns.certificate(url(1));
    expect(t.calls).toHaveLength(4);
  });
});

describe('fetching over https', () => {
  let fake: SnsFake;
  beforeAll(async () => {
    fake = await startSnsFake(pki);
  });
  afterAll(async () => {
    await fake.close();
  });

  it('trusts an injected CA and reads the certificate', async () => {
    const sns = new SnsClient(httpsGetter({ ca: pki.caPem }), new VirtualClock(0));
    expect(await sns.certificate(new URL(fake.certUrl))).toMatchObject({ ok: true });
  });

  it("refuses a server its trust store does not vouch for (Node's default store here)", async () => {
    const sns = new SnsClient(httpsGetter(), new VirtualClock(0));
    const result = await sns.certificate(new URL(fake.certUrl));
    expect(result).toMatchObject({ ok: false, unavailable: true });
    if (!result.ok) expect(result.error).toMatch(/certificate/i);
  });

  it('never fetches over http, and stops an answer over its size limit', async () => {
    await expect(httpsGetter()(new URL('http://localhost/x.pem'))).rejects.toThrow(/only https/);
    const small = httpsGetter({ ca: pki.caPem, maxBytes: 100 });
    await expect(small(new URL(fake.certUrl))).rejects.toThrow(/over 100 bytes/);
  });
});
