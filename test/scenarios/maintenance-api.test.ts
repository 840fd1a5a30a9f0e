/**
 * The maintenance API under bad input (issue 13): each mistake an admin can
 * make is a 400 with the catalog's code and the field at fault (a regular
 * expression that does not compile, matchers that would match every alert,
 * an end at or before the start or in the past, a service the engagement
 * does not have, a date without an offset); responders and viewers get 403;
 * another engagement is a 404. A seeded fuzz posts mutated bodies: every
 * answer is 201 or a 4xx in the error shape, never a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../fuzz/mutate.js';
import type { Json, JsonObject } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 300);

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

const WINDOW = { engagement: 'acme', services: ['storefront'], to: '2026-11-25T06:00:00Z', reason: 'CDN cut-over' };
const SILENCE = {
  engagement: 'acme',
  matchers: [{ name: 'service', value: 'payments-api' }],
  ends_at: '2026-11-25T06:00:00Z',
  reason: 'storage migration',
};

describe.each(databaseKinds())('the maintenance API under bad input, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    admin = await h.token('admin');
  });
  afterAll(async () => h?.close());

  async function refused(path: string, body: unknown, token = admin) {
    const res = await h.api('POST', path, token, body);
    return { status: res.statusCode, ...res.json<ErrorBody>().error };
  }

  it.each<[string, string, Record<string, unknown>, string, RegExp]>([
    [
      '/silences',
      'a regex that does not compile',
      { matchers: [{ name: 'summary', value: 'Disk (', isRegex: true }] },
      'matchers[0].value',
      /not a valid regular expression/,
    ],
    [
      '/silences',
      'matchers that match every alert',
      { matchers: [{ name: 'env', value: '' }] },
      'matchers',
      /every matcher matches the empty string/,
    ],
    [
      '/silences',
      'a regex matching the empty string only',
      { matchers: [{ name: 'summary', value: '.*', isRegex: true }] },
      'matchers',
      /would match every alert/,
    ],
    ['/silences', 'no matchers', { matchers: [] }, 'matchers', /at least one matcher/],
    ['/silences', 'a bad matcher name', { matchers: [{ name: 'a b', value: 'x' }] }, 'matchers[0].name', /bad name "a b"/],
    ['/silences', 'an expiry before the start', { starts_at: '2026-11-25T07:00:00Z' }, 'ends_at', /must be after starts_at/],
    [
      '/silences',
      'an expiry in the past',
      { starts_at: '2026-11-25T03:00:00Z', ends_at: '2026-11-25T04:00:00Z' },
      'ends_at',
      /must be in the future/,
    ],
    ['/silences', 'a date without an offset', { ends_at: '2026-11-25T06:00' }, 'ends_at', /with Z or an offset/],
    ['/silences', 'a missing reason', { reason: undefined }, 'reason', /required/],
    ['/silences', 'a matcher value of the wrong type', { matchers: [{ name: 'service', value: 7 }] }, 'matchers.0.value', /string/],
    ['/maintenance-windows', 'to before from', { from: '2026-11-25T07:00:00Z' }, 'to', /must be after from/],
    ['/maintenance-windows', 'to equal to from', { from: '2026-11-25T06:00:00Z' }, 'to', /must be after from/],
    [
      '/maintenance-windows',
      'an unknown service',
      { services: ['storefront', 'erp'] },
      'services[1]',
      /"erp" is not a service of engagement "acme"/,
    ],
    ['/maintenance-windows', 'no services', { services: [] }, 'services', /at least one service/],
    ['/maintenance-windows', 'more than a year', { to: '2028-01-01T00:00:00Z' }, 'to', /more than 366 days/],
    ['/maintenance-windows', 'a date that is no date', { to: 'tomorrow' }, 'to', /not an ISO 8601 instant/],
  ])('POST %s with %s: 400 naming the field', async (path, _what, change, field, message) => {
    const base = path === '/silences' ? SILENCE : WINDOW;
    const body = Object.fromEntries(Object.entries({ ...base, ...change }).filter(([, v]) => v !== undefined));
    const got = await refused(path, body);
    expect(got).toMatchObject({ status: 400, code: 'INVALID_BODY' });
    expect(got.field?.replace(/\[(\d+)\]/g, '.$1')).toBe(field.replace(/\[(\d+)\]/g, '.$1'));
    expect(got.message).toMatch(message);
  });

  it('responders and viewers cannot create or end (403); another engagement is a 404', async () => {
    for (const role of ['responder', 'viewer'] as const) {
      const token = await h.token(role);
      expect(await refused('/silences', SILENCE, token)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(await refused('/maintenance-windows', WINDOW, token)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(await refused('/silences/1/end', {}, token)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      // Reading is for every role.
      expect((await h.api('GET', '/silences', token)).statusCode).toBe(200);
      expect((await h.api('GET', '/maintenance-windows', token)).statusCode).toBe(200);
    }
    expect(await refused('/silences', { ...SILENCE, engagement: 'globex' })).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await refused('/maintenance-windows/999999/end', {})).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    // A path id that is no id names no silence.
    expect(await refused('/silences/x/end', {})).toMatchObject({ status: 404 });
  });

  it('a silence made by a window id is not found as a window, and the other way round', async () => {
    const silence = (await h.api('POST', '/silences', admin, SILENCE)).json<{ silence: { id: number } }>().silence;
    expect(await refused(`/maintenance-windows/${silence.id}/end`, {})).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it(`never answers 5xx to ${N} mutated bodies`, async () => {
    const rng = new Rng(13);
    const values: Json[] = [
      null,
      true,
      0,
      -1,
      1e308,
      '',
      ' ',
      '\u0000',
      'x'.repeat(5000),
      '2026-11-25T06:00:00Z',
      '2026-13-45T99:99Z',
      '(',
      '.*',
      [],
      {},
      [null],
      { a: 1 },
    ];
    const mutate = (body: JsonObject): JsonObject => {
      let out: JsonObject = { ...body };
      const keys = [...Object.keys(out), 'extra', 'matchers', 'services'];
      for (let k = 0; k <= rng.int(3); k++) {
        const key = rng.pick(keys);
        if (rng.chance(0.2)) out = Object.fromEntries(Object.entries(out).filter(([k]) => k !== key));
        else if (rng.chance(0.3) && Array.isArray(out[key]))
          out[key] = [
            ...(out[key] as Json[]),
            {
              name: rng.pick(['service', 'a b', '', 'x'.repeat(2000)]),
              value: rng.pick(values),
              isRegex: rng.pick(values),
              isEqual: rng.pick(values),
            },
          ];
        else out[key] = rng.pick(values);
      }
      return out;
    };
    const statuses = new Map<number, number>();
    for (let n = 0; n < N; n++) {
      const silence = rng.chance(0.5);
      const path = silence ? '/silences' : '/maintenance-windows';
      const body = mutate((silence ? SILENCE : WINDOW) as unknown as JsonObject);
      const res = await h.api('POST', path, admin, rng.chance(0.05) ? rng.pick(values) : body);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500)
        throw new Error(`${res.statusCode} for ${path} ${JSON.stringify(body).slice(0, 400)}: ${res.body.slice(0, 400)}`);
      if (res.statusCode !== 201) {
        const error = res.json<ErrorBody>().error;
        expect(typeof error.code).toBe('string');
        if (res.statusCode === 400) expect(error.message.length).toBeGreaterThan(0);
      }
    }
    expect([...statuses.keys()].every((s) => s === 201 || (s >= 400 && s < 500))).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});
