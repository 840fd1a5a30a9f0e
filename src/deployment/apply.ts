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
  appliedConfigHashes,
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

/**
 * Engagements per transaction. One transaction each made an MSP's 2,000 engagements 2,000 commits at start, most of
 * PostgreSQL's 30 s there (issue 14); a group of them still holds SQLite's write lock only briefly.
 */
const PER_TRANSACTION = 50;

/**
 * Applies the engagements whose file changed, a group at a time, each group in one transaction (an engagement is
 * applied whole or not at all). One read of every applied hash first: on most restarts and reloads nothing or
 * little changed, and an unchanged engagement needs no transaction (applyOne checks again inside its own).
 */
export async function applyEngagements(database: Database, loaded: readonly LoadedEngagement[], at: number): Promise<ApplyResult[]> {
  const applied = await appliedConfigHashes(database.db);
  const changed = new Map<string, boolean>();
  const toApply = loaded.filter((l) => applied.get(l.engagement.id) !== l.hash);
  for (let i = 0; i < toApply.length; i += PER_TRANSACTION) {
    const group = toApply.slice(i, i + PER_TRANSACTION);
    await database.db.transaction().execute(async (trx) => {
      for (const l of group) changed.set(l.engagement.id, await applyOne(trx, l, at));
    });
  }
  return loaded.map((l) => ({ engagement: l.engagement.id, changed: changed.get(l.engagement.id) ?? false }));
}

async function applyOne(trx: Executor, { engagement: e, file, hash }: LoadedEngagement, at: number): Promise<boolean> {
  const applied = await appliedConfigHash(trx, e.id);
  if (applied === hash) return false;
  const write = { engagement: e, file, hash, at };
  if (applied === undefined) await insertEngagementRow(trx, write, incidentPrefix(e.id));
  else await updateEngagementRow(trx, write);
  await replaceServices(trx, e.id, e.services, at);
  await replaceIntegrationKeys(trx, e.id, e.services, { isNew: applied === undefined });
  await replacePeople(trx, e.id, e.people);
  // A changed file may shorten or drop a maintenance window: the incidents held in one are looked at again now.
  if (applied !== undefined) await makeHoldsDue(trx, e.id, at);
  return true;
}
