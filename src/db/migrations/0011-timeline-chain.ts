/**
 * 0011: the tamper-evident timeline (issue 12). Each timeline entry carries
 * `hash`, a SHA-256 chained to the previous entry of the same incident
 * (audit/hash.ts), so `tandem verify` can show that no entry was changed or
 * removed behind the product's back. The rows written before are chained
 * here, per incident in id order. The table refuses updates (0001), so the
 * guard is lifted for this transaction only and restored before it commits:
 * nothing else can write between the two, and afterwards the guard is the
 * same as before.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { GENESIS, storedRowHash } from '../../audit/hash.js';
import type { ChainedFields } from '../../audit/hash.js';
import type { MigrationContext } from './context.js';

type Row = ChainedFields & { id: number | string; data: string | null };

const PAGE = 2000;
const UPDATE_CHUNK = 500;

async function setHashes(db: Kysely<unknown>, hashes: ReadonlyArray<readonly [number, string]>): Promise<void> {
  for (let i = 0; i < hashes.length; i += UPDATE_CHUNK) {
    const values = sql.join(hashes.slice(i, i + UPDATE_CHUNK).map(([id, hash]) => sql`(cast(${id} as bigint), cast(${hash} as text))`));
    await sql`with v(id, hash) as (values ${values}) update timeline set hash = v.hash from v where timeline.id = v.id`.execute(db);
  }
}

/** Chains every existing row, a page at a time, carrying each incident's last hash across pages. */
async function chainExisting(db: Kysely<unknown>): Promise<void> {
  let after: readonly [number, number] = [-1, -1];
  let prev: { incident: number; hash: string } | undefined;
  for (;;) {
    const page = await sql<Row>`select id, engagement_id, incident_id, at, kind, actor_type, actor_id, message, data, event_id, alert_id
      from timeline where (incident_id > ${after[0]} or (incident_id = ${after[0]} and id > ${after[1]}))
      order by incident_id, id limit ${PAGE}`.execute(db);
    if (page.rows.length === 0) return;
    const hashes: Array<readonly [number, string]> = [];
    for (const row of page.rows) {
      const incident = Number(row.incident_id);
      const hash = storedRowHash(prev?.incident === incident ? prev.hash : GENESIS, row);
      prev = { incident, hash };
      hashes.push([Number(row.id), hash]);
    }
    await setHashes(db, hashes);
    const last = page.rows.at(-1);
    if (!last) return;
    after = [Number(last.incident_id), Number(last.id)];
  }
}

async function chain(db: Kysely<unknown>, { dialect, appendOnly }: MigrationContext): Promise<void> {
  await db.schema.alterTable('timeline').addColumn('hash', 'text').execute();
  if (dialect === 'sqlite') {
    await sql`drop trigger timeline_no_update`.execute(db);
    await sql`drop trigger timeline_no_delete`.execute(db);
  } else {
    await sql`alter table timeline disable trigger timeline_append_only`.execute(db);
  }
  await chainExisting(db);
  if (dialect === 'sqlite') await appendOnly(db, 'timeline');
  else await sql`alter table timeline enable trigger timeline_append_only`.execute(db);
}

/** In one transaction on both databases (the runner opens none on SQLite), so a failure leaves the guard in place. */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (db.isTransaction) await chain(db, ctx);
  else await db.transaction().execute((trx) => chain(trx, ctx));
}
