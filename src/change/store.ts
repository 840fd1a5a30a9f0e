/**
 * Change events: deploys and configuration changes a monitoring or CI tool
 * reported on a service. Append-only (migration 0001); shown beside incidents
 * so a responder sees what changed just before something broke.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { ChangesTable } from '../db/schema.js';

export type ChangeRow = Selectable<ChangesTable>;
export type NewChange = Insertable<ChangesTable>;

/** Records one change event. */
export async function insertChange(ex: Executor, change: NewChange): Promise<void> {
  await ex.insertInto('changes').values(change).execute();
}

export interface ChangeFilter {
  readonly engagementIds: readonly string[];
  /** Only these services, when given. */
  readonly services?: readonly string[] | undefined;
  /** Only changes at or after this instant (epoch ms), when given. */
  readonly since?: number | undefined;
  readonly limit: number;
}

/** Change events newest first. */
export async function listChanges(ex: Executor, f: ChangeFilter): Promise<ChangeRow[]> {
  if (f.engagementIds.length === 0) return [];
  let q = ex.selectFrom('changes').selectAll().where('engagement_id', 'in', f.engagementIds);
  if (f.services) q = q.where('service_id', 'in', f.services);
  if (f.since !== undefined) q = q.where('at', '>=', f.since);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}
