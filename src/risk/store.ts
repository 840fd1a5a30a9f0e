/**
 * What the timeline says about how incidents were answered, for the
 * simulation's response model: when each escalation tier was paged (live
 * incidents), and PagerDuty's escalation count (imported ones).
 */
import { z } from 'zod';
import { chunked } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import { jsonColumn } from '../db/json-column.js';

/** A value of the wrong type reads as absent: the evidence is optional, a malformed entry is no evidence. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** The parts of `timeline.data` the response model reads, of `escalation.paged` and `incident.imported` entries. */
const evidenceData = jsonColumn(
  z
    .object({ policy: lenient(z.string()), tier: lenient(z.number()), pass: lenient(z.number()), escalation_count: lenient(z.number()) })
    .catch({}),
  'timeline.data',
);

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
export async function responseEvidence(
  ex: Executor,
  engagementId: string,
  incidentIds: readonly number[],
): Promise<Map<number, ResponseEvidence>> {
  const out = new Map<number, { paged: PagedTier[]; escalationCount: number | null }>();
  for (const ids of chunked(incidentIds, 1, 500)) {
    const rows = await ex
      .selectFrom('timeline')
      .select(['incident_id', 'at', 'kind', 'data'])
      .where('engagement_id', '=', engagementId)
      .where('incident_id', 'in', ids)
      .where('kind', 'in', ['escalation.paged', 'incident.imported'])
      .orderBy('incident_id')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      let e = out.get(r.incident_id);
      if (!e) out.set(r.incident_id, (e = { paged: [], escalationCount: null }));
      const data = r.data === null ? {} : evidenceData.parse(r.data);
      if (r.kind === 'incident.imported') {
        if (data.escalation_count !== undefined) e.escalationCount = data.escalation_count;
      } else if (data.policy !== undefined && data.tier !== undefined && data.pass !== undefined) {
        // The timeline counts tiers and passes from 1.
        e.paged.push({ at: r.at, policy: data.policy, tier: data.tier - 1, pass: data.pass - 1 });
      }
    }
  }
  return out;
}
