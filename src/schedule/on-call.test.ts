import { describe, expect, it } from 'vitest';
import type { Schedule } from '../engagement/model.js';
import { iso, utc, wall } from '../coverage/test-fixtures.js';
import type { Shift } from './on-call.js';
import { gaps, nextChange, onCallAt, shifts } from './on-call.js';
import { demoSchedules, layer, override, rotation, schedule, weekly } from './test-fixtures.js';

const NY = 'America/New_York';
const { acmePrimary, nocOncall, socOncall } = demoSchedules();
const ny = (local: string): number => wall(NY, local);

/** A shift as a compact row for table assertions. */
function row(s: Shift): string {
  const where = s.source === 'override' ? 'override' : `layer ${s.layer ?? '?'}`;
  return `${s.person} ${iso(s.start)} -> ${iso(s.end)} (${where})`;
}

describe('onCallAt: demo schedules', () => {
  it.each<[string, Schedule, number, string[]]>([
    // acme-primary: weekly "mon 09:00" dana, lee from 2026-11-02; only mon-fri 08:00-18:00; override lee 11-27 08:00-18:00
    ['acme before the rotation starts', acmePrimary, ny('2026-10-30T10:00'), []],
    ['acme Mon 08:30, window open but first handoff is 09:00', acmePrimary, ny('2026-11-02T08:30'), []],
    ['acme first handoff', acmePrimary, ny('2026-11-02T09:00'), ['dana']],
    ['acme Mon 17:59', acmePrimary, ny('2026-11-02T17:59'), ['dana']],
    ['acme Mon 18:00: outside the only window', acmePrimary, ny('2026-11-02T18:00'), []],
    ['acme Tue 07:59', acmePrimary, ny('2026-11-03T07:59'), []],
    ['acme Tue 08:00', acmePrimary, ny('2026-11-03T08:00'), ['dana']],
    ['acme Sat noon', acmePrimary, ny('2026-11-07T12:00'), []],
    ['acme Mon 08:30: still last week’s turn', acmePrimary, ny('2026-11-09T08:30'), ['dana']],
    ['acme Mon 09:00: handoff to lee', acmePrimary, ny('2026-11-09T09:00'), ['lee']],
    ['acme third week', acmePrimary, ny('2026-11-16T10:00'), ['dana']],
    ['acme Tue 23:47: nobody internal at night', acmePrimary, ny('2026-11-24T23:47'), []],
    ['acme Thanksgiving: schedules know no holidays', acmePrimary, ny('2026-11-26T10:00'), ['lee']],
    ['acme Fri 11-27: override', acmePrimary, ny('2026-11-27T10:00'), ['lee']],
    ['acme Fri 11-27 07:59: override not yet, window closed', acmePrimary, ny('2026-11-27T07:59'), []],
    ['acme Mon 11-30 08:30', acmePrimary, ny('2026-11-30T08:30'), ['lee']],
    ['acme Mon 11-30 09:00', acmePrimary, ny('2026-11-30T09:00'), ['dana']],
    // nightowl-noc-oncall: UTC daily 18:00 sam, kim, ana from 2026-11-01
    ['noc before start', nocOncall, utc('2026-11-01T17:59Z'), []],
    ['noc first handoff', nocOncall, utc('2026-11-01T18:00Z'), ['sam']],
    ['noc one ms before the second', nocOncall, utc('2026-11-02T17:59:59.999Z'), ['sam']],
    ['noc second handoff', nocOncall, utc('2026-11-02T18:00Z'), ['kim']],
    ['noc third', nocOncall, utc('2026-11-03T18:00Z'), ['ana']],
    ['noc wraps around', nocOncall, utc('2026-11-04T18:00Z'), ['sam']],
    ['noc Tue 23:47 New York (turn 23)', nocOncall, ny('2026-11-24T23:47'), ['ana']],
    ['noc New Year’s Eve (turn 60)', nocOncall, utc('2026-12-31T23:00Z'), ['sam']],
    // nightowl-soc-oncall: weekly mon 00:00 mo, kim from 2026-11-02 in New York time
    ['soc Sunday 23:59 EST', socOncall, utc('2026-11-02T04:59Z'), []],
    ['soc Monday 00:00 EST', socOncall, utc('2026-11-02T05:00Z'), ['mo']],
    ['soc next Monday 00:00', socOncall, utc('2026-11-09T05:00Z'), ['kim']],
    ['soc third Monday', socOncall, utc('2026-11-16T05:00Z'), ['mo']],
    ['soc Mon 2027-03-08 00:00 EST (turn 18)', socOncall, utc('2027-03-08T05:00Z'), ['mo']],
    ['soc Sun 2027-03-14 23:59 EDT', socOncall, utc('2027-03-15T03:59Z'), ['mo']],
    ['soc Mon 2027-03-15 00:00 EDT (turn 19)', socOncall, utc('2027-03-15T04:00Z'), ['kim']],
  ])('%s', (_why, s, at, people) => {
    expect(onCallAt(s, at)).toEqual(people);
  });
});

describe('layers and overrides', () => {
  /** 24x7 daily rotation underneath, a business-hours weekly layer on top. */
  const layered = schedule({
    id: 'layered',
    timezone: NY,
    layers: [
      layer(rotation({ every: '1d', handoff: '09:00', members: ['x', 'y'], start: '2026-11-01' })),
      layer(rotation({ every: '1w', handoff: 'mon 08:00', members: ['z'], start: '2026-11-02' }), [weekly('mon-fri', '08:00', '18:00')]),
    ],
    overrides: [override('ana', '2026-11-04T12:00', '2026-11-04T14:00'), override('kim', '2026-11-04T13:00', '2026-11-04T15:00')],
  });

  it.each<[string, number, string[]]>([
    ['Sun 10:00: only the base layer', ny('2026-11-01T10:00'), ['x']],
    ['Mon 07:59: base layer, still Sunday 09:00’s turn', ny('2026-11-02T07:59'), ['x']],
    ['Mon 08:00: the later layer wins', ny('2026-11-02T08:00'), ['z']],
    ['Mon 18:00: back to the base layer', ny('2026-11-02T18:00'), ['y']],
    ['Wed 12:30: override beats both layers', ny('2026-11-04T12:30'), ['ana']],
    ['Wed 13:30: overlapping overrides: both people', ny('2026-11-04T13:30'), ['ana', 'kim']],
    ['Wed 14:30: second override alone', ny('2026-11-04T14:30'), ['kim']],
    ['Wed 15:00: back to the layers', ny('2026-11-04T15:00'), ['z']],
  ])('%s', (_why, at, people) => {
    expect(onCallAt(layered, at)).toEqual(people);
  });

  it('shifts show who and from which source', () => {
    expect(shifts(layered, ny('2026-11-04T07:00'), ny('2026-11-04T19:00')).map(row)).toEqual([
      'x 2026-11-04T12:00:00.000Z -> 2026-11-04T13:00:00.000Z (layer 0)', // 07:00-08:00 base layer, Tue 09:00's turn
      'z 2026-11-04T13:00:00.000Z -> 2026-11-04T17:00:00.000Z (layer 1)', // 08:00-12:00
      'ana 2026-11-04T17:00:00.000Z -> 2026-11-04T19:00:00.000Z (override)', // 12:00-14:00
      'kim 2026-11-04T18:00:00.000Z -> 2026-11-04T20:00:00.000Z (override)', // 13:00-15:00
      'z 2026-11-04T20:00:00.000Z -> 2026-11-04T23:00:00.000Z (layer 1)', // 15:00-18:00
      'y 2026-11-04T23:00:00.000Z -> 2026-11-05T00:00:00.000Z (layer 0)', // 18:00-19:00, Wed 09:00's turn
    ]);
  });

  it('merges the same person across layers into one shift without a layer index', () => {
    const same = schedule({
      id: 'same',
      timezone: NY,
      layers: [
        layer(rotation({ every: '1d', handoff: '00:00', members: ['x'], start: '2026-11-01' })),
        layer(rotation({ every: '1d', handoff: '00:00', members: ['x'], start: '2026-11-01' }), [weekly('mon-fri', '08:00', '18:00')]),
      ],
    });
    const result = shifts(same, ny('2026-11-02T00:00'), ny('2026-11-03T00:00'));
    expect(result).toEqual([{ person: 'x', start: ny('2026-11-02T00:00'), end: ny('2026-11-03T00:00'), source: 'layer' }]);
  });

  it('an override extending someone’s own turn is a separate shift', () => {
    const s = shifts(acmePrimary, ny('2026-11-26T00:00'), ny('2026-12-01T00:00'));
    expect(s.map(row)).toEqual([
      'lee 2026-11-26T13:00:00.000Z -> 2026-11-26T23:00:00.000Z (layer 0)', // Thu
      'lee 2026-11-27T13:00:00.000Z -> 2026-11-27T23:00:00.000Z (override)', // Fri override
      'lee 2026-11-30T13:00:00.000Z -> 2026-11-30T14:00:00.000Z (layer 0)', // Mon 08:00-09:00, still lee's week
      'dana 2026-11-30T14:00:00.000Z -> 2026-11-30T23:00:00.000Z (layer 0)', // Mon 09:00-18:00
    ]);
  });
});

describe('shifts', () => {
  it('clips to the range and splits at handoffs', () => {
    expect(shifts(nocOncall, utc('2026-11-02T00:00Z'), utc('2026-11-04T00:00Z')).map(row)).toEqual([
      'sam 2026-11-02T00:00:00.000Z -> 2026-11-02T18:00:00.000Z (layer 0)',
      'kim 2026-11-02T18:00:00.000Z -> 2026-11-03T18:00:00.000Z (layer 0)',
      'ana 2026-11-03T18:00:00.000Z -> 2026-11-04T00:00:00.000Z (layer 0)',
    ]);
  });

  it('starts at the first handoff when the range starts earlier', () => {
    expect(shifts(nocOncall, utc('2026-10-01T00:00Z'), utc('2026-11-02T00:00Z')).map(row)).toEqual([
      'sam 2026-11-01T18:00:00.000Z -> 2026-11-02T00:00:00.000Z (layer 0)',
    ]);
  });

  it('merges consecutive turns of a one-member rotation', () => {
    const solo = schedule({
      id: 'solo',
      timezone: NY,
      layers: [layer(rotation({ every: '1d', handoff: '09:00', members: ['solo'], start: '2026-01-01' }))],
    });
    expect(shifts(solo, utc('2026-03-01T00:00Z'), utc('2026-04-01T00:00Z'))).toEqual([
      { person: 'solo', start: utc('2026-03-01T00:00Z'), end: utc('2026-04-01T00:00Z'), source: 'layer', layer: 0 },
    ]);
  });

  it('one business-hours shift per day for a weekly turn with an only window', () => {
    expect(shifts(acmePrimary, ny('2026-11-02T00:00'), ny('2026-11-04T00:00')).map(row)).toEqual([
      'dana 2026-11-02T14:00:00.000Z -> 2026-11-02T23:00:00.000Z (layer 0)', // Mon 09:00-18:00
      'dana 2026-11-03T13:00:00.000Z -> 2026-11-03T23:00:00.000Z (layer 0)', // Tue 08:00-18:00
    ]);
  });

  it('a New York daily 09:00 rotation over both DST changes: 23 h and 25 h shifts', () => {
    const daily = schedule({
      id: 'daily',
      timezone: NY,
      layers: [layer(rotation({ every: '1d', handoff: '09:00', members: ['a', 'b'], start: '2026-01-01' }))],
    });
    const spring = shifts(daily, utc('2026-03-07T14:00Z'), utc('2026-03-09T13:00Z'));
    expect(spring.map((s) => (s.end - s.start) / 3_600_000)).toEqual([23, 24]);
    const fall = shifts(daily, utc('2026-10-31T13:00Z'), utc('2026-11-02T14:00Z'));
    expect(fall.map((s) => (s.end - s.start) / 3_600_000)).toEqual([25, 24]);
  });

  it('is empty for an empty range', () => {
    expect(shifts(nocOncall, utc('2026-11-05T00:00Z'), utc('2026-11-05T00:00Z'))).toEqual([]);
  });

  it('a year of a daily rotation', () => {
    const from = utc('2027-01-01T00:00Z');
    const to = utc('2028-01-01T00:00Z');
    expect(shifts(nocOncall, from, to)).toHaveLength(366);
    // One shift per weekday (261 in 2027), plus one more every Monday (52), split at the 09:00 handoff.
    expect(shifts(acmePrimary, from, to).length).toBe(261 + 52);
  });
});

describe('gaps', () => {
  it('finds the nights and the weekend of a business-hours schedule', () => {
    expect(gaps(acmePrimary, ny('2026-11-02T00:00'), ny('2026-11-04T00:00')).map((g) => [iso(g.start), iso(g.end)])).toEqual([
      ['2026-11-02T05:00:00.000Z', '2026-11-02T14:00:00.000Z'], // Mon 00:00-09:00 (before the first handoff, then window)
      ['2026-11-02T23:00:00.000Z', '2026-11-03T13:00:00.000Z'], // Mon 18:00 - Tue 08:00
      ['2026-11-03T23:00:00.000Z', '2026-11-04T05:00:00.000Z'], // Tue 18:00 - midnight
    ]);
  });

  it('finds a deliberate hole in a 24x7 schedule', () => {
    const holey = schedule({
      id: 'holey',
      timezone: 'UTC',
      layers: [
        layer(rotation({ every: '1d', handoff: '18:00', members: ['sam', 'kim'], start: '2026-11-01' }), [
          weekly('mon-sun', '00:00', '03:00'),
          weekly('mon-sun', '04:00', '24:00'),
        ]),
      ],
    });
    expect(gaps(holey, utc('2026-11-02T00:00Z'), utc('2026-11-04T00:00Z')).map((g) => [iso(g.start), iso(g.end)])).toEqual([
      ['2026-11-02T03:00:00.000Z', '2026-11-02T04:00:00.000Z'],
      ['2026-11-03T03:00:00.000Z', '2026-11-03T04:00:00.000Z'],
    ]);
  });

  it('none in a 24x7 rotation after it starts', () => {
    expect(gaps(nocOncall, utc('2026-11-02T00:00Z'), utc('2027-11-02T00:00Z'))).toEqual([]);
    expect(gaps(nocOncall, utc('2026-11-01T00:00Z'), utc('2026-11-02T00:00Z')).map((g) => [iso(g.start), iso(g.end)])).toEqual([
      ['2026-11-01T00:00:00.000Z', '2026-11-01T18:00:00.000Z'],
    ]);
  });
});

describe('nextChange', () => {
  it.each<[string, Schedule, number, string | null]>([
    ['noc mid-turn -> next 18:00', nocOncall, utc('2026-11-02T12:00Z'), '2026-11-02T18:00:00.000Z'],
    ['noc before start -> first handoff', nocOncall, utc('2026-10-01T00:00Z'), '2026-11-01T18:00:00.000Z'],
    ['acme Tue night -> Wed 08:00 (lee comes on)', acmePrimary, ny('2026-11-24T23:47'), '2026-11-25T13:00:00.000Z'],
    ['acme Fri 11-27 10:00 -> 18:00 end of override and window', acmePrimary, ny('2026-11-27T10:00'), '2026-11-27T23:00:00.000Z'],
    ['acme Thu 11-26 17:00 -> 18:00 (layer to nobody)', acmePrimary, ny('2026-11-26T17:00'), '2026-11-26T23:00:00.000Z'],
    ['acme Mon 11-30 08:30 -> 09:00 handoff', acmePrimary, ny('2026-11-30T08:30'), '2026-11-30T14:00:00.000Z'],
    ['soc -> next Monday 00:00', socOncall, utc('2026-11-03T00:00Z'), '2026-11-09T05:00:00.000Z'],
  ])('%s', (_why, s, at, expected) => {
    expect(iso(nextChange(s, at))).toBe(expected);
  });

  it('skips boundaries where the same person stays on (layer -> override)', () => {
    // Thu 18:00 -> Fri 08:00 nobody; Fri 08:00 lee by override; the next change is Fri 18:00.
    expect(iso(nextChange(acmePrimary, ny('2026-11-27T08:00')))).toBe('2026-11-27T23:00:00.000Z');
  });

  it('is null when nothing ever changes', () => {
    const solo = schedule({
      id: 'solo',
      timezone: NY,
      layers: [layer(rotation({ every: '1w', handoff: 'mon 09:00', members: ['solo'], start: '2026-01-05' }))],
    });
    expect(nextChange(solo, utc('2026-03-01T00:00Z'))).toBeNull();
  });
});

describe('onCallAt agrees with shifts', () => {
  const dst = schedule({
    id: 'dst',
    timezone: NY,
    layers: [
      layer(rotation({ every: '1d', handoff: '02:30', members: ['a', 'b', 'c'], start: '2026-01-01' })),
      layer(rotation({ every: '12h', handoff: '01:30', members: ['d', 'e'], start: '2026-02-01' }), [weekly('sat-sun', '22:00', '03:00')]),
    ],
    overrides: [override('f', '2026-03-08T01:00', '2026-03-08T04:00'), override('g', '2026-11-01T00:30', '2026-11-01T01:30')],
  });

  it.each<[string, Schedule]>([
    ['acme-primary', acmePrimary],
    ['nightowl-noc-oncall', nocOncall],
    ['nightowl-soc-oncall', socOncall],
    ['DST-heavy', dst],
  ])('%s, every 10 minutes of a year', (_name, s) => {
    const from = utc('2026-01-01T00:00Z');
    const to = utc('2027-01-01T00:00Z');
    const all = shifts(s, from, to);
    const mismatches: string[] = [];
    for (let t = from; t < to; t += 10 * 60_000) {
      const expected = all
        .filter((x) => x.start <= t && t < x.end)
        .map((x) => x.person)
        .sort()
        .join(',');
      const got = onCallAt(s, t).sort().join(',');
      if (got !== expected) mismatches.push(`${iso(t)}: [${got}] != [${expected}]`);
    }
    expect(mismatches).toEqual([]);
  });
});
