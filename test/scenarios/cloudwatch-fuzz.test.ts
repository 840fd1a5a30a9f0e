/**
 * The `cloudwatch` endpoint under hostile or broken input (issue 13): a
 * seeded mutator posts hundreds of bodies made from real SNS messages (the
 * AWS samples, signed by the test's SNS fake): fields dropped, of the wrong
 * type, emptied or huge; the alarm Message mutated (states, names, ARNs,
 * nesting, text that is no JSON); certificate and subscribe URLs pointed
 * elsewhere; bytes truncated or flipped; non-JSON and empty bodies. About
 * half the structurally mutated bodies are signed again after the mutation,
 * so they pass the signature and reach the alarm parser.
 *
 * Every answer is 200, 202, 400, 401, 404 or 413 (or a 503 that says the
 * certificate or the confirmation could not be had, which SNS retries),
 * never a 500; the process does not crash; every refusal names its problem;
 * and every accepted event ends applied or quarantined, none left waiting.
 *
 * TANDEM_FUZZ_N sets the bodies per database (default 400).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsGetter } from '../../src/ingest/sns-client.js';
import { Rng } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { alarmSample, makeSnsPki, signSns, snsHeaders, startSnsFake } from '../support/fakes/sns.js';
import type { SnsBody, SnsFake } from '../support/fakes/sns.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 400);
const SEED = 0xc10d5;
const KEY = 'cw-fuzz-payments-1';
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:fuzz';
const ANSWERS = new Set([200, 202, 400, 401, 404, 413]);
const CONCURRENCY = 8;
const pki = makeSnsPki();

const STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA', 'alarm', '', 'FIRING', null, 3];
const STRANGE: unknown[] = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  'x'.repeat(70_000),
  '😀',
  null,
  0,
  -1,
  1e308,
  true,
  [],
  {},
  ['a'],
  { a: { b: 1 } },
];
const URLS = [
  'http://localhost/SimpleNotificationService-1.pem',
  'https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-1.pem',
  'https://localhost:1/SimpleNotificationService-1.pem',
  'https://localhost/x.txt',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'not a url',
  'https://user:pw@localhost/x.pem',
];

function fieldOf(rng: Rng, body: SnsBody): string {
  return rng.pick(Object.keys(body));
}

/** A mutated alarm Message: mostly a real alarm with one thing changed. */
function alarmMessage(rng: Rng): string {
  const alarm: Record<string, unknown> = { ...alarmSample(rng.chance(0.5) ? 'alarm-single-metric' : 'alarm-multiple-metrics') };
  alarm['AlarmArn'] = `arn:aws:cloudwatch:eu-central-1:123456789012:alarm:fuzz-${rng.int(4)}`;
  alarm['NewStateValue'] = rng.chance(0.7) ? rng.pick(['ALARM', 'OK', 'INSUFFICIENT_DATA']) : rng.pick(STATES);
  if (rng.chance(0.4)) {
    const key = rng.pick(['AlarmName', 'AlarmArn', 'NewStateReason', 'StateChangeTime', 'Trigger', 'Region']);
    if (rng.chance(0.3)) Reflect.deleteProperty(alarm, key);
    else alarm[key] = rng.pick(STRANGE);
  }
  if (rng.chance(0.05)) alarm['Trigger'] = JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown;
  const text = JSON.stringify(alarm);
  if (rng.chance(0.1)) return text.slice(0, rng.int(text.length));
  return text;
}

function mutate(rng: Rng, fake: SnsFake): { payload: string; headers: Record<string, string>; what: string } {
  const r = rng.float();
  const base: SnsBody =
    r < 0.15
      ? fake.subscriptionConfirmation(TOPIC, rng.chance(0.5) ? '1' : '2')
      : fake.notification(TOPIC, alarmMessage(rng), {
          subject: rng.chance(0.5) ? 'ALARM: "fuzz" in EU (Frankfurt)' : undefined,
          version: rng.chance(0.5) ? '1' : '2',
        });
  const body: Record<string, unknown> = { ...base };
  const what: string[] = [`${base['Type']}`];
  const roll = rng.float();
  if (roll < 0.2) {
    // Valid as signed.
  } else if (roll < 0.55) {
    const n = 1 + rng.int(3);
    for (let i = 0; i < n; i++) {
      const field = fieldOf(rng, base);
      const m = rng.float();
      if (m < 0.3) Reflect.deleteProperty(body, field);
      else if (m < 0.6) body[field] = rng.pick(STRANGE);
      else if (m < 0.8 && (field === 'SigningCertURL' || field === 'SubscribeURL')) body[field] = rng.pick(URLS);
      else body[field] = `${String(body[field] ?? '')}${rng.pick(['x', '\u0000', '\ud800', ' '])}`;
      what.push(`${field} changed`);
    }
  } else if (roll < 0.75) {
    body['Type'] = rng.pick(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation', 'Other', '']);
    what.push(`Type ${String(body['Type'])}`);
  } else if (roll < 0.9) {
    const text = JSON.stringify(body);
    const cut = rng.int(text.length);
    const payload = rng.chance(0.5)
      ? text.slice(0, cut)
      : `${text.slice(0, cut)}${rng.pick(['"', '}', '\\', '\u0000', 'ÿ'])}${text.slice(cut + 1)}`;
    return { payload, headers: snsHeaders(base), what: `bytes of ${what[0] ?? ''}` };
  } else {
    const payload = rng.pick(['', ' ', 'null', '[]', '"text"', '42', '{}', 'Type=Notification&Message=x', JSON.stringify([body])]);
    return { payload, headers: { 'content-type': 'text/plain; charset=UTF-8' }, what: `not an SNS object: ${payload.slice(0, 20)}` };
  }
  // Sign again after the change about half the time, so the alarm parser sees mutated but authentic messages.
  let final = body;
  if (roll >= 0.2 && rng.chance(0.5) && Object.values(body).every((v) => typeof v === 'string')) {
    final = signSns(body as SnsBody, pki.signingKeyPem, rng.chance(0.5) ? '1' : '2');
    what.push('re-signed');
  }
  const headers = snsHeaders(base);
  if (rng.chance(0.1)) headers['x-amz-sns-message-type'] = rng.pick(['Notification', 'SubscriptionConfirmation', 'bogus']);
  return { payload: JSON.stringify(final), headers, what: what.join(', ') };
}

describe.each(databaseKinds())('the cloudwatch endpoint under mutated SNS messages, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let fake: SnsFake;
  let dir: string;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    fake = await startSnsFake(pki);
    dir = mkdtempSync(join(tmpdir(), 'tandem-cw-fuzz-'));
    const anchor = '      - { type: alertmanager, key: "am-payments-3c8e1f" }\n';
    const file = join(dir, 'acme.yaml');
    writeFileSync(
      file,
      readFileSync(DEMO, 'utf8').replace(anchor, `${anchor}      - { type: cloudwatch, key: "${KEY}", sns_cert_hosts: [localhost] }\n`),
    );
    h = await startHarness(kind, { config: [file], snsHttps: httpsGetter({ ca: pki.caPem, timeoutMs: 2000 }) });
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await h?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every body gets 200, 202 or a 4xx naming the problem (a 503 only for SNS itself), never a 500, and nothing is left waiting', async () => {
    const rng = new Rng(SEED);
    const wrong: string[] = [];
    const tally: Record<number, number> = {};
    const codes: Record<string, number> = {};
    for (let sent = 0; sent < N;) {
      const batch: Array<ReturnType<typeof mutate>> = [];
      for (let i = 0; i < CONCURRENCY && sent < N; i++, sent++) batch.push(mutate(rng, fake));
      const responses = await Promise.all(
        batch.map((c) =>
          h.tandem.http.inject({ method: 'POST', url: `/integrations/cloudwatch/${KEY}`, headers: c.headers, payload: c.payload }),
        ),
      );
      responses.forEach((res, i) => {
        tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1;
        const c = batch[i];
        let body: { errors?: unknown; code?: unknown; field?: unknown } = {};
        try {
          body = res.json();
        } catch {
          wrong.push(`${c?.what}: ${res.statusCode} not JSON: ${res.body.slice(0, 200)}`);
          return;
        }
        const code = typeof body.code === 'string' ? body.code : res.statusCode < 300 ? 'ok' : 'other';
        codes[code] = (codes[code] ?? 0) + 1;
        if (typeof body.field === 'string' && body.field.startsWith('Message.')) codes['alarm fields'] = (codes['alarm fields'] ?? 0) + 1;
        const sns503 = res.statusCode === 503 && (body.code === 'SNS_CERT_UNAVAILABLE' || body.code === 'SNS_CONFIRM_FAILED');
        if (!ANSWERS.has(res.statusCode) && !sns503) wrong.push(`${c?.what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400 && !(Array.isArray(body.errors) && body.errors.length > 0))
          wrong.push(`${c?.what}: ${res.statusCode} names no problem: ${res.body.slice(0, 200)}`);
      });
      await h.settle();
    }
    await h.settle();
    console.log(`cloudwatch fuzz on ${kind.name}, ${N} bodies: by status ${JSON.stringify(tally)}, by code ${JSON.stringify(codes)}`);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(crashes).toEqual([]);
    // The mix reaches every path: accepted alarms, confirmations, and refusals of each kind.
    expect(tally[202] ?? 0).toBeGreaterThan(N / 20);
    expect(tally[400] ?? 0).toBeGreaterThan(N / 10);
    expect(tally[401] ?? 0).toBeGreaterThan(0);
    // Authentic messages with a broken alarm reach the alarm parser.
    expect(codes['alarm fields'] ?? 0).toBeGreaterThan(0);
    expect(codes['SNS_CERT_URL_REFUSED'] ?? 0).toBeGreaterThan(0);
    const events = await h.tandem.database.db
      .selectFrom('events')
      .select(['processed_at', 'quarantined_at'])
      .where('integration_type', '=', 'cloudwatch')
      .execute();
    expect(events.length).toBe(tally[202] ?? 0);
    expect(events.filter((e) => e.processed_at === null && e.quarantined_at === null)).toEqual([]);
  });
});
