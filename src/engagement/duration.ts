/**
 * Durations as written in engagement files and API input: "<n><unit>", e.g.
 * "15m", "4h", "3d", "1w". Shared by the engagement loader and any code that
 * takes durations from users, so "5m" means the same everywhere.
 */
import type { Duration, DurationUnit } from './model.js';
import { oneOf } from './diagnostics.js';

/** The result of parsing user text: a value, or a message saying what was wrong and what is allowed. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Milliseconds per unit; a day is 24 wall-clock hours (business-day clocks read `text`/`unit` instead). */
export const UNIT_MS: Readonly<Record<DurationUnit, number>> = Object.freeze({
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
});

const UNIT_WORDS: Readonly<Record<DurationUnit, string>> = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' };

/** Units of most durations in the file: seconds, minutes, hours, days. */
export const DEFAULT_DURATION_UNITS: readonly DurationUnit[] = Object.freeze(['s', 'm', 'h', 'd']);

/** Units of a rotation's `every`: hours, days or weeks. */
export const ROTATION_UNITS: readonly DurationUnit[] = Object.freeze(['h', 'd', 'w']);

const DURATION_RE = /^(\d+(?:\.\d+)?)([a-z]+)$/;

/** The JSON Schema pattern of a duration with these units (editors check it as you type). */
export function durationPattern(units: readonly DurationUnit[] = DEFAULT_DURATION_UNITS): string {
  return `^\\d+(\\.\\d+)?[${units.join('')}]$`;
}

/** What a duration with these units looks like, for messages. */
export function durationExpectation(units: readonly DurationUnit[] = DEFAULT_DURATION_UNITS): string {
  const example = units.includes('m') ? '5m' : `1${units[units.length - 1] ?? 'h'}`;
  return `<number><unit> with unit ${oneOf([...units])} (${oneOf(units.map((u) => UNIT_WORDS[u]))}), e.g. "${example}"`;
}

/**
 * Parses "<n><unit>". `n` may have a fraction ("1.5h"); milliseconds are
 * rounded to a whole number.
 *
 * @param text as the user wrote it
 * @param units the units allowed here (default s, m, h, d)
 * @param options.wholePositive require a whole number above zero (rotation lengths)
 */
export function parseDuration(
  text: string,
  units: readonly DurationUnit[] = DEFAULT_DURATION_UNITS,
  options: { readonly wholePositive?: boolean } = {},
): Parsed<Duration> {
  const bad = (why = ''): Parsed<Duration> => ({
    ok: false,
    error: `bad duration ${JSON.stringify(text)}: ${why}expected ${durationExpectation(units)}`,
  });
  const match = DURATION_RE.exec(text);
  if (!match) return bad();
  const [, number = '', unitText = ''] = match;
  const unit = units.find((u) => u === unitText);
  if (unit === undefined) return bad(Object.hasOwn(UNIT_MS, unitText) ? `unit "${unitText}" is not allowed here; ` : '');
  const n = Number(number);
  const ms = Math.round(n * UNIT_MS[unit]);
  if (!Number.isSafeInteger(ms)) return bad('too long; ');
  if (options.wholePositive === true && (n <= 0 || !Number.isInteger(n))) return bad('need a whole number above 0; ');
  return { ok: true, value: Object.freeze({ text, n, unit, ms }) };
}
