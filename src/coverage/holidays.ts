/**
 * Which local dates are holidays for an engagement: the public holidays of
 * its country (and region) from date-holidays, plus the company closures
 * listed in `holidays.extra`.
 *
 * What counts: date-holidays types `public` and `bank`. `bank` is how some
 * countries' data marks days that are general days off (UK "bank holidays"
 * are typed `public` in its GB data, but e.g. Japan's 2-3 January and
 * 31 December are `bank`). `optional` (US Christmas Eve), `observance`
 * (US Day after Thanksgiving, Halloween, Mother's Day) and `school` do not:
 * most businesses stay open, and an engagement that closes anyway lists the
 * date under `extra`. Holidays that start mid-day (Germany's Christmas Eve
 * "from 14:00") are skipped too: a holiday here is a whole local day, and a
 * half day must not erase a morning of business hours.
 *
 * A holiday is a local calendar date in the ENGAGEMENT's time zone: an
 * engagement in Los Angeles with `country: US` has Thanksgiving from
 * midnight to midnight Pacific time.
 */
import Holidays from 'date-holidays';
import type { Engagement } from '../engagement/model.js';
import type { LocalDay } from '../time/local-time.js';
import { DAY_MS } from '../time/duration.js';
import { civilFromDays, daysFromCivil, formatLocalDate, parseLocalDate } from '../time/local-time.js';

/** date-holidays types that make a day a holiday for coverage. */
export const COUNTED_HOLIDAY_TYPES: readonly string[] = ['public', 'bank'];

/** The name given to `holidays.extra` dates. */
export const COMPANY_CLOSURE = 'Company closure';

/** A holiday on a local date. */
export interface Holiday {
  readonly name: string;
}

/** Answers whether a local date (YYYY-MM-DD, engagement zone) is a holiday. */
export type HolidayChecker = (localDate: string) => Holiday | null;

interface RawHoliday {
  readonly first: LocalDay;
  /** Inclusive. */
  readonly last: LocalDay;
  readonly name: string;
}

// date-holidays parses its whole rule set on construction (milliseconds), so
// there is one instance per (country, region) for the life of the process,
// and one computed list per year: both are immutable facts, not engagement state.
const sources = new Map<string, { readonly holidays: Holidays; readonly lang: string }>();
const rawYears = new Map<string, readonly RawHoliday[]>();

function sourceKey(country: string, region: string | undefined): string {
  return region === undefined ? country : `${country}-${region}`;
}

function sourceFor(country: string, region: string | undefined): { readonly holidays: Holidays; readonly lang: string } {
  const key = sourceKey(country, region);
  let s = sources.get(key);
  if (s === undefined) {
    // The model's region is the part after the country ("NY" for "US-NY");
    // date-holidays splits it further into state and region ("BY-A").
    const [state, sub] = region === undefined ? [] : region.split('-');
    let holidays: Holidays;
    if (state === undefined) holidays = new Holidays(country);
    else if (sub === undefined) holidays = new Holidays(country, state);
    else holidays = new Holidays(country, state, sub);
    // Names appear in English explanations ("holiday (Thanksgiving Day)"):
    // the country's own English ("en-us": Labor Day) when it has one, else
    // plain "en"; date-holidays falls back to the local name when untranslated.
    const lang = holidays.getLanguages().find((l) => l === 'en' || l.startsWith('en-')) ?? 'en';
    s = { holidays, lang };
    sources.set(key, s);
  }
  return s;
}

function rawYear(country: string, region: string | undefined, year: number): readonly RawHoliday[] {
  const key = `${sourceKey(country, region)}|${year}`;
  let list = rawYears.get(key);
  if (list === undefined) {
    const out: RawHoliday[] = [];
    const { holidays, lang } = sourceFor(country, region);
    for (const h of holidays.getHolidays(year, lang)) {
      if (!COUNTED_HOLIDAY_TYPES.includes(h.type)) continue;
      // `date` is the holiday's local wall time, "YYYY-MM-DD hh:mm:ss [tz]".
      if (h.date.slice(11, 19) !== '00:00:00') continue;
      const first = parseLocalDate(h.date.slice(0, 10));
      // Multi-day holidays exist (e.g. some New Year periods); DST makes a day 23-25 h, hence rounding.
      const days = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / DAY_MS));
      out.push({ first, last: first + days - 1, name: h.name });
    }
    list = out;
    rawYears.set(key, list);
  }
  return list;
}

/**
 * True when date-holidays knows the country (and region, "NY" or "BY-A").
 * date-holidays silently falls back to no holidays for unknown codes, so the
 * engagement loader should check with this.
 */
export function isKnownHolidayRegion(country: string, region?: string): boolean {
  const all = new Holidays();
  const countries = all.getCountries();
  if (countries[country] === undefined) return false;
  if (region === undefined) return true;
  const [state, sub] = region.split('-');
  if (state === undefined) return false;
  const states = all.getStates(country);
  if (states === undefined || states[state] === undefined) return false;
  if (sub === undefined) return true;
  const regions = all.getRegions(country, state);
  return regions !== undefined && regions[sub] !== undefined;
}

class HolidayCalendar {
  readonly #country: string | undefined;
  readonly #region: string | undefined;
  readonly #extra: ReadonlySet<LocalDay>;
  readonly #years = new Map<number, ReadonlyMap<LocalDay, string>>();
  readonly check: HolidayChecker;

  constructor(engagement: Engagement) {
    this.#country = engagement.holidays.country;
    this.#region = engagement.holidays.region;
    this.#extra = new Set(engagement.holidays.extra.map(parseLocalDate));
    this.check = (localDate: string): Holiday | null => {
      const name = this.onDay(parseLocalDate(localDate));
      return name === null ? null : { name };
    };
  }

  #year(year: number): ReadonlyMap<LocalDay, string> {
    let names = this.#years.get(year);
    if (names === undefined) {
      const map = new Map<LocalDay, string>();
      const first = daysFromCivil(year, 1, 1);
      const last = daysFromCivil(year, 12, 31);
      // Extra closures first, so that a public holiday on the same date overwrites
      // "Company closure" with its more telling name.
      for (const d of this.#extra) if (d >= first && d <= last) map.set(d, COMPANY_CLOSURE);
      if (this.#country !== undefined) {
        // Last year's list too: a multi-day holiday may run into January.
        for (const y of [year - 1, year]) {
          for (const h of rawYear(this.#country, this.#region, y)) {
            for (let d = Math.max(h.first, first); d <= Math.min(h.last, last); d++) {
              const existing = map.get(d);
              // The first counted holiday of a date names it (lists are in date order).
              if (existing === undefined || existing === COMPANY_CLOSURE) map.set(d, h.name);
            }
          }
        }
      }
      names = map;
      this.#years.set(year, names);
    }
    return names;
  }

  /** The holiday name on a local day, or null. */
  onDay(day: LocalDay): string | null {
    return this.#year(civilFromDays(day).year).get(day) ?? null;
  }
}

const calendars = new WeakMap<Engagement, HolidayCalendar>();

function calendarFor(engagement: Engagement): HolidayCalendar {
  let c = calendars.get(engagement);
  if (c === undefined) {
    c = new HolidayCalendar(engagement);
    calendars.set(engagement, c);
  }
  return c;
}

/**
 * The engagement's holiday checker: `isHoliday("2026-11-26")` ->
 * `{ name: "Thanksgiving Day" }`, `isHoliday("2026-12-24")` ->
 * `{ name: "Company closure" }`, other dates -> null. Cached per engagement
 * object (engagements are immutable), so callers may call this freely.
 */
export function holidaysFor(engagement: Engagement): HolidayChecker {
  return calendarFor(engagement).check;
}

/** The holiday name on a local day number (engagement zone), or null. For hot loops that already hold day numbers. */
export function holidayOnDay(engagement: Engagement, day: LocalDay): string | null {
  return calendarFor(engagement).onDay(day);
}

/** Counted holidays of a year as `[localDate, name]` pairs in date order, e.g. for a dashboard calendar. */
export function holidaysInYear(engagement: Engagement, year: number): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  const c = calendarFor(engagement);
  for (let d = daysFromCivil(year, 1, 1); d <= daysFromCivil(year, 12, 31); d++) {
    const name = c.onDay(d);
    if (name !== null) out.push([formatLocalDate(d), name]);
  }
  return out;
}
