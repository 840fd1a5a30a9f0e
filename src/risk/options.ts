/**
 * Reading the options risk and simulation share, from the command line and
 * the API alike: the period and the first-response time. Each reader returns
 * a value or a message saying what is wrong and what would be right.
 */
import { parseLocalDate, startOfLocalDay } from '../time/local-time.js';
import { parseDuration } from '../engagement/duration.js';
import type { Parsed } from '../engagement/duration.js';
import { parseIsoInstant } from '../time/iso.js';
import { DEFAULT_FIRST_RESPONSE_MS } from './exposure.js';

/** Longest period one request may ask for: two years and a bit, which bounds the work. */
export const MAX_PERIOD_MS = 800 * 86_400_000;

/** An ISO 8601 instant, or a date (YYYY-MM-DD) meaning its local midnight in `zone`. */
export function parseBound(text: string, zone: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    try {
      return startOfLocalDay(zone, parseLocalDate(text));
    } catch {
      return undefined;
    }
  }
  return parseIsoInstant(text);
}

/** `--from`/`--to` read as a period [from, to) in `zone`, or the one-line reason they are not one. */
export function parsePeriod(fromText: string, toText: string, zone: string): { from: number; to: number } | string {
  const from = parseBound(fromText, zone);
  const to = parseBound(toText, zone);
  for (const [flag, text, t] of [
    ['--from', fromText, from],
    ['--to', toText, to],
  ] as const) {
    if (t === undefined) return `${flag} "${text}" is neither an ISO 8601 instant (2026-11-01T00:00:00-05:00) nor a date (2026-11-01)`;
  }
  if (from === undefined || to === undefined || to <= from) return `--to (${toText}) must be after --from (${fromText})`;
  return { from, to };
}

export interface PeriodOptions {
  readonly from: number;
  readonly to: number;
  readonly firstResponseMs: number;
}

/** Checks `from`, `to` and `first_response` together; `field` names the first bad one. */
export function parsePeriodOptions(
  raw: { from?: unknown; to?: unknown; firstResponse?: unknown },
  zone: string,
): Parsed<PeriodOptions> & { field?: string } {
  const bound = (name: 'from' | 'to', v: unknown): number | string => {
    if (typeof v !== 'string' || v === '')
      return `${name} is required: an ISO 8601 instant (2026-09-01T00:00:00-04:00) or a date (2026-09-01, midnight in ${zone})`;
    const t = parseBound(v, zone);
    return t === undefined ? `${name} "${v}" is neither an ISO 8601 instant (2026-09-01T00:00:00-04:00) nor a date (2026-09-01)` : t;
  };
  const from = bound('from', raw.from);
  if (typeof from === 'string') return { ok: false, error: from, field: 'from' };
  const to = bound('to', raw.to);
  if (typeof to === 'string') return { ok: false, error: to, field: 'to' };
  if (to <= from)
    return { ok: false, error: `to (${new Date(to).toISOString()}) must be after from (${new Date(from).toISOString()})`, field: 'to' };
  if (to - from > MAX_PERIOD_MS)
    return {
      ok: false,
      error: `the period is ${Math.ceil((to - from) / 86_400_000)} days; the longest is ${MAX_PERIOD_MS / 86_400_000}`,
      field: 'to',
    };
  let firstResponseMs = DEFAULT_FIRST_RESPONSE_MS;
  if (raw.firstResponse !== undefined && raw.firstResponse !== '') {
    const d = typeof raw.firstResponse === 'string' ? parseDuration(raw.firstResponse) : undefined;
    if (!d?.ok) return { ok: false, error: `first_response: ${d ? d.error : 'expected a duration such as "5m"'}`, field: 'first_response' };
    firstResponseMs = d.value.ms;
  }
  return { ok: true, value: { from, to, firstResponseMs } };
}
