/**
 * parseIsoInstant as the monitoring tools write instants: offsets with and
 * without a colon, nanoseconds, year 0001, and the impossible dates it refuses.
 */
import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from './iso.js';

describe('parseIsoInstant', () => {
  it.each([
    ['2026-11-24T23:47:00Z', '2026-11-24T23:47:00.000Z'],
    ['2026-11-24T23:47:00z', '2026-11-24T23:47:00.000Z'],
    ['2026-11-24 23:47', '2026-11-24T23:47:00.000Z'],
    ['2015-07-17T08:42:58.315+0000', '2015-07-17T08:42:58.315Z'],
    ['2026-11-24T18:47:00-05:00', '2026-11-24T23:47:00.000Z'],
    ['2026-11-25T05:17:00+0530', '2026-11-24T23:47:00.000Z'],
    ['2026-11-24T20:47:00-03', '2026-11-24T23:47:00.000Z'],
    ['2026-11-26T17:53:36.109628141Z', '2026-11-26T17:53:36.109Z'],
    ['2026-11-26T17:53:36,5Z', '2026-11-26T17:53:36.500Z'],
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, expected) => {
    const t = parseIsoInstant(text);
    expect(t === undefined ? undefined : new Date(t).toISOString()).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2026-11-24',
    '2026-13-01T00:00Z',
    '2026-02-29T00:00Z',
    '2026-04-31T00:00Z',
    '2026-11-24T24:00Z',
    '2026-11-24T23:60Z',
    '2026-11-24T23:47+24:00',
    '2026-11-24T23:47+05:60',
    '2026-11-24T23:47:00Zjunk',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });
});
