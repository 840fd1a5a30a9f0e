/**
 * The ticket webhooks under hostile or broken input (issue 10): Acme's
 * engagement has Jira, ServiceNow and ConnectWise entries, each with an
 * inbound key, and a ticket in each for the payments incident. A seeded
 * mutator posts thousands of bodies to each key: random JSON, real
 * deliveries with fields dropped, of the wrong type, huge, nested past the
 * limit, with lone surrogates and NUL, numbers as strings, the `Entity`
 * string of a ConnectWise callback broken, non-JSON text, empty bodies,
 * arrays, invalid UTF-8, odd content types and unknown keys. Every answer is
 * 200, 202 or a 4xx in the ingest error shape (a 400 names the field), never
 * a 5xx; the process does not crash; every accepted delivery ends applied
 * (none left waiting); and afterwards a real Jira delivery still
 * acknowledges a new incident and a ServiceNow one resolves it.
 *
 * And a poison pill: deliveries whose stored payload is garbage (written
 * straight into `ticket_inbound`) fail on every attempt, and a good delivery
 * behind them still applies at once; each bad one is retried with backoff
 * and ends `failed` after its attempts, never blocking the others.
 *
 * TANDEM_FUZZ_N sets the bodies per system (default 500).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetailResponse } from '../../src/api/types.js';
import { Rng } from '../fuzz/mutate.js';
import type { Json, JsonObject } from '../fuzz/mutate.js';
import { nextDueInbound, storeInbound } from '../../src/ticketing/inbound/store.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startConnectWiseFake } from '../support/fakes/connectwise.js';
import type { ConnectWiseFake } from '../support/fakes/connectwise.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { commentCreated, deliveryHeaders, issueUpdated } from '../support/fakes/jira-webhooks.js';
import type { WebhookUser } from '../support/fakes/jira-webhooks.js';
import { startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake } from '../support/fakes/servicenow.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import {
  CW_INBOUND,
  JIRA_INBOUND,
  SNOW_INBOUND,
  connectWiseEntry,
  demoWithTicketing,
  jiraEntry,
  serviceNowEntry,
} from '../support/ticketing.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 500);
const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const SAM: WebhookUser = { accountId: '712020:5e8d7c', displayName: 'Sam Okafor' };
const ENV = { ACME_SN_PASSWORD: 'servicenow-fake-password', NO_CW_PUBLIC: 'cwPublicKey1', NO_CW_PRIVATE: 'cwPrivateKey1' };
/** What a ticket webhook may answer. */
const ANSWERS = new Set([200, 202, 400, 404, 413, 429]);
const CONCURRENCY = 16;
const SETTLE_EVERY = 100;

type System = 'jira' | 'servicenow' | 'connectwise';
const SYSTEMS: readonly System[] = ['jira', 'servicenow', 'connectwise'];
const KEY: Record<System, string> = { jira: JIRA_INBOUND, servicenow: SNOW_INBOUND, connectwise: CW_INBOUND };
/** Fixed seeds, one per system: the same bodies on every run. */
const SEEDS: Record<System, number> = { jira: 0x71a0, servicenow: 0x5e0a, connectwise: 0xc3a1 };

// ---------------------------------------------------------------- the mutator

const STRANGE = [
  '',
  ' ',
  '\ud800',
  'a\udfffb',
  '\u0000',
  'nul\u0000byte',
  '\u202eOPS-1',
  '😀',
  '__proto__',
  'toString',
  'constructor',
  'null',
  '-1',
  '0',
  '1e400',
  "'; drop table ticket_inbound; --",
  '<script>alert(1)</script>',
];
const NUMBERS = [0, -1, 1, 1.5, 2 ** 53, -(2 ** 53), 1e308, 5e-324, 6, 2, 1001];
/** Long text: under a note's clip, over it, and over the 512 KB body limit (a 413). */
const LENGTHS = [255, 32_001, 100_000, 600_000];
const DEEP = [33, 64, 5_000, 100_000];
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  undefined,
  'text/plain',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
];
const WHOLE_BODIES = ['', ' ', '\n', 'null', 'true', '0', '"s"', '[]', '{}', '[{}]', '{"a":1}{"b":2}', 'webhookEvent=jira:issue_updated'];
const INSERTS = ['\\x41', '\\uZZZZ', '\\', '\\ud800', ',', '}', ']', '{', '"', '\u0000', 'NaN', '1e400'];
const BAD_BYTES = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0x80]];

/** A marker replaced by deep nesting in the serialized text (no recursion to build or serialize it). */
const deepMarker = (levels: number, array: boolean) => `\u0001DEEP:${levels}:${array ? 'a' : 'o'}\u0001`;
const DEEP_RE = /"\\u0001DEEP:(\d+):([ao])\\u0001"/g;

function serialize(v: Json): string {
  return JSON.stringify(v).replace(DEEP_RE, (_m, n: string, kind: string) => {
    const levels = Number(n);
    return kind === 'a' ? `${'['.repeat(levels)}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  });
}

function longString(rng: Rng): string {
  const unit = rng.pick(['x', 'é', '😀', '\ud800', '\u0000']);
  return unit.repeat(rng.pick(LENGTHS));
}

function randomValue(rng: Rng, depth = 0): Json {
  const r = rng.float();
  if (r < 0.3) return rng.pick(STRANGE);
  if (r < 0.45) return rng.pick(NUMBERS);
  if (r < 0.5) return rng.chance(0.5);
  if (r < 0.55) return null;
  if (r < 0.7 && depth < 3) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  if (r < 0.9 && depth < 3) {
    const out: JsonObject = {};
    for (let i = rng.int(5); i > 0; i--)
      define(out, rng.pick(['key', 'issue', 'sys_id', 'ID', 'Type', '__proto__', '']), randomValue(rng, depth + 1));
    return out;
  }
  if (r < 0.95) return deepMarker(rng.pick(DEEP), rng.chance(0.5));
  return longString(rng);
}

/** Sets a key as a plain own property, even "__proto__". */
function define(obj: JsonObject, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every (container, key) in a body. */
function slots(root: Json): Array<{ parent: JsonObject | Json[]; key: string | number }> {
  const out: Array<{ parent: JsonObject | Json[]; key: string | number }> = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const v = stack.pop() as Json;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        out.push({ parent: v, key: i });
        stack.push(item);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k });
        stack.push(v[k] as Json);
      }
    }
  }
  return out;
}

/** One change to one field: dropped, of another type, huge, deep, broken text, a number as a string or back. */
function mutateField(rng: Rng, body: Json): string {
  const all = slots(body);
  if (all.length === 0) return 'nothing to mutate';
  const { parent, key } = rng.pick(all);
  const get = (): Json => (Array.isArray(parent) ? (parent[key as number] as Json) : (parent[key as string] as Json));
  const put = (v: Json) => {
    if (Array.isArray(parent)) parent[key as number] = v;
    else define(parent, key as string, v);
  };
  const old = get();
  const r = rng.int(9);
  if (r === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else Reflect.deleteProperty(parent, key);
    return `dropped ${String(key)}`;
  }
  if (r === 1) put(randomValue(rng));
  else if (r === 2) put(longString(rng));
  else if (r === 3) put(deepMarker(rng.pick(DEEP), rng.chance(0.5)));
  else if (r === 4) put(typeof old === 'string' ? `${old}${rng.pick(['\ud800', '\u0000', '\udfff'])}` : rng.pick(STRANGE));
  else if (r === 5)
    put(
      typeof old === 'number'
        ? String(old)
        : typeof old === 'string' && old.trim() !== '' && Number.isFinite(Number(old))
          ? Number(old)
          : rng.pick(NUMBERS),
    );
  else if (r === 6) put(rng.pick<Json>([null, true, [], {}, [old], { value: old }]));
  else if (r === 7) put(rng.pick(STRANGE));
  else put(rng.pick(NUMBERS));
  return `${String(key)} mutated (${r})`;
}

interface Case {
  readonly index: number;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly headers: Record<string, string>;
  readonly payload: string | Buffer;
  readonly what: string;
}

/** Makes the bodies for one system's key from its real deliveries, the same ones for the same seed. */
class TicketMutator {
  readonly #rng: Rng;
  #index = 0;
  constructor(
    readonly system: System,
    seed: number,
    readonly bases: readonly JsonObject[],
  ) {
    this.#rng = new Rng(seed);
  }

  next(): Case {
    const rng = this.#rng;
    const index = this.#index++;
    const base = structuredClone(rng.pick(this.bases));
    let path = `/integrations/ticketing/${KEY[this.system]}`;
    let payload: string | Buffer;
    let what: string;
    const r = rng.float();
    if (r < 0.1) [payload, what] = [serialize(base), 'a real delivery'];
    else if (r < 0.2) [payload, what] = [serialize(randomValue(rng)), 'random JSON'];
    else if (r < 0.6) {
      const changes = Array.from({ length: 1 + rng.int(3) }, () => mutateField(rng, base));
      [payload, what] = [serialize(base), changes.join('; ')];
    } else if (r < 0.68 && this.system === 'connectwise') {
      // The ticket inside the callback, itself broken: a JSON string that is not JSON, or not a ticket.
      const entity = JSON.parse(String(base['Entity'])) as Json;
      const inner = mutateField(rng, entity);
      base['Entity'] = rng.chance(0.3) ? serialize(entity).slice(0, rng.int(40)) : serialize(entity);
      [payload, what] = [serialize(base), `Entity: ${inner}`];
    } else if (r < 0.76) {
      const text = serialize(base);
      const at = rng.int(text.length + 1);
      [payload, what] = rng.chance(0.5)
        ? [text.slice(0, at), `truncated at ${at}`]
        : [`${text.slice(0, at)}${rng.pick(INSERTS)}${text.slice(at)}`, `garbage at ${at}`];
    } else if (r < 0.82) [payload, what] = [rng.pick(WHOLE_BODIES), 'a whole body'];
    else if (r < 0.88) [payload, what] = [serialize(rng.pick([[base], [base, base], []])), 'an array'];
    else if (r < 0.93) {
      const text = Buffer.from(serialize(base));
      const at = rng.int(text.length + 1);
      [payload, what] = [
        Buffer.concat([text.subarray(0, at), Buffer.from(rng.pick(BAD_BYTES)), text.subarray(at)]),
        `invalid UTF-8 at ${at}`,
      ];
    } else if (r < 0.96) {
      path = `/integrations/ticketing/${rng.pick(['not-a-key', KEY[this.system].toUpperCase(), `${KEY[this.system]}x`, '%00', 'a'.repeat(300)])}`;
      [payload, what] = [serialize(base), 'an unknown key'];
    } else [payload, what] = [serialize(base), 'a real delivery, again'];
    const headers: Record<string, string> = {};
    if (this.system === 'jira' && rng.chance(0.7))
      headers['x-atlassian-webhook-identifier'] = rng.pick([`fz-${index}-${rng.int(1e9)}`, '', ' ', 'x'.repeat(300), 'fz-repeat']);
    return { index, path, contentType: rng.pick(CONTENT_TYPES), headers, payload, what };
  }
}

// ---------------------------------------------------------------- checks

/** What is wrong with an answer, or undefined: the status is allowed and the body says what happened in the ingest shape. */
function wrongAnswer(res: LightMyRequestResponse): string | undefined {
  if (!ANSWERS.has(res.statusCode)) return `status ${res.statusCode}`;
  let body: { status?: unknown; message?: unknown; errors?: unknown };
  try {
    body = res.json();
  } catch {
    return 'a body that is not JSON';
  }
  if (res.statusCode === 202) return body.status === 'accepted' ? undefined : '202 without status accepted';
  if (res.statusCode === 200)
    return body.status === 'ignored' || body.status === 'duplicate' ? undefined : '200 neither ignored nor duplicate';
  const errors = body.errors;
  if (typeof body.status !== 'string' || typeof body.message !== 'string') return 'an error without status and message';
  if (!Array.isArray(errors) || errors.length === 0 || !errors.every((e) => typeof e === 'string' && e.length > 0))
    return 'an error without errors[]';
  // A 400 names the field at fault ('issue.key'), or says the body itself is wrong.
  if (res.statusCode === 400 && !errors.every((e: string) => /'[^']+'|the body/.test(e))) return 'a 400 naming no field';
  return undefined;
}

async function inboundRows(h: Harness): Promise<Array<{ id: number; status: string; result: string | null; attempts: number }>> {
  return h.tandem.database.db
    .selectFrom('ticket_inbound')
    .select(['id', 'status', 'result', 'attempts'])
    .where('dedupe_key', 'not like', 'note:%')
    .orderBy('id')
    .execute();
}

async function incidentOf(h: Harness, id: number) {
  return (await h.api('GET', `/incidents/${id}`, await h.token('viewer'))).json<IncidentDetailResponse>().incident;
}

async function trigger(h: Harness, dedupKey: string): Promise<void> {
  const body = {
    routing_key: PAYMENTS,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: { summary: 'Payments API 5xx above 2%', source: 'monitor', severity: 'critical' },
  };
  expect((await h.ingest('/v2/enqueue', body)).statusCode).toBe(202);
  await h.settle();
}

// ---------------------------------------------------------------- the fuzz

describe.each(databaseKinds())('ticket webhooks under fuzz, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let jira: JiraFake;
  let snow: ServiceNowFake;
  let cw: ConnectWiseFake;
  let dir: string;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  const bases: Record<System, JsonObject[]> = { jira: [], servicenow: [], connectwise: [] };
  const counts: Record<string, unknown> = {};

  beforeAll(async () => {
    jira = await startJiraFake();
    snow = await startServiceNowFake();
    cw = await startConnectWiseFake({ company: 'nightowl' });
    dir = mkdtempSync(join(tmpdir(), 'tandem-ticketing-fuzz-'));
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z',
      config: [demoWithTicketing(dir, [jiraEntry(jira), serviceNowEntry(snow), connectWiseEntry(cw, 'AcmeCorp', 'Service Desk')])],
      env: { ACME_JIRA_TOKEN: jira.token, ...ENV },
    });
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    await trigger(h, 'fuzz-1');
    expect([...jira.issues.keys()]).toEqual(['OPS-1']);
    expect(snow.incidents.size).toBe(1);
    expect(cw.tickets.size).toBe(1);
    const issue = jira.issues.get('OPS-1');
    const [sysId, incident] = [...snow.incidents.entries()][0] ?? [];
    const [ticketId] = [...cw.tickets.keys()];
    if (issue === undefined || sysId === undefined || incident === undefined || ticketId === undefined) throw new Error('no tickets');
    const adf = {
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'BGP' }, { type: 'hardBreak' }] }],
    };
    const noCategory = issueUpdated(jira.url, issue, SAM, 'To Do');
    delete ((noCategory['issue'] as JsonObject)['fields'] as JsonObject)['status'];
    bases.jira = [
      issueUpdated(jira.url, { ...issue, status: { ...issue.status, name: 'In Progress', category: 'indeterminate' } }, SAM, 'To Do'),
      issueUpdated(jira.url, { ...issue, status: { ...issue.status, name: 'Done', category: 'done' } }, SAM, 'In Progress'),
      noCategory,
      commentCreated(jira.url, issue, SAM, { id: '10077', body: 'Card processor confirms an outage.' }),
      { ...commentCreated(jira.url, issue, SAM, { id: '10078', body: '' }), comment: { id: '10078', author: SAM, body: adf } },
    ] as JsonObject[];
    const number = String(incident['number']);
    const who = { sys_updated_by: 'dana.w', updated_by_name: 'Dana Whitfield' };
    bases.servicenow = [
      { sys_id: sysId, number, state: '2', ...who },
      { sys_id: sysId, number, state: '6', work_notes: 'Carrier fixed the circuit.', ...who },
      { sys_id: sysId, number, comments: 'Customer informed.', ...who },
    ];
    bases.connectwise = [cw.callbackBody(ticketId, 'updated') as JsonObject, cw.callbackBody(ticketId, 'added') as JsonObject];
  });
  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    console.log(`ticket webhook fuzz on ${kind.name}, ${N} bodies per system:\n${JSON.stringify(counts, null, 2)}`);
    await h.close();
    await Promise.all([jira.close(), snow.close(), cw.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(SYSTEMS)(
    '%s: every body gets 200, 202 or a 4xx naming the problem, and every accepted delivery is applied',
    async (system) => {
      const mutator = new TicketMutator(system, SEEDS[system], bases[system]);
      const before = (await inboundRows(h)).length;
      const statuses: Record<number, number> = {};
      const wrong: string[] = [];
      let accepted = 0;
      for (let sent = 0; sent < N;) {
        const cases: Case[] = [];
        for (let i = 0; i < CONCURRENCY && sent < N; i++, sent++) cases.push(mutator.next());
        const responses = await Promise.all(
          cases.map((c) =>
            h.tandem.http.inject({
              method: 'POST',
              url: c.path,
              headers: { ...c.headers, ...(c.contentType === undefined ? {} : { 'content-type': c.contentType }) },
              payload: c.payload,
            }),
          ),
        );
        responses.forEach((res, i) => {
          const c = cases[i] as Case;
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode === 202) accepted++;
          const problem = wrongAnswer(res);
          if (problem !== undefined) {
            const shown = typeof c.payload === 'string' ? c.payload.slice(0, 300) : `<${c.payload.length} bytes>`;
            wrong.push(
              `${problem}: ${system} #${c.index} [${c.what}] ${c.path.slice(0, 60)} -> ${res.statusCode} ${res.body.slice(0, 300)}\n  body: ${JSON.stringify(shown)}`,
            );
          }
        });
        h.clock.advance(1_000);
        if (sent % SETTLE_EVERY < CONCURRENCY) await h.settle();
      }
      await h.settle();

      const rows = (await inboundRows(h)).slice(before);
      const byStatus: Record<string, number> = {};
      const results: Record<string, number> = {};
      for (const r of rows) {
        byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
        const result = (r.result ?? '').slice(0, 100);
        results[result] = (results[result] ?? 0) + 1;
      }
      counts[system] = { statuses, accepted, rows: byStatus, results };

      expect(wrong.slice(0, 20)).toEqual([]);
      expect(crashes).toEqual([]);
      // Every 202 stored one delivery, and none of them is left waiting or failed.
      expect(rows).toHaveLength(accepted);
      expect(rows.filter((r) => r.status !== 'done')).toEqual([]);
      // Enough bodies kept their shape that the sync really was exercised.
      expect(accepted).toBeGreaterThan(N / 20);
      expect((await h.tandem.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    },
    Math.max(60_000, N * 300),
  );

  it('the fakes saw no request their systems would refuse', () => {
    jira.assertClean();
    snow.assertClean();
    cw.assertClean();
  });

  it('after the fuzz, a real Jira move acknowledges a new incident and a ServiceNow resolve resolves it', async () => {
    const admin = await h.token('admin');
    const first = (await h.api('GET', '/incidents', admin)).json<{ incidents: Array<{ id: number; status: string }> }>().incidents;
    for (const i of first.filter((x) => x.status !== 'resolved'))
      expect((await h.api('POST', `/incidents/${i.id}/resolve`, admin)).statusCode).toBe(200);
    await h.settle();
    const sysIdsBefore = new Set(snow.incidents.keys());
    await trigger(h, 'fuzz-2');
    const list = (await h.api('GET', '/incidents', admin)).json<{ incidents: Array<{ id: number; status: string }> }>().incidents;
    const open = list.filter((i) => i.status === 'triggered');
    expect(open).toHaveLength(1);
    const id = open[0]?.id ?? 0;
    const ticket = (await incidentOf(h, id)).tickets.find((t) => t.ticketing === 'acme-jira');
    const key = ticket?.key ?? '';
    const issue = jira.issues.get(key);
    if (issue === undefined) throw new Error(`Jira has no ${key}`);
    jira.setStatus(key, 'indeterminate');
    const moved = jira.issues.get(key) ?? issue;
    expect(
      (await h.ingest(`/integrations/ticketing/${JIRA_INBOUND}`, issueUpdated(jira.url, moved, SAM, 'To Do'), deliveryHeaders()))
        .statusCode,
    ).toBe(202);
    await h.settle();
    expect((await incidentOf(h, id)).status).toBe('acknowledged');

    const [sysId, incident] = [...snow.incidents.entries()].find(([s]) => !sysIdsBefore.has(s)) ?? [];
    if (sysId === undefined || incident === undefined) throw new Error('ServiceNow has no incident for the new one');
    const resolved = {
      sys_id: sysId,
      number: String(incident['number']),
      state: '6',
      sys_updated_by: 'dana.w',
      updated_by_name: 'Dana Whitfield',
    };
    expect((await h.ingest(`/integrations/ticketing/${SNOW_INBOUND}`, resolved)).statusCode).toBe(202);
    await h.settle();
    const now = await incidentOf(h, id);
    expect(now.status).toBe('resolved');
    expect(now.timeline.map((e) => e.message)).toContain(`Resolved by Dana Whitfield in ServiceNow (ticket ${String(incident['number'])})`);
    expect(crashes).toEqual([]);
  });
});

// ---------------------------------------------------------------- the poison pill

describe.each(databaseKinds())('a delivery whose apply throws, on $name', (kind: DatabaseKind) => {
  let h: Harness | undefined;
  let jira: JiraFake | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await jira?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = jira = dir = undefined;
  });

  it('does not stop the next: the good one applies at once, unreadable ones fail at once, one whose apply throws is retried with backoff and ends failed', async () => {
    jira = await startJiraFake();
    dir = mkdtempSync(join(tmpdir(), 'tandem-ticketing-poison-'));
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z',
      config: [demoWithTicketing(dir, [jiraEntry(jira)])],
      env: { ACME_JIRA_TOKEN: jira.token },
    });
    await trigger(h, 'poison-1');
    const list = (await h.api('GET', '/incidents', await h.token('viewer'))).json<{ incidents: Array<{ id: number }> }>();
    const id = list.incidents[0]?.id ?? 0;

    // Payloads no parser would have stored: not JSON, and the right ticket with a broken change (its apply throws).
    const garbage = [
      'not json at all',
      JSON.stringify({ ticketId: 'OPS-1', ticketKey: 'OPS-1', actor: null, notes: 'x', state: 'done' }),
      JSON.stringify({ ticketId: 'OPS-1', ticketKey: 'OPS-1', actor: { name: 'x', login: 'x' }, notes: [null] }),
    ];
    for (const payload of garbage) {
      const stored = await storeInbound(h.tandem.database, {
        engagementId: 'acme',
        ticketingId: 'acme-jira',
        dedupeKey: `poison:${randomUUID()}`,
        payload,
        at: h.clock.now(),
      });
      expect(stored).toBe('stored');
    }
    jira.setStatus('OPS-1', 'indeterminate');
    const issue = jira.issues.get('OPS-1');
    if (issue === undefined) throw new Error('OPS-1 is missing');
    expect(
      (await h.ingest(`/integrations/ticketing/${JIRA_INBOUND}`, issueUpdated(jira.url, issue, SAM, 'To Do'), deliveryHeaders()))
        .statusCode,
    ).toBe(202);
    await h.settle();

    expect((await incidentOf(h, id)).status).toBe('acknowledged');
    const rows = await inboundRows(h);
    // Text that is not a change, and a change without its fields, fail at once: no retry can make them readable.
    expect(rows.slice(0, 2).map((r) => [r.status, r.result, r.attempts])).toEqual([
      ['failed', `ticket_inbound ${rows[0]?.id} does not hold a change Tandem can read`, 1],
      ['failed', `ticket_inbound ${rows[1]?.id} does not hold a change Tandem can read`, 1],
    ]);
    expect(rows.at(-1)).toMatchObject({ status: 'done', result: 'acknowledged', attempts: 1 });
    // The one whose apply throws waits for its next attempt, a second or so away, the error kept.
    const due = () =>
      h?.tandem.database.db
        .selectFrom('ticket_inbound')
        .select(['status', 'result', 'attempts', 'next_attempt_at'])
        .where('id', 'in', [rows[2]?.id ?? 0])
        .orderBy('id')
        .execute();
    const waiting = (await due()) ?? [];
    expect(waiting.map((r) => [r.status, r.result, r.attempts])).toEqual([['pending', "Cannot read properties of null (reading 'id')", 1]]);
    for (const r of waiting) {
      expect(Number(r.next_attempt_at) - h.clock.now()).toBeGreaterThanOrEqual(1_000);
      expect(Number(r.next_attempt_at) - h.clock.now()).toBeLessThanOrEqual(1_500);
    }
    await h.settle();
    expect(((await due()) ?? []).map((r) => r.attempts)).toEqual([1]);

    // Hours pass; Sam comments while they are still being retried, and his note reaches the timeline at its step.
    for (let step = 0; step < 30; step++) {
      h.clock.advance(10 * 60_000);
      if (step === 5) {
        const comment = commentCreated(jira.url, issue, SAM, { id: '10090', body: 'Vendor engaged.' });
        expect((await h.ingest(`/integrations/ticketing/${JIRA_INBOUND}`, comment, deliveryHeaders())).statusCode).toBe(202);
        const pending = ((await due()) ?? []).filter((r) => r.status === 'pending');
        expect(pending).toHaveLength(1);
        await h.settle();
        expect((await incidentOf(h, id)).timeline.filter((e) => e.kind === 'note').map((e) => e.message)).toEqual(['Vendor engaged.']);
        continue;
      }
      await h.settle();
    }
    // After its 20 attempts it ends failed with its error, and nothing is due any more.
    expect(((await due()) ?? []).map((r) => [r.status, r.attempts])).toEqual([['failed', 20]]);
    expect(await nextDueInbound(h.tandem.database.db)).toBeNull();
    const after = await incidentOf(h, id);
    expect(after.status).toBe('acknowledged');
    expect(after.timeline.filter((e) => e.kind === 'note')).toHaveLength(1);
  });
});
