/**
 * The subscribe form and the subscription links under hostile or broken
 * input: a seeded mutator posts forms and JSON with fields dropped, values of
 * the wrong type, strange and huge text, addresses that are almost right,
 * unknown components, broken JSON and odd content types, from a few clients,
 * and opens confirm and unsubscribe links with made-up tokens. Every answer
 * is a 2xx or a 4xx (a 400 in the error format naming the field), never a
 * 5xx; every mail that goes out is a confirmation to an address that was
 * accepted, at most one per accepted request, and the page still answers.
 *
 * TANDEM_FUZZ_N sets the requests (default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../fuzz/mutate.js';
import type { Json } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { startSmtpReceiver } from '../support/receivers/smtp.js';
import type { SmtpReceiver } from '../support/receivers/smtp.js';
import { statusDemo } from '../support/status-page.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 300);
const ANSWERS = new Set([200, 202, 400, 404, 405, 410, 413, 415, 429]);

const EMAILS: readonly Json[] = [
  'ok@example.com',
  'OK@Example.COM',
  ' spaced@example.com ',
  'a@b',
  '@example.com',
  'a@',
  'a@@example.com',
  'a..b@example.com',
  '.a@example.com',
  'a@-example.com',
  'a@example..com',
  '"quoted"@example.com',
  'a@[127.0.0.1]',
  'a\u0000@example.com',
  'a\r\nBcc: victim@example.com',
  'x@example.com\r\nSubject: hi',
  '😀@example.com',
  'a@exämple.com',
  `${'l'.repeat(65)}@example.com`,
  `a@${'d'.repeat(250)}.com`,
  '<script>@example.com',
  '',
  ' ',
];
const COMPONENTS: readonly Json[] = ['Payments', 'payments', 'Online shop', 'Billing', '', '__proto__', '😀', 'Staff devices and sign-in'];
const STRANGE: readonly Json[] = [null, true, 0, -1, 1e308, [], {}, '\ud800', 'x'.repeat(20_000)];

function value(rng: Rng, from: readonly Json[]): Json {
  return rng.chance(0.8) ? rng.pick(from) : rng.pick(STRANGE);
}

function body(rng: Rng): { payload: string; contentType: string | undefined } {
  const r = rng.float();
  const email = value(rng, EMAILS);
  const components = rng.chance(0.5) ? [] : Array.from({ length: rng.int(4) }, () => value(rng, COMPONENTS));
  if (r < 0.4) {
    const o: Record<string, Json> = {};
    if (rng.chance(0.9)) o['email'] = email;
    if (rng.chance(0.6)) o['components'] = rng.chance(0.8) ? components : value(rng, COMPONENTS);
    if (rng.chance(0.1)) o[rng.pick(['__proto__', 'constructor', 'extra'])] = value(rng, EMAILS);
    return { payload: JSON.stringify(o), contentType: 'application/json' };
  }
  if (r < 0.75) {
    const form = new URLSearchParams();
    if (rng.chance(0.9)) form.append('email', String(email));
    for (const c of components) form.append('components', String(c));
    const text = rng.chance(0.9) ? form.toString() : rng.pick(['email=%ZZ', 'email', '&&&', 'email=a%40b.c&email=d%40e.f', '%']);
    return { payload: text, contentType: 'application/x-www-form-urlencoded' };
  }
  return {
    payload: rng.pick(['', '{', 'null', '[]', '"s"', '{"email":', 'email=ok%40example.com', 'x'.repeat(40_000)]),
    contentType: rng.pick(['application/json', 'text/plain', undefined, 'application/x-www-form-urlencoded', 'multipart/form-data']),
  };
}

describe.each(databaseKinds())('the subscribe form under fuzz, on $name', (kind) => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-subscribers-fuzz-'));
    smtp = await startSmtpReceiver();
    h = await startHarness(kind, {
      config: [statusDemo(dir)],
      extraArgs: ['--public-url', 'https://status.acme.example', '--notify', 'live', '--smtp-url', smtp.url],
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request with a 2xx or a 4xx and mails only accepted addresses', async () => {
    const rng = new Rng(0x5ab5);
    const failures: string[] = [];
    const accepted = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const r = rng.float();
      let url = '/status/acme/subscribe';
      let method: 'GET' | 'POST' = 'POST';
      let payload: string | undefined;
      let contentType: string | undefined;
      if (r < 0.8) {
        ({ payload, contentType } = body(rng));
        if (rng.chance(0.05)) url = `/status/${rng.pick(['globex', 'nope', 'ACME', '%00', 'a'.repeat(300)])}/subscribe`;
      } else {
        const token = rng.pick(['x', 'A'.repeat(43), '%2e%2e', 'a'.repeat(600), '😀', '%ZZ', '']);
        url = `/status/acme/${rng.pick(['confirm', 'unsubscribe'])}/${token}`;
        method = url.includes('unsubscribe') && rng.chance(0.5) ? 'POST' : 'GET';
        if (method === 'POST') {
          payload = 'List-Unsubscribe=One-Click';
          contentType = 'application/x-www-form-urlencoded';
        }
      }
      const res = await h.tandem.http.inject({
        method,
        url,
        remoteAddress: `10.2.${rng.int(4)}.${rng.int(3)}`,
        headers: contentType && payload !== undefined ? { 'content-type': contentType } : {},
        ...(payload === undefined ? {} : { payload }),
      });
      if (!ANSWERS.has(res.statusCode))
        failures.push(`${method} ${url.slice(0, 80)} ${String(payload).slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
      else if (res.statusCode === 400) {
        const error = res.json<{ error?: { code?: string; message?: string; field?: string } }>().error;
        if (!error?.code || !error.message) failures.push(`${url}: 400 without the error shape: ${res.body.slice(0, 200)}`);
        if (error?.code === 'INVALID_BODY' && error.field !== 'email' && error.field !== 'components' && error.field !== undefined)
          failures.push(`${url}: 400 naming ${error.field}`);
      }
      if (url === '/status/acme/subscribe' && (res.statusCode === 200 || res.statusCode === 202)) {
        const email =
          contentType === 'application/json'
            ? String((JSON.parse(payload ?? '{}') as { email?: unknown }).email)
            : (new URLSearchParams(payload).get('email') ?? '');
        const key = email.trim().toLowerCase();
        accepted.set(key, (accepted.get(key) ?? 0) + 1);
      }
    }
    expect(failures).toEqual([]);
    expect(accepted.size).toBeGreaterThan(0);
    await h.settle();
    for (const mail of smtp.messages) {
      expect(mail.subject).toBe('Confirm your subscription to Acme IT services');
      const [to] = mail.envelope.to;
      expect(accepted.has(to ?? ''), to).toBe(true);
    }
    for (const [email, n] of accepted) expect(smtp.messages.filter((m) => m.envelope.to.includes(email)).length).toBeLessThanOrEqual(n);
    const page = await h.tandem.http.inject({ method: 'GET', url: '/status/acme' });
    expect(page.statusCode).toBe(200);
  });
});
