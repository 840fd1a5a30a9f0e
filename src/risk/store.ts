/**
 * What the timeline says about how incidents were answered, for the
 * simulation's response model: when each escalation tier was paged (live
 * incidents), and PagerDuty's escalation count (imported ones).
 */
import type { Executor } from '../db/executor.js';

/** A tier paged on an incident (timeline `escalation.paged`); tier and pass 0-based. */
export interface PagedTier {
  readonly at: number;
  readonly policy: string;
  readonly tier: number;
  readonly pass: number;
}

export interface ResponseEvidence {
  /** Oldest first. */
  readonly paged: readonly PagedTier[];
  /** From an import: how many times the source escalated it before someone acknowledged. */
  readonly escalationCount: number | null;
}

/** Evidence for each of the incidents (of one engagement) that has any. */
export async function responseEvidence(ex: Executor, engagementId: string, incidentIds: readonly number[]): Promise<Map<number, ResponseEvidence>> {
  const out = new Map<number, { paged: PagedTier[]; escalationCount: number | null }>();
  for (let i = 0; i < incidentIds.length; i += 500) {
    const rows = await ex
      .selectFrom('timeline')
      .select(['incident_id', 'at', 'kind', 'data'])
      .where('engagement_id', '=', engagementId)
      .where('incident_id', 'in', incidentIds.slice(i, i + 500))
      .where('kind', 'in', ['escalation.paged', 'incident.imported'])
      .orderBy('incident_id')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      let e = out.get(r.incident_id);
      if (!e) out.set(r.incident_id, (e = { paged: [], escalationCount: null }));
      const data = r.data === null ? {} : (JSON.parse(r.data) as { policy?: unknown; tier?: unknown; pass?: unknown; escalation_count?: unknown });
      if (r.kind === 'incident.imported') {
        if (typeof data.escalation_count === 'number') e.escalationCount = data.escalation_count;
      } else if (typeof data.policy === 'string' && typeof data.tier === 'number' && typeof data.pass === 'number') {
        // The timeline counts tiers and passes from 1.
        e.paged.push({ at: r.at, policy: data.policy, tier: data.tier - 1, pass: data.pass - 1 });
      }
    }
  }
  return out;
}
