/**
 * SLA clocks: how much of an SLA target an incident has used, when it warns,
 * when it breaches. Pure functions of (engagement, SLA, incident history,
 * now); the engine and the reports call them, the database never stores a
 * clock reading, only the status history it is derived from.
 *
 * The rules, in one place:
 *
 * - **Which SLAs.** An incident gets the SLAs whose `applies_to` is the side
 *   that owned it when it opened ({@link slasFor}). `respond` runs from
 *   opening to the first acknowledgement, `resolve` from opening to resolve.
 * - **Which target.** Always the incident's CURRENT priority. A priority
 *   change keeps the elapsed time and swaps the target, retroactively: an
 *   incident moved from P2 (30m) to P1 (15m) after 20 minutes breached at
 *   the 15-minute mark, and one moved from P1 to P3 gets P3's longer target
 *   as if it had always been P3 (an earlier P1 breach disappears; the
 *   engine records breaches for credits when the clock stops). A priority
 *   the SLA has no target for makes the SLA `not_applicable`.
 * - **What counts.** `24x7` counts wall time (real elapsed milliseconds, so a
 *   DST night is 23 or 25 hours). `business_hours` counts only time inside
 *   `coverage.business_hours`, holidays and closures excluded; there "1d" is
 *   one business day (the window's length, 10h for 08:00-18:00) and h/m/s
 *   are business time as written. Time in a `pause_while` status never counts.
 * - **Met or breached.** A breach is the clock counting MORE than the
 *   target before it stops; stopping when it shows exactly the target is
 *   met. So the deadline is the last instant at which stopping still meets
 *   the target. On a 24x7 clock that is `open + target`. On a business
 *   clock it is the same instant as {@link reachesAt}, except when the target
 *   runs out exactly at closing time: a 10h target from Monday 08:00 runs
 *   out at 18:00, and acknowledging that evening is still met because the
 *   clock has not counted a millisecond past the target; it breaches when
 *   business hours reopen. The same holds for a pause that starts exactly
 *   when the target runs out.
 * - **Warnings.** `warn_at` fractions fire when the clock REACHES them (the
 *   earliest instant it shows that much). The clock only moves forward, so
 *   each threshold is crossed at most once; the instant never changes as
 *   history grows unless the priority (hence the target) changes.
 *
 * Cost: O(history length) plus, for business clocks, one pass over the days
 * each counting span covers (the coverage functions step a day at a time).
 *
 * Errors: every function taking an {@link SlaInput} throws RangeError for a
 * history out of order (the timeline is append-only, so that is a bug, not
 * data), and on a business clock when addBusinessMs finds no business hours
 * within a year (a misconfigured engagement).
 */
import type { IncidentStatus } from '../incident/store.js';
import { addBusinessMs, businessMsBetween } from '../coverage/index.js';
import type { Interval } from '../coverage/index.js';
import type { Duration, Engagement, Side, Sla } from '../engagement/model.js';

/** What an SLA target measures: time to acknowledge or time to resolve. */
export type SlaKind = 'respond' | 'resolve';

/** The clock status of one SLA on one incident. */
export type SlaStatus = 'running' | 'paused' | 'met' | 'breached' | 'not_applicable';

/** One entry of an incident's status history: from `at` on, the incident was in `status`. */
export interface StatusChange {
  readonly at: number;
  readonly status: IncidentStatus;
}

/** Everything one SLA clock of one incident is derived from. */
export interface SlaInput {
  readonly engagement: Engagement;
  readonly sla: Sla;
  readonly kind: SlaKind;
  /** The incident's current priority: it alone picks the target. */
  readonly priority: string;
  readonly openedAt: number;
  /**
   * Status changes in ascending order of `at` (equal instants allowed: the
   * later entry wins). Normally the first is `{ at: openedAt, status:
   * 'triggered' }`; time before the first entry counts as triggered, entries
   * before `openedAt` only set the status at opening.
   */
  readonly history: readonly StatusChange[];
  /**
   * The stop event: the first acknowledgement for `respond`, the resolve for
   * `resolve`; null while it has not happened. A `resolved` entry in
   * `history` stops every clock too, so a respond clock of an incident
   * resolved without acknowledgement stops at the resolve.
   */
  readonly stoppedAt: number | null;
}

/** One warning threshold and when the clock crossed it. */
export interface SlaWarning {
  /** Fraction of the target, e.g. 0.75. */
  readonly threshold: number;
  /** When the clock reached it; null while it has not (yet). */
  readonly at: number | null;
}

/** A warning or the breach, and the instant it happens given the history so far. */
export interface SlaThreshold {
  readonly kind: 'warning' | 'breach';
  /** Fraction of the target; 1 for the breach. */
  readonly threshold: number;
  /**
   * Warnings: when the clock reaches `threshold x target`. Breach: the
   * deadline, after which the SLA is breached. In the future when the clock
   * is running; null when it cannot be known (paused) or never happens
   * (stopped first).
   */
  readonly at: number | null;
}

/** An SLA clock as of `now`: what the dashboard shows and reports aggregate. */
export interface SlaState {
  /** The SLA's id. */
  readonly sla: string;
  readonly kind: SlaKind;
  readonly priority: string;
  readonly clock: Sla['clock'];
  /** Clock milliseconds allowed (business ms on a business clock); null when not applicable. */
  readonly targetMs: number | null;
  /** Clock milliseconds counted from opening to min(now, stop), pauses excluded. */
  readonly elapsedMs: number;
  /** `targetMs - elapsedMs`; negative once breached (the overrun). Null when not applicable. */
  readonly remainingMs: number | null;
  /** Share of the target used, 0..100 and beyond, one decimal. Null when not applicable. */
  readonly percentUsed: number | null;
  /** True while the clock is held by a `pause_while` status (and not stopped). */
  readonly paused: boolean;
  /** `breached` wins over `paused`: a breached clock may also be paused. */
  readonly status: SlaStatus;
  /** When it breaches (or breached) if it keeps running; null when met, not applicable, or paused before breaching. */
  readonly deadline: number | null;
  /** The deadline it went past; null unless breached. */
  readonly breachedAt: number | null;
  /** One entry per `warn_at`, ascending. */
  readonly warnings: readonly SlaWarning[];
}

/** The SLAs that apply to incidents `side` owns when they open, in file order. */
export function slasFor(engagement: Engagement, side: Side): Sla[] {
  return engagement.slas.filter((s) => s.appliesTo === side);
}

/**
 * Length of one business day in milliseconds: the business-hours window as
 * written (10h for 08:00-18:00, 8h for 22:00-06:00, 24h for 00:00-24:00),
 * not what a DST day makes of it, so "1d" means the same all year.
 */
export function businessDayMs(engagement: Engagement): number {
  const { from, to } = engagement.coverage.businessHours;
  const minutes = to > from ? to - from : to + 1440 - from;
  return minutes * 60_000;
}

/** A duration as milliseconds of `clock`: business days and weeks on a business clock, wall time otherwise. */
function clockMs(engagement: Engagement, clock: Sla['clock'], d: Duration): number {
  if (clock === '24x7') return d.ms;
  // On a business clock "1d" is a business day; a week (not allowed in SLA
  // targets today) would be as many business days as the window has per week.
  if (d.unit === 'd') return Math.round(d.n * businessDayMs(engagement));
  if (d.unit === 'w') return Math.round(d.n * engagement.coverage.businessHours.days.length * businessDayMs(engagement));
  return d.ms;
}

/**
 * The target of `kind` for `priority` in clock milliseconds (business ms on
 * a business clock, where "1d" is {@link businessDayMs}), or null when the
 * SLA sets no such target: the SLA does not apply to that incident.
 */
export function targetMs(engagement: Engagement, sla: Sla, priority: string, kind: SlaKind): number | null {
  // Own-property lookup: a priority named "constructor" must not find Object.prototype's.
  const t = Object.hasOwn(sla.targets, priority) ? sla.targets[priority] : undefined;
  const d = t?.[kind];
  return d === undefined ? null : clockMs(engagement, sla.clock, d);
}

/** A span during which the clock counts, with the clock time it contains. */
interface CountingSpan extends Interval {
  readonly ms: number;
}

/**
 * An incident's clock, cut at a horizon: the finite spans during which it
 * counted, and where it keeps counting from if nothing changes after the
 * horizon (null when paused or stopped there).
 */
interface Counting {
  readonly spans: readonly CountingSpan[];
  readonly runningFrom: number | null;
  readonly stopped: boolean;
  readonly paused: boolean;
}

function measure(input: SlaInput, start: number, end: number): number {
  return input.sla.clock === '24x7' ? end - start : businessMsBetween(input.engagement, start, end);
}

function advance(input: SlaInput, from: number, ms: number): number {
  return input.sla.clock === '24x7' ? from + ms : addBusinessMs(input.engagement, from, ms);
}

function counts(sla: Sla, status: IncidentStatus): boolean {
  // A resolved incident is also stopped (see effectiveStop); this keeps a
  // reopened-then-resolved history from counting its resolved stretches.
  return status !== 'resolved' && !sla.pauseWhile.some((p) => p === status);
}

/** The stop event: the caller's, or the first resolve in the history if earlier. */
function effectiveStop(input: SlaInput): number | null {
  let stop = input.stoppedAt;
  for (const h of input.history) {
    if (h.status === 'resolved') {
      if (stop === null || h.at < stop) stop = h.at;
      break;
    }
  }
  return stop;
}

/**
 * Splits the history into counting spans within [openedAt, min(stop, horizon)).
 * With a finite horizon the clock's state AT the horizon decides whether it
 * keeps running after it; with an infinite one the last span stays open.
 */
function counting(input: SlaInput, horizon: number): Counting {
  const { history, openedAt, sla } = input;
  const stop = effectiveStop(input);
  const stopped = stop !== null && stop <= horizon;
  const end = Math.min(stop ?? Infinity, horizon);
  const spans: CountingSpan[] = [];
  let status: IncidentStatus = 'triggered';
  let since = openedAt;
  let runningFrom: number | null = null;
  const close = (until: number): void => {
    const start = Math.max(since, openedAt);
    const stopAt = Math.min(until, end);
    if (stopAt > start && counts(sla, status)) spans.push({ start, end: stopAt, ms: measure(input, start, stopAt) });
  };
  let prev = -Infinity;
  for (const h of history) {
    if (h.at < prev) throw new RangeError(`SLA ${sla.id}: status history must be in ascending order (${h.at} after ${prev})`);
    prev = h.at;
    if (h.at > end) break;
    close(h.at);
    status = h.status;
    since = h.at;
  }
  const runs = !stopped && counts(sla, status);
  if (end === Infinity) {
    // No horizon and no stop: the last span, if it counts, never closes.
    if (runs) runningFrom = Math.max(since, openedAt);
  } else {
    close(end);
    if (runs) runningFrom = Math.max(end, openedAt);
  }
  // Not stopped and not counting means a pause status holds the clock: a
  // resolved status always comes with a stop (effectiveStop).
  return { spans, runningFrom, stopped, paused: !stopped && !runs };
}

/** Sum of the counted spans: the clock reading at the horizon. */
function total(c: Counting): number {
  let ms = 0;
  for (const s of c.spans) ms += s.ms;
  return ms;
}

/**
 * The earliest instants at which the clock shows at least each of `values`
 * (null where it never does given the counting spans). One walk over the
 * spans for all values; on a business clock each crossing advances from the
 * previous one, so no day is stepped over twice.
 */
function reachInstants(input: SlaInput, c: Counting, values: readonly number[]): Array<number | null> {
  const out: Array<number | null> = values.map(() => null);
  // Walk in ascending order of value, whatever order the caller used.
  const pending = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  let k = 0;
  // The clock shows 0 at opening, whatever the first status.
  for (let p = pending[k]; p !== undefined && p.v <= 0; p = pending[++k]) out[p.i] = input.openedAt;
  let cum = 0;
  const walk = (start: number, ms: number): void => {
    let from = start;
    let atFrom = cum;
    for (let p = pending[k]; p !== undefined && p.v <= cum + ms; p = pending[++k]) {
      const t = advance(input, from, p.v - atFrom);
      out[p.i] = t;
      from = t;
      atFrom = p.v;
    }
    cum += ms;
  };
  for (const s of c.spans) {
    if (k >= pending.length) return out;
    walk(s.start, s.ms);
  }
  if (c.runningFrom !== null && k < pending.length) walk(c.runningFrom, Infinity);
  return out;
}

/**
 * The deadline for `ms`: the last instant at which the clock still shows at
 * most `ms`, i.e. a stop at or before it is met and a stop after it is a
 * breach. Instants are whole milliseconds and the clock gains at most 1 ms
 * per ms, so it is one millisecond before the clock first shows `ms + 1`.
 */
function deadlineFor(input: SlaInput, c: Counting, ms: number): number | null {
  const [t] = reachInstants(input, c, [Math.floor(ms) + 1]);
  return t === undefined || t === null ? null : t - 1;
}

/**
 * Clock milliseconds counted from `openedAt` to min(`until`, stop): wall
 * time on a 24x7 clock, business time on a business clock, pauses excluded.
 * 0 when `until` is before the opening.
 */
export function elapsedMs(input: SlaInput, until: number): number {
  return total(counting(input, until));
}

/**
 * The earliest instant at which the clock shows at least `ms`, given the
 * history so far and assuming nothing changes after its last entry: a
 * past instant if it already did, a future one if the clock is running,
 * null if it is paused or stopped before getting there. `ms <= 0` is the
 * opening itself. On a business clock a value reached exactly at closing is
 * reached at closing (not the next opening), like addBusinessMs.
 */
export function reachesAt(input: SlaInput, ms: number): number | null {
  const [t] = reachInstants(input, counting(input, Infinity), [ms]);
  return t ?? null;
}

/**
 * The SLA deadline for the incident's current priority: the last instant at
 * which stopping the clock still meets the target (stopping after it is a
 * breach), given the history so far. Null when the SLA does not apply to
 * that priority, or when the clock is paused or stopped short of it.
 */
export function deadlineAt(input: SlaInput): number | null {
  const target = targetMs(input.engagement, input.sla, input.priority, input.kind);
  return target === null ? null : deadlineFor(input, counting(input, Infinity), target);
}

/** `warn_at` fractions as clock milliseconds; rounded, since 0.9 x 15m is not exactly 810000 in floating point. */
function warningValues(sla: Sla, target: number): number[] {
  return sla.warnAt.map((f) => Math.round(f * target));
}

/**
 * Every warning threshold and the breach, with the instant each happens
 * given the history so far (see {@link SlaThreshold}): what the engine
 * schedules its next SLA job for, and fires (once, idempotently) when due.
 * Empty when the SLA does not apply to the current priority.
 */
export function thresholdInstants(input: SlaInput): SlaThreshold[] {
  const target = targetMs(input.engagement, input.sla, input.priority, input.kind);
  if (target === null) return [];
  const c = counting(input, Infinity);
  const reached = reachInstants(input, c, warningValues(input.sla, target));
  const out: SlaThreshold[] = input.sla.warnAt.map((threshold, i) => ({ kind: 'warning', threshold, at: reached[i] ?? null }));
  out.push({ kind: 'breach', threshold: 1, at: deadlineFor(input, c, target) });
  return out;
}

/** Share of the target used, in percent with one decimal; a zero target reads 100% at once. */
function percent(elapsed: number, target: number): number {
  if (target <= 0) return 100;
  return Math.round((elapsed * 1000) / target) / 10;
}

/**
 * The clock as of `now`. History after `now` is ignored, and a stop after
 * `now` has not happened yet, so replaying an incident at any instant gives
 * what the dashboard showed then.
 */
export function slaState(input: SlaInput, now: number): SlaState {
  const { sla, kind, priority } = input;
  const c = counting(input, now);
  const elapsed = total(c);
  const base = { sla: sla.id, kind, priority, clock: sla.clock, elapsedMs: elapsed, paused: c.paused };
  const target = targetMs(input.engagement, sla, priority, kind);
  if (target === null) {
    return {
      ...base,
      targetMs: null,
      remainingMs: null,
      percentUsed: null,
      status: 'not_applicable',
      deadline: null,
      breachedAt: null,
      warnings: [],
    };
  }
  const values = [...warningValues(sla, target), Math.floor(target) + 1];
  const reached = reachInstants(input, c, values);
  const warnings = sla.warnAt.map((threshold, i) => {
    const at = reached[i] ?? null;
    // A projected crossing after `now` has not happened yet.
    return { threshold, at: at !== null && at <= now ? at : null };
  });
  const overAt = reached[values.length - 1] ?? null;
  const deadline = overAt === null ? null : overAt - 1;
  // Breached exactly when the clock shows more than the target: equivalent
  // to "stopped (or now) after the deadline", and immune to rounding there.
  const breached = elapsed > target;
  const status: SlaStatus = breached ? 'breached' : c.stopped ? 'met' : c.paused ? 'paused' : 'running';
  return {
    ...base,
    targetMs: target,
    remainingMs: target - elapsed,
    percentUsed: percent(elapsed, target),
    status,
    deadline: status === 'met' ? null : deadline,
    breachedAt: breached ? deadline : null,
    warnings,
  };
}
