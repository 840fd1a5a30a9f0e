import { describe, expect, it } from 'vitest';
import type { Engagement } from '../engagement/model.js';
import { holidaysFor, holidaysInYear, isKnownHolidayRegion } from './holidays.js';
import { buildEngagement, engagementIn } from './test-fixtures.js';

const us = buildEngagement();
const usNy = buildEngagement({ holidays: { country: 'US', region: 'NY', extra: [] } });
const gb = engagementIn('Europe/London', { country: 'GB', extra: [] });
const england = engagementIn('Europe/London', { country: 'GB', region: 'ENG', extra: [] });
const scotland = engagementIn('Europe/London', { country: 'GB', region: 'SCT', extra: [] });
const jp = engagementIn('Asia/Tokyo', { country: 'JP', extra: [] });
const nsw = engagementIn('Australia/Sydney', { country: 'AU', region: 'NSW', extra: [] });
const bavaria = engagementIn('Europe/Berlin', { country: 'DE', region: 'BY', extra: [] });
const closuresOnly = engagementIn('America/New_York', { extra: ['2026-08-14'] });

const byLabel: Record<string, Engagement> = {
  US: us,
  'US-NY': usNy,
  GB: gb,
  'GB-ENG': england,
  'GB-SCT': scotland,
  JP: jp,
  'AU-NSW': nsw,
  'DE-BY': bavaria,
  none: closuresOnly,
};

describe('holidaysFor', () => {
  it.each<[string, string, string | null, string]>([
    // engagement, local date, expected name (null = working day), why
    ['US', '2026-11-26', 'Thanksgiving Day', 'public'],
    ['US', '2026-11-27', null, 'Day after Thanksgiving is an observance'],
    ['US', '2026-10-31', null, 'Halloween is an observance (and starts 18:00)'],
    ['US', '2026-02-14', null, "Valentine's Day is an observance"],
    ['US', '2026-12-24', 'Company closure', 'Christmas Eve is optional; the engagement lists it as extra'],
    ['US', '2026-12-31', 'Company closure', "New Year's Eve is an observance; extra"],
    ['US', '2026-12-25', 'Christmas Day', 'public'],
    ['US', '2026-07-03', 'Independence Day (substitute day)', 'observed Friday for a Saturday holiday'],
    ['US', '2027-01-01', "New Year's Day", 'next year, computed on demand'],
    ['US', '2026-11-03', null, 'Election Day is New York only'],
    ['US-NY', '2026-11-03', 'Election Day', 'region holiday'],
    ['US-NY', '2026-12-24', null, 'no extra closures in this engagement'],
    ['GB', '2026-05-04', 'Early May bank holiday', 'UK bank holiday'],
    ['GB', '2026-12-28', 'Boxing Day (substitute day)', 'bank holiday substitute'],
    ['GB', '2026-08-31', null, 'GB without a region has only UK-wide holidays'],
    ['GB-ENG', '2026-08-31', 'Summer bank holiday', 'England: last Monday of August'],
    ['GB-ENG', '2026-04-06', 'Easter Monday', 'England and Wales'],
    ['GB', '2026-03-15', null, "Mother's Day is an observance"],
    ['GB-SCT', '2026-08-03', 'Summer bank holiday', 'Scotland: first Monday of August'],
    ['GB-SCT', '2026-11-30', 'St Andrew’s Day', 'Scotland only'],
    ['JP', '2026-11-23', 'Labor Thanksgiving Day', 'public, English name'],
    ['JP', '2026-12-31', "New Year's Eve", "Japan's bank holidays count"],
    ['JP', '2026-12-25', null, 'Christmas is an observance in Japan'],
    ['AU-NSW', '2026-04-06', 'Easter Monday', 'public'],
    ['AU-NSW', '2026-10-05', 'Labour Day', 'NSW Labour Day'],
    ['DE-BY', '2026-12-24', null, 'Christmas Eve is a bank half-day from 14:00: not a whole day'],
    ['DE-BY', '2026-12-25', 'Christmas Day', 'English name'],
    ['DE-BY', '2026-01-06', 'Epiphany', 'Bavaria only'],
    ['none', '2026-08-14', 'Company closure', 'closures without a country'],
    ['none', '2026-12-25', null, 'no country: no public holidays'],
  ])('%s %s -> %s (%s)', (label, date, name) => {
    // Engagements are looked up by label so test titles stay short.
    const engagement = byLabel[label];
    if (engagement === undefined) throw new Error(`no engagement ${label}`);
    expect(holidaysFor(engagement)(date)).toEqual(name === null ? null : { name });
  });

  it('is cached per engagement object', () => {
    expect(holidaysFor(us)).toBe(holidaysFor(us));
    expect(holidaysFor(buildEngagement())).not.toBe(holidaysFor(us));
  });

  it('lists a year', () => {
    expect(holidaysInYear(us, 2026)).toEqual([
      ['2026-01-01', "New Year's Day"],
      ['2026-01-19', 'Martin Luther King Jr. Day'],
      ['2026-02-16', "Washington's Birthday"],
      ['2026-05-25', 'Memorial Day'],
      ['2026-06-19', 'Juneteenth'],
      ['2026-07-03', 'Independence Day (substitute day)'],
      ['2026-07-04', 'Independence Day'],
      ['2026-09-07', 'Labor Day'],
      ['2026-10-12', 'Columbus Day'],
      ['2026-11-11', 'Veterans Day'],
      ['2026-11-26', 'Thanksgiving Day'],
      ['2026-12-24', 'Company closure'],
      ['2026-12-25', 'Christmas Day'],
      ['2026-12-31', 'Company closure'],
    ]);
  });
});

describe('isKnownHolidayRegion', () => {
  it.each([
    ['US', undefined, true],
    ['US', 'NY', true],
    ['GB', 'SCT', true],
    ['DE', 'BY-A', true],
    ['XX', undefined, false],
    ['US', 'ZZ', false],
    ['DE', 'BY-ZZ', false],
  ])('%s %s -> %s', (country, region, known) => {
    expect(isKnownHolidayRegion(country, region)).toBe(known);
  });
});
