/**
 * What `tandem verify` reads: an engagement's timeline rows in chain order
 * (per incident, by id), a page at a time, with each incident's display
 * number (ACME-42), and where the product recorded each chain to end.
 */
import { executorDialect } from '../db/dialect.js';
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

export interface RecordedHead {
  incidentId: number;
  /** The incident's number, e.g. ACME-42. */
  incident: string;
  hash: string;
}

/**
 * Where each of the engagement's chains ended when the product last appended
 * to it (timeline_heads, 0012), by incident id. PostgreSQL only: SQLite keeps
 * no head rows (incident/store.ts appendTimeline), so there the map is empty.
 */
export async function recordedHeads(ex: Executor, engagementId: string): Promise<Map<number, RecordedHead>> {
  if (executorDialect(ex) !== 'postgres') return new Map();
  const rows = await ex
    .selectFrom('timeline_heads as h')
    .innerJoin('incidents as i', 'i.id', 'h.incident_id')
    .innerJoin('engagements as e', 'e.id', 'i.engagement_id')
    .select(['h.incident_id', 'h.hash', 'e.incident_prefix as prefix', 'i.number'])
    .where('i.engagement_id', '=', engagementId)
    .execute();
  return new Map(
    rows.map((r) => [Number(r.incident_id), { incidentId: Number(r.incident_id), incident: `${r.prefix}-${r.number}`, hash: r.hash }]),
  );
}

/** Timeline entries of the engagement by id, with their incident's number and stored hash. */
export async function entriesById(
  ex: Executor,
  engagementId: string,
  ids: readonly number[],
): Promise<Map<number, { incident: string; hash: string | null }>> {
  const out = new Map<number, { incident: string; hash: string | null }>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await ex
      .selectFrom('timeline as t')
      .innerJoin('incidents as i', 'i.id', 't.incident_id')
      .innerJoin('engagements as e', 'e.id', 'i.engagement_id')
      .select(['t.id', 't.hash', 'e.incident_prefix as prefix', 'i.number'])
      .where('t.engagement_id', '=', engagementId)
      .where('t.id', 'in', ids.slice(i, i + 1000))
      .execute();
    for (const r of rows) out.set(Number(r.id), { incident: `${r.prefix}-${r.number}`, hash: r.hash });
  }
  return out;
}
