/**
 * Simulation: the period's real incidents replayed under another engagement
 * file, compared with what actually happened. Deterministic: every figure is
 * an expectation over the observed response samples, no random draws.
 *
 * For each incident, under a configuration C:
 * 1. attention: the first instant someone working could answer it under C
 *    (src/risk/availability.ts); before that the incident is unattended;
 * 2. response: for every observed sample of its group (kind, function,
 *    answering side, window it is paged in; src/risk/response-model.ts), the
 *    acknowledgement would
 *    come at attention + C's delay for the sample's tier + the sample's
 *    delay; the incident's expected time to acknowledge is the mean over the
 *    samples, and its exposure the mean of the risk rule applied to each
 *    (src/risk/exposure.ts), so a long tail costs what it costs;
 * 3. an incident that ended with nobody acknowledging it (it resolved by
 *    itself) keeps its observed end: no responder makes it shorter or longer.
 *
 * The actual column is what happened (observed MTTA and exposure); its
 * unattended minutes come from step 1 under the actual file. `modelCheck`
 * replays the actual file through the same model: the distance between it
 * and the actual column is the model's own error on this history.
 */
import { windowAt } from '../coverage/index.js';
import type { CoverageWindow, Engagement, Service } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { impactShareOf, pricedWaitCapOf } from '../engagement/impact.js';
import type { IncidentFact } from '../metrics/store.js';
import { monthOf, monthPeriod } from '../metrics/period.js';
import type { Attention } from './availability.js';
import { firstAttention, tierOffsetMs, withRostersSince } from './availability.js';
import type { RiskOptions } from './exposure.js';
import { annualize, computeRisk, excessMs, exposureOf, responseEnd } from './exposure.js';
import type { ResponseModel, SampleBasis } from './response-model.js';
import { mean, observeResponses, samplesFor } from './response-model.js';
import type { ResponseEvidence } from './store.js';

/** One incident under one configuration, as the model sees it. */
export interface Prediction {
  readonly attention: Attention | null;
  /** The window the answering side is paged in (null when never attended). */
  readonly window: CoverageWindow | null;
  readonly unattendedMs: number;
  /** Expected trigger-to-acknowledge; null when nobody would be reachable within the search horizon. */
  readonly expectedAckMs: number | null;
  /** Expected excess response time (risk rule) and its price at the expected impact share, and at the range's ends. */
  readonly excessMs: number;
  readonly exposure: number;
  readonly low: number;
  readonly high: number;
  readonly basis: SampleBasis | null;
}

export interface Figures {
  /** Mean trigger-to-acknowledge over the incidents acknowledged in the history (null when none). */
  readonly mttaMs: number | null;
  readonly unattendedMs: number;
  /** At the expected impact shares; `exposureLow` / `exposureHigh` at the range's ends. */
  readonly exposure: number;
  readonly exposureLow: number;
  readonly exposureHigh: number;
  /** The contract's monthly fee pro-rated to the period. */
  readonly fee: number;
  /** Incidents nobody could have answered within the search horizon. */
  readonly neverAttended: number;
}

export interface IncidentComparison {
  readonly incident: IncidentFact;
  readonly service: Service;
  readonly actual: { readonly exposure: number; readonly unattendedMs: number };
  readonly alternative: Prediction;
}

export interface SimulationReport {
  readonly actualEngagement: Engagement;
  readonly alternativeEngagement: Engagement;
  readonly options: RiskOptions;
  readonly incidents: number;
  readonly actual: Figures;
  readonly alternative: Figures;
  readonly modelCheck: Figures;
  readonly model: ResponseModel;
  /** How many incidents' responses came from each sample basis under the alternative. */
  readonly bases: Readonly<Partial<Record<SampleBasis, number>>>;
  readonly comparisons: readonly IncidentComparison[];
}

/** A monthly fee pro-rated to [from, to): each calendar month (in `zone`) contributes its covered share. */
export function proratedFee(monthlyFee: number, zone: string, from: number, to: number): number {
  let total = 0;
  for (let t = from; t < to;) {
    const month = monthPeriod(monthOf(t, zone), zone);
    const end = Math.min(month.to, to);
    total += (monthlyFee * (end - t)) / (month.to - month.from);
    t = end;
  }
  return total;
}

/** The model's view of one incident under `config` (rosters already in place). */
export function predict(
  config: Engagement,
  model: ResponseModel,
  incident: IncidentFact,
  service: Service,
  options: RiskOptions,
): Prediction {
  const until = Math.max(Math.min(options.to, options.now), incident.createdAt);
  const opened = incident.createdAt;
  // An incident that resolved without anyone acknowledging it ended on its own; one still open counts until `until`.
  const selfEnded = incident.acknowledgedAt === null && incident.resolvedAt !== null ? incident.resolvedAt : null;
  const stillWaiting = incident.acknowledgedAt === null && incident.resolvedAt === null ? until : null;
  const end = selfEnded ?? stillWaiting ?? Number.POSITIVE_INFINITY;
  const attention = firstAttention(config, service, opened);
  const share = impactShareOf(config, incident.priority);
  const cap = pricedWaitCapOf(config);
  // `priced`: the excess within the cap (for several samples, the mean of each capped).
  const price = (priced: number) => ({
    exposure: exposureOf(priced, service.downtimeCostPerMinute, share.expected),
    low: exposureOf(priced, service.downtimeCostPerMinute, share.low),
    high: exposureOf(priced, service.downtimeCostPerMinute, share.high),
  });
  if (attention === null) {
    const end = responseEnd(incident, until);
    const excess = excessMs(opened, end, options.firstResponseMs);
    return {
      attention,
      window: null,
      unattendedMs: end - opened,
      expectedAckMs: null,
      excessMs: excess,
      ...price(Math.min(excess, cap)),
      basis: null,
    };
  }
  const window = windowAt(config, attention.at);
  const { samples, basis } = samplesFor(
    model,
    attention.side,
    window,
    config.priorities.page.includes(incident.priority),
    service.function,
  );
  const acks = samples.map((s) => attention.at - opened + tierOffsetMs(attention.policy, s.tier, s.pass) + s.delayMs);
  // Nobody acknowledged it and it ended by itself: its end is what it was, whoever was on call.
  const excesses =
    selfEnded !== null
      ? [excessMs(opened, selfEnded, options.firstResponseMs)]
      : acks.map((a) => excessMs(opened, opened + Math.min(a, end - opened), options.firstResponseMs));
  const excess = mean(excesses);
  return {
    attention,
    window,
    unattendedMs: Math.min(attention.at, end) - opened,
    expectedAckMs: mean(acks),
    excessMs: excess,
    ...price(mean(excesses.map((x) => Math.min(x, cap)))),
    basis,
  };
}

function figures(predictions: ReadonlyArray<{ incident: IncidentFact; p: Prediction }>, fee: number): Figures {
  const acked = predictions.filter(({ incident, p }) => incident.acknowledgedAt !== null && p.expectedAckMs !== null);
  return {
    mttaMs: acked.length ? mean(acked.map(({ p }) => p.expectedAckMs ?? 0)) : null,
    unattendedMs: predictions.reduce((a, { p }) => a + p.unattendedMs, 0),
    exposure: predictions.reduce((a, { p }) => a + p.exposure, 0),
    exposureLow: predictions.reduce((a, { p }) => a + p.low, 0),
    exposureHigh: predictions.reduce((a, { p }) => a + p.high, 0),
    fee,
    neverAttended: predictions.filter(({ p }) => p.attention === null).length,
  };
}

/**
 * Replays `incidents` (opened in the period, with their response evidence)
 * under `alternative` and compares with `actual`. Every incident's service
 * must exist in both files (check with {@link missingServices} first).
 */
export function simulate(
  actual: Engagement,
  alternative: Engagement,
  incidents: readonly IncidentFact[],
  evidence: ReadonlyMap<number, ResponseEvidence>,
  options: RiskOptions,
): SimulationReport {
  const actualRoster = withRostersSince(actual, options.from);
  const altRoster = withRostersSince(alternative, options.from);
  const model = observeResponses(actualRoster, incidents, evidence);
  const rows = incidents.flatMap((incident) => {
    const a = lookup(actual).service(incident.serviceId);
    const b = lookup(alternative).service(incident.serviceId);
    return a && b ? [{ incident, actualService: a, altService: b }] : [];
  });
  const observed = computeRisk(
    actual,
    rows.map((r) => r.incident),
    options,
  );
  const compared = rows.map((r, i) => ({
    incident: r.incident,
    service: r.altService,
    observedExposure: observed.incidents[i]?.exposure ?? 0,
    check: predict(actualRoster, model, r.incident, r.actualService, options),
    alt: predict(altRoster, model, r.incident, r.altService, options),
  }));
  const acked = rows.filter((r) => r.incident.acknowledgedAt !== null);
  const zone = actual.timezone;
  const actualFee = proratedFee(actual.contract.monthlyFee, zone, options.from, options.to);
  const bases: Partial<Record<SampleBasis, number>> = {};
  for (const { alt } of compared) if (alt.basis) bases[alt.basis] = (bases[alt.basis] ?? 0) + 1;
  return {
    actualEngagement: actual,
    alternativeEngagement: alternative,
    options,
    incidents: rows.length,
    actual: {
      mttaMs: acked.length ? mean(acked.map((r) => (r.incident.acknowledgedAt ?? 0) - r.incident.createdAt)) : null,
      unattendedMs: compared.reduce((s, c) => s + c.check.unattendedMs, 0),
      exposure: observed.total.exposure,
      exposureLow: observed.total.low,
      exposureHigh: observed.total.high,
      fee: actualFee,
      neverAttended: compared.filter((c) => c.check.attention === null).length,
    },
    alternative: figures(
      compared.map((c) => ({ incident: c.incident, p: c.alt })),
      proratedFee(alternative.contract.monthlyFee, zone, options.from, options.to),
    ),
    modelCheck: figures(
      compared.map((c) => ({ incident: c.incident, p: c.check })),
      actualFee,
    ),
    model,
    bases,
    comparisons: compared.map((c) => ({
      incident: c.incident,
      service: c.service,
      actual: { exposure: c.observedExposure, unattendedMs: c.check.unattendedMs },
      alternative: c.alt,
    })),
  };
}

/** Services of the period's incidents that the alternative file does not have: the simulation cannot place them. */
export function missingServices(alternative: Engagement, incidents: readonly IncidentFact[]): string[] {
  return [...new Set(incidents.map((i) => i.serviceId))].filter((id) => !alternative.services.some((s) => s.id === id)).sort();
}

/** What the actual configuration buys over the alternative: exposure avoided, fee paid for it, net, a year of it. */
export function netOf(report: SimulationReport): { exposureAvoided: number; extraFee: number; net: number; annualizedNet: number } {
  const exposureAvoided = report.alternative.exposure - report.actual.exposure;
  const extraFee = report.actual.fee - report.alternative.fee;
  const net = exposureAvoided - extraFee;
  return { exposureAvoided, extraFee, net, annualizedNet: annualize(net, report.options.from, report.options.to) };
}
