import { describe, expect, it } from 'vitest';
import type { CoverageWindow, Engagement } from '../engagement/model.js';
import { WINDOWS } from '../engagement/model.js';
import { coverageAt, explainCoverage, overflowApplies, ownerAt } from './owner.js';
import { buildEngagement, engagementIn, iso, utc, wall, weekly } from './test-fixtures.js';
import { nextWindowChange, windowAt, windowDetailAt, windowLabel } from './window.js';

const NY = 'America/New_York';
const demo = buildEngagement();
/** Business hours every day, so DST change days (Sundays) have business hours to test. */
const nyDaily = engagementIn(NY, { country: 'US', extra: [] }, weekly('mon-sun', '08:00', '18:00'));
/** A night-shift organization: business hours run 22:00-06:00, starting Monday to Friday. */
const nightShift = engagementIn(NY, { country: 'US', extra: [] }, weekly('mon-fri', '22:00', '06:00'));
const london = engagementIn('Europe/London', { country: 'GB', region: 'ENG', extra: [] }, weekly('mon-fri', '09:00', '17:30'));
const londonDaily = engagementIn('Europe/London', { country: 'GB', region: 'ENG', extra: [] }, weekly('mon-sun', '08:00', '18:00'));
const tokyo = engagementIn('Asia/Tokyo', { country: 'JP', extra: [] }, weekly('mon-fri', '09:00', '18:00'));
const sydney = engagementIn('Australia/Sydney', { country: 'AU', region: 'NSW', extra: [] }, weekly('mon-fri', '09:00', '17:00'));
const sydneyDaily = engagementIn('Australia/Sydney', { country: 'AU', region: 'NSW', extra: [] }, weekly('mon-sun', '09:00', '17:00'));

const engagements: Record<string, Engagement> = { demo, nyDaily, nightShift, london, londonDaily, tokyo, sydney, sydneyDaily };

function at(name: string): Engagement {
  const e = engagements[name];
  if (e === undefined) throw new Error(`no engagement ${name}`);
  return e;
}

/** Wall-clock time in the engagement's zone, or an explicit UTC instant when it ends in Z. */
function instant(e: Engagement, when: string): number {
  return when.endsWith('Z') ? utc(when) : wall(e.timezone, when);
}

describe('windowAt', () => {
  it.each<[string, string, CoverageWindow, string]>([
    // engagement, instant (local unless Z), window, why
    ['demo', '2026-11-24T23:47', 'after_hours', 'Tuesday night, the payments outage'],
    ['demo', '2026-11-25T10:00', 'business_hours', 'Wednesday morning'],
    ['demo', '2026-11-26T10:00', 'holiday', 'Thanksgiving'],
    ['demo', '2026-11-26T00:00', 'holiday', 'holiday starts at local midnight'],
    ['demo', '2026-11-25T23:59:59.999', 'after_hours', 'the evening before'],
    ['demo', '2026-11-27T10:00', 'business_hours', 'day after Thanksgiving is only an observance'],
    ['demo', '2026-12-24T10:00', 'holiday', 'company closure (extra)'],
    ['demo', '2026-12-31T12:00', 'holiday', 'company closure (extra)'],
    ['demo', '2026-12-25T12:00', 'holiday', 'Christmas'],
    ['demo', '2027-01-01T09:00', 'holiday', "New Year's Day"],
    ['demo', '2026-11-28T10:00', 'weekend', 'Saturday'],
    ['demo', '2026-11-29T23:59', 'weekend', 'Sunday night'],
    ['demo', '2026-11-30T00:00', 'after_hours', 'Monday starts after hours'],
    ['demo', '2026-11-30T07:59', 'after_hours', 'one minute before opening'],
    ['demo', '2026-11-30T07:59:59.999', 'after_hours', 'one ms before opening'],
    ['demo', '2026-11-30T08:00', 'business_hours', 'opening'],
    ['demo', '2026-11-30T17:59', 'business_hours', 'last minute'],
    ['demo', '2026-11-30T17:59:59.999', 'business_hours', 'last ms'],
    ['demo', '2026-11-30T18:00', 'after_hours', 'closing (end is exclusive)'],
    // New York DST: 2026-03-08 (02:00 -> 03:00) and 2026-11-01 (02:00 -> 01:00) are Sundays.
    ['demo', '2026-03-08T12:00', 'weekend', 'spring-forward Sunday'],
    ['demo', '2026-03-09T11:59:59.999Z', 'after_hours', 'Monday 07:59:59 EDT'],
    ['demo', '2026-03-09T12:00Z', 'business_hours', 'Monday 08:00 EDT (was 13:00Z the Friday before)'],
    ['demo', '2026-03-06T12:59Z', 'after_hours', 'Friday 07:59 EST'],
    ['demo', '2026-03-06T13:00Z', 'business_hours', 'Friday 08:00 EST'],
    ['demo', '2026-11-02T12:59Z', 'after_hours', 'Monday 07:59 EST'],
    ['demo', '2026-11-02T13:00Z', 'business_hours', 'Monday 08:00 EST'],
    ['demo', '2026-10-30T12:00Z', 'business_hours', 'Friday 08:00 EDT'],
    ['nyDaily', '2026-03-08T11:59Z', 'after_hours', 'DST Sunday 07:59 EDT'],
    ['nyDaily', '2026-03-08T12:00Z', 'business_hours', 'DST Sunday 08:00 EDT'],
    ['nyDaily', '2026-03-08T21:59Z', 'business_hours', 'DST Sunday 17:59 EDT'],
    ['nyDaily', '2026-03-08T22:00Z', 'after_hours', 'DST Sunday 18:00 EDT'],
    ['nyDaily', '2026-03-08T07:30Z', 'after_hours', '03:30 EDT, just after the gap'],
    ['nyDaily', '2026-11-01T05:30Z', 'after_hours', '01:30 EDT, first pass'],
    ['nyDaily', '2026-11-01T06:30Z', 'after_hours', '01:30 EST, second pass'],
    ['nyDaily', '2026-11-01T12:59Z', 'after_hours', 'fall-back Sunday 07:59 EST'],
    ['nyDaily', '2026-11-01T13:00Z', 'business_hours', 'fall-back Sunday 08:00 EST'],
    ['nyDaily', '2026-11-01T22:59Z', 'business_hours', 'fall-back Sunday 17:59 EST'],
    ['nyDaily', '2026-11-01T23:00Z', 'after_hours', 'fall-back Sunday 18:00 EST'],
    // A window past midnight belongs to the day it starts on.
    ['nightShift', '2026-11-23T21:59', 'after_hours', 'Monday before the night shift'],
    ['nightShift', '2026-11-23T22:00', 'business_hours', 'Monday night shift starts'],
    ['nightShift', '2026-11-24T05:59', 'business_hours', "Tuesday 05:59 is Monday's shift"],
    ['nightShift', '2026-11-24T06:00', 'after_hours', 'shift ends on the next day'],
    ['nightShift', '2026-11-24T12:00', 'after_hours', 'Tuesday daytime'],
    ['nightShift', '2026-11-25T23:59', 'business_hours', 'Wednesday night, before Thanksgiving'],
    ['nightShift', '2026-11-26T02:00', 'holiday', "Wednesday's shift stops at Thanksgiving midnight"],
    ['nightShift', '2026-11-26T22:00', 'holiday', 'no shift on Thanksgiving'],
    ['nightShift', '2026-11-27T02:00', 'after_hours', "Thanksgiving's shift does not exist; Friday is a business day"],
    ['nightShift', '2026-11-27T22:00', 'business_hours', 'Friday night shift'],
    ['nightShift', '2026-11-28T05:59', 'business_hours', "Saturday 05:59 is Friday's shift"],
    ['nightShift', '2026-11-28T06:00', 'weekend', 'Saturday after the shift'],
    ['nightShift', '2026-11-29T23:00', 'weekend', 'no Sunday shift'],
    ['nightShift', '2026-11-30T03:00', 'after_hours', 'Monday early hours: Sunday had no shift'],
    // London: DST 2026-03-29 (01:00 -> 02:00) and 2026-10-25 (02:00 -> 01:00).
    ['london', '2026-03-27T09:00Z', 'business_hours', 'Friday 09:00 GMT'],
    ['london', '2026-03-30T07:59Z', 'after_hours', 'Monday 08:59 BST'],
    ['london', '2026-03-30T08:00Z', 'business_hours', 'Monday 09:00 BST'],
    ['london', '2026-03-30T16:29Z', 'business_hours', 'Monday 17:29 BST'],
    ['london', '2026-03-30T16:30Z', 'after_hours', 'Monday 17:30 BST'],
    ['london', '2026-10-26T08:59Z', 'after_hours', 'Monday 08:59 GMT'],
    ['london', '2026-10-26T09:00Z', 'business_hours', 'Monday 09:00 GMT'],
    ['london', '2026-08-31T12:00', 'holiday', 'Summer bank holiday'],
    ['london', '2026-12-28T12:00', 'holiday', 'Boxing Day substitute'],
    ['londonDaily', '2026-03-29T06:59Z', 'after_hours', 'DST Sunday 07:59 BST'],
    ['londonDaily', '2026-03-29T07:00Z', 'business_hours', 'DST Sunday 08:00 BST'],
    ['londonDaily', '2026-03-29T16:59Z', 'business_hours', 'DST Sunday 17:59 BST'],
    ['londonDaily', '2026-03-29T17:00Z', 'after_hours', 'DST Sunday 18:00 BST'],
    ['londonDaily', '2026-10-25T07:59Z', 'after_hours', 'fall-back Sunday 07:59 GMT'],
    ['londonDaily', '2026-10-25T08:00Z', 'business_hours', 'fall-back Sunday 08:00 GMT'],
    ['londonDaily', '2026-10-25T18:00Z', 'after_hours', 'fall-back Sunday 18:00 GMT'],
    // Tokyo: no DST, UTC+9, the local date is a day ahead of UTC in the morning.
    ['tokyo', '2026-11-24T00:00Z', 'business_hours', 'Tuesday 09:00 JST'],
    ['tokyo', '2026-11-23T23:59Z', 'after_hours', 'Tuesday 08:59 JST'],
    ['tokyo', '2026-11-23T03:00Z', 'holiday', 'Labor Thanksgiving Day, Monday noon JST'],
    ['tokyo', '2026-11-22T15:00Z', 'holiday', 'holiday starts at midnight JST (15:00Z the day before)'],
    ['tokyo', '2026-11-22T14:59Z', 'weekend', 'Sunday 23:59 JST'],
    ['tokyo', '2026-12-31T03:00Z', 'holiday', "New Year's Eve is a bank holiday in Japan"],
    // Sydney: southern hemisphere, DST ends 2026-04-05 (03:00 -> 02:00) and starts 2026-10-04 (02:00 -> 03:00).
    ['sydney', '2026-04-01T22:00Z', 'business_hours', 'Thursday 09:00 AEDT'],
    ['sydney', '2026-04-01T21:59Z', 'after_hours', 'Thursday 08:59 AEDT'],
    ['sydney', '2026-04-03T01:00', 'holiday', 'Good Friday'],
    ['sydney', '2026-04-06T12:00', 'holiday', 'Easter Monday'],
    ['sydney', '2026-04-06T23:00Z', 'business_hours', 'Tuesday 09:00 AEST'],
    ['sydney', '2026-04-06T22:59Z', 'after_hours', 'Tuesday 08:59 AEST'],
    ['sydney', '2026-10-01T23:00Z', 'business_hours', 'Friday 09:00 AEST'],
    ['sydney', '2026-10-05T12:00', 'holiday', 'Labour Day (NSW)'],
    ['sydney', '2026-10-05T22:00Z', 'business_hours', 'Tuesday 09:00 AEDT'],
    ['sydney', '2026-10-05T21:59Z', 'after_hours', 'Tuesday 08:59 AEDT'],
    ['sydneyDaily', '2026-10-03T21:59Z', 'after_hours', 'DST Sunday 08:59 AEDT'],
    ['sydneyDaily', '2026-10-03T22:00Z', 'business_hours', 'DST Sunday 09:00 AEDT'],
    ['sydneyDaily', '2026-10-02T23:00Z', 'business_hours', 'Saturday 09:00 AEST, the day before'],
    ['sydneyDaily', '2026-10-04T05:59Z', 'business_hours', 'DST Sunday 16:59 AEDT'],
    ['sydneyDaily', '2026-10-04T06:00Z', 'after_hours', 'DST Sunday 17:00 AEDT'],
  ])('%s %s -> %s (%s)', (name, when, expected) => {
    const e = at(name);
    expect(windowAt(e, instant(e, when))).toBe(expected);
  });

  it('names the holiday', () => {
    expect(windowDetailAt(demo, wall(NY, '2026-11-26T10:00'))).toEqual({ window: 'holiday', holidayName: 'Thanksgiving Day' });
    expect(windowDetailAt(demo, wall(NY, '2026-12-24T10:00'))).toEqual({ window: 'holiday', holidayName: 'Company closure' });
    expect(windowDetailAt(demo, wall(NY, '2026-11-25T10:00'))).toEqual({ window: 'business_hours' });
  });

  it('treats 00:00-24:00 as the whole day', () => {
    const allDay = engagementIn(NY, { extra: [] }, weekly('mon-fri', '00:00', '24:00'));
    expect(windowAt(allDay, wall(NY, '2026-11-30T00:00'))).toBe('business_hours');
    expect(windowAt(allDay, wall(NY, '2026-12-04T23:59:59.999'))).toBe('business_hours');
    expect(windowAt(allDay, wall(NY, '2026-12-05T00:00'))).toBe('weekend');
  });
});

describe('nextWindowChange', () => {
  it.each<[string, string, string | null]>([
    // engagement, from (local unless Z), next change (UTC)
    ['demo', '2026-11-24T23:47', '2026-11-25T13:00:00.000Z'], // -> Wednesday 08:00 EST
    ['demo', '2026-11-25T10:00', '2026-11-25T23:00:00.000Z'], // -> 18:00
    ['demo', '2026-11-25T18:00', '2026-11-26T05:00:00.000Z'], // -> Thanksgiving midnight
    ['demo', '2026-11-26T10:00', '2026-11-27T05:00:00.000Z'], // -> Friday midnight, after hours
    ['demo', '2026-11-27T00:00', '2026-11-27T13:00:00.000Z'], // -> Friday 08:00
    ['demo', '2026-11-27T18:00', '2026-11-28T05:00:00.000Z'], // -> Saturday midnight, weekend
    ['demo', '2026-11-28T10:00', '2026-11-30T05:00:00.000Z'], // weekend lasts to Monday midnight
    ['demo', '2026-12-24T10:00', '2026-12-26T05:00:00.000Z'], // closure + Christmas are one holiday stretch, then the weekend
    ['demo', '2026-03-07T10:00', '2026-03-09T04:00:00.000Z'], // Monday midnight is EDT after the spring change
    ['demo', '2026-03-09T00:00', '2026-03-09T12:00:00.000Z'], // Monday 08:00 EDT
    ['demo', '2026-10-31T10:00', '2026-11-02T05:00:00.000Z'], // Monday midnight is EST after the fall change
    ['nightShift', '2026-11-24T03:00', '2026-11-24T11:00:00.000Z'], // Monday's shift ends Tuesday 06:00
    ['nightShift', '2026-11-25T22:00', '2026-11-26T05:00:00.000Z'], // cut by Thanksgiving midnight
    ['nightShift', '2026-11-27T22:00', '2026-11-28T11:00:00.000Z'], // Friday shift ends Saturday 06:00 -> weekend
  ])('%s from %s -> %s', (name, when, expected) => {
    const e = at(name);
    expect(iso(nextWindowChange(e, instant(e, when)))).toBe(expected);
  });

  it('agrees with windowAt at every change and just before it', () => {
    for (const e of [demo, nightShift, sydney, london]) {
      let t = utc('2026-01-01T00:00Z');
      const end = utc('2027-01-01T00:00Z');
      while (t < end) {
        const next = nextWindowChange(e, t);
        if (next === null) throw new Error('no change');
        expect(windowAt(e, next - 1)).toBe(windowAt(e, t));
        expect(windowAt(e, next)).not.toBe(windowAt(e, t));
        t = next;
      }
    }
  });

  it('is null when the window never changes', () => {
    const never = engagementIn(NY, { extra: [] }, { days: [], from: 480, to: 1080 });
    expect(nextWindowChange(never, utc('2026-11-24T12:00Z'))).toBeNull();
  });
});

describe('ownership', () => {
  const tuesdayNight = wall(NY, '2026-11-24T23:47');
  const wednesday = wall(NY, '2026-11-25T10:00');
  const thanksgiving = wall(NY, '2026-11-26T10:00');

  it.each<[string, number, string]>([
    ['infrastructure', tuesdayNight, 'after hours: partner owns infrastructure'],
    ['infrastructure', wednesday, 'business hours: internal owns infrastructure'],
    ['infrastructure', thanksgiving, 'holiday (Thanksgiving Day): partner owns infrastructure'],
    ['infrastructure', wall(NY, '2026-12-24T10:00'), 'holiday (Company closure): partner owns infrastructure'],
    ['infrastructure', wall(NY, '2026-11-28T10:00'), 'weekend: partner owns infrastructure'],
    ['end_user', tuesdayNight, 'after hours: internal owns end_user'],
    ['cloud', wednesday, 'business hours: partner owns cloud'],
  ])('explainCoverage %s -> %s', (fn, when, text) => {
    expect(explainCoverage(demo, fn, when)).toBe(text);
  });

  it('ownerAt gives window and side', () => {
    expect(ownerAt(demo, 'infrastructure', tuesdayNight)).toEqual({ window: 'after_hours', side: 'partner' });
    expect(ownerAt(demo, 'infrastructure', wednesday)).toEqual({ window: 'business_hours', side: 'internal' });
    expect(ownerAt(demo, 'security', wednesday)).toEqual({ window: 'business_hours', side: 'partner' });
    expect(() => ownerAt(demo, 'plumbing', wednesday)).toThrow(RangeError);
  });

  it('coverageAt lists every function', () => {
    expect(coverageAt(demo, thanksgiving)).toEqual({
      window: 'holiday',
      holidayName: 'Thanksgiving Day',
      owners: { infrastructure: 'partner', cloud: 'partner', security: 'partner', end_user: 'internal' },
    });
    expect(coverageAt(demo, wednesday)).toEqual({
      window: 'business_hours',
      owners: { infrastructure: 'internal', cloud: 'partner', security: 'partner', end_user: 'internal' },
    });
  });

  it('overflowApplies only to internal-owned incidents of listed functions', () => {
    const overflow = demo.coverage.overflow;
    expect(overflowApplies(demo, 'infrastructure', 'internal')).toBe(overflow);
    expect(overflowApplies(demo, 'infrastructure', 'internal')?.after.ms).toBe(600_000);
    expect(overflowApplies(demo, 'infrastructure', 'partner')).toBeNull();
    expect(overflowApplies(demo, 'end_user', 'internal')).toBeNull();
    expect(overflowApplies(buildEngagement({ coverage: { ...demo.coverage, overflow: undefined } }), 'infrastructure', 'internal')).toBeNull();
  });

  it('labels windows', () => {
    expect(WINDOWS.map((w) => windowLabel(w))).toEqual([
      'business hours',
      'after hours',
      'weekend',
      'holiday',
    ]);
  });
});
