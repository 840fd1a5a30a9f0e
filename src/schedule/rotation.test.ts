import { describe, expect, it } from 'vitest';
import { iso, utc, wall } from '../coverage/test-fixtures.js';
import { handoffAt, rotationMemberAt, rotationPieces, turnAt } from './rotation.js';
import { rotation } from './test-fixtures.js';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const H = 3_600_000;

/** Handoff instants k = from..to-1 as ISO strings. */
function handoffs(zone: string, r: ReturnType<typeof rotation>, from: number, to: number): Array<string | null> {
  const out: Array<string | null> = [];
  for (let k = from; k < to; k++) out.push(iso(handoffAt(zone, r, k)));
  return out;
}

/** Lengths in hours of consecutive turns k = from..to-2. */
function lengths(zone: string, r: ReturnType<typeof rotation>, from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k + 1 < to; k++) out.push((handoffAt(zone, r, k + 1) - handoffAt(zone, r, k)) / H);
  return out;
}

describe('first handoff', () => {
  it.each([
    [
      'daily at 18:00 from 2026-11-01, UTC',
      'UTC',
      rotation({ every: '1d', handoff: '18:00', members: ['a'], start: '2026-11-01' }),
      '2026-11-01T18:00:00.000Z',
    ],
    [
      'weekly mon 09:00 from Monday 2026-11-02',
      NY,
      rotation({ every: '1w', handoff: 'mon 09:00', members: ['a'], start: '2026-11-02' }),
      '2026-11-02T14:00:00.000Z',
    ],
    [
      'weekly mon 09:00 from Tuesday 2026-11-03: next Monday',
      NY,
      rotation({ every: '1w', handoff: 'mon 09:00', members: ['a'], start: '2026-11-03' }),
      '2026-11-09T14:00:00.000Z',
    ],
    [
      'weekly mon 00:00 from a Sunday',
      NY,
      rotation({ every: '1w', handoff: 'mon 00:00', members: ['a'], start: '2026-11-01' }),
      '2026-11-02T05:00:00.000Z',
    ],
    [
      'weekly without a weekday: the start date',
      NY,
      rotation({ every: '1w', handoff: '09:00', members: ['a'], start: '2026-11-04' }),
      '2026-11-04T14:00:00.000Z',
    ],
  ])('%s', (_why, zone, r, first) => {
    expect(iso(handoffAt(zone, r, 0))).toBe(first);
  });
});

describe('handoffs across DST keep the wall-clock time', () => {
  it('New York daily 09:00: 09:00 EST then 09:00 EDT on 2026-03-08 (a 23 h turn)', () => {
    const r = rotation({ every: '1d', handoff: '09:00', members: ['a', 'b'], start: '2026-03-06' });
    expect(handoffs(NY, r, 0, 4)).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    expect(lengths(NY, r, 0, 4)).toEqual([24, 23, 24]);
  });

  it('New York daily 09:00: 09:00 EDT then 09:00 EST on 2026-11-01 (a 25 h turn)', () => {
    const r = rotation({ every: '1d', handoff: '09:00', members: ['a', 'b'], start: '2026-10-30' });
    expect(handoffs(NY, r, 0, 4)).toEqual([
      '2026-10-30T13:00:00.000Z',
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
    ]);
    expect(lengths(NY, r, 0, 4)).toEqual([24, 25, 24]);
  });

  it('London daily 09:00 across 2026-03-29 (23 h) and 2026-10-25 (25 h)', () => {
    const spring = rotation({ every: '1d', handoff: '09:00', members: ['a', 'b'], start: '2026-03-28' });
    expect(handoffs(LONDON, spring, 0, 3)).toEqual(['2026-03-28T09:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-03-30T08:00:00.000Z']);
    expect(lengths(LONDON, spring, 0, 3)).toEqual([23, 24]);
    const fall = rotation({ every: '1d', handoff: '09:00', members: ['a', 'b'], start: '2026-10-24' });
    expect(handoffs(LONDON, fall, 0, 3)).toEqual(['2026-10-24T08:00:00.000Z', '2026-10-25T09:00:00.000Z', '2026-10-26T09:00:00.000Z']);
    expect(lengths(LONDON, fall, 0, 3)).toEqual([25, 24]);
  });

  it('02:30 on spring-forward night does not exist: the handoff moves to 03:30 EDT', () => {
    const r = rotation({ every: '1d', handoff: '02:30', members: ['a', 'b'], start: '2026-03-07' });
    expect(handoffs(NY, r, 0, 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // 03:30 EDT (02:30 never happens)
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(lengths(NY, r, 0, 3)).toEqual([24, 23]);
    // At 03:15 EDT the handoff has not happened yet.
    expect(rotationMemberAt(NY, r, utc('2026-03-08T07:15Z'))).toBe('a');
    expect(rotationMemberAt(NY, r, utc('2026-03-08T07:30Z'))).toBe('b');
  });

  it('01:30 on fall-back night happens twice: the handoff takes the first (EDT) one', () => {
    const r = rotation({ every: '1d', handoff: '01:30', members: ['a', 'b'], start: '2026-10-31' });
    expect(handoffs(NY, r, 0, 3)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first of two
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
    expect(lengths(NY, r, 0, 3)).toEqual([24, 25]);
    // When the clock shows 01:10 the second time (EST), the handoff is behind us.
    expect(rotationMemberAt(NY, r, utc('2026-11-01T06:10Z'))).toBe('b');
    expect(rotationMemberAt(NY, r, utc('2026-11-01T05:29Z'))).toBe('a');
  });

  it('London 01:30 on fall-back night: first (BST) occurrence', () => {
    const r = rotation({ every: '1d', handoff: '01:30', members: ['a', 'b'], start: '2026-10-24' });
    expect(handoffs(LONDON, r, 0, 3)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('weekly mon 09:00 across the spring change: a 167 h turn', () => {
    const r = rotation({ every: '1w', handoff: 'mon 09:00', members: ['a', 'b'], start: '2026-03-02' });
    expect(handoffs(NY, r, 0, 3)).toEqual(['2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-16T13:00:00.000Z']);
    expect(lengths(NY, r, 0, 3)).toEqual([167, 168]);
  });

  it('every 2 weeks', () => {
    const r = rotation({ every: '2w', handoff: 'fri 17:00', members: ['a', 'b'], start: '2026-01-01' });
    expect(handoffs(NY, r, 0, 3)).toEqual(['2026-01-02T22:00:00.000Z', '2026-01-16T22:00:00.000Z', '2026-01-30T22:00:00.000Z']);
  });
});

describe('hourly rotations', () => {
  it('12h at 08:00 hands off at 08:00 and 20:00 local all year: the DST night is 11 h or 13 h', () => {
    const spring = rotation({ every: '12h', handoff: '08:00', members: ['day', 'night'], start: '2026-03-07' });
    expect(handoffs(NY, spring, 0, 5)).toEqual([
      '2026-03-07T13:00:00.000Z', // Sat 08:00 EST
      '2026-03-08T01:00:00.000Z', // Sat 20:00 EST
      '2026-03-08T12:00:00.000Z', // Sun 08:00 EDT
      '2026-03-09T00:00:00.000Z', // Sun 20:00 EDT
      '2026-03-09T12:00:00.000Z', // Mon 08:00 EDT
    ]);
    expect(lengths(NY, spring, 0, 5)).toEqual([12, 11, 12, 12]);
    const fall = rotation({ every: '12h', handoff: '08:00', members: ['day', 'night'], start: '2026-10-31' });
    expect(lengths(NY, fall, 0, 5)).toEqual([12, 13, 12, 12]);
    expect(rotationMemberAt(NY, fall, wall(NY, '2026-11-01T07:59'))).toBe('night');
    expect(rotationMemberAt(NY, fall, wall(NY, '2026-11-01T08:00'))).toBe('day');
    expect(rotationMemberAt(NY, fall, wall(NY, '2026-11-01T20:00'))).toBe('night');
  });

  it('1h over the spring gap: the 02:00 turn is empty and its member skipped', () => {
    const r = rotation({ every: '1h', handoff: '00:00', members: ['p0', 'p1', 'p2', 'p3'], start: '2026-03-08' });
    expect(
      rotationPieces(NY, r, utc('2026-03-08T05:00Z'), utc('2026-03-08T09:00Z')).map((p) => [p.person, iso(p.start), iso(p.end)]),
    ).toEqual([
      ['p0', '2026-03-08T05:00:00.000Z', '2026-03-08T06:00:00.000Z'], // 00:00 EST
      ['p1', '2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z'], // 01:00 EST
      // p2 would start at 02:00, which does not exist
      ['p3', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z'], // 03:00 EDT
      ['p0', '2026-03-08T08:00:00.000Z', '2026-03-08T09:00:00.000Z'], // 04:00 EDT
    ]);
  });

  it('1h over the fall repeat: the 01:00 turn lasts two real hours', () => {
    const r = rotation({ every: '1h', handoff: '00:00', members: ['p0', 'p1', 'p2'], start: '2026-11-01' });
    expect(lengths(NY, r, 0, 4)).toEqual([1, 2, 1]);
  });
});

describe('turnAt', () => {
  const r = rotation({ every: '1d', handoff: '18:00', members: ['sam', 'kim', 'ana'], start: '2026-11-01' });

  it.each([
    ['2026-10-31T12:00Z', null],
    ['2026-11-01T17:59:59.999Z', null],
    ['2026-11-01T18:00Z', 0],
    ['2026-11-02T17:59Z', 0],
    ['2026-11-02T18:00Z', 1],
    ['2027-11-01T18:00Z', 365],
  ])('%s -> %s', (when, k) => {
    expect(turnAt('UTC', r, utc(when))).toBe(k);
  });

  it('a rotation with no members has nobody', () => {
    const empty = rotation({ every: '1d', handoff: '18:00', members: [], start: '2026-11-01' });
    expect(turnAt('UTC', empty, utc('2026-11-05T00:00Z'))).toBeNull();
    expect(rotationPieces('UTC', empty, 0, utc('2027-01-01T00:00Z'))).toEqual([]);
  });

  it('matches the pieces at every hour of a DST-heavy year', () => {
    for (const [zone, handoff, every] of [
      [NY, '02:30', '1d'],
      [NY, '01:30', '1d'],
      [LONDON, '01:30', '1d'],
      [NY, '08:00', '12h'],
      ['Australia/Sydney', 'sun 02:30', '1w'],
    ] as const) {
      const rot = rotation({ every, handoff, members: ['a', 'b', 'c'], start: '2026-01-01' });
      const from = utc('2026-01-01T00:00Z');
      const to = utc('2027-01-01T00:00Z');
      const pieces = rotationPieces(zone, rot, from, to);
      const mismatches: string[] = [];
      let j = 0;
      for (let t = from; t < to; t += H / 4) {
        while (j < pieces.length && (pieces[j]?.end ?? Infinity) <= t) j++;
        const p = pieces[j];
        const expected = p !== undefined && p.start <= t ? p.person : null;
        const got = rotationMemberAt(zone, rot, t);
        if (got !== expected) mismatches.push(`${zone} ${handoff} ${iso(t)}: ${got} != ${expected}`);
      }
      expect(mismatches).toEqual([]);
    }
  });
});
