/**
 * The Slack interactions endpoint under hostile or broken input: a seeded
 * mutator posts bodies to POST /integrations/slack/interactions, most of
 * them correctly signed (so they reach the parser): real clicks with keys
 * dropped, of the wrong type, huge, nested deep, with NUL and lone
 * surrogates; action ids and values that are not Tandem's; response URLs off
 * Slack; payloads that are not JSON, twice, or missing; bytes that are not
 * UTF-8; JSON bodies; and some forged, stale or unsigned. Every answer is
 * 200 or a 4xx with a catalog code (a 400 names the field), never a 5xx;
 * nothing is posted anywhere but Slack's response URLs (rebased to a local
 * receiver); and afterwards a genuine click still acknowledges a new
 * incident. TANDEM_FUZZ_N sets the bodies (default 400).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/errors/catalog.js';
import { Rng } from '../fuzz/mutate.js';
import { KIM, LEE, SLACK_SIGNING_SECRET, STRANGER, slackDemo } from '../support/chat.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { startHttpReceiver } from '../support/receivers/http.js';
import type { HttpReceiver } from '../support/receivers/http.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 400);
const PATH = '/integrations/slack/interactions';
const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const ANSWERS = new Set([200, 400, 401, 413, 415]);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function sign(secret: string, timestamp: string, body: Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

function click(rng: Rng, incidentId: number): { [k: string]: Json } {
  const member = rng.pick([KIM, LEE, STRANGER]);
  const id = rng.chance(0.8) ? incidentId : rng.pick([0, 1, 2, 999_999, 2_147_483_647]);
  const actionId = rng.pick(['acknowledge', 'resolve', `acknowledge-${id}`, `resolve-${id}`, 'acknowledge-all', 'open', 'acknowledge-7']);
  return {
    type: 'block_actions',
    user: { id: member.id, username: member.name, name: member.name, team_id: 'T0ACME0001' },
    api_app_id: 'A0TANDEM01',
    token: 'legacy',
    container: { type: 'message', message_ts: '1763959620.000001', channel_id: 'C000000001', is_ephemeral: false },
    trigger_id: '1.2',
    team: { id: 'T0ACME0001', domain: 'nightowl' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: 'C000000001', name: 'oncall' },
    message: {
      type: 'message',
      text: 'ACME-1 Payment API is down',
      ts: '1763959620.000001',
      blocks: [
        { type: 'header', block_id: 'h', text: { type: 'plain_text', text: 'ACME-1', emoji: true } },
        {
          type: 'actions',
          block_id: `tandem-${id}`,
          elements: [{ type: 'button', action_id: 'acknowledge', value: String(id), text: { type: 'plain_text', text: 'Acknowledge' } }],
        },
      ],
    },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/T0ACME0001/${rng.int(1e6)}/fuzz`,
    actions: [{ type: 'button', action_id: actionId, block_id: `tandem-${id}`, value: String(id), action_ts: '1763959620.5' }],
  };
}

const ODD: Json[] = [
  null,
  0,
  -1,
  1e308,
  true,
  '',
  ' ',
  '\u0000',
  '\ud800',
  'x'.repeat(5_000),
  [],
  {},
  ['acknowledge'],
  { id: 'U0KIMTAN01' },
  '42',
  '1e3',
  '-1',
  '0x2a',
  '٤٢',
  'https://evil.example/actions/1',
  'http://hooks.slack.com/actions/1',
  'https://hooks.slack.com:444/actions/1',
  'javascript:alert(1)',
];

function deep(levels: number): Json {
  let v: Json = 'bottom';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

/** Replaces or removes one value somewhere in the object. */
function mutate(rng: Rng, value: { [k: string]: Json }): string {
  const paths: Array<[Record<string, Json> | Json[], string | number]> = [];
  const walk = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach((child, i) => {
        paths.push([v, i]);
        walk(child);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        paths.push([v, k]);
        walk(v[k] ?? null);
      }
    }
  };
  walk(value);
  const [parent, key] = rng.pick(paths);
  const r = rng.float();
  if (r < 0.3) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else Reflect.deleteProperty(parent, key);
    return `drop ${String(key)}`;
  }
  const replacement = r < 0.35 ? deep(200 + rng.int(800)) : rng.pick(ODD);
  if (Array.isArray(parent)) parent[Number(key)] = replacement;
  else parent[key as string] = replacement;
  return `${String(key)} = ${String(JSON.stringify(replacement)).slice(0, 40)}`;
}

interface Case {
  body: Buffer;
  contentType: string;
  signing: 'good' | 'forged' | 'stale' | 'none';
  what: string;
}

function nextCase(rng: Rng, incidentId: number): Case {
  const signing = rng.chance(0.85) ? 'good' : rng.pick(['forged', 'stale', 'none'] as const);
  const form = (payload: string) => Buffer.from(new URLSearchParams({ payload }).toString());
  const r = rng.float();
  if (r < 0.65) {
    const payload = click(rng, incidentId);
    const what: string[] = [];
    const n = rng.int(4);
    for (let i = 0; i < n; i++) what.push(mutate(rng, payload));
    return {
      body: form(JSON.stringify(payload)),
      contentType: 'application/x-www-form-urlencoded',
      signing,
      what: what.join('; ') || 'a real click',
    };
  }
  if (r < 0.75) {
    const text = rng.pick(['{', 'null', '[]', '"str"', '1', '{"type":7}', '{"type":"block_actions"}', '\u0000', '']);
    return { body: form(text), contentType: 'application/x-www-form-urlencoded', signing, what: `payload ${JSON.stringify(text)}` };
  }
  if (r < 0.8)
    return {
      body: Buffer.from('payload=%7B%7D&payload=%7B%7D'),
      contentType: 'application/x-www-form-urlencoded',
      signing,
      what: 'payload twice',
    };
  if (r < 0.85) return { body: Buffer.from('foo=bar&baz'), contentType: 'application/x-www-form-urlencoded', signing, what: 'no payload' };
  if (r < 0.9) {
    const bytes = Buffer.alloc(1 + rng.int(300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    return {
      body: bytes,
      contentType: rng.pick(['application/x-www-form-urlencoded', 'application/octet-stream']),
      signing,
      what: 'random bytes',
    };
  }
  if (r < 0.95)
    return { body: Buffer.from(JSON.stringify(click(rng, incidentId))), contentType: 'application/json', signing, what: 'a JSON body' };
  return {
    body: Buffer.from(`payload=${'%7B'.repeat(rng.chance(0.5) ? 10 : 400_000)}`),
    contentType: 'application/x-www-form-urlencoded',
    signing,
    what: 'a huge body',
  };
}

describe.each(databaseKinds())('Slack interactions fuzz, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let slack: HttpReceiver;
  let viewer: string;

  beforeAll(async () => {
    slack = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    h = await startHarness(kind, {
      start: '2026-11-24T04:47:00Z',
      config: [slackDemo()],
      extraArgs: ['--notify', 'live', '--slack-url', slack.url, '--teams-url', slack.url, '--webhook-url', slack.url],
      env: { TANDEM_SLACK_SIGNING_SECRET: SLACK_SIGNING_SECRET },
    });
    viewer = await h.token('viewer');
  });
  afterAll(async () => {
    await h.close();
    await slack.close();
  });

  async function trigger(summary: string): Promise<number> {
    const res = await h.ingest('/v2/enqueue', {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      dedup_key: summary,
      payload: { summary, source: 'monitor', severity: 'critical' },
    });
    expect(res.statusCode, res.body).toBe(202);
    await h.settle();
    const list = (await h.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number; title: string }> }>().incidents;
    return list.find((i) => i.title === summary)?.id ?? 0;
  }

  async function post(c: Case) {
    const now = Math.floor(h.clock.now() / 1000);
    const timestamp = String(c.signing === 'stale' ? now - 600 : now);
    const headers: Record<string, string> = { 'content-type': c.contentType };
    if (c.signing !== 'none') {
      headers['x-slack-request-timestamp'] = timestamp;
      headers['x-slack-signature'] = sign(c.signing === 'forged' ? 'forged' : SLACK_SIGNING_SECRET, timestamp, c.body);
    }
    return h.tandem.http.inject({ method: 'POST', url: PATH, headers, payload: c.body });
  }

  it(`answers ${N} hostile bodies with 200 or a catalog 4xx, never a 5xx; a genuine click still works afterwards`, async () => {
    const incidentId = await trigger('Payment API is down');
    const rng = new Rng(20261124);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const c = nextCase(rng, incidentId);
      const res = await post(c);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const where = `#${i} ${c.signing} ${c.what}: ${res.statusCode} ${res.body.slice(0, 200)}`;
      if (!ANSWERS.has(res.statusCode)) failures.push(where);
      else if (res.statusCode !== 200) {
        const error = res.json<{ error?: { code?: string; field?: string } }>().error;
        if (error?.code === undefined || !(error.code in ERROR_CATALOG)) failures.push(`${where} (no catalog code)`);
        else if (res.statusCode === 400 && error.field === undefined) failures.push(`${where} (a 400 without the field)`);
        // Over the body limit is refused before anything is read (413), signed or not.
        if (c.signing !== 'good' && res.statusCode !== 401 && res.statusCode !== 413)
          failures.push(`${where} (not signed right, but not 401)`);
      } else if (c.signing !== 'good') failures.push(`${where} (accepted without a good signature)`);
    }
    expect(failures).toEqual([]);
    // The mutator reached the parser, not only the signature check.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(N / 10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(N / 10);
    // Everything Tandem posted went to Slack's response URLs (rebased here), never elsewhere.
    expect(slack.requests.filter((r) => r.path.startsWith('/actions/') === false && !r.path.startsWith('/services/'))).toEqual([]);
    expect((await h.tandem.http.inject({ url: '/healthz' })).statusCode).toBe(200);

    // A genuine click on a new incident still acknowledges it.
    const fresh = await trigger('Payment API is down again');
    const body = Buffer.from(
      new URLSearchParams({
        payload: JSON.stringify({
          ...click(new Rng(1), fresh),
          user: { id: KIM.id },
          actions: [{ type: 'button', action_id: 'acknowledge', value: String(fresh) }],
        }),
      }).toString(),
    );
    const res = await post({ body, contentType: 'application/x-www-form-urlencoded', signing: 'good', what: 'genuine' });
    expect(res.statusCode).toBe(200);
    let status = '';
    for (let tries = 0; tries < 100 && status !== 'acknowledged'; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await h.api('GET', `/incidents/${fresh}`, viewer)).json<{ incident: { status: string } }>().incident.status;
    }
    expect(status).toBe('acknowledged');
  });
});
