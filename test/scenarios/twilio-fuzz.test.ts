/**
 * Twilio's callbacks under hostile or broken input (issue 13): a seeded
 * generator posts bodies to the keypress, status and inbound SMS endpoints,
 * half of them correctly signed (so every field reaches the handlers) and
 * half not: random and missing fields, repeated names, unknown statuses and
 * digits, numbers that are nobody's, huge values, NUL and unpaired
 * surrogates, tokens cut, changed or absent, JSON and other content types,
 * empty bodies. Every answer is 200, 204 or a 4xx with an error code, never
 * a 5xx; and afterwards a genuine keypress still acknowledges the incident.
 *
 * TANDEM_FUZZ_N sets the bodies per database (default 300).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { fakeTwilio, fakeTwilioSignature } from '../support/fakes/twilio.js';
import type { FakeCall, FakeTwilio } from '../support/fakes/twilio.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 300);
const PUBLIC = 'https://tandem.acme.example';
const ANSWERS = new Set([200, 204, 400, 403, 404, 413, 415]);

function voiceDemo(): string {
  const yaml = readFileSync(DEMO, 'utf8').replace(
    `    contact: { email: ana@nightowl.example, teams: "https://nightowl.webhook.office.example/webhookb2/ana" }
    notify:
      - { channel: teams, after: 0m }`,
    `    contact: { email: ana@nightowl.example, sms: "+15550100005" }
    notify:
      - { channel: voice, after: 0m }
      - { channel: sms, after: 3m }`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'tandem-twilio-fuzz-'));
  writeFileSync(join(dir, 'acme.yaml'), yaml);
  return join(dir, 'acme.yaml');
}

const NAMES = [
  'AccountSid',
  'CallSid',
  'CallStatus',
  'Digits',
  'MessageSid',
  'MessageStatus',
  'SmsStatus',
  'ErrorCode',
  'From',
  'To',
  'Body',
  'ApiVersion',
  'x',
  '',
  'Body[]',
  'ÄÖÜ',
];
const STATUSES = [
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
  'delivered',
  'undelivered',
  'sent',
  'queued',
  'ringing',
  'IN-PROGRESS',
  'weird status',
  '',
  '💥',
];

function value(rng: Rng, call: FakeCall, accountSid: string): string {
  switch (rng.int(12)) {
    case 0:
      return call.sid;
    case 1:
      return accountSid;
    case 2:
      return rng.pick(STATUSES);
    case 3:
      return rng.pick(['1', '2', '3', '#', '*', '12', '', ' 1']);
    case 4:
      return rng.pick(['+15550100005', '+15550100004', '+15557770000', '555', '']);
    case 5:
      return rng.pick(['ACK 1', 'ack acme-1', 'ACK 999999999', 'ACK other-1', 'HELP', 'ACK', 'ack acme-', 'ACK -1']);
    case 6:
      return 'x'.repeat(rng.pick([4000, 4097, 70_000]));
    case 7:
      return '\u0000\ud800\udfff\ufffe';
    case 8:
      return `CA${'0'.repeat(32)}`;
    case 9:
      return String(rng.int(100_000));
    case 10:
      return '<Say>&amp;</Say>"\'';
    default:
      return '';
  }
}

/** The fields Twilio posts to this kind of URL, with values from the call or picked at random. */
function genuine(rng: Rng, url: string, call: FakeCall, accountSid: string): Array<[string, string]> {
  const base: Array<[string, string]> = [
    ['AccountSid', accountSid],
    ['ApiVersion', '2010-04-01'],
  ];
  if (url.includes('/voice/'))
    return [...base, ['CallSid', call.sid], ['CallStatus', 'in-progress'], ['Digits', rng.pick(['1', '2', '9', ''])]];
  if (url.includes('/status/'))
    return [...base, ['CallSid', call.sid], ['CallStatus', rng.pick(STATUSES)], ['From', call.from], ['To', call.to]];
  return [
    ...base,
    ['From', rng.pick(['+15550100005', '+15557770000', '+15550100004'])],
    ['Body', rng.pick(['ACK 1', 'ack ACME-1', 'hi', 'ACK 77'])],
  ];
}

describe.each(databaseKinds())('Twilio callbacks fuzzed, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let twilio: FakeTwilio;
  let call: FakeCall;
  let incidentId = 0;

  beforeAll(async () => {
    twilio = await fakeTwilio({ accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'fuzz-auth-token' });
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z',
      config: [voiceDemo()],
      peers: true,
      listen: true,
      extraArgs: ['--twilio-url', twilio.url, '--public-url', PUBLIC],
      env: { TANDEM_TWILIO_ACCOUNT_SID: twilio.accountSid, TANDEM_TWILIO_AUTH_TOKEN: twilio.authToken },
    });
    twilio.target = h.tandem.url;
    const res = await h.ingest('/v2/enqueue', {
      routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
      event_action: 'trigger',
      payload: { summary: 'Payment API is down', source: 'monitor', severity: 'critical' },
    });
    expect(res.statusCode).toBe(202);
    await h.settle();
    const first = twilio.calls[0];
    if (!first) throw new Error('no call placed');
    call = first;
    const viewer = await h.token('viewer');
    incidentId = (await h.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number }> }>().incidents[0]?.id ?? 0;
  });
  afterAll(async () => {
    await h?.close();
    await twilio?.close();
  });

  it(`answers ${N} broken or hostile callbacks with 2xx or 4xx, never 5xx`, async () => {
    const rng = new Rng(13_2026 + (kind.name === 'sqlite' ? 0 : 1));
    const voice = call.gatherAction ?? '';
    const status = call.statusCallback ?? '';
    const token = voice.slice(voice.lastIndexOf('/') + 1);
    const urls = [
      voice,
      status,
      `${PUBLIC}/integrations/twilio/sms`,
      `${PUBLIC}/integrations/twilio/voice/${token.slice(0, -3)}`,
      `${PUBLIC}/integrations/twilio/status/${token.replace('p:ana', 'p:kim')}`,
      `${PUBLIC}/integrations/twilio/voice/garbage`,
      `${PUBLIC}/integrations/twilio/status/${'~'.repeat(450)}`,
      `${PUBLIC}/integrations/twilio/sms?x=1`,
    ];
    const failures: string[] = [];
    const seen = new Map<number, number>();
    for (let n = 0; n < N; n++) {
      const url = rng.pick(urls);
      // Half start from what Twilio really sends to that endpoint, then some fields are dropped and others added.
      const fields: Array<[string, string]> = rng.chance(0.5) ? genuine(rng, url, call, twilio.accountSid) : [];
      for (let d = rng.int(3); d > 0 && fields.length > 0; d--) fields.splice(rng.int(fields.length), 1);
      for (let f = rng.int(fields.length > 0 ? 3 : 8); f > 0; f--) fields.push([rng.pick(NAMES), value(rng, call, twilio.accountSid)]);
      const signed = rng.chance(0.6);
      let answer: { status: number; body: string };
      if (rng.chance(0.15)) {
        // Not a form at all: JSON, text, binary, or nothing; signed over no fields.
        const path = new URL(url);
        const type = rng.pick(['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', '']);
        const body = rng.pick(['{"CallSid":"CA1"}', 'Digits=1', '\u0000\u0001', '', '[]']);
        const res = await fetch(new URL(`${path.pathname}${path.search}`, h.tandem.url), {
          method: 'POST',
          headers: {
            ...(type === '' ? {} : { 'content-type': type }),
            ...(signed ? { 'x-twilio-signature': fakeTwilioSignature(twilio.authToken, url, []) } : {}),
          },
          body,
        });
        answer = { status: res.status, body: await res.text() };
      } else {
        answer = await twilio.post(url, fields, signed ? {} : { token: rng.pick(['wrong', '']) || 'x' });
      }
      seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
      const ok = ANSWERS.has(answer.status) && (answer.status < 400 || /"code":"[A-Z_]+"/.test(answer.body));
      if (!ok) failures.push(`${answer.status} ${url.slice(0, 80)} ${JSON.stringify(fields).slice(0, 200)}: ${answer.body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // The generator reaches every outcome: acted on or ignored (200, 204), malformed (400), forged (403), unknown token (404), not a form (415).
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining([200, 204, 400, 403, 404, 415]));
  });

  it('afterwards a genuine keypress still acknowledges', async () => {
    const viewer = await h.token('viewer');
    const before = (await h.api('GET', `/incidents/${incidentId}`, viewer)).json<{ incident: { status: string } }>().incident.status;
    const answer = await twilio.press(call, '1');
    expect(answer.status).toBe(200);
    const after = (await h.api('GET', `/incidents/${incidentId}`, viewer)).json<{
      incident: { status: string; acknowledged_by: string | null };
    }>().incident;
    expect(after.status).toBe('acknowledged');
    // The fuzz may have acknowledged it already (a signed "1" or "ACK 1" from Ana's number): either way, it was Ana.
    expect(after.acknowledged_by).toBe('person:ana');
    expect(['triggered', 'acknowledged']).toContain(before);
  });
});
