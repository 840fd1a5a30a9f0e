import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookReceiver } from '../../test/support/receivers/http.js';
import type { WebhookReceiver } from '../../test/support/receivers/http.js';
import { signTandemPayload, verifyTandemSignature } from './signature.js';
import { bundleMessage, incident, pageMessage, START, testClock } from './test-fixtures.js';
import { WebhookChannel } from './webhook.js';

const SECRET = 'whsec_test_5f2c9a';
const HOOK = 'https://ops.nightowl.example/hooks/sam';

describe('signature', () => {
  const now = Date.parse(START);
  const body = '{"type":"tandem.page"}';

  it('verifies what it signed', () => {
    expect(verifyTandemSignature(signTandemPayload(body, SECRET, now), body, SECRET, now)).toBe(true);
    expect(verifyTandemSignature(signTandemPayload(body, SECRET, now), Buffer.from(body), SECRET, now + 299_000)).toBe(true);
  });

  it('is the documented HMAC of "<t>.<body>"', async () => {
    const { createHmac } = await import('node:crypto');
    const t = Math.floor(now / 1000);
    expect(signTandemPayload(body, SECRET, now)).toBe(`t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`);
  });

  it('rejects a tampered body, another secret, a stale or future timestamp, and junk', () => {
    const header = signTandemPayload(body, SECRET, now);
    expect(verifyTandemSignature(header, body.replace('page', 'test'), SECRET, now)).toBe(false);
    expect(verifyTandemSignature(header, body, 'other-secret', now)).toBe(false);
    expect(verifyTandemSignature(header, body, SECRET, now + 301_000)).toBe(false);
    expect(verifyTandemSignature(header, body, SECRET, now - 301_000)).toBe(false);
    expect(verifyTandemSignature(header, body, SECRET, now + 600_000, 900)).toBe(true);
    expect(verifyTandemSignature('v1=abc', body, SECRET, now)).toBe(false);
    expect(verifyTandemSignature(undefined, body, SECRET, now)).toBe(false);
    expect(verifyTandemSignature(header, body, '', now)).toBe(false);
  });

  it('accepts any matching v1 (secret rotation)', () => {
    const t = Math.floor(now / 1000);
    const old = signTandemPayload(body, 'old-secret', now).split(',')[1] ?? '';
    const current = signTandemPayload(body, SECRET, now).split(',')[1] ?? '';
    expect(verifyTandemSignature(`t=${t},${old},${current}`, body, SECRET, now)).toBe(true);
  });
});

describe('webhook channel against a verifying receiver', () => {
  let receiver: WebhookReceiver;
  let channel: WebhookChannel;
  const clock = testClock();

  beforeAll(async () => {
    receiver = await webhookReceiver(SECRET, { clock });
    channel = new WebhookChannel({ clock, timeoutMs: 2_000, secret: SECRET, version: '0.1.0', baseUrl: receiver.url });
  });
  afterEach(() => {
    receiver.requests.length = 0;
    receiver.verified.length = 0;
  });
  afterAll(async () => {
    await receiver.close();
  });

  const message = (overrides = {}) => pageMessage({ channel: 'webhook', to: HOOK, ...overrides });

  it('posts the documented body and headers; the signature verifies', async () => {
    expect(await channel.send(message())).toEqual({ status: 'delivered', detail: 'HTTP 200' });
    const [request] = receiver.requests;
    expect(request?.path).toBe('/hooks/sam');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('Tandem/0.1.0');
    expect(request?.headers['tandem-delivery']).toBe('dlv_01JD8X2R7Q4M9');
    expect(request?.headers['tandem-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(receiver.verified).toEqual([true]);
    const ref = incident(42);
    expect(request?.body).toEqual({
      type: 'tandem.page',
      id: 'dlv_01JD8X2R7Q4M9',
      sentAt: '2026-11-24T23:47:00.000Z',
      engagement: { id: 'acme', name: 'Acme Payments' },
      recipient: { kind: 'person', id: 'sam', name: 'Sam Okafor' },
      reason: 'Tier 1 of partner-noc (after hours: partner owns infrastructure)',
      incidents: [{ ...ref, createdAt: '2026-11-24T23:47:00.000Z' }],
    });
  });

  it('a tampered body fails verification at the receiver (401, permanent)', async () => {
    // Replay the real request with one byte changed, as an attacker in the middle would.
    await channel.send(message());
    const [original] = receiver.requests;
    const signature = String(original?.headers['tandem-signature']);
    const response = await fetch(receiver.urlFor('/hooks/sam'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tandem-signature': signature },
      body: (original?.rawBody ?? '').replace('Payment API down', 'Payment API fine'),
    });
    expect(response.status).toBe(401);
    expect(receiver.verified).toEqual([true, false]);
  });

  it('a channel with the wrong secret gets 401, permanent', async () => {
    const wrong = new WebhookChannel({ clock, timeoutMs: 2_000, secret: 'not-the-secret', version: '0.1.0', baseUrl: receiver.url });
    expect(await wrong.send(message())).toEqual({ status: 'permanent', error: 'webhook HTTP 401 {"error":"invalid signature"}' });
  });

  it('bundle: type tandem.bundle, every incident with ISO times, bundle links', async () => {
    const bundle = bundleMessage(3, { channel: 'webhook', to: HOOK });
    await channel.send(bundle);
    const body = receiver.requests[0]?.body as {
      type: string;
      incidents: Array<{ number: string; createdAt: string }>;
      overviewUrl: string;
    };
    expect(body.type).toBe('tandem.bundle');
    expect(body.incidents.map((i) => i.number)).toEqual(['ACME-100', 'ACME-101', 'ACME-102']);
    expect(body.incidents[0]?.createdAt).toBe('2026-11-24T23:47:00.000Z');
    expect(body.overviewUrl).toBe(bundle.overviewUrl);
  });

  it('the delivery id is the same on a retry; the signature is fresh', async () => {
    receiver.failNext(1, 503, 'busy');
    expect((await channel.send(message())).status).toBe('retryable');
    clock.advance(60_000);
    expect((await channel.send(message())).status).toBe('delivered');
    const [first, second] = receiver.requests;
    expect(first?.headers['tandem-delivery']).toBe(second?.headers['tandem-delivery']);
    expect(first?.headers['tandem-signature']).not.toBe(second?.headers['tandem-signature']);
    expect(receiver.verified).toEqual([true, true]);
  });

  it.each([
    [410, 'permanent'],
    [404, 'permanent'],
    [422, 'permanent'],
    [408, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ] as const)('%i is %s', async (status, expected) => {
    receiver.failNext(1, status, 'nope');
    expect(await channel.send(message())).toMatchObject({ status: expected, error: `webhook HTTP ${status} nope` });
  });

  it('429 Retry-After seconds become retryAfterMs', async () => {
    receiver.failNext(1, 429, 'slow down', { 'retry-after': '120' });
    expect(await channel.send(message())).toEqual({ status: 'retryable', error: 'webhook HTTP 429 slow down', retryAfterMs: 120_000 });
  });

  it('a port fetch refuses (e.g. 25) is permanent', async () => {
    const smtpPort = new WebhookChannel({ clock, timeoutMs: 1_000, secret: SECRET, version: '0.1.0' });
    expect(await smtpPort.send(message({ to: 'http://127.0.0.1:25/hook' }))).toMatchObject({
      status: 'permanent',
      error: expect.stringContaining('bad port'),
    });
  });

  it('a redirect is not followed and is permanent', async () => {
    receiver.failNext(1, 301, '', { location: 'https://ops.nightowl.example/hooks/v2/sam' });
    expect(await channel.send(message())).toEqual({
      status: 'permanent',
      error: 'webhook HTTP 301 (redirected to https://ops.nightowl.example/hooks/v2/sam; update the URL)',
    });
  });

  it('no answer within the timeout is retryable; connection refused is retryable', async () => {
    const impatient = new WebhookChannel({ clock, timeoutMs: 150, secret: SECRET, version: '0.1.0', baseUrl: receiver.url });
    receiver.hangNext();
    expect(await impatient.send(message())).toEqual({ status: 'retryable', error: 'timed out after 150 ms' });
    const gone = await webhookReceiver(SECRET, { clock });
    const port = gone.port;
    await gone.close();
    const nowhere = new WebhookChannel({ clock, timeoutMs: 1_000, secret: SECRET, version: '0.1.0', baseUrl: `http://127.0.0.1:${port}` });
    expect(await nowhere.send(message())).toMatchObject({ status: 'retryable', error: expect.stringContaining('ECONNREFUSED') });
  });
});
