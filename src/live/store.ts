/**
 * The queries behind the live feed: where the timeline ends now, which
 * incidents the timeline says changed since a cursor, and those incidents'
 * rows. The feed decides what to push to whom; this file only reads.
 */
import type { Executor } from '../db/executor.js';

/** The newest timeline entry's id; 0 when the timeline is empty. */
export async function latestTimelineId(ex: Executor): Promise<number> {
  const row = await ex
    .selectFrom('timeline')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** Timeline entries after `afterId`, oldest first, at most `limit`: which incident each is about. */
export async function timelineSince(ex: Executor, afterId: number, limit: number): Promise<Array<{ id: number; incident_id: number }>> {
  return ex.selectFrom('timeline').select(['id', 'incident_id']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}
