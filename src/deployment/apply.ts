/**
 * Applying engagement files to the database: idempotent (the same file twice
 * changes nothing), additive (a service or person dropped from the file is
 * archived, not deleted, because incidents and timelines still name it).
 */
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { LoadedEngagement } from '../engagement/model.js';
import { incidentPrefix } from './deployment.js';
import {
  appliedConfigHash,
  insertEngagementRow,
  replaceIntegrationKeys,
  replacePeople,
  replaceServices,
  updateEngagementRow,
} from './store.js';
import { makeHoldsDue } from '../maintenance/store.js';

/** Whether applying changed an engagement (false: the same file was already applied). */
export interface ApplyResult {
  readonly engagement: string;
  readonly changed: boolean;
}

/** Applies each engagement in its own transaction. */
export async function applyEngagements(database: Database, loaded: readonly LoadedEngagement[], at: number): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const l of loaded) {
    const changed = await database.db.transaction().execute((trx) => applyOne(trx, l, at));
    results.push({ engagement: l.engagement.id, changed });
  }
  return results;
}

async function applyOne(trx: Executor, { engagement: e, file, hash }: LoadedEngagement, at: number): Promise<boolean> {
  const applied = await appliedConfigHash(trx, e.id);
  if (applied === hash) return false;
  const write = { engagement: e, file, hash, at };
  if (applied === undefined) await insertEngagementRow(trx, write, incidentPrefix(e.id));
  else await updateEngagementRow(trx, write);
  await replaceServices(trx, e.id, e.services, at);
  await replaceIntegrationKeys(trx, e.id, e.services);
  await replacePeople(trx, e.id, e.people);
  // A changed file may shorten or drop a maintenance window: the incidents held in one are looked at again now.
  if (applied !== undefined) await makeHoldsDue(trx, e.id, at);
  return true;
}
