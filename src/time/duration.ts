/**
 * Fixed time units in milliseconds. Instants and intervals are epoch
 * milliseconds throughout Tandem; these names keep `7 * DAY_MS` readable and
 * replace the per-module copies that used to sit beside the code using them.
 * A "day" here is 86,400 s of UTC time: local days, whose length DST changes,
 * go through local-time.ts.
 */

/** One minute. */
export const MINUTE_MS = 60_000;
/** One hour. */
export const HOUR_MS = 3_600_000;
/** One UTC day. */
export const DAY_MS = 86_400_000;
/** Seven UTC days. */
export const WEEK_MS = 7 * DAY_MS;
