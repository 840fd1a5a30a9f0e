/**
 * Exposure (issue 8, point 5): the inbox's live acknowledge buttons are for
 * admins outside the demo; request logs never carry a respond link's or a
 * calendar feed's token; /metrics can require a token; the pages people open
 * carry a Content-Security-Policy, and their styles and buttons still work
 * under it in a real browser.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../support/chromium.js';
import { databaseKinds } from '../support/databases.js';
import { redactUrl } from '../../src/server/http.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const METRICS_TOKEN = 'metrics-7f3a9c2e5b1d4f60';

type InboxJson = { messages: Array<{ subject: string; incidents: Array<{ number: string; acknowledge: string; resolve: string }> }> };

/** Opens ACME-1 and lets the engine page the on-call engineer (into the inbox). */
async function pageSomeone(h: Harness, summary = 'Payment API is down'): Promise<void> {
  const res = await h.ingest('/v2/enqueue', {
    routing_key: PAYMENTS,
    event_action: 'trigger',
    dedup_key: summary,
    payload: { summary, source: 'probe', severity: 'critical' },
  });
  expect(res.statusCode).toBe(202);
  await h.settle();
}

/** The `style-src` hashes a page's CSP allows must be those of its own <style> blocks and style attributes. */
function expectStylesAllowedByHash(csp: string | undefined, body: string): void {
  expect(csp).toBeDefined();
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  const styles = [...body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
  expect(styles.length).toBeGreaterThan(0);
  for (const s of styles) expect(csp).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
  const attributes = [...body.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1] ?? '');
  for (const s of attributes) expect(csp).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
  expect(body).not.toContain('<script');
}

describe.each(databaseKinds())('the inbox outside the demo, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind); // --notify inbox, without --demo: a staging server
    await pageSomeone(h);
  });
  afterAll(async () => h.close());

  const get = (url: string, headers: Record<string, string> = {}) => h.tandem.http.inject({ url, headers });

  it('needs an admin: 401 without credentials, 403 for a viewer or responder, 200 for an admin token or session', async () => {
    for (const url of ['/inbox', '/inbox.json']) {
      const anonymous = await get(url);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: { code: 'AUTH_REQUIRED' } });
      expect(anonymous.body).not.toContain('/respond/');
      for (const role of ['viewer', 'responder'] as const) {
        const res = await get(url, { authorization: `Bearer ${await h.token(role)}` });
        expect(res.statusCode).toBe(403);
        expect(res.body).not.toContain('/respond/');
      }
    }
    const admin = await h.token('admin');
    const json = await get('/inbox.json', { authorization: `Bearer ${admin}` });
    expect(json.statusCode).toBe(200);
    expect(json.json<InboxJson>().messages[0]?.incidents[0]?.number).toBe('ACME-1');
    // The dashboard's session cookie is how an admin opens /inbox in a browser.
    const signIn = await h.tandem.http.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: admin }),
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    const page = await get('/inbox', { cookie });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Acknowledge ACME-1');
  });

  it("an admin of another engagement sees none of this engagement's messages", async () => {
    const other = await h.token('admin', ['globex']);
    const res = await get('/inbox.json', { authorization: `Bearer ${other}` });
    expect(res.statusCode).toBe(200);
    expect(res.json<InboxJson>().messages).toEqual([]);
  });

  it('the inbox page carries a Content-Security-Policy that allows exactly its own styles', async () => {
    const res = await get('/inbox', { authorization: `Bearer ${await h.token('admin')}` });
    expectStylesAllowedByHash(res.headers['content-security-policy'] as string | undefined, res.body);
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
  });

  it('the respond page and the review carry a Content-Security-Policy too', async () => {
    const messages = (await get('/inbox.json', { authorization: `Bearer ${await h.token('admin')}` })).json<InboxJson>().messages;
    const ack = new URL(messages[0]?.incidents[0]?.acknowledge ?? '').pathname;
    const respond = await get(ack);
    expect(respond.statusCode).toBe(200);
    expectStylesAllowedByHash(respond.headers['content-security-policy'] as string | undefined, respond.body);
    const invalid = await get('/respond/not-a-token');
    expect(invalid.statusCode).toBe(404);
    expectStylesAllowedByHash(invalid.headers['content-security-policy'] as string | undefined, invalid.body);
    const review = await h.api('GET', '/engagements/acme/reports/monthly?month=2026-11', await h.token('viewer'));
    expect(review.statusCode).toBe(200);
    expectStylesAllowedByHash(review.headers['content-security-policy'] as string | undefined, review.body);
  });
});

describe.each(databaseKinds().slice(0, 1))('the demo inbox, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind, { extraArgs: ['--demo'] });
    await pageSomeone(h);
  });
  afterAll(async () => h.close());

  it('stays open to whoever runs the demo', async () => {
    expect((await h.tandem.http.inject({ url: '/inbox' })).statusCode).toBe(200);
    expect((await h.tandem.http.inject({ url: '/inbox.json' })).json<InboxJson>().messages[0]?.incidents[0]?.number).toBe('ACME-1');
  });
});

describe.each(databaseKinds().slice(0, 1))('request logs, on $name', (kind) => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    h = await startHarness(kind, { log: pino({ level: 'info' }, sink) });
    await pageSomeone(h);
  });
  afterAll(async () => h.close());

  it('name the route of respond links and calendar feeds but never their tokens', async () => {
    const admin = await h.token('admin');
    const messages = (await h.tandem.http.inject({ url: '/inbox.json', headers: { authorization: `Bearer ${admin}` } })).json<InboxJson>()
      .messages;
    const ack = new URL(messages[0]?.incidents[0]?.acknowledge ?? '').pathname;
    const respondToken = ack.split('/').pop() ?? '';
    expect(respondToken.length).toBeGreaterThan(20);
    expect((await h.tandem.http.inject({ url: ack })).statusCode).toBe(200);
    expect(
      (
        await h.tandem.http.inject({
          method: 'POST',
          url: `${ack}?from=inbox`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: '',
        })
      ).statusCode,
    ).toBe(200);
    const schedules = (await h.api('GET', '/schedules', admin)).json<{ schedules: Array<{ calendar_url: string }> }>().schedules;
    const feed = new URL(schedules[0]?.calendar_url ?? '').pathname;
    const feedToken = /\/([^/]+)\.ics$/.exec(feed)?.[1] ?? '';
    expect(feedToken.length).toBeGreaterThan(20);
    expect((await h.tandem.http.inject({ url: feed })).statusCode).toBe(200);

    const requests = lines.map((l) => JSON.parse(l) as { msg: string; url?: string; route?: string }).filter((l) => l.msg === 'request');
    const respondLines = requests.filter((l) => l.route === '/respond/:token');
    expect(respondLines.map((l) => l.url)).toEqual(['/respond/[redacted]', '/respond/[redacted]?from=inbox']);
    const feedLines = requests.filter((l) => l.route?.startsWith('/calendars/'));
    expect(feedLines.map((l) => l.url)).toEqual([feed.replace(feedToken, '[redacted]')]);
    const all = lines.join('\n');
    expect(all).not.toContain(respondToken);
    expect(all).not.toContain(feedToken);
  });

  it('name the route of integrations and ticket webhooks but never their keys', async () => {
    const before = lines.length;
    const key = 'c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8';
    expect((await h.ingest(`/integrations/generic/${key}`, { summary: 'x' })).statusCode).toBe(404);
    expect((await h.ingest('/integrations/ticketing/jira-in-7c2e0d', { webhookEvent: 'comment_created' })).statusCode).toBe(404);
    const logged = lines
      .slice(before)
      .map((l) => JSON.parse(l) as { msg: string; url?: string })
      .filter((l) => l.msg === 'request');
    expect(logged.map((l) => l.url)).toEqual(['/integrations/generic/[redacted]', '/integrations/ticketing/[redacted]']);
    expect(lines.slice(before).join('\n')).not.toContain(key);
    expect(lines.slice(before).join('\n')).not.toContain('jira-in-7c2e0d');
  });

  it("never log a sign-in callback's code or state", () => {
    expect(redactUrl('/auth/callback?code=c0de-123&state=st4te&iss=x')).toBe('/auth/callback?code=[redacted]&state=[redacted]&iss=x');
  });
});

describe.each(databaseKinds().slice(0, 1))('/metrics with --metrics-token, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind, { extraArgs: ['--metrics-token', METRICS_TOKEN] });
  });
  afterAll(async () => h.close());

  it('answers 401 without the token or with a wrong one, and the metrics with it', async () => {
    const anonymous = await h.tandem.http.inject({ url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'AUTH_REQUIRED', field: 'Authorization' } });
    expect(anonymous.body).not.toContain('engagement=');
    const wrong = await h.tandem.http.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-0000000000000000' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
    const right = await h.tandem.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('tandem_http_requests_total');
  });

  it('refuses a token too short to be a secret at start-up', async () => {
    await expect(startHarness(kind, { extraArgs: ['--metrics-token', 'short'] })).rejects.toThrow(
      /--metrics-token: use at least 16 printable characters/,
    );
  });
});

const browserName = HAS_CHROMIUM
  ? 'the pages under their Content-Security-Policy, in Chromium'
  : `the pages under their Content-Security-Policy ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(browserName, () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    const [kind] = databaseKinds();
    if (!kind) throw new Error('no database');
    h = await startHarness(kind, { listen: true, extraArgs: ['--demo'] });
    browser = await launchChromium();
    await pageSomeone(h);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it("the inbox's styles apply and its Acknowledge button works; the review's styles apply; nothing is refused", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    await page.goto(`${h.tandem.url ?? ''}/inbox`);
    const button = page.getByRole('button', { name: 'Acknowledge ACME-1' });
    // The layout's stylesheet applied: the primary button has the accent background and rounded corners.
    expect(await button.evaluate((b) => getComputedStyle(b).borderRadius)).toBe('8px');
    expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    await button.click();
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toMatch(/Acknowledged by /);
    const incident = await h.tandem.database.db.selectFrom('incidents').select('status').where('number', '=', 1).executeTakeFirstOrThrow();
    expect(incident.status).toBe('acknowledged');

    await context.setExtraHTTPHeaders({ authorization: `Bearer ${await h.token('viewer')}` });
    await page.goto(`${h.tandem.url ?? ''}/api/v1/engagements/acme/reports/monthly?month=2026-11`);
    // The review's stylesheet applied (by hash), and its charts' style attributes (by 'unsafe-hashes').
    expect(
      await page
        .locator('.eyebrow')
        .first()
        .evaluate((e) => getComputedStyle(e).textTransform),
    ).toBe('uppercase');
    expect(
      await page
        .locator('svg[style]')
        .first()
        .evaluate((e) => getComputedStyle(e).display),
    ).toBe('block');
    expect(refused).toEqual([]);
    await context.close();
  }, 60_000);
});
