/**
 * The operational assessment (issue 12): what a prospect's own incident
 * history says about its coverage, before any server or database exists.
 * From the exported incidents (read by src/import, placed on the proposed
 * engagement file's services) it works out, in the file's time zone:
 * coverage gaps by hour of week, exposure by coverage window (incidents,
 * minutes waited for an acknowledgement, MTTA and MTTR), the price of the gap
 * (the risk rule, src/risk/exposure.ts, with its formula), and what the
 * proposed co-managed coverage would change (the simulation of
 * src/risk/simulate.ts: the history as it ran, "current", against the
 * proposed file). Pure: (files, incidents, options).
 */
import { windowAt } from '../coverage/index.js';
import { WINDOWS } from '../engagement/model.js';
import type { CoverageWindow, Engagement, FunctionCoverage } from '../engagement/model.js';
import type { ImportItem } from '../import/plan.js';
import type { IncidentFact } from '../metrics/store.js';
import type { RiskOptions, RiskReport } from '../risk/exposure.js';
import { computeRisk, excessMs } from '../risk/exposure.js';
import { mean } from '../risk/response-model.js';
import type { SimulationReport } from '../risk/simulate.js';
import { simulate } from '../risk/simulate.js';
import type { ResponseEvidence } from '../risk/store.js';
import { DAY_MS, HOUR_MS } from '../time/duration.js';
import { isoWeekday, startOfLocalDay, toLocal } from '../time/local-time.js';

/** One coverage window's figures, as the history ran. */
export interface WindowFigures {
  readonly incidents: number;
  /** Trigger to acknowledgement (or resolve, or the end of the history), summed. */
  readonly waitedMs: number;
  /** The part of it past the first-response time. */
  readonly lateMs: number;
  readonly mttaMs: number | null;
  readonly mttrMs: number | null;
}

export interface Assessment {
  /** The proposed co-managed engagement file. */
  readonly proposed: Engagement;
  /** How the prospect runs today: the proposed file with every function owned by the internal side and no fee, unless given. */
  readonly current: Engagement;
  readonly options: RiskOptions;
  readonly incidents: readonly IncidentFact[];
  /** Hour of week (Monday 00:00 = 0 .. Sunday 23:00 = 167, local time): incidents opened and late minutes. */
  readonly hourOfWeek: ReadonlyArray<{ readonly incidents: number; readonly lateMs: number }>;
  readonly byWindow: Readonly<Record<CoverageWindow, WindowFigures>>;
  /** The price of the gap, as the history ran, at the proposed file's prices and impact shares. */
  readonly risk: RiskReport;
  /** The history replayed: current against proposed. */
  readonly simulation: SimulationReport;
}

/**
 * The proposed file as the prospect runs without a partner: every function
 * internal at every hour, no overflow, no fee. A function the internal side
 * has no policy for goes to its first policy (somebody in IT gets the page),
 * so no incident waits for a side that is not there.
 */
export function internalOnly(proposed: Engagement): Engagement {
  const all: FunctionCoverage = Object.fromEntries(WINDOWS.map((w) => [w, 'internal'])) as FunctionCoverage;
  const fns = Object.keys(proposed.coverage.functions);
  const functions = Object.fromEntries(fns.map((fn) => [fn, all]));
  const fallback = Object.values(proposed.routing.internal)[0];
  const internal = Object.fromEntries(
    fns.flatMap((fn) => {
      const policy = proposed.routing.internal[fn] ?? fallback;
      return policy === undefined ? [] : [[fn, policy]];
    }),
  );
  return {
    ...proposed,
    id: `${proposed.id}-current`,
    name: `${proposed.name} (as today)`,
    contract: { ...proposed.contract, monthlyFee: 0 },
    coverage: { businessHours: proposed.coverage.businessHours, functions },
    routing: { internal, partner: {} },
  };
}

/** Imported rows as the risk model's incident facts (numbered in order) and their PagerDuty escalation counts. */
export function factsOf(items: readonly ImportItem[]): { incidents: IncidentFact[]; evidence: Map<number, ResponseEvidence> } {
  const evidence = new Map<number, ResponseEvidence>();
  const incidents = items.map((item, i): IncidentFact => {
    if (item.escalationCount !== null) evidence.set(i + 1, { paged: [], escalationCount: item.escalationCount });
    return {
      id: i + 1,
      number: i + 1,
      serviceId: item.service.id,
      title: item.title,
      priority: item.priority,
      severity: item.severity,
      side: 'internal',
      status: item.status,
      createdAt: item.createdAt,
      acknowledgedAt: item.acknowledgedAt,
      acknowledgedBy: item.acknowledgedBy,
      resolvedAt: item.resolvedAt,
      alertCount: 1,
    };
  });
  return { incidents, evidence };
}

/** The history's period: local midnight before the first incident to local midnight after the last one opened. */
export function periodOf(zone: string, incidents: readonly IncidentFact[]): { from: number; to: number } {
  const opened = incidents.map((i) => i.createdAt);
  const first = Math.min(...opened);
  const last = Math.max(...opened);
  return { from: startOfLocalDay(zone, toLocal(zone, first).day), to: startOfLocalDay(zone, toLocal(zone, last).day + 1) };
}

/** Hour of week of an instant in `zone`: Monday 00:00-01:00 is 0. */
export function hourOfWeek(zone: string, t: number): number {
  const { day, msOfDay } = toLocal(zone, t);
  return (isoWeekday(day) - 1) * 24 + Math.floor(msOfDay / HOUR_MS);
}

function windowFigures(rows: ReadonlyArray<{ incident: IncidentFact; waitedMs: number; lateMs: number }>): WindowFigures {
  const acked = rows.filter((r) => r.incident.acknowledgedAt !== null);
  const resolved = rows.filter((r) => r.incident.resolvedAt !== null);
  return {
    incidents: rows.length,
    waitedMs: rows.reduce((a, r) => a + r.waitedMs, 0),
    lateMs: rows.reduce((a, r) => a + r.lateMs, 0),
    mttaMs: acked.length ? mean(acked.map((r) => (r.incident.acknowledgedAt ?? 0) - r.incident.createdAt)) : null,
    mttrMs: resolved.length ? mean(resolved.map((r) => (r.incident.resolvedAt ?? 0) - r.incident.createdAt)) : null,
  };
}

/** The whole assessment. Every incident's service must be in both files. */
export function assess(o: {
  proposed: Engagement;
  current?: Engagement;
  incidents: readonly IncidentFact[];
  evidence: ReadonlyMap<number, ResponseEvidence>;
  firstResponseMs: number;
}): Assessment {
  const zone = o.proposed.timezone;
  const current = o.current ?? internalOnly(o.proposed);
  const period = periodOf(zone, o.incidents);
  // The history is over: an incident still open counts until the end of the period.
  const options: RiskOptions = { ...period, firstResponseMs: o.firstResponseMs, now: period.to };
  const risk = computeRisk(o.proposed, o.incidents, options);
  const hours = Array.from({ length: 168 }, () => ({ incidents: 0, lateMs: 0 }));
  const rows = risk.incidents.map((r) => ({ incident: r.incident, window: r.window, waitedMs: r.waitedMs, lateMs: r.excessMs }));
  for (const r of rows) {
    const h = hours[hourOfWeek(zone, r.incident.createdAt)];
    if (h) {
      h.incidents++;
      h.lateMs += excessMs(0, r.waitedMs, o.firstResponseMs);
    }
  }
  const byWindow = Object.fromEntries(
    WINDOWS.map((w) => [w, windowFigures(rows.filter((r) => windowAt(o.proposed, r.incident.createdAt) === w))]),
  ) as Record<CoverageWindow, WindowFigures>;
  const simulation = simulate(current, o.proposed, o.incidents, o.evidence, options);
  return { proposed: o.proposed, current, options, incidents: o.incidents, hourOfWeek: hours, byWindow, risk, simulation };
}

/** Days in the period, for "over N days". */
export function periodDays(a: Assessment): number {
  return Math.round((a.options.to - a.options.from) / DAY_MS);
}
