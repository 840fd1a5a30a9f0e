/**
 * The price of the gap: for each incident, the minutes from trigger to
 * acknowledgement beyond a reasonable first-response time, times what a
 * minute of the service being down costs (`downtime_cost_per_minute`), times
 * the share of that cost an incident of its priority stands for (impact
 * shares, src/engagement/impact.ts): low, expected and high.
 * An incident nobody acknowledged counts until it resolved, or until the end
 * of the period if it is still open. Pure: (engagement, incidents, options).
 *
 * docs/risk-model.md explains the rule and how to read the figures.
 */
import { windowAt } from '../coverage/index.js';
import { impactShareOf, pricedWaitCapOf } from '../engagement/impact.js';
import type { ImpactShare } from '../engagement/impact.js';
import { WINDOWS } from '../engagement/model.js';
import type { CoverageWindow, Engagement } from '../engagement/model.js';
import type { IncidentFact } from '../metrics/store.js';
import { DAY_MS, MINUTE_MS } from '../time/duration.js';

export const YEAR_MS = 365 * DAY_MS;
/** Default reasonable first-response time. */
export const DEFAULT_FIRST_RESPONSE_MS = 5 * MINUTE_MS;

export interface RiskOptions {
  readonly from: number;
  readonly to: number;
  /** Acknowledging within this costs nothing. */
  readonly firstResponseMs: number;
  /** Open incidents count until min(to, now). */
  readonly now: number;
}

/** Excess response time: how far past the first-response time the response came. */
export function excessMs(openedAt: number, respondedAt: number, firstResponseMs: number): number {
  return Math.max(0, respondedAt - openedAt - firstResponseMs);
}

/** What excess response time costs at a service's price per minute and an impact share (0 when the service is not priced). */
export function exposureOf(excess: number, costPerMinute: number | null, share = 1): number {
  return costPerMinute === null ? 0 : (excess / MINUTE_MS) * costPerMinute * share;
}

/** When an incident stopped waiting for a response: acknowledged, else resolved, else `until`. */
export function responseEnd(incident: Pick<IncidentFact, 'acknowledgedAt' | 'resolvedAt'>, until: number): number {
  return incident.acknowledgedAt ?? incident.resolvedAt ?? until;
}

/** Scales a figure over [from, to) to a year of 365 days. */
export function annualize(amount: number, from: number, to: number): number {
  return to > from ? (amount * YEAR_MS) / (to - from) : 0;
}

export interface IncidentExposure {
  readonly incident: IncidentFact;
  /** Coverage window at opening. */
  readonly window: CoverageWindow;
  /** Trigger to acknowledgement (or to resolve / the end of the period when nobody acknowledged). */
  readonly waitedMs: number;
  readonly excessMs: number;
  /** The excess the price counts: at most the engagement's priced wait cap. */
  readonly pricedMs: number;
  /** null: the service has no downtime_cost_per_minute. */
  readonly costPerMinute: number | null;
  /** The impact share of its priority. */
  readonly share: ImpactShare;
  /** At the expected share; `low` and `high` at the range's ends. */
  readonly exposure: number;
  readonly low: number;
  readonly high: number;
}

export interface Tally {
  readonly incidents: number;
  readonly excessMs: number;
  /** Excess within the priced wait cap. */
  readonly pricedMs: number;
  readonly exposure: number;
  readonly low: number;
  readonly high: number;
}

/** One line of the formula: the incidents of a service and priority, their late minutes, price and share. */
export interface FormulaLine extends Tally {
  readonly serviceId: string;
  readonly priority: string;
  readonly costPerMinute: number;
  readonly share: ImpactShare;
}

export interface RiskReport {
  readonly engagement: Engagement;
  readonly options: RiskOptions;
  readonly incidents: readonly IncidentExposure[];
  readonly total: Tally;
  readonly annualized: number;
  /** The exposure's inputs, priced services only: late minutes x cost per minute x share, per service and priority. */
  readonly formula: readonly FormulaLine[];
  readonly byWindow: Readonly<Record<CoverageWindow, Tally>>;
  /** internal, partner, and `unknown` for incidents without a side. */
  readonly bySide: Readonly<Record<string, Tally>>;
  /** Services without a price (and incidents of services the engagement no longer has), with the excess time they had. */
  readonly unpriced: ReadonlyArray<{
    readonly serviceId: string;
    readonly name: string;
    readonly incidents: number;
    readonly excessMs: number;
  }>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const empty = (): Mutable<Tally> => ({ incidents: 0, excessMs: 0, pricedMs: 0, exposure: 0, low: 0, high: 0 });

/** Adds one priced incident to the tallies. */
function add(tallies: ReadonlyArray<Mutable<Tally>>, i: IncidentExposure): void {
  for (const t of tallies) {
    t.incidents++;
    t.excessMs += i.excessMs;
    t.pricedMs += i.pricedMs;
    t.exposure += i.exposure;
    t.low += i.low;
    t.high += i.high;
  }
}

/** The formula's lines: priced incidents by service and priority, costliest first. */
export function formulaOf(incidents: readonly IncidentExposure[]): FormulaLine[] {
  const lines = new Map<string, Mutable<Tally> & { serviceId: string; priority: string; costPerMinute: number; share: ImpactShare }>();
  for (const i of incidents) {
    if (i.costPerMinute === null) continue;
    const key = `${i.incident.serviceId}\u0000${i.incident.priority}`;
    let line = lines.get(key);
    if (!line)
      lines.set(
        key,
        (line = {
          ...empty(),
          serviceId: i.incident.serviceId,
          priority: i.incident.priority,
          costPerMinute: i.costPerMinute,
          share: i.share,
        }),
      );
    add([line], i);
  }
  return [...lines.values()].sort(
    (a, b) => b.exposure - a.exposure || a.serviceId.localeCompare(b.serviceId) || a.priority.localeCompare(b.priority),
  );
}

/** Prices every incident of the period and totals by window and side. */
export function computeRisk(engagement: Engagement, incidents: readonly IncidentFact[], options: RiskOptions): RiskReport {
  const until = Math.min(options.to, options.now);
  const cap = pricedWaitCapOf(engagement);
  const priced = new Map(engagement.services.map((s) => [s.id, s]));
  const byWindow = Object.fromEntries(WINDOWS.map((w) => [w, empty()])) as Record<CoverageWindow, Mutable<Tally>>;
  const bySide: Record<string, Mutable<Tally>> = { internal: empty(), partner: empty() };
  const total = empty();
  // Every service without a price is listed, even one quiet in this period: its next incident would be free.
  const unpriced = new Map<string, { serviceId: string; name: string; incidents: number; excessMs: number }>(
    engagement.services
      .filter((s) => s.downtimeCostPerMinute === null)
      .map((s) => [s.id, { serviceId: s.id, name: s.name, incidents: 0, excessMs: 0 }]),
  );
  const out: IncidentExposure[] = [];
  for (const incident of incidents) {
    const service = priced.get(incident.serviceId);
    const costPerMinute = service?.downtimeCostPerMinute ?? null;
    const end = responseEnd(incident, Math.max(until, incident.createdAt));
    const excess = excessMs(incident.createdAt, end, options.firstResponseMs);
    const share = impactShareOf(engagement, incident.priority);
    const pricedMs = Math.min(excess, cap);
    const window = windowAt(engagement, incident.createdAt);
    const row: IncidentExposure = {
      incident,
      window,
      waitedMs: end - incident.createdAt,
      excessMs: excess,
      pricedMs,
      costPerMinute,
      share,
      exposure: exposureOf(pricedMs, costPerMinute, share.expected),
      low: exposureOf(pricedMs, costPerMinute, share.low),
      high: exposureOf(pricedMs, costPerMinute, share.high),
    };
    out.push(row);
    add([total, byWindow[window], (bySide[incident.side ?? 'unknown'] ??= empty())], row);
    if (costPerMinute === null) {
      const u = unpriced.get(incident.serviceId) ?? {
        serviceId: incident.serviceId,
        name: service?.name ?? incident.serviceId,
        incidents: 0,
        excessMs: 0,
      };
      u.incidents++;
      u.excessMs += excess;
      unpriced.set(incident.serviceId, u);
    }
  }
  return {
    engagement,
    options,
    incidents: out,
    total,
    annualized: annualize(total.exposure, options.from, options.to),
    formula: formulaOf(out),
    byWindow,
    bySide,
    unpriced: [...unpriced.values()].sort((a, b) => b.incidents - a.incidents || a.serviceId.localeCompare(b.serviceId)),
  };
}
