/**
 * A seeded, deterministic mutator of ingest bodies (issue 8): the random fuzz
 * that once found one accepted event stalling the engine for everyone. It
 * starts from real bodies (Alertmanager 0.25 and pdjs 2.2.4 captures in
 * test/fixtures, the examples of docs/ingest.md) and makes each request from
 * one of them:
 *
 * - most bodies keep their shape and vary what a real sender varies: dedup
 *   keys and fingerprints from a small pool (so re-triggers, acknowledges and
 *   resolves meet open alerts), actions, severities, groups, and text with
 *   lone surrogates, NUL, right-to-left marks, emoji and lengths at the limits,
 *   so that many events are accepted and must be applied;
 * - some get structural mutations of the parsed JSON: keys dropped,
 *   duplicated or renamed, values of another type, extreme numbers, nesting
 *   past the depth limit (or thousands of levels), arrays where objects
 *   belong, many alerts;
 * - some get byte-level mutations of the serialized text: truncation, flipped
 *   characters, invalid escapes, duplicate keys, odd number literals, and
 *   invalid UTF-8 sent as bytes.
 *
 * The same seed gives the same bodies, in the same order, on every machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/random/seeded.js';

/** The ingest endpoints: PagerDuty alert and change events, Alertmanager's webhook, generic JSON. */
export type FuzzTarget = 'pagerduty' | 'change' | 'alertmanager' | 'generic';
export const FUZZ_TARGETS: readonly FuzzTarget[] = ['pagerduty', 'change', 'alertmanager', 'generic'];

/** The demo engagement's integration keys (demo/acme.yaml). */
export const KEYS = {
  pagerduty: ['9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
  alertmanager: ['am-payments-3c8e1f'],
  generic: ['edr-generic-77d2', 'helpdesk-generic-1a9b'],
} as const;

export interface FuzzCase {
  readonly target: FuzzTarget;
  /** Position in its target's sequence (with the seed, enough to make it again). */
  readonly index: number;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly payload: string | Buffer;
  /** What was done to the base body, for the report of a failing case. */
  readonly mutations: readonly string[];
}

/** A seeded random source (mulberry32): the same cases on every run. */
export class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

// ---------------------------------------------------------------- values

const LONE_SURROGATES = ['\ud800', '\udfff', 'a\ud800', '\udfffz', '\udbff\udbff', 'x\udc00y\ud83d'];
const UNICODE = [
  'مرحبا بالعالم',
  '\u202eexe.txt\u202c',
  '\u200fעברית\u200e',
  '😀🔥',
  '👩‍👩‍👧‍👦',
  'z̷̧̛a̸l̵g̶o',
  '日本語のアラート',
  '\ufeffbom',
  '\u2028line\u2029sep',
  'İstanbul ß',
  'e\u0301',
  '\u00e9',
  '\ufffd',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f\u007f',
  '\t\r\n',
];
const NASTY = [
  '',
  ' ',
  '   ',
  '\\',
  '"',
  "'; drop table incidents; --",
  '<img src=x onerror=alert(1)>',
  '[click](http://evil.example)',
  '{{7*7}}',
  '%s%n',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '0',
  '-1',
  'K1',
  'k1 ',
];
const NUMBERS = [0, -0, 1, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1, -(2 ** 53 + 1), 1.5, 255, 1024, 2 ** 31, 2 ** 32];
const LENGTHS = [254, 255, 256, 1023, 1024, 1025, 4096, 65_536];
const DEEP_LEVELS = [2, 30, 31, 32, 33, 64, 1_000, 4_150, 5_000, 100_000];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const SEVERITY_LABELS = ['critical', 'crit', 'warning', 'warn', 'info', 'page', 'high', 'low', 'P1', 'bogus', ''];
const TIMESTAMPS = [
  '2026-11-24T12:00:00Z',
  '2015-07-17T08:42:58.315+0000',
  '2026-11-26T17:53:36.109628141Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-02-30T00:00:00Z',
  '2026-11-24 12:00',
  '1970-01-01T00:00:00+2359',
  'yesterday',
  '',
];

/**
 * Dedup keys and fingerprints: a small pool so the same alert is triggered,
 * re-triggered, acknowledged and resolved many times over, with keys that
 * differ only in ways a database might not see (surrogates that all store as
 * U+FFFD, NUL, case, trailing space, composed and decomposed accents).
 */
const DEDUP_POOL = [
  'pdjs-feasibility-1',
  '6dcb16b79e8d5e179091f6cd6c29ca704465c44b1b26141d0f49bd578a10a908',
  'aec97cc642d7808b',
  '3f38608cfc3a55ae',
  'payments-api-1/http',
  'edr-4411',
  'k1',
  'K1',
  'k1 ',
  '\udfff',
  '\ud800',
  '\ufffd',
  'a\ud800',
  'a\ufffd',
  'nul\u0000key',
  'nul\ufffdkey',
  'e\u0301',
  '\u00e9',
  'ß',
  'SS',
  '\u202ertl',
  '😀',
  'k'.repeat(255),
  ' ',
  '0',
];
const GROUPS = ['g1', 'g2', '{}/{severity="critical"}:{alertname="PaymentAPIDown", service="payments"}', '\udfff', 'nul\u0000'];

/** Character ranges for text that does not compress (a database may compress a repeated string and hide a size limit). */
const RANGES: ReadonlyArray<[number, number]> = [
  [0x21, 0x5e],
  [0xc0, 0x180],
  [0x4e00, 0x5000],
  [0xd800, 0x800],
];

function longString(rng: Rng): string {
  const n = rng.pick(LENGTHS);
  if (rng.chance(0.4)) {
    const [from, span] = rng.pick(RANGES);
    let out = '';
    for (let i = 0; i < n; i++) out += String.fromCharCode(from + rng.int(span));
    return out;
  }
  const unit = rng.pick(['x', 'é', '😀', '\ud800', '\u0000']);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** A string a sender might send: usually ordinary, often strange. */
function text(rng: Rng, ordinary: string): string {
  const r = rng.float();
  if (r < 0.45) return ordinary;
  if (r < 0.6) return `${ordinary} ${rng.pick(UNICODE)}`;
  if (r < 0.72) return `${ordinary}${rng.pick(LONE_SURROGATES)}`;
  if (r < 0.82) return rng.pick(UNICODE);
  if (r < 0.92) return rng.pick(NASTY);
  return longString(rng);
}

/** A marker replaced by deep nesting in the serialized text (no recursion to build or serialize it). */
const deepMarker = (levels: number, array: boolean) => `\u0001DEEP:${levels}:${array ? 'a' : 'o'}\u0001`;
const DEEP_RE = /"\\u0001DEEP:(\d+):([ao])\\u0001"/g;

function randomValue(rng: Rng, depth = 0): Json {
  const r = rng.float();
  if (r < 0.3) return text(rng, 'value');
  if (r < 0.45) return rng.pick(NUMBERS);
  if (r < 0.5) return rng.chance(0.5);
  if (r < 0.55) return null;
  if (r < 0.7 && depth < 4) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  if (r < 0.9 && depth < 4) return randomObject(rng, depth + 1);
  if (r < 0.95) return deepMarker(rng.pick(DEEP_LEVELS), rng.chance(0.3));
  return longString(rng);
}

function randomObject(rng: Rng, depth = 0): JsonObject {
  const out: JsonObject = {};
  const n = rng.int(5);
  for (let i = 0; i < n; i++) define(out, text(rng, `k${i}`), randomValue(rng, depth + 1));
  return out;
}

/** Sets a key as a plain own property, even "__proto__". */
function define(obj: JsonObject, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------- bases

interface Bases {
  pagerduty: JsonObject[];
  change: JsonObject[];
  alertmanager: JsonObject[];
  generic: JsonObject[];
  /** Alertmanager alerts (webhook and API v2 captures), for building bodies. */
  alerts: JsonObject[];
}

function jsonl(file: string): Array<{ path: string; raw: string }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { path: string; raw: string });
}

/** The real bodies every mutation starts from. */
export function loadBases(fixtures: string, docs: string): Bases {
  const am = join(fixtures, 'alertmanager-0.25');
  const pd = join(fixtures, 'pdjs-2.2.4');
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Json;
  const captured = [
    ...jsonl(join(am, 'run1-backdated-startsAt-all-requests.jsonl')),
    ...jsonl(join(am, 'run2-all-requests.jsonl')),
    ...jsonl(join(pd, 'pdjs-all-requests.jsonl')),
  ];
  const pagerduty = [
    read(join(pd, 'pdjs-trigger.json')),
    read(join(am, 'pagerduty-trigger.json')),
    read(join(am, 'pagerduty-resolve.json')),
  ] as JsonObject[];
  const webhooks = [read(join(am, 'webhook-firing.json')), read(join(am, 'webhook-resolved.json'))] as JsonObject[];
  for (const c of captured) {
    const body = JSON.parse(c.raw) as JsonObject;
    if (c.path === '/v2/enqueue') pagerduty.push(body);
    else if (c.path === '/alertmanager') webhooks.push(body);
  }
  // The curl examples of docs/ingest.md.
  const examples = [...readFileSync(docs, 'utf8').matchAll(/-d '(\{[\s\S]*?\})'/g)].map((m) => JSON.parse(m[1] as string) as JsonObject);
  const generic: JsonObject[] = examples.filter((e) => 'summary' in e);
  pagerduty.push(...examples.filter((e) => 'routing_key' in e));
  const posted = [
    ...(read(join(am, 'posted-alerts-fire.json')) as JsonObject[]),
    ...(read(join(am, 'posted-alerts-resolve.json')) as JsonObject[]),
  ];
  const alerts = [...webhooks.flatMap((w) => w['alerts'] as JsonObject[]), ...posted];
  // Generic bodies as a script would write them from the same alerts.
  for (const a of alerts) {
    const labels = a['labels'] as Record<string, string>;
    const annotations = a['annotations'] as Record<string, string>;
    generic.push({
      summary: annotations['summary'] ?? 'alert',
      details: annotations['description'] ?? '',
      severity: labels['severity'] ?? 'error',
      source: labels['instance'] ?? 'host',
      ...(a['endsAt'] && a['status'] === 'resolved' ? { action: 'resolve' } : {}),
    });
  }
  // Change events: what a deploy pipeline sends about the same services.
  const change = pagerduty
    .filter((p) => typeof (p['payload'] as JsonObject | undefined)?.['summary'] === 'string')
    .map((p) => {
      const payload = p['payload'] as JsonObject;
      return {
        routing_key: p['routing_key'] ?? '',
        payload: {
          summary: `Deploy: ${String(payload['summary'])}`,
          source: payload['source'] ?? 'ci',
          timestamp: '2026-11-24T11:58:00Z',
          custom_details: payload['custom_details'] ?? {},
        },
        links: [{ href: 'https://ci.example/build/42', text: 'Build 42' }],
      } as JsonObject;
    });
  return { pagerduty, change, alertmanager: webhooks, generic, alerts };
}

// ---------------------------------------------------------------- the mutator

const clone = <T>(v: T): T => structuredClone(v);

/** Every (container, key) in a body, for structural mutations. */
function slots(root: Json): Array<{ parent: JsonObject | Json[]; key: string | number }> {
  const out: Array<{ parent: JsonObject | Json[]; key: string | number }> = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < 5_000) {
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

const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
];
const INSERTS = [
  '\\x41',
  '\\u12',
  '\\uZZZZ',
  '\\',
  '\\ud800',
  '\\udfff',
  '\\u0000',
  '\\ud83d\\ude00',
  ',',
  ',,',
  '}',
  ']',
  '{',
  '[',
  'null',
  '"',
  '\u0000',
  '\n',
  '/*c*/',
  '\ud800',
  'NaN',
];
const NUMBER_LITERALS = [
  '-0',
  '1e400',
  '-1e400',
  '9007199254740993',
  '1E+2',
  '1e-400',
  '00',
  '01',
  '.5',
  '+1',
  'Infinity',
  '0x10',
  '1_000',
  '123456789012345678901234567890',
];
const BAD_BYTES = [
  [0xff],
  [0xfe],
  [0xc3],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xc0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
];
const WHOLE_BODIES = ['', ' ', '\n', 'null', 'true', '0', '"s"', '[]', '{}', '[{}]', '\u0000', '{"a":1}{"b":2}', '\ufeff{}'];

/** Makes mutated bodies for one ingest endpoint, the same ones for the same seed. */
export class Mutator {
  readonly #rng: Rng;
  readonly #bases: Bases;
  readonly #target: FuzzTarget;
  #index = 0;

  constructor(target: FuzzTarget, seed: number, bases: Bases) {
    this.#target = target;
    this.#rng = new Rng(seed);
    this.#bases = bases;
  }

  next(): FuzzCase {
    const rng = this.#rng;
    const target = this.#target;
    const index = this.#index++;
    const mutations: string[] = [];
    let body = this.#realistic(mutations);

    const kind = rng.float();
    let textBody: string;
    if (kind < 0.02) {
      textBody = rng.chance(0.1) ? 'x'.repeat(600_000) : rng.pick(WHOLE_BODIES);
      mutations.push(`whole body ${JSON.stringify(textBody.slice(0, 20))}${textBody.length > 20 ? `… (${textBody.length})` : ''}`);
    } else {
      if (kind < 0.4) {
        // Structural: 1 to 3 mutations of the parsed body.
        const n = 1 + rng.int(3);
        for (let i = 0; i < n; i++) body = this.#structural(body, mutations);
      }
      textBody = serialize(body);
      if (kind >= 0.82) {
        const n = 1 + rng.int(3);
        for (let i = 0; i < n; i++) textBody = this.#textual(textBody, mutations);
      }
    }

    let payload: string | Buffer = textBody;
    if (kind >= 0.9 && rng.chance(0.6)) payload = this.#bytes(textBody, mutations);
    const contentType = rng.chance(0.9) ? 'application/json' : rng.pick(CONTENT_TYPES);
    if (contentType !== 'application/json') mutations.push(`content-type ${String(contentType)}`);
    return { target, index, path: this.#path(mutations), contentType, payload, mutations };
  }

  #path(mutations: string[]): string {
    const rng = this.#rng;
    switch (this.#target) {
      case 'pagerduty':
        return '/v2/enqueue';
      case 'change':
        return '/v2/change/enqueue';
      case 'alertmanager':
      case 'generic': {
        let key: string = rng.pick(KEYS[this.#target]);
        if (rng.chance(0.01)) {
          key = rng.pick([
            'nope',
            KEYS.pagerduty[0],
            this.#target === 'generic' ? KEYS.alertmanager[0] : KEYS.generic[0],
            '%00',
            '..%2f..%2fetc',
            encodeURIComponent('\ud83d\ude00'),
          ]);
          mutations.push(`key ${key}`);
        }
        return `/integrations/${this.#target}/${key}`;
      }
    }
  }

  /** A base body with what real senders vary: keys from the pool, actions, severities, odd text. */
  #realistic(mutations: string[]): Json {
    const rng = this.#rng;
    const bases = this.#bases;
    switch (this.#target) {
      case 'pagerduty': {
        const b = clone(rng.pick(bases.pagerduty));
        b['routing_key'] = rng.pick(KEYS.pagerduty);
        const action = rng.pick(['trigger', 'trigger', 'trigger', 'trigger', 'acknowledge', 'resolve', 'resolve']);
        b['event_action'] = action;
        if (rng.chance(0.93)) b['dedup_key'] = rng.pick(DEDUP_POOL);
        else delete b['dedup_key'];
        const payload = (b['payload'] ?? {}) as JsonObject;
        b['payload'] = payload;
        payload['summary'] = text(rng, String(payload['summary'] ?? 'Alert')).slice(0, 1024) || 'Alert';
        payload['source'] = text(rng, String(payload['source'] ?? 'host')).slice(0, 1024) || 'host';
        payload['severity'] = rng.pick(SEVERITIES);
        if (rng.chance(0.2)) payload['timestamp'] = rng.pick(TIMESTAMPS.slice(0, 5));
        if (rng.chance(0.3)) payload['custom_details'] = randomObject(rng);
        if (rng.chance(0.1)) payload['component'] = text(rng, 'payments').slice(0, 1024);
        if (rng.chance(0.1)) b['links'] = [{ href: text(rng, 'https://runbooks.example/payments'), text: text(rng, 'Runbook') }];
        if (rng.chance(0.05))
          b['images'] = [
            { src: text(rng, 'https://grafana.example/render.png'), href: text(rng, 'https://grafana.example'), alt: text(rng, 'graph') },
          ];
        mutations.push(`pagerduty ${action} ${JSON.stringify(b['dedup_key'] ?? '(generated)').slice(0, 40)}`);
        return b;
      }
      case 'change': {
        const b = clone(rng.pick(bases.change));
        b['routing_key'] = rng.pick(KEYS.pagerduty);
        const payload = b['payload'] as JsonObject;
        payload['summary'] = text(rng, String(payload['summary'])).slice(0, 1024) || 'Deploy';
        if (rng.chance(0.3)) payload['source'] = text(rng, 'ci').slice(0, 1024);
        if (rng.chance(0.3)) payload['timestamp'] = rng.pick(TIMESTAMPS.slice(0, 5));
        if (rng.chance(0.3)) payload['custom_details'] = randomObject(rng);
        mutations.push('change');
        return b;
      }
      case 'alertmanager': {
        const b = clone(rng.pick(bases.alertmanager));
        b['version'] = '4';
        if (rng.chance(0.5)) b['groupKey'] = rng.chance(0.1) ? longString(rng) : rng.pick(GROUPS);
        const count = rng.chance(0.9) ? 1 + rng.int(4) : rng.pick([10, 50, 200]);
        const alerts: JsonObject[] = [];
        for (let i = 0; i < count; i++) {
          const a = clone(rng.pick(bases.alerts));
          a['status'] = rng.chance(0.65) ? 'firing' : 'resolved';
          a['fingerprint'] = rng.pick(DEDUP_POOL);
          if (a['startsAt'] === undefined) a['startsAt'] = '2026-11-26T17:53:36.109628141Z';
          const labels = (a['labels'] ?? {}) as JsonObject;
          a['labels'] = labels;
          if (rng.chance(0.5)) labels['severity'] = rng.pick(SEVERITY_LABELS);
          if (rng.chance(0.3)) labels['instance'] = text(rng, String(labels['instance'] ?? 'host'));
          const annotations = (a['annotations'] ?? {}) as JsonObject;
          a['annotations'] = annotations;
          if (rng.chance(0.5)) annotations['summary'] = text(rng, String(annotations['summary'] ?? 'summary'));
          alerts.push(a);
        }
        b['alerts'] = alerts;
        mutations.push(
          `alertmanager ${count} alerts ${alerts.map((a) => `${String(a['status'])}:${JSON.stringify(a['fingerprint']).slice(0, 20)}`).join(' ')}`.slice(
            0,
            300,
          ),
        );
        return b;
      }
      case 'generic': {
        const b = clone(rng.pick(bases.generic));
        const action = rng.pick([undefined, undefined, 'trigger', 'acknowledge', 'resolve', 'close']);
        if (action === undefined) delete b['action'];
        else b['action'] = action;
        if (rng.chance(0.7)) b[rng.chance(0.9) ? 'dedup_key' : 'dedup'] = rng.pick(DEDUP_POOL);
        b['summary'] = text(rng, String(b['summary'] ?? 'alert')).slice(0, 1024) || 'alert';
        if (rng.chance(0.3)) b['details'] = rng.chance(0.5) ? text(rng, 'details') : randomObject(rng);
        if (rng.chance(0.5)) b['severity'] = rng.pick(SEVERITIES);
        if (rng.chance(0.2)) b['group'] = rng.chance(0.1) ? longString(rng) : rng.pick(GROUPS);
        if (rng.chance(0.2)) b['timestamp'] = rng.pick(TIMESTAMPS.slice(0, 5));
        mutations.push(`generic ${action ?? '(trigger)'} ${JSON.stringify(b['dedup_key'] ?? b['dedup'] ?? '(content)').slice(0, 40)}`);
        return b;
      }
    }
  }

  /** One mutation of the parsed body. */
  #structural(body: Json, mutations: string[]): Json {
    const rng = this.#rng;
    const r = rng.float();
    // Whole-body mutations.
    if (r < 0.04) {
      mutations.push('body wrapped in an array');
      return [body];
    }
    if (
      r < 0.06 &&
      this.#target === 'alertmanager' &&
      body !== null &&
      typeof body === 'object' &&
      !Array.isArray(body) &&
      Array.isArray(body['alerts'])
    ) {
      // Many alerts, fingerprints from the pool: repeats of one alert in one request, and the 1,000 limit.
      const alerts = body['alerts'] as JsonObject[];
      const n = rng.pick([100, 999, 1000, 1001, 3000]);
      body['alerts'] = Array.from({ length: n }, (_, i) => ({
        ...(alerts[i % alerts.length] as JsonObject),
        fingerprint: rng.pick(DEDUP_POOL),
        status: rng.chance(0.7) ? 'firing' : 'resolved',
      }));
      mutations.push(`${n} alerts`);
      return body;
    }
    if (r < 0.07) {
      const many = rng.chance(0.5) ? 100_001 : 20_000;
      const where = slots(body).filter((s) => typeof s.key === 'string');
      const slot = where.length > 0 ? rng.pick(where) : undefined;
      if (slot)
        (slot.parent as JsonObject)[slot.key as string] = rng.chance(0.5)
          ? new Array<Json>(many).fill(0)
          : Object.fromEntries(Array.from({ length: many }, (_, i) => [`k${i}`, 1]));
      mutations.push(`${many} members at ${String(slot?.key)}`);
      return body;
    }
    const all = slots(body);
    if (all.length === 0) {
      mutations.push('scalar body replaced');
      return randomValue(rng);
    }
    const { parent, key } = rng.pick(all);
    const name = JSON.stringify(key).slice(0, 40);
    const get = (): Json => (Array.isArray(parent) ? (parent[key as number] as Json) : (parent[key as string] as Json));
    const set = (v: Json) => (Array.isArray(parent) ? (parent[key as number] = v) : define(parent, key as string, v));
    const op = rng.int(13);
    switch (op) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else Reflect.deleteProperty(parent, key as string);
        mutations.push(`dropped ${name}`);
        break;
      case 1: {
        if (Array.isArray(parent)) parent.push(clone(get()));
        else define(parent, `${String(key)}${rng.pick(['', '_2', ' ', 'Copy'])}`, clone(get()));
        mutations.push(`duplicated ${name}`);
        break;
      }
      case 2: {
        if (Array.isArray(parent)) break;
        const v = get();
        Reflect.deleteProperty(parent, key as string);
        const renamed = rng.pick([
          String(key).toUpperCase(),
          `${String(key)}\ud800`,
          `${String(key)}\u0000`,
          '',
          '__proto__',
          text(rng, String(key)),
          String(key).replace(/_/g, '-'),
        ]);
        define(parent, renamed, v);
        mutations.push(`renamed ${name} to ${JSON.stringify(renamed).slice(0, 40)}`);
        break;
      }
      case 3:
        set(randomValue(rng));
        mutations.push(`${name} given a random value`);
        break;
      case 4: {
        const v = get();
        set(typeof v === 'string' ? (Number.isNaN(Number(v)) ? v.length : Number(v)) : (JSON.stringify(v) ?? 'null'));
        mutations.push(`${name} changed type`);
        break;
      }
      case 5:
        set([get()]);
        mutations.push(`${name} wrapped in an array`);
        break;
      case 6:
        set(rng.chance(0.5) ? {} : []);
        mutations.push(`${name} emptied`);
        break;
      case 7: {
        const levels = rng.pick(DEEP_LEVELS);
        set(deepMarker(levels, rng.chance(0.3)));
        mutations.push(`${name} nested ${levels} deep`);
        break;
      }
      case 8:
        set(longString(rng));
        mutations.push(`${name} a long string`);
        break;
      case 9: {
        const s = rng.pick([...UNICODE, ...LONE_SURROGATES]);
        set(typeof get() === 'string' ? `${String(get())}${s}` : s);
        mutations.push(`${name} odd text ${JSON.stringify(s)}`);
        break;
      }
      case 10: {
        const n = rng.pick(NUMBERS);
        set(n);
        mutations.push(`${name} = ${Object.is(n, -0) ? '-0' : n}`);
        break;
      }
      case 11:
        set(rng.chance(0.5) ? null : rng.chance(0.5));
        mutations.push(`${name} null or boolean`);
        break;
      default:
        if (!Array.isArray(parent)) define(parent, text(rng, 'extra'), randomValue(rng));
        mutations.push(`unknown field beside ${name}`);
    }
    return body;
  }

  /** One mutation of the serialized text. */
  #textual(s: string, mutations: string[]): string {
    const rng = this.#rng;
    const at = rng.int(s.length + 1);
    switch (rng.int(7)) {
      case 0:
        mutations.push(`truncated at ${at}`);
        return s.slice(0, at);
      case 1: {
        const c = rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', ' ', 'a', '0', '\u0000', '\uffff', '\ud800']);
        mutations.push(`char ${at} = ${JSON.stringify(c)}`);
        return s.slice(0, at) + c + s.slice(at + 1);
      }
      case 2: {
        const len = 1 + rng.int(20);
        mutations.push(`deleted ${len} at ${at}`);
        return s.slice(0, at) + s.slice(at + len);
      }
      case 3: {
        const ins = rng.pick(INSERTS);
        mutations.push(`inserted ${JSON.stringify(ins)} at ${at}`);
        return s.slice(0, at) + ins + s.slice(at);
      }
      case 4: {
        // A duplicate key: the same name again, with a random value first.
        const keys = [...s.matchAll(/"([A-Za-z_]+)":/g)];
        if (keys.length === 0) return s;
        const m = rng.pick(keys);
        const dup = `"${m[1] as string}":${serialize(randomValue(rng))},`;
        mutations.push(`duplicate key ${m[1] as string}`);
        return s.slice(0, m.index) + dup + s.slice(m.index);
      }
      case 5: {
        const nums = [...s.matchAll(/(?<=[:,[]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\s*[,}\]])/g)];
        const lit = rng.pick(NUMBER_LITERALS);
        if (nums.length === 0) {
          mutations.push(`number ${lit} as the body`);
          return lit;
        }
        const m = rng.pick(nums);
        mutations.push(`number ${m[0]} written ${lit}`);
        return s.slice(0, m.index) + lit + s.slice((m.index ?? 0) + m[0].length);
      }
      default: {
        // A string value's quotes or escapes broken.
        const quote = s.indexOf('"', at);
        if (quote < 0) return s;
        mutations.push(`quote at ${quote} removed`);
        return s.slice(0, quote) + s.slice(quote + 1);
      }
    }
  }

  /** The text as bytes that are not (all) valid UTF-8. */
  #bytes(s: string, mutations: string[]): Buffer {
    const rng = this.#rng;
    const r = rng.float();
    if (r < 0.15) {
      mutations.push('latin1 bytes');
      return Buffer.from(s, 'latin1');
    }
    if (r < 0.25) {
      mutations.push('UTF-16LE bytes');
      return Buffer.from(s, 'utf16le');
    }
    if (r < 0.35) {
      mutations.push('BOM');
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)]);
    }
    const buf = Buffer.from(s);
    // Inside a string value when possible, so the rest of the body still parses.
    const quotes = [...s.matchAll(/:"/g)];
    const charAt = quotes.length > 0 ? (rng.pick(quotes).index ?? 0) + 2 : rng.int(s.length + 1);
    const at = Buffer.byteLength(s.slice(0, charAt));
    const bad = rng.pick(BAD_BYTES);
    mutations.push(`bytes ${bad.map((b) => b.toString(16)).join(' ')} at byte ${at}`);
    return Buffer.concat([buf.subarray(0, at), Buffer.from(bad), buf.subarray(at)]);
  }
}

/** JSON text, with deep-nesting markers expanded (built as text: no recursion). */
export function serialize(v: Json): string {
  const s = JSON.stringify(v) ?? 'null';
  if (!s.includes('\\u0001DEEP:')) return s;
  return s.replace(DEEP_RE, (_m, n: string, kind: string) => {
    const levels = Number(n);
    return kind === 'a' ? '['.repeat(levels) + '1' + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  });
}

/** A short, printable form of a case's body, for reports. */
export function showPayload(c: FuzzCase, max = 400): string {
  const s = typeof c.payload === 'string' ? JSON.stringify(c.payload) : `<Buffer ${c.payload.subarray(0, max).toString('hex')}>`;
  return s.length > max ? `${s.slice(0, max)}… (${typeof c.payload === 'string' ? c.payload.length : c.payload.length} long)` : s;
}
