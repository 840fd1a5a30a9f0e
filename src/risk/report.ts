/**
 * Risk and simulation over a period of an engagement's history, read from
 * the database: the incidents opened in the period (metrics store) and, for
 * the simulation, the timeline's evidence of who answered at which tier.
 * Shared by `tandem risk`, `tandem simulate` and the API.
 */
import type { Executor } from '../db/executor.js';
import type { Engagement } from '../engagement/model.js';
import { incidentsOpened } from '../metrics/store.js';
import type { RiskOptions, RiskReport } from './exposure.js';
import { computeRisk } from './exposure.js';
import type { SimulationReport } from './simulate.js';
import { missingServices, simulate } from './simulate.js';
import { responseEvidence } from './store.js';

/** The price of the gap over [from, to). */
export async function riskFor(ex: Executor, engagement: Engagement, options: RiskOptions): Promise<RiskReport> {
  return computeRisk(engagement, await incidentsOpened(ex, engagement.id, options.from, options.to), options);
}

/**
 * The period replayed under `alternative`. When the period has incidents of
 * services the alternative file does not have, nothing is simulated and
 * those services are returned.
 */
export async function simulationFor(
  ex: Executor,
  actual: Engagement,
  alternative: Engagement,
  options: RiskOptions,
): Promise<{ report: SimulationReport } | { missing: string[] }> {
  const incidents = await incidentsOpened(ex, actual.id, options.from, options.to);
  const missing = missingServices(alternative, incidents);
  if (missing.length) return { missing };
  const evidence = await responseEvidence(
    ex,
    actual.id,
    incidents.map((i) => i.id),
  );
  return { report: simulate(actual, alternative, incidents, evidence, options) };
}
