/**
 * Email subscribers of the public status page (issue 13): Dana, a customer,
 * subscribes to Payments on /status/acme, confirms through the link in the
 * mail, gets one mail when an admin publishes a note about Payments (with
 * the note only and the RFC 8058 unsubscribe headers), unsubscribes with one
 * POST, and hears nothing of the next update. An address never confirmed
 * gets nothing, a link older than 48 hours is refused, a bad address is a
 * 400 naming `email`, and the form cannot be used to mail someone over and
 * over (429). The mails go through a real SMTP server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { startSmtpReceiver } from '../support/receivers/smtp.js';
import type { ReceivedMail, SmtpReceiver } from '../support/receivers/smtp.js';
import { statusDemo } from '../support/status-page.js';

const PUBLIC = 'https://status.acme.example';
const SUBSCRIBE_ANSWER =
  'If this address can be subscribed, a confirmation link is on its way to it. Open it within 48 hours to start receiving notices.';

let client = 0;
/** Each request from its own client address, unless one is given (the per-IP limit is tested on its own). */
export async function subscribe(
  h: Harness,
  body: unknown,
  options: { form?: boolean; ip?: string; raw?: boolean } = {},
): Promise<LightMyRequestResponse> {
  client += 1;
  const form = options.form === true;
  return h.tandem.http.inject({
    method: 'POST',
    url: '/status/acme/subscribe',
    remoteAddress: options.ip ?? `10.0.${Math.floor(client / 250)}.${client % 250}`,
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    payload: form || options.raw === true ? String(body) : JSON.stringify(body),
  });
}

/** The link in a mail that starts with this URL prefix, as a path. */
function link(mail: ReceivedMail, kind: 'confirm' | 'unsubscribe'): string {
  const m = new RegExp(`${PUBLIC}(/status/acme/${kind}/[A-Za-z0-9_-]+)`).exec(mail.text);
  if (m?.[1] === undefined) throw new Error(`no ${kind} link in ${mail.text}`);
  return m[1];
}

const to = (smtp: SmtpReceiver, address: string) => smtp.messages.filter((m) => m.envelope.to.includes(address));

describe.each(databaseKinds())('status page email subscribers, on $name', (kind) => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let dir: string;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-subscribers-'));
    smtp = await startSmtpReceiver();
    h = await startHarness(kind, {
      config: [statusDemo(dir)],
      start: '2026-11-24T22:00:00Z',
      extraArgs: ['--public-url', PUBLIC, '--notify', 'live', '--smtp-url', smtp.url, '--email-from', 'Acme status <status@acme.example>'],
    });
    admin = await h.token('admin');
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes, confirms, mails each note once with unsubscribe headers, and stops after one-click unsubscribe', async () => {
    const page = await h.tandem.http.inject({ method: 'GET', url: '/status/acme' });
    expect(page.body).toContain('<form class="subscribe" method="post" action="/status/acme/subscribe">');
    expect(page.body).toContain('value="Payments"');

    const asked = await subscribe(h, { email: '  Dana@Example.COM ', components: ['payments'] });
    expect(asked.statusCode).toBe(202);
    expect(asked.json()).toEqual({ status: 'pending', message: SUBSCRIBE_ANSWER });
    // Nothing is sent inside the request: the delivery loop sends it.
    expect(smtp.messages).toHaveLength(0);
    // Lee subscribes through the page's form, and never confirms.
    const lee = await subscribe(h, 'email=lee%40example.com&components=Payments&components=Online+shop', { form: true });
    expect(lee.statusCode).toBe(200);
    expect(lee.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(lee.body).toContain('a confirmation link is on its way');
    await h.settle();

    const [confirm] = to(smtp, 'dana@example.com');
    expect(confirm?.subject).toBe('Confirm your subscription to Acme IT services');
    expect(confirm?.header('from')).toBe('Acme status <status@acme.example>');
    expect(confirm?.text).toContain('about Payments');
    expect(confirm?.header('list-unsubscribe')).toMatch(
      /^<https:\/\/status\.acme\.example\/status\/acme\/unsubscribe\/[A-Za-z0-9_-]{43}>$/,
    );
    expect(to(smtp, 'lee@example.com')).toHaveLength(1);
    if (confirm === undefined) throw new Error('no confirmation');

    const opened = await h.tandem.http.inject({ method: 'GET', url: link(confirm, 'confirm') });
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('Subscribed');
    // A used link does nothing more.
    expect((await h.tandem.http.inject({ method: 'GET', url: link(confirm, 'confirm') })).statusCode).toBe(404);

    // Asking again for a subscribed address: the same answer, and no mail.
    const again = await subscribe(h, { email: 'dana@example.com' });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ status: 'pending', message: SUBSCRIBE_ANSWER });
    await h.settle();
    expect(to(smtp, 'dana@example.com')).toHaveLength(1);

    h.clock.set('2026-11-24T22:10:00Z');
    const published = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Card payments failing',
      components: ['Payments'],
      state: 'outage',
      text: 'Card payments fail for some customers. We are working on it.',
    });
    expect(published.statusCode).toBe(201);
    const noteId = published.json<{ note: { id: number } }>().note.id;
    await h.settle();
    await h.settle();
    const mails = to(smtp, 'dana@example.com');
    expect(mails).toHaveLength(2);
    const note = mails[1];
    if (note === undefined) throw new Error('no note mail');
    expect(note.subject).toBe('[Acme IT services] Card payments failing: Outage');
    expect(note.text).toContain('Card payments fail for some customers. We are working on it.');
    expect(note.text).toContain('Payments');
    expect(note.text).toContain('https://status.acme.example/status/acme');
    // Only what the page shows: never who wrote it.
    expect(note.text).not.toMatch(/admin|test-admin|token/i);
    expect(note.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(note.header('list-unsubscribe')).toBe(`<${PUBLIC}${link(note, 'unsubscribe')}>`);
    expect(note.header('auto-submitted')).toBe('auto-generated');
    // Lee never confirmed: nothing.
    expect(to(smtp, 'lee@example.com')).toHaveLength(1);

    // An update of a note about the Online shop only: Dana follows Payments, so nothing.
    const shop = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Shop slow',
      components: ['Online shop'],
      state: 'degraded',
      text: 'Pages load slowly.',
    });
    expect(shop.statusCode).toBe(201);
    await h.settle();
    expect(to(smtp, 'dana@example.com')).toHaveLength(2);

    // The unsubscribe page on GET shows a button and changes nothing; one POST (RFC 8058) unsubscribes.
    const shown = await h.tandem.http.inject({ method: 'GET', url: link(note, 'unsubscribe') });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('<form method="post">');
    const oneClick = await h.tandem.http.inject({
      method: 'POST',
      url: link(note, 'unsubscribe'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    expect(oneClick.body).toContain('Unsubscribed');

    const updated = await h.api('POST', `/status-notes/${noteId}/updates`, admin, { text: 'Fixed for most customers.', state: 'degraded' });
    expect(updated.statusCode).toBe(201);
    const resolved = await h.api('POST', `/status-notes/${noteId}/resolve`, admin);
    expect(resolved.statusCode).toBe(200);
    await h.settle();
    expect(to(smtp, 'dana@example.com')).toHaveLength(2);
    expect(to(smtp, 'lee@example.com')).toHaveLength(1);
  });

  it('mails every update and the resolution to a subscriber of all components, each once', async () => {
    const before = smtp.messages.length;
    await subscribe(h, { email: 'kim@example.com' });
    await h.settle();
    const [confirm] = to(smtp, 'kim@example.com');
    if (confirm === undefined) throw new Error('no confirmation');
    expect(confirm.text).toContain('about every component');
    expect((await h.tandem.http.inject({ method: 'GET', url: link(confirm, 'confirm') })).statusCode).toBe(200);
    const published = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Sign-in slow',
      components: ['Staff devices and sign-in'],
      state: 'degraded',
      text: 'Sign-in takes a minute.',
    });
    const id = published.json<{ note: { id: number } }>().note.id;
    await h.api('POST', `/status-notes/${id}/updates`, admin, { text: 'Still slow, a fix is rolling out.' });
    await h.api('POST', `/status-notes/${id}/resolve`, admin, { text: 'Sign-in is fast again.' });
    await h.settle();
    await h.settle();
    const kim = to(smtp, 'kim@example.com').map((m) => m.subject);
    expect(kim).toEqual([
      'Confirm your subscription to Acme IT services',
      '[Acme IT services] Sign-in slow: Degraded performance',
      '[Acme IT services] Sign-in slow: Degraded performance',
      '[Acme IT services] Sign-in slow: Resolved',
    ]);
    expect(smtp.messages.length - before).toBe(4);
  });

  it('retries a mail the SMTP server defers (451) with backoff and sends it once; a refused one (550) is not retried', async () => {
    for (const email of ['later@example.com', 'gone@example.com']) {
      await subscribe(h, { email });
      await h.settle();
      const [confirm] = to(smtp, email);
      if (confirm === undefined) throw new Error(`no confirmation for ${email}`);
      expect((await h.tandem.http.inject({ method: 'GET', url: link(confirm, 'confirm') })).statusCode).toBe(200);
    }
    const deferred = { pattern: /^later@example\.com$/, code: 451 };
    smtp.reject(deferred);
    smtp.reject({ pattern: /^gone@example\.com$/, code: 550 });
    const published = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Refunds delayed',
      components: ['Payments'],
      state: 'degraded',
      text: 'Refunds take a day longer.',
    });
    expect(published.statusCode).toBe(201);
    const refunds = (email: string) => to(smtp, email).filter((m) => m.subject.includes('Refunds delayed'));
    await h.settle();
    expect(refunds('later@example.com')).toHaveLength(0);
    // Not again before its time: 30 s after the first failure, then 1 minute after the second.
    await h.settle();
    h.clock.advance(30_000);
    await h.settle();
    h.clock.advance(59_000);
    await h.settle();
    expect(refunds('later@example.com')).toHaveLength(0);
    deferred.pattern = /^$/;
    h.clock.advance(1_000);
    await h.settle();
    expect(refunds('later@example.com')).toHaveLength(1);
    h.clock.advance(3_600_000);
    await h.settle();
    expect(refunds('later@example.com')).toHaveLength(1);
    expect(refunds('gone@example.com')).toHaveLength(0);
  });

  it('refuses a confirmation link older than 48 hours', async () => {
    await subscribe(h, { email: 'late@example.com' });
    await h.settle();
    const [confirm] = to(smtp, 'late@example.com');
    if (confirm === undefined) throw new Error('no confirmation');
    h.clock.advance(48 * 3_600_000 + 1_000);
    const opened = await h.tandem.http.inject({ method: 'GET', url: link(confirm, 'confirm') });
    expect(opened.statusCode).toBe(410);
    expect(opened.body).toContain('more than 48 hours old');
    expect((await h.tandem.http.inject({ method: 'GET', url: '/status/acme/confirm/not-a-token' })).statusCode).toBe(404);
  });

  it('answers 400 naming the field for a bad address or component', async () => {
    for (const email of ['', 'not-an-email', 'a@b', 'a@@b.example', 'a b@c.example', `${'x'.repeat(250)}@c.example`, 5, null]) {
      const res = await subscribe(h, { email });
      expect(res.statusCode, String(email)).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'INVALID_BODY', field: 'email' } });
    }
    const missing = await subscribe(h, 'components=Payments', { form: true });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'INVALID_BODY', field: 'email' } });
    const component = await subscribe(h, { email: 'ok@example.com', components: ['Billing'] });
    expect(component.statusCode).toBe(400);
    expect(component.json()).toMatchObject({ error: { code: 'INVALID_BODY', field: 'components' } });
    const json = await subscribe(h, '{"email":', { raw: true });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ error: { code: 'INVALID_JSON' } });
    // Unknown engagement and one without a status page: the same 404.
    const res = await h.tandem.http.inject({
      method: 'POST',
      url: '/status/globex/subscribe',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"a@example.com"}',
    });
    expect(res.statusCode).toBe(404);
  });

  it('limits requests per address and per client (429 with Retry-After)', async () => {
    const sent = smtp.messages.length;
    // Three requests an hour for one address, from anywhere.
    for (let i = 0; i < 3; i++) expect((await subscribe(h, { email: 'victim@example.com' })).statusCode).toBe(202);
    const fourth = await subscribe(h, { email: 'Victim@Example.com' });
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    // Ten an hour from one client, whatever the addresses.
    for (let i = 0; i < 10; i++) expect((await subscribe(h, { email: `p${i}@example.com` }, { ip: '192.0.2.7' })).statusCode).toBe(202);
    expect((await subscribe(h, { email: 'p10@example.com' }, { ip: '192.0.2.7' })).statusCode).toBe(429);
    await h.settle();
    // The victim got the newest confirmation only (the earlier requests' are superseded before they are sent).
    expect(to(smtp, 'victim@example.com')).toHaveLength(1);
    expect(smtp.messages.length - sent).toBe(11);
    h.clock.advance(3_600_000);
    expect((await subscribe(h, { email: 'victim@example.com' })).statusCode).toBe(202);
  });
});

describe.each(databaseKinds())('status page subscriptions without an SMTP server, on $name', (kind) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-subscribers-off-'));
    h = await startHarness(kind, { config: [statusDemo(dir)] });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hides the form and answers 404', async () => {
    const page = await h.tandem.http.inject({ method: 'GET', url: '/status/acme' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<form');
    const res = await subscribe(h, { email: 'dana@example.com' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
