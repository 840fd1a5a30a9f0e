/**
 * The status page under hostile or broken input (issue 13): a seeded mutator
 * posts notes, updates and resolutions with keys dropped, values of the wrong
 * type, strange and huge text, unknown components and incidents, broken JSON
 * and odd content types, and asks for status pages at strange paths. Every
 * answer is a 2xx or a 4xx with the error shape (a 400 names the field),
 * never a 5xx; afterwards the page, its JSON (checked against its schema) and
 * its feed still answer, and every note that was accepted is on them.
 *
 * TANDEM_FUZZ_N sets the requests (default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../fuzz/mutate.js';
import type { Json, JsonObject } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { STATUS_KEYS, statusDemo } from '../support/status-page.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 300);
const ANSWERS = new Set([200, 201, 400, 403, 404, 409, 413, 415]);

const STRANGE: readonly Json[] = [
  '',
  ' ',
  '\ud800',
  'a\udfffb',
  '\u0000',
  '\u0007bell',
  '\u202eRTL',
  '😀',
  '__proto__',
  'constructor',
  'Payments',
  'payments',
  'Online shop',
  'ACME-1',
  'ACME-99999999999',
  '1',
  '-1',
  'outage',
  'resolved',
  'acme',
  'globex',
  "'; drop table status_notes; --",
  '<script>alert(1)</script>',
  ']]></content><entry>',
];
const NUMBERS: readonly Json[] = [0, -1, 1.5, 2 ** 53, 1e308, 7];
const KEYS = ['engagement', 'title', 'components', 'state', 'text', 'incident'] as const;
const PATH_PARTS = ['acme', 'ACME', 'globex', '', '%00', '%2e%2e', '..%2f', 'a'.repeat(600), '%F0%9F%98%80', 'acme%20', 'acme.json', '%ZZ'];

/** A path segment for any text: a lone surrogate (which encodeURIComponent refuses) goes as its invalid UTF-8 bytes. */
function pathPart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function value(rng: Rng, depth = 0): Json {
  const r = rng.float();
  if (r < 0.45) return rng.pick(STRANGE);
  if (r < 0.55) return rng.pick(NUMBERS);
  if (r < 0.6) return rng.chance(0.5);
  if (r < 0.65) return null;
  if (r < 0.8 && depth < 2) return Array.from({ length: rng.int(4) }, () => value(rng, depth + 1));
  if (r < 0.9 && depth < 2) return { [rng.pick(KEYS)]: value(rng, depth + 1) };
  return rng.pick(['x', 'é', '😀', '<']).repeat(rng.pick([199, 201, 5_001, 300_000, 1_100_000]));
}

function good(rng: Rng): JsonObject {
  return {
    engagement: 'acme',
    title: rng.pick(['Payments down', 'Slow checkout', '<b>bold</b> & co']),
    components: rng.chance(0.5) ? ['Payments'] : ['Online shop', 'Staff devices and sign-in'],
    state: rng.pick(['operational', 'maintenance', 'degraded', 'outage']),
    text: rng.pick(['Investigating.', 'Fixed & monitoring <ok>', 'Line one\nline two']),
    ...(rng.chance(0.3) ? { incident: 'ACME-1' } : {}),
  };
}

/** Sets a key as an own property, even "__proto__" (so it is serialized like any other key). */
function define(o: JsonObject, key: string, v: Json): void {
  Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function mutate(rng: Rng, body: JsonObject): JsonObject {
  let out: JsonObject = { ...body };
  for (let i = rng.int(3); i > 0; i--) {
    const key = rng.pick(KEYS);
    const r = rng.float();
    if (r < 0.35) out = Object.fromEntries(Object.entries(out).filter(([k]) => k !== key));
    else if (r < 0.9) define(out, key, value(rng));
    else define(out, rng.pick(['extra', '__proto__', 'constructor', '']), value(rng));
  }
  return out;
}

describe.each(databaseKinds())('status notes and pages under fuzzed input, on $name', (kind) => {
  let h: Harness;
  let dir: string;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-status-fuzz-'));
    h = await startHarness(kind, { config: [statusDemo(dir)] });
    admin = await h.token('admin');
    const res = await h.ingest('/v2/enqueue', {
      routing_key: STATUS_KEYS.payments,
      event_action: 'trigger',
      dedup_key: 'fuzz-1',
      payload: { summary: 'fuzz incident', source: 'fuzz', severity: 'critical' },
    });
    expect(res.statusCode).toBe(202);
    await h.settle();
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${N} hostile requests with 2xx or 4xx, and the page still renders every accepted note`, async () => {
    const rng = new Rng(0x57a7);
    const accepted: number[] = [];
    const failures: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = rng.float();
      let method: 'GET' | 'POST' = 'POST';
      let url: string;
      let payload: string | undefined;
      let contentType: string | undefined = 'application/json';
      if (r < 0.5) {
        url = '/api/v1/status-notes';
        payload = JSON.stringify(rng.chance(0.8) ? mutate(rng, good(rng)) : value(rng));
      } else if (r < 0.7) {
        const id = accepted.length > 0 && rng.chance(0.8) ? String(rng.pick(accepted)) : String(rng.pick(STRANGE));
        url = `/api/v1/status-notes/${pathPart(id)}/${rng.pick(['updates', 'resolve'])}`;
        payload = JSON.stringify(rng.chance(0.7) ? mutate(rng, { text: 'update', state: 'degraded' }) : value(rng));
      } else if (r < 0.8) {
        url = '/api/v1/status-notes';
        payload = rng.pick(['', '{', 'null', '[]', '"s"', '{"engagement":"acme"', 'engagement=acme']);
        contentType = rng.pick(['application/json', 'text/plain', undefined, 'application/x-www-form-urlencoded']);
      } else {
        method = 'GET';
        url = `/status/${rng.pick(PATH_PARTS)}${rng.pick(['', '.json', '/feed.atom', '/', '.xml', '/feed.atom/x'])}`;
      }
      const res = await h.tandem.http.inject({
        method,
        url,
        headers: {
          ...(method === 'POST' ? { authorization: `Bearer ${admin}` } : {}),
          ...(contentType && payload !== undefined ? { 'content-type': contentType } : {}),
        },
        ...(payload === undefined ? {} : { payload }),
      });
      if (!ANSWERS.has(res.statusCode))
        failures.push(`${method} ${url.slice(0, 80)} ${String(payload).slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
      else if (res.statusCode === 400 && res.headers['content-type']?.toString().startsWith('application/json')) {
        // Every 400 in the error format, a path that is not valid percent-encoding included (INVALID_PATH).
        const body = res.json<{ error?: { code?: string; message?: string } }>();
        if (!body.error?.code || !body.error.message) failures.push(`${url}: 400 without the error shape: ${res.body.slice(0, 200)}`);
      }
      if (res.statusCode === 201 && url === '/api/v1/status-notes') accepted.push(res.json<{ note: { id: number } }>().note.id);
    }
    expect(failures).toEqual([]);
    expect(accepted.length).toBeGreaterThan(5);

    const page = await h.tandem.http.inject({ method: 'GET', url: '/status/acme' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/<script>/);
    const doc = await h.tandem.http.inject({ method: 'GET', url: '/status/acme.json' });
    expect(doc.statusCode).toBe(200);
    const shown = doc.json<{ notes: Array<{ id: number }> }>().notes.map((n) => n.id);
    expect(shown.sort((a, b) => a - b)).toEqual(accepted.slice(-50).sort((a, b) => a - b));
    const feed = await h.tandem.http.inject({ method: 'GET', url: '/status/acme/feed.atom' });
    expect(feed.statusCode).toBe(200);
    // Nothing XML cannot hold: controls (other than tab and newlines) and lone surrogates were replaced.
    expect(feed.body).not.toMatch(
      // eslint-disable-next-line no-control-regex -- control characters are what XML 1.0 may not hold
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
    expect(feed.body.match(/<entry>/g)?.length).toBe(shown.length);
  });
});
