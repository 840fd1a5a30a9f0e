/**
 * How fast each side answers once someone who is working is paged, learned
 * from the engagement's own history (the simulation's response model).
 *
 * For every acknowledged incident: when it was first attended under the
 * configuration that was in force (src/risk/availability.ts), which tier
 * acknowledged it (the last `escalation.paged` entry before the
 * acknowledgement; for imports, PagerDuty's escalation count; else tier 1),
 * and the delay from that tier's page to the acknowledgement. Samples are
 * grouped by kind (whether the priority pages: a P1 page and a P5 queue
 * ticket are answered on different clocks), the service's function, the
 * answering side and the coverage window it was paged in. The
 * unattended wait is taken out, so a night incident the internal side picked
 * up at 08:00 teaches "internal answers in 6 minutes in business hours", not
 * "internal answers in 8 hours".
 */
import { windowAt } from '../coverage/index.js';
import { SIDES, WINDOWS, lookup } from '../engagement/model.js';
import type { CoverageWindow, Engagement, Side } from '../engagement/model.js';
import type { IncidentFact } from '../metrics/store.js';
import { nextStep } from '../routing/route.js';
import { firstAttention, tierOffsetMs } from './availability.js';
import type { ResponseEvidence } from './store.js';

/** One observed response: who answered, in which window, at which tier (0-based), how long after that tier's page. */
export interface ResponseSample {
  readonly incidentId: number;
  readonly side: Side;
  readonly window: CoverageWindow;
  /** Whether its priority pages (priorities.page): a page is answered in minutes, a queue ticket when someone gets to it. */
  readonly paged: boolean;
  /** The service's function: the NOC and the SOC of one side answer on different clocks. */
  readonly fn: string;
  readonly tier: number;
  readonly pass: number;
  readonly delayMs: number;
}

/**
 * How wide the model had to look for samples of the same kind (paged or
 * not): the same function answered by the side in that window, any function
 * answered by the side in that window, the side in any window, any side in
 * that window, every sample of that kind; then every sample; none at all.
 */
export type SampleBasis = 'function_side_window' | 'side_window' | 'side' | 'window' | 'kind' | 'all' | 'none';

/** A group of samples stands for a case only with at least this many responses; fewer, and the model looks wider. */
export const MIN_SAMPLES = 3;

export interface DelayStats {
  readonly side: Side;
  readonly window: CoverageWindow;
  readonly paged: boolean;
  readonly n: number;
  readonly medianMs: number;
  readonly meanMs: number;
}

export interface ResponseModel {
  readonly samples: readonly ResponseSample[];
  /** Per kind (paged or not), side and window with samples: median and mean delay. */
  readonly delays: readonly DelayStats[];
  /** Per side: the share of its acknowledgements of paged incidents that came from each tier (1-based in `tier`). */
  readonly tierShares: ReadonlyArray<{ readonly side: Side; readonly tier: number; readonly n: number; readonly share: number }>;
}

/** A zero delay at tier 1: what the model assumes when the history has no acknowledgement at all. */
const NO_DATA: readonly ResponseSample[] = [
  { incidentId: 0, side: 'internal', window: 'business_hours', paged: true, fn: '', tier: 0, pass: 0, delayMs: 0 },
];

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** Answers of {@link samplesFor} per model: a simulation asks the same few questions for every incident. */
const picked = new WeakMap<ResponseModel, Map<string, { samples: readonly ResponseSample[]; basis: SampleBasis }>>();

/** The samples that speak for an incident of this kind (paged or not) and function answered by a side in a window, widening until enough do. */
export function samplesFor(
  model: ResponseModel,
  side: Side,
  window: CoverageWindow,
  paged: boolean,
  fn: string,
): { samples: readonly ResponseSample[]; basis: SampleBasis } {
  let cache = picked.get(model);
  if (!cache) picked.set(model, (cache = new Map()));
  const key = `${paged ? 1 : 0}\u0000${fn}\u0000${side}\u0000${window}`;
  const known = cache.get(key);
  if (known) return known;
  const answer = pick(model, side, window, paged, fn);
  cache.set(key, answer);
  return answer;
}

function pick(
  model: ResponseModel,
  side: Side,
  window: CoverageWindow,
  paged: boolean,
  fn: string,
): { samples: readonly ResponseSample[]; basis: SampleBasis } {
  const tries: Array<[SampleBasis, (s: ResponseSample) => boolean]> = [
    ['function_side_window', (s) => s.paged === paged && s.fn === fn && s.side === side && s.window === window],
    ['side_window', (s) => s.paged === paged && s.side === side && s.window === window],
    ['side', (s) => s.paged === paged && s.side === side],
    ['window', (s) => s.paged === paged && s.window === window],
    ['kind', (s) => s.paged === paged],
    ['all', () => true],
  ];
  for (const [basis, keep] of tries) {
    const samples = model.samples.filter(keep);
    if (samples.length >= MIN_SAMPLES || (basis === 'all' && samples.length > 0)) return { samples, basis };
  }
  return { samples: NO_DATA, basis: 'none' };
}

/**
 * Learns the response model from incidents that were acknowledged.
 * `actual` is the configuration in force, with rosters in place since before
 * the period (withRostersSince).
 */
export function observeResponses(
  actual: Engagement,
  incidents: readonly IncidentFact[],
  evidence: ReadonlyMap<number, ResponseEvidence>,
): ResponseModel {
  const samples: ResponseSample[] = [];
  for (const incident of incidents) {
    const ack = incident.acknowledgedAt;
    const service = lookup(actual).service(incident.serviceId);
    if (ack === null || !service) continue;
    const paged = actual.priorities.page.includes(incident.priority);
    const attention = firstAttention(actual, service, incident.createdAt);
    if (attention === null || ack < attention.at) {
      // Someone answered before anyone was on call: somebody was watching, so it counts as attended from the start.
      const side = incident.side === 'partner' ? 'partner' : 'internal';
      samples.push({
        incidentId: incident.id,
        side,
        window: windowAt(actual, incident.createdAt),
        paged,
        fn: service.function,
        tier: 0,
        pass: 0,
        delayMs: ack - incident.createdAt,
      });
      continue;
    }
    const { policy } = attention;
    let tier = 0;
    let pass = 0;
    let pagedAt = attention.at + tierOffsetMs(policy, 0, 0);
    const ev = evidence.get(incident.id);
    const pages = (ev?.paged ?? []).filter((p) => p.at <= ack);
    const last = pages[pages.length - 1];
    if (last) {
      tier = last.tier;
      pass = last.pass;
      pagedAt = last.at;
    } else if (ev?.escalationCount) {
      // Walk the policy's steps as many times as the source escalated, but never past the acknowledgement.
      for (let n = 0, step = nextStep(policy, 0, 0); n < ev.escalationCount && step; n++, step = nextStep(policy, step.tier, step.pass)) {
        const at = attention.at + tierOffsetMs(policy, step.tier, step.pass);
        if (at > ack) break;
        tier = step.tier;
        pass = step.pass;
        pagedAt = at;
      }
    }
    samples.push({
      incidentId: incident.id,
      side: attention.side,
      window: windowAt(actual, attention.at),
      paged,
      fn: service.function,
      tier,
      pass,
      delayMs: Math.max(0, ack - pagedAt),
    });
  }
  const delays: DelayStats[] = [];
  for (const paged of [true, false]) {
    for (const side of SIDES) {
      for (const window of WINDOWS) {
        const d = samples.filter((s) => s.paged === paged && s.side === side && s.window === window).map((s) => s.delayMs);
        if (d.length) delays.push({ side, window, paged, n: d.length, medianMs: median(d), meanMs: mean(d) });
      }
    }
  }
  const tierShares: Array<{ side: Side; tier: number; n: number; share: number }> = [];
  for (const side of SIDES) {
    // Tiers only mean something for incidents that page.
    const mine = samples.filter((s) => s.side === side && s.paged);
    const tiers = [...new Set(mine.map((s) => s.tier))].sort((a, b) => a - b);
    for (const t of tiers) {
      const n = mine.filter((s) => s.tier === t).length;
      tierShares.push({ side, tier: t + 1, n, share: n / mine.length });
    }
  }
  return { samples, delays, tierShares };
}
