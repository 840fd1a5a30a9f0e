/**
 * The engagement rows: each engagement as last applied (its normalized model
 * as JSON, with the hash of the file it came from), and the services,
 * integration keys and people other tables and the dashboard refer to. Rows
 * dropped from a file are archived, never deleted: incidents still name them.
 */
import { sql } from 'kysely';
import { executorDialect } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { Engagement, Person, Service } from '../engagement/model.js';
import { engagementConfig } from './engagement-column.js';

/** What one application of a file writes on the engagement row. */
export interface EngagementRowWrite {
  readonly engagement: Engagement;
  readonly file: string;
  readonly hash: string;
  readonly at: number;
}

/** Arbitrary constant naming the lock engagement files are applied under (a PostgreSQL advisory lock). */
const APPLY_LOCK = 7_243_502;

/**
 * Waits for the right to apply engagement files and holds it until the
 * transaction ends (PostgreSQL). Instances starting together on a fresh
 * database otherwise both found an engagement missing and both inserted it:
 * the second failed on the primary key and exited. Held per transaction, so
 * it also holds through a pooler in transaction mode (docs/scaling.md). On
 * SQLite one server writes.
 */
export async function lockEngagementApply(ex: Executor): Promise<void> {
  if (executorDialect(ex) === 'postgres') await sql`select pg_advisory_xact_lock(${APPLY_LOCK})`.execute(ex);
}

/** The file hash every stored engagement (or each of `ids`) was last applied from, by engagement id. */
export async function appliedConfigHashes(ex: Executor, ids?: readonly string[]): Promise<Map<string, string>> {
  if (ids?.length === 0) return new Map();
  let query = ex.selectFrom('engagements').select(['id', 'config_hash']);
  if (ids !== undefined) query = query.where('id', 'in', ids);
  const rows = await query.execute();
  return new Map(rows.map((r) => [r.id, r.config_hash]));
}

/** Replaces the stored model of an engagement that exists. */
export async function updateEngagementRow(ex: Executor, w: EngagementRowWrite): Promise<void> {
  const e = w.engagement;
  await ex
    .updateTable('engagements')
    .set({ name: e.name, timezone: e.timezone, config: engagementConfig.stringify(e), config_hash: w.hash, file: w.file, updated_at: w.at })
    .where('id', '=', e.id)
    .execute();
}

/** Engagement rows per insert: each carries its whole model as JSON (about 20 KB for a demo-sized file). */
const ENGAGEMENT_CHUNK = 50;

/** Stores new engagements, many rows per statement; each one's incidents start at number 1 with its prefix. */
export async function insertEngagementRows(
  ex: Executor,
  writes: readonly (EngagementRowWrite & { readonly incidentPrefix: string })[],
): Promise<void> {
  for (const chunk of chunks(writes, ENGAGEMENT_CHUNK)) {
    await ex
      .insertInto('engagements')
      .values(
        chunk.map((w) => ({
          id: w.engagement.id,
          name: w.engagement.name,
          timezone: w.engagement.timezone,
          config: engagementConfig.stringify(w.engagement),
          config_hash: w.hash,
          file: w.file,
          incident_prefix: w.incidentPrefix,
          next_incident_number: 1,
          created_at: w.at,
          updated_at: w.at,
        })),
      )
      .execute();
  }
}

/** Makes the engagement's services exactly `services`: those listed are upserted, the rest archived. */
export async function replaceServices(ex: Executor, engagementId: string, services: readonly Service[], at: number): Promise<void> {
  await ex.updateTable('services').set({ archived: 1, updated_at: at }).where('engagement_id', '=', engagementId).execute();
  await upsertServices(ex, [{ engagementId, services }], at);
}

/**
 * Upserts the services of one or more engagements, one statement per chunk of rows, not per service or engagement
 * ((engagement, id) is unique across the rows, so no row is hit twice by one statement).
 */
export async function upsertServices(
  ex: Executor,
  of: readonly { readonly engagementId: string; readonly services: readonly Service[] }[],
  at: number,
): Promise<void> {
  const rows = of.flatMap(({ engagementId, services }) =>
    services.map((s) => ({
      engagement_id: engagementId,
      id: s.id,
      name: s.name,
      function: s.function,
      criticality: s.criticality,
      archived: 0,
      updated_at: at,
    })),
  );
  for (const chunk of chunks(rows)) {
    await ex
      .insertInto('services')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['engagement_id', 'id']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          function: eb.ref('excluded.function'),
          criticality: eb.ref('excluded.criticality'),
          archived: 0,
          updated_at: at,
        })),
      )
      .execute();
  }
}

/**
 * Rows per multi-row upsert: an MSP's 2,000 engagements were 40,000 single-row statements at start (issue 14);
 * chunks stay well under SQLite's limit of bound parameters.
 */
const CHUNK = 200;
function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Makes the engagement's integration keys exactly those of `services`; a key moves with its service. */
export async function replaceIntegrationKeys(ex: Executor, engagementId: string, services: readonly Service[]): Promise<void> {
  await ex.updateTable('integration_keys').set({ archived: 1 }).where('engagement_id', '=', engagementId).execute();
  await upsertIntegrationKeys(ex, [{ engagementId, services }]);
}

/** Upserts the integration keys of one or more engagements' services, one statement per chunk of rows. */
export async function upsertIntegrationKeys(
  ex: Executor,
  of: readonly { readonly engagementId: string; readonly services: readonly Service[] }[],
): Promise<void> {
  // Keys are unique across all engagements, so no row is hit twice by one statement.
  const rows = of.flatMap(({ engagementId, services }) =>
    services.flatMap((s) =>
      s.integrations.map((i) => ({ key: i.key, engagement_id: engagementId, service_id: s.id, type: i.type, archived: 0 })),
    ),
  );
  for (const chunk of chunks(rows)) {
    await ex
      .insertInto('integration_keys')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          engagement_id: eb.ref('excluded.engagement_id'),
          service_id: eb.ref('excluded.service_id'),
          type: eb.ref('excluded.type'),
          archived: 0,
        })),
      )
      .execute();
  }
}

/** Makes the engagement's people exactly `people`: those listed are upserted, the rest archived. */
export async function replacePeople(ex: Executor, engagementId: string, people: readonly Person[]): Promise<void> {
  await ex.updateTable('people').set({ archived: 1 }).where('engagement_id', '=', engagementId).execute();
  await upsertPeople(ex, [{ engagementId, people }]);
}

/** Upserts the people of one or more engagements, one statement per chunk of rows. */
export async function upsertPeople(
  ex: Executor,
  of: readonly { readonly engagementId: string; readonly people: readonly Person[] }[],
): Promise<void> {
  const rows = of.flatMap(({ engagementId, people }) =>
    people.map((p) => ({
      engagement_id: engagementId,
      id: p.id,
      name: p.name,
      side: p.side,
      timezone: p.timezone,
      email: p.contact.email ?? null,
      archived: 0,
    })),
  );
  for (const chunk of chunks(rows)) {
    await ex
      .insertInto('people')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['engagement_id', 'id']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          side: eb.ref('excluded.side'),
          timezone: eb.ref('excluded.timezone'),
          email: eb.ref('excluded.email'),
          archived: 0,
        })),
      )
      .execute();
  }
}

/** The engagement model as last applied, or undefined when the database has no such engagement. */
export async function storedEngagement(ex: Executor, id: string): Promise<Engagement | undefined> {
  const row = await ex.selectFrom('engagements').select(['config']).where('id', '=', id).executeTakeFirst();
  return row ? engagementConfig.parse(row.config) : undefined;
}

/** Ids of every engagement ever applied, sorted. */
export async function storedEngagementIds(ex: Executor): Promise<string[]> {
  return (await ex.selectFrom('engagements').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** Whether a person (archived or not) is in any of these engagements. */
export async function personInEngagements(ex: Executor, personId: string, engagementIds: readonly string[]): Promise<boolean> {
  if (engagementIds.length === 0) return false;
  const row = await ex
    .selectFrom('people')
    .select('id')
    .where('id', '=', personId)
    .where('engagement_id', 'in', engagementIds)
    .executeTakeFirst();
  return row !== undefined;
}
