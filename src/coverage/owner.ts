/**
 * Who owns a function at an instant: the governance core of an engagement
 * ("after hours the partner owns infrastructure"), and the overflow rule
 * that brings the partner in when the internal side does not acknowledge.
 */
import type { CoverageWindow, Engagement, FunctionCoverage, Overflow, Side } from '../engagement/model.js';
import { windowDetailAt, windowLabel } from './window.js';

/** The window an instant is in and the side that owns a function then. */
export interface Ownership {
  readonly window: CoverageWindow;
  readonly side: Side;
}

/** Every function's owner at one instant. */
export interface CoverageSnapshot {
  readonly window: CoverageWindow;
  /** function -> owning side, for every function in `coverage.functions`. */
  readonly owners: Readonly<Record<string, Side>>;
  /** Set when `window` is `holiday`. */
  readonly holidayName?: string;
}

function functionCoverage(engagement: Engagement, fn: string): FunctionCoverage {
  const fc = engagement.coverage.functions[fn];
  // Services are validated against coverage.functions at load time, so an
  // unknown function here is a programming error, not user input.
  if (fc === undefined) throw new RangeError(`engagement ${engagement.id} has no coverage for function "${fn}"`);
  return fc;
}

/** The window at `at` and the side that owns function `fn` in it. Throws RangeError for a function the engagement does not cover. */
export function ownerAt(engagement: Engagement, fn: string, at: number): Ownership {
  const fc = functionCoverage(engagement, fn);
  const { window } = windowDetailAt(engagement, at);
  return { window, side: fc[window] };
}

/** The window at `at` and the owner of every function, e.g. for the dashboard's "who answers now". */
export function coverageAt(engagement: Engagement, at: number): CoverageSnapshot {
  const { window, holidayName } = windowDetailAt(engagement, at);
  const owners: Record<string, Side> = {};
  for (const [fn, fc] of Object.entries(engagement.coverage.functions)) owners[fn] = fc[window];
  return holidayName === undefined ? { window, owners } : { window, owners, holidayName };
}

/**
 * The overflow rule that applies to an incident of function `fn` owned by
 * `ownerSide`, or null. Overflow is for the internal side's capacity: when
 * the other side owns the incident (normally internal) and has not
 * acknowledged within `overflow.after`, the `overflow.to` side's policy
 * starts as well. It never applies to incidents the overflow side already owns.
 */
export function overflowApplies(engagement: Engagement, fn: string, ownerSide: Side): Overflow | null {
  const o = engagement.coverage.overflow;
  if (o === undefined || o.to === ownerSide) return null;
  return o.functions.includes(fn) ? o : null;
}

/**
 * Why a side owns a function at an instant, for timelines and audit:
 * "after hours: partner owns infrastructure",
 * "holiday (Thanksgiving Day): partner owns infrastructure".
 */
export function explainCoverage(engagement: Engagement, fn: string, at: number): string {
  const fc = functionCoverage(engagement, fn);
  const { window, holidayName } = windowDetailAt(engagement, at);
  const label = holidayName === undefined ? windowLabel(window) : `${windowLabel(window)} (${holidayName})`;
  return `${label}: ${fc[window]} owns ${fn}`;
}
