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
  appliedConfigHashes,
  insertEngagementRows,
  lockEngagementApply,
  replaceIntegrationKeys,
  replacePeople,
  replaceServices,
  updateEngagementRow,
  upsertIntegrationKeys,
  upsertPeople,
  upsertServices,
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
 * little changed, and an unchanged engagement needs no transaction.
 */
export async function applyEngagements(database: Database, loaded: readonly LoadedEngagement[], at: number): Promise<ApplyResult[]> {
  const applied = await appliedConfigHashes(database.db);
  const changed = new Set<string>();
  const toApply = loaded.filter((l) => applied.get(l.engagement.id) !== l.hash);
  for (let i = 0; i < toApply.length; i += PER_TRANSACTION) {
    const group = toApply.slice(i, i + PER_TRANSACTION);
    await database.db.transaction().execute(async (trx) => {
      // Then applyGroup's own read of the hashes sees what another instance applied while this one waited.
      await lockEngagementApply(trx);
      for (const id of await applyGroup(trx, group, at)) changed.add(id);
    });
  }
  return loaded.map((l) => ({ engagement: l.engagement.id, changed: changed.has(l.engagement.id) }));
}

/**
 * Applies a group of engagements in the caller's transaction; returns the ids it changed. The hashes are read again
 * inside it (another instance may have applied some since). New engagements, all of them at a first start, are
 * written together: a handful of multi-row inserts for the group instead of seven statements each (2,000 new
 * engagements were 14,000 round trips, most of a PostgreSQL start; issue 14). They have no rows to archive yet.
 */
async function applyGroup(trx: Executor, group: readonly LoadedEngagement[], at: number): Promise<string[]> {
  const stored = await appliedConfigHashes(
    trx,
    group.map((l) => l.engagement.id),
  );
  const fresh = group.filter((l) => !stored.has(l.engagement.id));
  if (fresh.length > 0) {
    await insertEngagementRows(
      trx,
      fresh.map(({ engagement, file, hash }) => ({ engagement, file, hash, at, incidentPrefix: incidentPrefix(engagement.id) })),
    );
    const ofFresh = fresh.map(({ engagement: e }) => ({ engagementId: e.id, services: e.services, people: e.people }));
    await upsertServices(trx, ofFresh, at);
    await upsertIntegrationKeys(trx, ofFresh);
    await upsertPeople(trx, ofFresh);
  }
  const updated = group.filter((l) => stored.has(l.engagement.id) && stored.get(l.engagement.id) !== l.hash);
  for (const l of updated) await applyChanged(trx, l, at);
  return [...fresh, ...updated].map((l) => l.engagement.id);
}

/** Applies an engagement already stored from another file version: rows its file dropped are archived. */
async function applyChanged(trx: Executor, { engagement: e, file, hash }: LoadedEngagement, at: number): Promise<void> {
  await updateEngagementRow(trx, { engagement: e, file, hash, at });
  await replaceServices(trx, e.id, e.services, at);
  await replaceIntegrationKeys(trx, e.id, e.services);
  await replacePeople(trx, e.id, e.people);
  // A changed file may shorten or drop a maintenance window: the incidents held in one are looked at again now.
  await makeHoldsDue(trx, e.id, at);
}
