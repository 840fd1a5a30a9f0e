/**
 * Maintenance windows as the engagement file writes them, in Europe/Berlin
 * (CET/CEST: clocks go forward on 2026-03-29 02:00 and back on 2026-10-25
 * 03:00): recurring rules expanded across DST, window edges (a window is
 * [from, to)), back-to-back windows joined, API windows, and the rrule
 * subset with its refusals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadEngagementText } from '../engagement/index.js';
import type { Engagement } from '../engagement/model.js';
import { engagementConfig } from '../deployment/engagement-column.js';
import { parseRrule } from './rrule.js';
import { fileWindowsBetween, maintenanceAt } from './windows.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8').replace('timezone: America/New_York', 'timezone: Europe/Berlin');

const MAINTENANCE = [
  'maintenance:',
  '  - { services: [storefront], from: "2026-03-22T02:00", to: "2026-03-22T03:00", rrule: "FREQ=WEEKLY;BYDAY=SU", reason: "weekly patching" }',
  '  - { services: [payments-api], from: "2026-12-06T00:00Z", to: "2026-12-06T04:00+01:00", reason: "ERP upgrade" }',
  '  - { services: [payments-api], from: "2026-12-06T04:00", to: "2026-12-06T06:00", reason: "ERP upgrade, database part" }',
  '  - { services: [edr], from: "2026-11-01T01:00", to: "2026-11-01T03:00", rrule: "FREQ=MONTHLY;BYDAY=1SU", reason: "first Sunday" }',
  '  - { services: [edr], from: "2026-11-29T05:00", to: "2026-11-29T06:00", rrule: "FREQ=MONTHLY;BYDAY=-1SU", reason: "last Sunday" }',
  '  - { services: [laptops], from: "2026-12-01T22:00", to: "2026-12-02T02:00", rrule: "FREQ=DAILY;INTERVAL=2;COUNT=3", reason: "three nights" }',
  '  - { services: [laptops], from: "2026-12-05T08:00", to: "2026-12-05T10:00", rrule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;UNTIL=20261220", reason: "fortnightly weekends" }',
  '  - { services: [storefront], from: "2026-01-31T12:00", to: "2026-01-31T13:00", rrule: "FREQ=MONTHLY", reason: "on the 31st" }',
].join('\n');

function load(extra: string) {
  return loadEngagementText(`${DEMO}\n${extra}\n`, 'configs/acme.yaml');
}

const loaded = load(MAINTENANCE);
const engagement: Engagement = (() => {
  if (loaded.engagement === undefined) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  return loaded.engagement;
})();

const Z = (iso: string): number => Date.parse(iso);
const show = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString().replace('.000Z', 'Z'));

describe('maintenanceAt', () => {
  it.each<[string, string, string, string | undefined, string | undefined]>([
    // service, instant (UTC), why, reason or undefined, until (UTC)
    ['storefront', '2026-03-22T01:30:00Z', 'Sunday 02:30 CET, inside the first occurrence', 'weekly patching', '2026-03-22T02:00:00Z'],
    ['storefront', '2026-03-22T01:00:00Z', 'the start instant is inside', 'weekly patching', '2026-03-22T02:00:00Z'],
    ['storefront', '2026-03-22T02:00:00Z', 'the end instant is outside', undefined, undefined],
    ['storefront', '2026-03-22T00:59:59.999Z', 'a millisecond before the start', undefined, undefined],
    ['storefront', '2026-03-21T01:30:00Z', 'a Saturday before the first occurrence', undefined, undefined],
    ['storefront', '2026-03-28T01:30:00Z', 'Saturday: not on BYDAY', undefined, undefined],
    [
      'storefront',
      '2026-03-29T00:30:00Z',
      'spring forward: 01:30 CET, the window has not started (02:00 does not exist)',
      undefined,
      undefined,
    ],
    ['storefront', '2026-03-29T01:00:00Z', 'spring forward: the start moves to 03:00 CEST', 'weekly patching', '2026-03-29T02:00:00Z'],
    ['storefront', '2026-03-29T01:59:00Z', 'spring forward: an hour long, to 04:00 CEST', 'weekly patching', '2026-03-29T02:00:00Z'],
    ['storefront', '2026-04-05T00:30:00Z', 'summer time: 02:30 CEST', 'weekly patching', '2026-04-05T01:00:00Z'],
    ['storefront', '2026-04-05T01:30:00Z', 'summer time: 03:30 CEST is after', undefined, undefined],
    ['storefront', '2026-10-25T00:00:00Z', 'fall back: the first 02:00 (CEST)', 'weekly patching', '2026-10-25T01:00:00Z'],
    ['storefront', '2026-10-25T01:30:00Z', 'fall back: the second 02:30 (CET) is after the hour', undefined, undefined],
    ['storefront', '2026-11-01T01:00:00Z', 'winter time again: 02:00 CET', 'weekly patching', '2026-11-01T02:00:00Z'],
    ['storefront', '2027-06-06T00:30:00Z', 'unbounded: months later', 'weekly patching', '2027-06-06T01:00:00Z'],
    ['payments-api', '2026-03-22T01:30:00Z', 'another service is not in storefront’s window', undefined, undefined],
    ['payments-api', '2026-12-06T00:00:00Z', 'instants with Z and an offset', 'ERP upgrade', '2026-12-06T05:00:00Z'],
    ['payments-api', '2026-12-06T02:59:00Z', 'back-to-back windows are one stretch', 'ERP upgrade', '2026-12-06T05:00:00Z'],
    ['payments-api', '2026-12-06T03:00:00Z', 'the second window (local 04:00 CET)', 'ERP upgrade, database part', '2026-12-06T05:00:00Z'],
    ['payments-api', '2026-12-06T05:00:00Z', 'after both', undefined, undefined],
    ['edr', '2026-11-01T00:30:00Z', 'MONTHLY 1SU: 1 November', 'first Sunday', '2026-11-01T02:00:00Z'],
    ['edr', '2026-12-06T00:30:00Z', 'MONTHLY 1SU: 6 December', 'first Sunday', '2026-12-06T02:00:00Z'],
    ['edr', '2026-12-13T00:30:00Z', 'MONTHLY 1SU: not the second Sunday', undefined, undefined],
    ['edr', '2026-12-27T04:30:00Z', 'MONTHLY -1SU: the last Sunday of December', 'last Sunday', '2026-12-27T05:00:00Z'],
    ['edr', '2026-12-20T04:30:00Z', 'MONTHLY -1SU: not the Sunday before', undefined, undefined],
    ['laptops', '2026-12-01T23:30:00Z', 'DAILY across midnight: 00:30 on the 2nd', 'three nights', '2026-12-02T01:00:00Z'],
    ['laptops', '2026-12-02T23:30:00Z', 'INTERVAL=2: not the night of the 2nd', undefined, undefined],
    ['laptops', '2026-12-05T23:30:00Z', 'the third night (the 5th)', 'three nights', '2026-12-06T01:00:00Z'],
    ['laptops', '2026-12-07T23:30:00Z', 'COUNT=3: no fourth night', undefined, undefined],
    ['laptops', '2026-12-05T07:30:00Z', 'every other weekend: Saturday the 5th', 'fortnightly weekends', '2026-12-05T09:00:00Z'],
    ['laptops', '2026-12-06T07:30:00Z', 'every other weekend: Sunday the 6th', 'fortnightly weekends', '2026-12-06T09:00:00Z'],
    ['laptops', '2026-12-12T07:30:00Z', 'not the weekend between', undefined, undefined],
    ['laptops', '2026-12-20T07:30:00Z', 'UNTIL 20 December, inclusive', 'fortnightly weekends', '2026-12-20T09:00:00Z'],
    ['laptops', '2027-01-02T07:30:00Z', 'after UNTIL', undefined, undefined],
    ['storefront', '2026-01-31T11:30:00Z', 'MONTHLY on the 31st', 'on the 31st', '2026-01-31T12:00:00Z'],
    ['storefront', '2026-02-28T11:30:00Z', 'February has no 31st: skipped, not moved', undefined, undefined],
    ['storefront', '2026-03-31T10:30:00Z', '31 March (CEST)', 'on the 31st', '2026-03-31T11:00:00Z'],
    ['storefront', '2026-04-30T10:30:00Z', 'April has no 31st', undefined, undefined],
  ])('%s at %s: %s', (service, at, _why, reason, until) => {
    const got = maintenanceAt(engagement, service, Z(at));
    expect({ reason: got?.reason, until: show(got?.until) }).toEqual({ reason, until });
  });

  it('takes windows created through the API, joined to the file’s', () => {
    const api = [{ services: ['payments-api'], from: Z('2026-12-06T05:00:00Z'), to: Z('2026-12-06T07:00:00Z'), reason: 'overrun' }];
    expect(show(maintenanceAt(engagement, 'payments-api', Z('2026-12-06T01:00:00Z'), api)?.until)).toBe('2026-12-06T07:00:00Z');
    expect(maintenanceAt(engagement, 'payments-api', Z('2026-12-06T06:00:00Z'), api)?.reason).toBe('overrun');
    expect(maintenanceAt(engagement, 'storefront', Z('2026-12-06T06:00:00Z'), api)).toBeUndefined();
    expect(maintenanceAt(engagement, 'payments-api', Z('2026-12-06T07:00:00Z'), api)).toBeUndefined();
  });

  it('an engagement without maintenance is never in maintenance', () => {
    const plain = load('').engagement;
    expect(plain?.maintenance).toBeUndefined();
    if (plain) expect(maintenanceAt(plain, 'storefront', Z('2026-03-22T01:30:00Z'))).toBeUndefined();
  });

  it('survives the stored form (engagements.config) with the same answers', () => {
    const stored = engagementConfig.parse(engagementConfig.stringify(engagement));
    expect(stored.maintenance).toEqual(engagement.maintenance);
    expect(show(maintenanceAt(stored, 'laptops', Z('2026-12-05T23:30:00Z'))?.until)).toBe('2026-12-06T01:00:00Z');
  });
});

describe('fileWindowsBetween', () => {
  it('lists the occurrences of a week, ascending, with their rules', () => {
    const got = fileWindowsBetween(engagement, Z('2026-11-30T00:00:00Z'), Z('2026-12-07T00:00:00Z'));
    expect(got.map((w) => [show(w.from), w.reason, w.rrule ?? ''])).toEqual([
      ['2026-12-01T21:00:00Z', 'three nights', 'FREQ=DAILY;INTERVAL=2;COUNT=3'],
      ['2026-12-03T21:00:00Z', 'three nights', 'FREQ=DAILY;INTERVAL=2;COUNT=3'],
      ['2026-12-05T07:00:00Z', 'fortnightly weekends', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;UNTIL=20261220'],
      ['2026-12-05T21:00:00Z', 'three nights', 'FREQ=DAILY;INTERVAL=2;COUNT=3'],
      ['2026-12-06T00:00:00Z', 'ERP upgrade', ''],
      ['2026-12-06T00:00:00Z', 'first Sunday', 'FREQ=MONTHLY;BYDAY=1SU'],
      ['2026-12-06T01:00:00Z', 'weekly patching', 'FREQ=WEEKLY;BYDAY=SU'],
      ['2026-12-06T03:00:00Z', 'ERP upgrade, database part', ''],
      ['2026-12-06T07:00:00Z', 'fortnightly weekends', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;UNTIL=20261220'],
    ]);
  });
});

describe('parseRrule', () => {
  it.each<[string, string]>([
    ['FREQ=YEARLY', 'FREQ=YEARLY is not supported: use FREQ=DAILY, WEEKLY or MONTHLY'],
    ['FREQ=HOURLY;INTERVAL=4', 'FREQ=HOURLY is not supported'],
    ['FREQ=WEEKLY;BYMONTH=1', 'BYMONTH is not supported: Tandem reads FREQ=DAILY|WEEKLY|MONTHLY'],
    ['FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO', 'BYSETPOS is not supported'],
    ['FREQ=WEEKLY;WKST=SU', 'WKST is not supported'],
    ['BYDAY=SU', 'FREQ is required'],
    ['FREQ=WEEKLY;BYDAY=1SU', 'only for FREQ=MONTHLY'],
    ['FREQ=MONTHLY;BYDAY=6SU', 'the number must be 1..5 or -1..-5'],
    ['FREQ=WEEKLY;BYDAY=SUN', 'bad BYDAY entry "SUN"'],
    ['FREQ=WEEKLY;COUNT=2;UNTIL=20261231', 'COUNT and UNTIL cannot both be given'],
    ['FREQ=DAILY;INTERVAL=0', 'bad INTERVAL=0'],
    ['FREQ=DAILY;COUNT=-1', 'bad COUNT=-1'],
    ['FREQ=DAILY;UNTIL=2026-12-31', 'bad UNTIL=2026-12-31'],
    ['FREQ=DAILY;UNTIL=20260230', 'bad UNTIL=20260230'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'FREQ is given twice'],
    ['FREQ', 'bad rule part "FREQ"'],
    ['', 'empty rule'],
  ])('refuses %j', (rule, message) => {
    const parsed = parseRrule(rule);
    expect(parsed.ok ? 'accepted' : parsed.error).toContain(message);
  });

  it.each<[string, object]>([
    ['FREQ=WEEKLY;BYDAY=SU', { freq: 'WEEKLY', interval: 1, byDay: [{ weekday: 7 }] }],
    ['RRULE:freq=daily;interval=3', { freq: 'DAILY', interval: 3, byDay: [] }],
    [
      'FREQ=MONTHLY;BYDAY=1MO,-1FR;COUNT=12',
      {
        freq: 'MONTHLY',
        interval: 1,
        byDay: [
          { weekday: 1, nth: 1 },
          { weekday: 5, nth: -1 },
        ],
        count: 12,
      },
    ],
    [
      'FREQ=DAILY;UNTIL=20261231T235900Z',
      { freq: 'DAILY', interval: 1, byDay: [], until: { kind: 'instant', at: Date.parse('2026-12-31T23:59:00Z') } },
    ],
  ])('reads %j', (rule, expected) => {
    const parsed = parseRrule(rule);
    expect(parsed.ok ? parsed.value : parsed.error).toEqual(expected);
  });
});
