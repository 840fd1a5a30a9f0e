/**
 * The one place the risk and simulation answers get their shape: `tandem
 * risk --json`, `tandem simulate --json` and the API print exactly these.
 * Money is rounded to cents and minutes to hundredths here, not before, so
 * totals are sums of unrounded figures.
 */
import { WINDOWS } from '../engagement/model.js';
import { incidentPrefix } from '../deployment/deployment.js';
import { formatDuration, formatMoney, formatNumber } from '../report/format.js';
import type { ImpactShare } from '../engagement/impact.js';
import { pricedWaitCapOf } from '../engagement/impact.js';
import type { RiskReport, Tally } from './exposure.js';
import type { SimulationReport } from './simulate.js';
import { netOf } from './simulate.js';
import { annualize } from './exposure.js';
import { MINUTE_MS } from '../time/duration.js';

const money = (x: number) => Math.round(x * 100) / 100;
const minutes = (ms: number) => Math.round((ms / MINUTE_MS) * 100) / 100;
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
const iso = (t: number) => new Date(t).toISOString();

/** How many incidents the `top` lists show. */
export const TOP = 10;

function tally(t: Tally) {
  return {
    incidents: t.incidents,
    excess_minutes: minutes(t.excessMs),
    exposure: money(t.exposure),
    low: money(t.low),
    high: money(t.high),
  };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** A share as the page prints it: "30% (10%..50%)", or "100%" when low, expected and high agree. */
export function shareText(s: ImpactShare): string {
  return s.low === s.expected && s.expected === s.high ? pct(s.expected) : `${pct(s.expected)} (${pct(s.low)}..${pct(s.high)})`;
}

/** Minutes to one decimal, without a trailing ".0". */
const lateMinutes = (ms: number) => {
  const m = Math.round((ms / MINUTE_MS) * 10) / 10;
  return formatNumber(m, Number.isInteger(m) ? 0 : 1);
};

/**
 * The exposure's formula, line by line, in words a budget meeting reads:
 * "payments-api P1: 120.5 late minutes x $150/min x 100% = $18,075 (low $9,037.50, high $18,075)".
 * Late minutes are counted within the priced wait cap, as the exposure is.
 */
export function formulaLines(r: RiskReport): string[] {
  const c = r.engagement.contract.currency;
  return r.formula.map(
    (l) =>
      `${l.serviceId} ${l.priority}: ${lateMinutes(l.pricedMs)} late minutes x ${formatMoney(l.costPerMinute, c)}/min x ${shareText(l.share)} = ${formatMoney(money(l.exposure), c)} (low ${formatMoney(money(l.low), c)}, high ${formatMoney(money(l.high), c)}; ${l.incidents} incident${l.incidents === 1 ? '' : 's'})`,
  );
}

/** GET /engagements/{id}/risk and `tandem risk --json`. */
export function presentRisk(r: RiskReport) {
  const prefix = incidentPrefix(r.engagement.id);
  const top = [...r.incidents]
    .filter((i) => i.exposure > 0)
    .sort((a, b) => b.exposure - a.exposure || a.incident.createdAt - b.incident.createdAt)
    .slice(0, TOP);
  return {
    engagement: r.engagement.id,
    from: iso(r.options.from),
    to: iso(r.options.to),
    first_response_s: r.options.firstResponseMs / 1000,
    currency: r.engagement.contract.currency,
    incidents: r.total.incidents,
    priced_incidents: r.incidents.filter((i) => i.costPerMinute !== null).length,
    excess_minutes: minutes(r.total.excessMs),
    exposure: money(r.total.exposure),
    exposure_range: { low: money(r.total.low), high: money(r.total.high) },
    annualized: money(r.annualized),
    annualized_range: {
      low: money(annualize(r.total.low, r.options.from, r.options.to)),
      high: money(annualize(r.total.high, r.options.from, r.options.to)),
    },
    formula: {
      rule: `exposure = late minutes x downtime cost per minute x impact share of the priority; late = past the first response until acknowledged, at most ${formatDuration(pricedWaitCapOf(r.engagement) / 1000)} per incident`,
      lines: r.formula.map((l) => ({
        service: l.serviceId,
        priority: l.priority,
        incidents: l.incidents,
        excess_minutes: minutes(l.excessMs),
        priced_minutes: minutes(l.pricedMs),
        cost_per_minute: l.costPerMinute,
        impact_share: l.share,
        exposure: money(l.exposure),
        low: money(l.low),
        high: money(l.high),
      })),
      text: formulaLines(r),
    },
    by_window: Object.fromEntries(WINDOWS.map((w) => [w, tally(r.byWindow[w])])),
    by_side: Object.fromEntries(Object.entries(r.bySide).map(([side, t]) => [side, tally(t)])),
    top: top.map((i) => ({
      id: i.incident.id,
      number: `${prefix}-${i.incident.number}`,
      service: i.incident.serviceId,
      title: i.incident.title,
      opened_at: iso(i.incident.createdAt),
      window: i.window,
      side: i.incident.side,
      acknowledged: i.incident.acknowledgedAt !== null,
      waited_s: Math.round(i.waitedMs / 1000),
      excess_minutes: minutes(i.excessMs),
      cost_per_minute: i.costPerMinute,
      priority: i.incident.priority,
      impact_share: i.share.expected,
      exposure: money(i.exposure),
    })),
    unpriced_services: r.unpriced.map((u) => ({
      service: u.serviceId,
      name: u.name,
      incidents: u.incidents,
      excess_minutes: minutes(u.excessMs),
    })),
  };
}

/** The one-line conclusion of a simulation, in the contract currency. */
export function verdictOf(r: SimulationReport): string {
  const { exposureAvoided, extraFee, net, annualizedNet } = netOf(r);
  const c = r.actualEngagement.contract.currency;
  const m = (x: number) => formatMoney(money(Math.abs(x)), c);
  const avoided =
    exposureAvoided >= 0 ? `avoided ${m(exposureAvoided)} of downtime exposure` : `added ${m(exposureAvoided)} of downtime exposure`;
  if (extraFee > 0) {
    // The actual file costs more in fees than the alternative: the question is whether coverage earns its fee.
    return net >= 0
      ? `Co-managed coverage pays for itself: on this history it ${avoided} for ${m(extraFee)} in fees, net ${m(net)} (${m(annualizedNet)} a year).`
      : `Co-managed coverage does not pay for itself on this history: it ${avoided} for ${m(extraFee)} in fees, net -${m(net)} (-${m(annualizedNet)} a year).`;
  }
  const fees = extraFee === 0 ? 'at the same fee' : `and saves ${m(extraFee)} in fees`;
  return net >= 0
    ? `The actual configuration is the better one on this history: it ${avoided} ${fees}, net ${m(net)} (${m(annualizedNet)} a year).`
    : `The alternative is the better one on this history: the actual configuration ${avoided} ${fees}, net -${m(net)} (-${m(annualizedNet)} a year).`;
}

/** How the net is made, with its inputs: "(alternative exposure $X - actual exposure $Y) - (actual fee $F - alternative fee $G) = $N". */
export function netFormula(r: SimulationReport): string {
  const c = r.actualEngagement.contract.currency;
  const m = (x: number) => formatMoney(money(x), c);
  const { net } = netOf(r);
  return `net = (alternative exposure ${m(r.alternative.exposure)} - actual exposure ${m(r.actual.exposure)}) - (actual fee ${m(r.actual.fee)} - alternative fee ${m(r.alternative.fee)}) = ${m(net)}`;
}

/** POST /engagements/{id}/simulate and `tandem simulate --json`. */
export function presentSimulation(r: SimulationReport) {
  const prefix = incidentPrefix(r.actualEngagement.id);
  const figures = (f: SimulationReport['actual']) => ({
    mtta_s: seconds(f.mttaMs),
    unattended_minutes: minutes(f.unattendedMs),
    exposure: money(f.exposure),
    exposure_range: { low: money(f.exposureLow), high: money(f.exposureHigh) },
    fee: money(f.fee),
  });
  const actual = figures(r.actual);
  const alternative = figures(r.alternative);
  const diff = (a: number | null, b: number | null, round: (x: number) => number) => (a === null || b === null ? null : round(b - a));
  const net = netOf(r);
  const changes = [...r.comparisons]
    .sort(
      (a, b) =>
        Math.abs(b.alternative.exposure - b.actual.exposure) - Math.abs(a.alternative.exposure - a.actual.exposure) ||
        a.incident.createdAt - b.incident.createdAt,
    )
    .slice(0, TOP);
  return {
    engagement: r.actualEngagement.id,
    alternative_file: { engagement: r.alternativeEngagement.id, name: r.alternativeEngagement.name },
    from: iso(r.options.from),
    to: iso(r.options.to),
    first_response_s: r.options.firstResponseMs / 1000,
    currency: r.actualEngagement.contract.currency,
    incidents: r.incidents,
    actual,
    alternative,
    difference: {
      mtta_s: diff(actual.mtta_s, alternative.mtta_s, Math.round),
      unattended_minutes: diff(actual.unattended_minutes, alternative.unattended_minutes, (x) => Math.round(x * 100) / 100),
      exposure: money(r.alternative.exposure - r.actual.exposure),
      fee: money(r.alternative.fee - r.actual.fee),
    },
    net: {
      exposure_avoided: money(net.exposureAvoided),
      extra_fee: money(net.extraFee),
      net: money(net.net),
      annualized_net: money(net.annualizedNet),
      // The same rule at the impact shares' low and high ends (the fees do not move).
      range: {
        low: money(r.alternative.exposureLow - r.actual.exposureLow - net.extraFee),
        high: money(r.alternative.exposureHigh - r.actual.exposureHigh - net.extraFee),
      },
      formula: netFormula(r),
    },
    verdict: verdictOf(r),
    model_check: {
      ...figures(r.modelCheck),
      note: 'the actual file replayed through the model: compare with `actual` to see the model’s error on this history',
    },
    never_attended: { actual: r.actual.neverAttended, alternative: r.alternative.neverAttended },
    model: {
      samples: r.model.samples.length,
      response_delays: r.model.delays.map((d) => ({
        side: d.side,
        window: d.window,
        paged: d.paged,
        n: d.n,
        median_s: seconds(d.medianMs),
        mean_s: seconds(d.meanMs),
      })),
      tier_shares: r.model.tierShares.map((t) => ({ side: t.side, tier: t.tier, n: t.n, share: Math.round(t.share * 1000) / 1000 })),
      basis: r.bases,
    },
    top_changes: changes.map((c) => ({
      number: `${prefix}-${c.incident.number}`,
      service: c.incident.serviceId,
      title: c.incident.title,
      opened_at: iso(c.incident.createdAt),
      actual: {
        side: c.incident.side,
        acknowledged_after_s: c.incident.acknowledgedAt === null ? null : seconds(c.incident.acknowledgedAt - c.incident.createdAt),
        exposure: money(c.actual.exposure),
      },
      alternative: {
        side: c.alternative.attention?.side ?? null,
        attended_at: c.alternative.attention ? iso(c.alternative.attention.at) : null,
        unattended_minutes: minutes(c.alternative.unattendedMs),
        expected_ack_s: seconds(c.alternative.expectedAckMs),
        exposure: money(c.alternative.exposure),
      },
    })),
  };
}

export type PresentedRisk = ReturnType<typeof presentRisk>;
export type PresentedSimulation = ReturnType<typeof presentSimulation>;
