/**
 * Applying engagement files to the database: idempotent (the same file twice
 * changes nothing), additive (a service or person dropped from the file is
 * archived, not deleted, because incidents and timelines still name it).
 */
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { LoadedEngagement } from '../engagement/model.js';
import { incidentPrefix } from './deployment.js';

export interface ApplyResult {
  readonly engagement: string;
  readonly changed: boolean;
}

export async function applyEngagements(database: Database, loaded: readonly LoadedEngagement[], at: number): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const l of loaded) {
    const changed = await database.db.transaction().execute((trx) => applyOne(trx, l, at));
    results.push({ engagement: l.engagement.id, changed });
  }
  return results;
}

async function applyOne(trx: Executor, { engagement: e, file, hash }: LoadedEngagement, at: number): Promise<boolean> {
  const existing = await trx.selectFrom('engagements').select(['config_hash']).where('id', '=', e.id).executeTakeFirst();
  if (existing?.config_hash === hash) return false;
  const config = JSON.stringify(e);
  if (existing) {
    await trx.updateTable('engagements').set({ name: e.name, timezone: e.timezone, config, config_hash: hash, file, updated_at: at }).where('id', '=', e.id).execute();
  } else {
    await trx
      .insertInto('engagements')
      .values({ id: e.id, name: e.name, timezone: e.timezone, config, config_hash: hash, file, incident_prefix: incidentPrefix(e.id), next_incident_number: 1, created_at: at, updated_at: at })
      .execute();
  }

  await trx.updateTable('services').set({ archived: 1, updated_at: at }).where('engagement_id', '=', e.id).execute();
  for (const s of e.services) {
    await trx
      .insertInto('services')
      .values({ engagement_id: e.id, id: s.id, name: s.name, function: s.function, criticality: s.criticality, archived: 0, updated_at: at })
      .onConflict((oc) => oc.columns(['engagement_id', 'id']).doUpdateSet({ name: s.name, function: s.function, criticality: s.criticality, archived: 0, updated_at: at }))
      .execute();
  }

  await trx.updateTable('integration_keys').set({ archived: 1 }).where('engagement_id', '=', e.id).execute();
  for (const s of e.services) {
    for (const i of s.integrations) {
      await trx
        .insertInto('integration_keys')
        .values({ key: i.key, engagement_id: e.id, service_id: s.id, type: i.type, archived: 0 })
        .onConflict((oc) => oc.column('key').doUpdateSet({ engagement_id: e.id, service_id: s.id, type: i.type, archived: 0 }))
        .execute();
    }
  }

  await trx.updateTable('people').set({ archived: 1 }).where('engagement_id', '=', e.id).execute();
  for (const p of e.people) {
    const row = { name: p.name, side: p.side, timezone: p.timezone, email: p.contact.email ?? null, archived: 0 };
    await trx
      .insertInto('people')
      .values({ engagement_id: e.id, id: p.id, ...row })
      .onConflict((oc) => oc.columns(['engagement_id', 'id']).doUpdateSet(row))
      .execute();
  }
  return true;
}
