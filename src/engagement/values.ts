/**
 * The other checked values of the engagement file: ids, percentages, time
 * zones, holiday regions, currencies and contact addresses.
 */
import { createRequire } from 'node:module';
import { IANAZone } from 'luxon';
import * as z from 'zod';
import type HolidaysClass from 'date-holidays';
import type { Target } from './model.js';
import type { Parsed } from './duration.js';
import { closest } from './diagnostics.js';

/** Engagement ids are slugs: they appear in URLs and API paths. */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** Ids of people, teams, schedules, ... and names of functions and priorities. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
export const PERCENT_PATTERN = '^\\d+(\\.\\d+)?%$';
export const E164_PATTERN = '^\\+[1-9][0-9]{6,14}$';
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';
/** Integration keys go into URLs and headers: URL-safe characters only. */
export const INTEGRATION_KEY_PATTERN = '^[A-Za-z0-9._~-]{8,}$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';

/** Checks a slug id ("acme", "acme-eu"). */
export function parseSlug(text: string): Parsed<string> {
  return new RegExp(SLUG_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad engagement id ${JSON.stringify(text)}: expected a slug of lowercase letters, digits and '-', starting with a letter or digit, e.g. "acme"`,
      };
}

/** Checks an id of a person, team, schedule, policy, service or SLA, or a function or priority name. */
export function parseId(text: string, what = 'id'): Parsed<string> {
  return new RegExp(ID_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad ${what} ${JSON.stringify(text)}: expected letters, digits, '-', '_' or '.', starting with a letter or digit, e.g. "acme-it"`,
      };
}

/** A service id in a section that names services (maintenance windows, status page components); whether it exists is checked with the whole file. */
export const serviceRef = z
  .string()
  .meta({ pattern: ID_PATTERN })
  .transform((value, ctx): string => {
    const result = parseId(value, 'service id');
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error, input: value });
    return z.NEVER;
  });

/**
 * Parses a percentage "50%" or "0.5%" (above 0, at most 100) into a fraction
 * (0.5, 0.005).
 */
export function parsePercent(text: string): Parsed<number> {
  const bad = (why = ''): Parsed<number> => ({
    ok: false,
    error: `bad percentage ${JSON.stringify(text)}: ${why}expected a number followed by %, above 0% and at most 100%, e.g. "50%"`,
  });
  if (!new RegExp(PERCENT_PATTERN).test(text)) return bad();
  const percent = Number(text.slice(0, -1));
  if (!(percent > 0 && percent <= 100)) return bad();
  // 1.1 / 100 is 0.011000000000000001 in floating point; round so the fraction is the decimal written.
  return { ok: true, value: Number((percent / 100).toPrecision(12)) };
}

let zoneNames: readonly string[] | undefined;
/**
 * Time zones already checked, valid or not: the answer depends only on the text, and an MSP's engagement files
 * name the same few zones thousands of times (Luxon's check builds an Intl formatter each call; issue 14).
 */
const checkedZones = new Map<string, Parsed<string>>();

/** Checks an IANA time zone ("America/New_York"), with a hint for near misses. */
export function parseTimeZone(text: string): Parsed<string> {
  let checked = checkedZones.get(text);
  if (checked === undefined) {
    checked = checkTimeZone(text);
    if (checkedZones.size < 10_000) checkedZones.set(text, checked);
  }
  return checked;
}

function checkTimeZone(text: string): Parsed<string> {
  if (IANAZone.isValidZone(text)) {
    // Intl accepts any case ("america/new_york"); keep names canonical, since other tools compare them as text.
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
    if (canonical === text || canonical.toLowerCase() !== text.toLowerCase()) return { ok: true, value: text };
    return { ok: false, error: `time zone ${JSON.stringify(text)} is spelled "${canonical}": time zone names are case-sensitive` };
  }
  zoneNames ??= Intl.supportedValuesOf('timeZone');
  const hint = closest(text, zoneNames);
  return {
    ok: false,
    error: `unknown time zone ${JSON.stringify(text)}: expected an IANA time zone like "America/New_York", "Europe/London" or "UTC"${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
  };
}

type HolidaysInstance = InstanceType<typeof HolidaysClass>;
let holidays: HolidaysInstance | undefined;
let countries: Readonly<Record<string, string>> | undefined;

/**
 * One shared date-holidays instance, created on first use: loading its rule
 * data takes ~100 ms, which files without holidays (and code that never
 * validates one) should not pay. Required synchronously so loading stays sync.
 */
export function holidayCalendar(): HolidaysInstance {
  if (holidays === undefined) {
    const Holidays = createRequire(import.meta.url)('date-holidays') as typeof HolidaysClass;
    holidays = new Holidays();
  }
  return holidays;
}

/** JSON Schema pattern of a holiday calendar: "US", "US-NY", "DE-BY-A". */
export const HOLIDAY_REGION_PATTERN = '^[A-Z]{2}(-[A-Za-z0-9]+){0,2}$';

/**
 * Parses a holiday calendar: an ISO 3166 country ("US"), optionally with a
 * region ("US-NY") and, where date-holidays has them, a sub-region
 * ("DE-BY-A"), each checked against date-holidays. The region keeps
 * everything after the country ("NY", "BY-A").
 */
export function parseHolidayRegion(text: string): Parsed<{ country: string; region?: string }> {
  const match = new RegExp(HOLIDAY_REGION_PATTERN).test(text) ? text.split('-') : undefined;
  const [country = '', state, sub] = match ?? [];
  if (match === undefined) {
    return {
      ok: false,
      error: `bad holiday country ${JSON.stringify(text)}: expected an ISO 3166 country code with an optional region, e.g. "US" or "US-NY"`,
    };
  }
  const calendar = holidayCalendar();
  // getCountries() builds a fresh object on each call; the list never changes.
  countries ??= calendar.getCountries();
  if (countries[country] === undefined) {
    const hint = closest(country, Object.keys(countries));
    return {
      ok: false,
      error: `unknown holiday country "${country}": expected an ISO 3166 country code with holiday rules, e.g. "US", "GB" or "DE"${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
    };
  }
  if (state === undefined) return { ok: true, value: { country } };
  const states = Object.keys(calendar.getStates(country) ?? {});
  if (!states.includes(state)) {
    return {
      ok: false,
      error:
        states.length === 0
          ? `unknown region "${state}" of ${country}: date-holidays has no regions for ${countries[country] ?? country}; write "${country}"`
          : `unknown region "${state}" of ${country}: expected one of ${states.join(', ')}`,
    };
  }
  if (sub === undefined) return { ok: true, value: { country, region: state } };
  const regions = Object.keys(calendar.getRegions(country, state) ?? {});
  if (!regions.includes(sub)) {
    return {
      ok: false,
      error:
        regions.length === 0
          ? `unknown region "${sub}" of ${country}-${state}: date-holidays has no smaller regions there; write "${country}-${state}"`
          : `unknown region "${sub}" of ${country}-${state}: expected one of ${regions.join(', ')}`,
    };
  }
  return { ok: true, value: { country, region: `${state}-${sub}` } };
}

let currencies: readonly string[] | undefined;

/** Checks an ISO 4217 currency code ("USD"). */
export function parseCurrency(text: string): Parsed<string> {
  currencies ??= Intl.supportedValuesOf('currency');
  if (new RegExp(CURRENCY_PATTERN).test(text) && currencies.includes(text)) return { ok: true, value: text };
  return {
    ok: false,
    error: `bad currency ${JSON.stringify(text)}: expected an ISO 4217 code of 3 capital letters, e.g. "USD", "EUR" or "GBP"`,
  };
}

/** Checks an email address (the shape only; deliverability is the mail server's business). */
export function parseEmail(text: string): Parsed<string> {
  return new RegExp(EMAIL_PATTERN).test(text)
    ? { ok: true, value: text }
    : { ok: false, error: `bad email address ${JSON.stringify(text)}: expected name@domain, e.g. "dana@acme.example"` };
}

/** Checks an E.164 phone number ("+15550100001"). */
export function parsePhone(text: string): Parsed<string> {
  return new RegExp(E164_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad phone number ${JSON.stringify(text)}: expected E.164, a + and 7 to 15 digits without spaces, e.g. "+15550100001"`,
      };
}

/** A Slack member id: "U" (or "W" in an Enterprise Grid) and capitals and digits, as Slack shows under Profile > Copy member ID. */
export const SLACK_USER_PATTERN = '^[UW][A-Z0-9]{2,20}$';

/** Checks a Slack member id ("U012AB3CD"), the one Slack sends when the person presses a button. */
export function parseSlackUser(text: string): Parsed<string> {
  return new RegExp(SLACK_USER_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad Slack member id ${JSON.stringify(text)}: expected the member id from the person's Slack profile (⋮ > Copy member ID), a U or W and capitals and digits, e.g. "U012AB3CD"; not the display name`,
      };
}

/** Checks an http(s) URL (Slack, Teams and webhook endpoints). */
export function parseHttpUrl(text: string): Parsed<string> {
  let protocol = '';
  try {
    protocol = new URL(text).protocol;
  } catch {
    // Not a URL at all: reported below, the same as a non-http scheme.
  }
  return protocol === 'http:' || protocol === 'https:'
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad URL ${JSON.stringify(text)}: expected an http:// or https:// URL, e.g. "https://hooks.slack.com/services/..."`,
      };
}

/** Checks an integration key: at least 8 URL-safe characters, since keys travel in URLs and headers. */
export function parseIntegrationKey(text: string): Parsed<string> {
  return new RegExp(INTEGRATION_KEY_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad integration key ${JSON.stringify(text)}: expected at least 8 characters from letters, digits, '-', '_', '.' and '~', e.g. "9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c"`,
      };
}

/** Kinds of escalation targets, as written before the colon. */
export const TARGET_KINDS = ['schedule', 'team', 'person'] as const;
export const TARGET_PATTERN = `^(${TARGET_KINDS.join('|')}):[A-Za-z0-9][A-Za-z0-9_.-]*$`;

/** Parses an escalation target "schedule:ID", "team:ID" or "person:ID" (whether the id exists is checked later). */
export function parseTarget(text: string): Parsed<Target> {
  const expected = `expected ${TARGET_KINDS.map((k) => `"${k}:ID"`).join(', ')}, e.g. "schedule:acme-primary"`;
  const colon = text.indexOf(':');
  if (colon < 0) return { ok: false, error: `bad target ${JSON.stringify(text)}: ${expected}` };
  const kindText = text.slice(0, colon);
  const id = text.slice(colon + 1);
  const kind = TARGET_KINDS.find((k) => k === kindText);
  if (kind === undefined) {
    const hint = closest(kindText, TARGET_KINDS);
    return {
      ok: false,
      error: `bad target ${JSON.stringify(text)}: unknown prefix "${kindText}:"; allowed prefixes: schedule:, team:, person:${hint === undefined ? '' : `; did you mean "${hint}:${id}"?`}`,
    };
  }
  const checked = parseId(id);
  if (!checked.ok) return { ok: false, error: `bad target ${JSON.stringify(text)}: ${checked.error}` };
  return { ok: true, value: { kind, id } };
}

/** Names of environment variables: secrets of integrations are named, never written in the file. */
export const ENV_NAME_PATTERN = '^[A-Z_][A-Z0-9_]*$';

/** Checks an environment variable name ("ACME_JIRA_TOKEN"). */
export function parseEnvName(text: string): Parsed<string> {
  return new RegExp(ENV_NAME_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad environment variable name ${JSON.stringify(text)}: expected capital letters, digits and '_', not starting with a digit, e.g. "ACME_JIRA_TOKEN"`,
      };
}
