/**
 * What `tandem verify` reads: an engagement's timeline rows in chain order
 * (per incident, by id), a page at a time, with each incident's display
 * number (ACME-42).
 */
import type { Executor } from '../db/executor.js';
import type { TimelineRow } from '../db/schema.js';

export type ChainRow = Omit<TimelineRow, 'id'> & { id: number; prefix: string; number: number };

/** Up to `limit` rows of the engagement's timelines after (incident id, entry id) `after`, in chain order. */
export async function chainPage(ex: Executor, engagementId: string, after: readonly [number, number], limit: number): Promise<ChainRow[]> {
  const rows = await ex
    .selectFrom('timeline as t')
    .innerJoin('incidents as i', 'i.id', 't.incident_id')
    .innerJoin('engagements as e', 'e.id', 'i.engagement_id')
    .selectAll('t')
    .select(['e.incident_prefix as prefix', 'i.number as number'])
    .where('t.engagement_id', '=', engagementId)
    .where((eb) => eb.or([eb('t.incident_id', '>', after[0]), eb.and([eb('t.incident_id', '=', after[0]), eb('t.id', '>', after[1])])]))
    .orderBy('t.incident_id')
    .orderBy('t.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), incident_id: Number(r.incident_id) }));
}
