/**
 * The tamper-evident timeline (issue 12): every entry's hash chains to the
 * one before it on the same incident, and `tandem verify` recomputes the
 * chains. Untouched data verifies; a row changed directly in the database
 * (the append-only guard lifted for the edit, as someone with the database's
 * owner rights could) is found at that entry; a deleted row breaks the chain
 * at the next; rows written before the chain existed are chained by the
 * migration.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainReport } from '../../src/audit/chain.js';
import { verifyChains } from '../../src/audit/chain.js';
import { GENESIS, storedRowHash } from '../../src/audit/hash.js';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { openDatabase } from '../../src/db/connect.js';
import type { Database } from '../../src/db/connect.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { appendTimeline } from '../../src/incident/store.js';
import type { DB } from '../../src/db/schema.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const ACME_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

/** Runs `edit` with the timeline's append-only guard lifted, and puts the guard back. */
async function behindTheProductsBack(database: Database, edit: (db: Kysely<DB>) => Promise<unknown>): Promise<void> {
  const db = database.db;
  if (database.dialect === 'sqlite') {
    await sql`drop trigger timeline_no_update`.execute(db);
    await sql`drop trigger timeline_no_delete`.execute(db);
  } else {
    await sql`alter table timeline disable trigger timeline_append_only`.execute(db);
  }
  try {
    await edit(db);
  } finally {
    if (database.dialect === 'sqlite') {
      for (const op of ['update', 'delete']) {
        await sql
          .raw(`create trigger timeline_no_${op} before ${op} on timeline begin select raise(abort, 'timeline is append-only'); end`)
          .execute(db);
      }
    } else {
      await sql`alter table timeline enable trigger timeline_append_only`.execute(db);
    }
  }
}

describe.each(databaseKinds())('the tamper-evident timeline, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  async function verify(): Promise<{ code: number; report: ChainReport & { ok: boolean }; text: string }> {
    const io = recordingIo();
    const code = await main(['verify', '--engagement', 'acme', '--db', h.db.url, '--json'], io);
    const human = recordingIo();
    await main(['verify', '--engagement', 'acme', '--db', h.db.url], human);
    return { code, report: JSON.parse(io.stdout.join('\n')), text: human.stdout.join('\n') };
  }
  const entriesOf = async (incident: string) =>
    h.tandem.database.db
      .selectFrom('timeline as t')
      .innerJoin('incidents as i', 'i.id', 't.incident_id')
      .select(['t.id', 't.message'])
      .where('i.number', '=', Number(incident.split('-')[1]))
      .orderBy('t.id')
      .execute();

  beforeAll(async () => {
    h = await startHarness(kind);
    const responder = await h.token('responder');
    for (const [key, summary] of [
      ['db', 'Database down'],
      ['web', 'Storefront slow'],
      ['db', 'Database down'],
    ] as const) {
      await h.ingest('/v2/enqueue', {
        routing_key: ACME_KEY,
        event_action: 'trigger',
        dedup_key: key,
        payload: { summary, source: 's', severity: 'critical' },
      });
    }
    await h.settle();
    expect((await h.api('POST', '/incidents/ACME-1/acknowledge', responder)).statusCode).toBe(200);
    expect((await h.api('POST', '/incidents/ACME-1/notes', responder, { text: 'Failing over to the replica' })).statusCode).toBe(201);
    await h.ingest('/v2/enqueue', {
      routing_key: ACME_KEY,
      event_action: 'trigger',
      dedup_key: 'db',
      payload: { summary: 'Database down', source: 's', severity: 'critical' },
    });
    await h.settle();
  });
  afterAll(async () => h.close());

  it('untouched timelines verify: exit 0, every entry counted, one head per incident', async () => {
    const { code, report, text } = await verify();
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.broken).toEqual([]);
    expect(report.incidents).toBe(2);
    const all = [...(await entriesOf('ACME-1')), ...(await entriesOf('ACME-2'))];
    expect(report.entries).toBe(all.length);
    expect(report.heads.map((x) => x.incident)).toEqual(['ACME-1', 'ACME-2']);
    const last = (await entriesOf('ACME-1')).at(-1) ?? { id: -1 };
    expect(report.heads[0]).toMatchObject({ entryId: Number(last.id), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(text).toBe(`acme: ${all.length} timeline entries of 2 incidents verified; every chain holds`);
  });

  it('concurrent writes to one incident chain one after the other: no fork', async () => {
    const responder = await h.token('responder');
    const notes = Array.from({ length: 24 }, (_, i) => h.api('POST', '/incidents/ACME-2/notes', responder, { text: `Note ${i}` }));
    const triggers = Array.from({ length: 6 }, () =>
      h.ingest('/v2/enqueue', {
        routing_key: ACME_KEY,
        event_action: 'trigger',
        dedup_key: 'web',
        payload: { summary: 'Storefront slow', source: 's', severity: 'critical' },
      }),
    );
    const results = await Promise.all([...notes, ...triggers, h.settle(), h.settle()]);
    await h.settle();
    expect(results.slice(0, 24).map((r) => r && 'statusCode' in r && r.statusCode)).toEqual(Array(24).fill(201));
    const { code, report } = await verify();
    expect(report.broken).toEqual([]);
    expect(code).toBe(0);
  });

  it('an entry changed in the database is found at that entry, and only that incident is broken', async () => {
    const entries = await entriesOf('ACME-1');
    const target = entries.find((e) => e.message === 'Failing over to the replica') ?? { id: -1, message: '' };
    await behindTheProductsBack(h.tandem.database, (db) =>
      db.updateTable('timeline').set({ message: 'Nothing to see' }).where('id', '=', target.id).execute(),
    );
    const { code, report, text } = await verify();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.broken).toEqual([
      { incident: 'ACME-1', entryId: Number(target.id), at: expect.any(String), reason: expect.stringMatching(/changed/) },
    ]);
    expect(text).toContain(`ACME-1  entry ${target.id}`);
    // Put back as it was, the chain holds again: the hash is of the content, nothing else.
    await behindTheProductsBack(h.tandem.database, (db) =>
      db.updateTable('timeline').set({ message: target.message }).where('id', '=', target.id).execute(),
    );
    expect((await verify()).code).toBe(0);
  });

  it("a changed data field breaks the chain too (data is hashed as canonical JSON, so the keys' order is not a change)", async () => {
    const row = await h.tandem.database.db
      .selectFrom('timeline')
      .select(['id', 'data'])
      .where('data', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const data = JSON.parse(row.data ?? 'null') as Record<string, unknown>;
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(data).reverse()), null, 2);
    await behindTheProductsBack(h.tandem.database, (db) =>
      db.updateTable('timeline').set({ data: reordered }).where('id', '=', row.id).execute(),
    );
    expect((await verify()).code).toBe(0);
    await behindTheProductsBack(h.tandem.database, (db) =>
      db
        .updateTable('timeline')
        .set({ data: JSON.stringify({ ...data, forged: true }) })
        .where('id', '=', row.id)
        .execute(),
    );
    expect((await verify()).report.broken).toEqual([expect.objectContaining({ entryId: Number(row.id) })]);
    await behindTheProductsBack(h.tandem.database, (db) =>
      db.updateTable('timeline').set({ data: row.data }).where('id', '=', row.id).execute(),
    );
    expect((await verify()).code).toBe(0);
  });

  it('a deleted entry breaks the chain at the entry after it', async () => {
    const entries = await entriesOf('ACME-2');
    expect(entries.length).toBeGreaterThan(2);
    const [, removed, next] = entries;
    await behindTheProductsBack(h.tandem.database, (db) =>
      db
        .deleteFrom('timeline')
        .where('id', '=', removed?.id ?? -1)
        .execute(),
    );
    const { code, report } = await verify();
    expect(code).toBe(1);
    expect(report.broken).toEqual([
      expect.objectContaining({ incident: 'ACME-2', entryId: Number(next?.id), reason: expect.stringMatching(/removed/) }),
    ]);
  });

  it('the guard is back after each edit: the product still cannot rewrite the timeline', async () => {
    await expect(h.tandem.database.db.updateTable('timeline').set({ message: 'edited' }).execute()).rejects.toThrow(/append-only/);
    await expect(h.tandem.database.db.deleteFrom('timeline').execute()).rejects.toThrow(/append-only/);
  });
});

describe.each(databaseKinds())('migration 0011 chains the timeline written before it, on $name', (kind: DatabaseKind) => {
  it('pre-existing rows are chained per incident in id order, verify, and new entries continue the chain', async () => {
    const testDb = await kind.create();
    const database = await openDatabase(testDb.url);
    try {
      await migrateTo(database, '0010-security-detections');
      // The schema before 0011: no hash column, so the rows are inserted without one.
      const db = database.db;
      await db
        .insertInto('engagements')
        .values({
          id: 'acme',
          name: 'Acme',
          timezone: 'UTC',
          config: '{}',
          config_hash: 'x',
          file: 'acme.yaml',
          incident_prefix: 'ACME',
          next_incident_number: 3,
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      const incident = (n: number) => ({
        engagement_id: 'acme',
        number: n,
        service_id: 'db',
        title: `Incident ${n}`,
        severity: 'critical',
        priority: 'P1',
        status: 'triggered',
        created_at: n,
        updated_at: n,
        alert_count: 0,
        open_alert_count: 0,
      });
      const [one, two] = await Promise.all(
        [1, 2].map(async (n) => (await db.insertInto('incidents').values(incident(n)).returning('id').executeTakeFirstOrThrow()).id),
      );
      const entry = (incidentId: number, i: number) => ({
        engagement_id: 'acme',
        incident_id: incidentId,
        at: 1_700_000_000_000 + i,
        kind: i === 0 ? 'incident.triggered' : 'note',
        actor_type: 'system',
        actor_id: null,
        message: `entry ${i}`,
        data: i % 2 ? JSON.stringify({ z: i, a: [1, { y: 2, b: null }] }) : null,
        event_id: null,
        alert_id: i === 0 ? null : i,
      });
      // Interleaved, as two incidents' timelines are.
      for (let i = 0; i < 6; i++)
        await db
          .insertInto('timeline')
          .values([entry(one ?? -1, i), entry(two ?? -1, i)])
          .execute();

      expect(await migrateToLatest(database)).toContain('0011-timeline-chain');
      const rows = await database.db.selectFrom('timeline').selectAll().orderBy('incident_id').orderBy('id').execute();
      let prev = new Map<number, string>();
      for (const r of rows) {
        expect(r.hash).toBe(storedRowHash(prev.get(Number(r.incident_id)) ?? GENESIS, r));
        prev = prev.set(Number(r.incident_id), r.hash ?? '');
      }
      expect(await verifyChains(database.db, 'acme')).toMatchObject({ incidents: 2, entries: 12, broken: [] });
      await database.db.transaction().execute((trx) =>
        appendTimeline(
          trx,
          [
            {
              engagementId: 'acme',
              incidentId: one ?? -1,
              at: 1_800_000_000_000,
              kind: 'note',
              actor: { type: 'system', id: null },
              message: 'after',
            },
          ],
          database,
        ),
      );
      expect(await verifyChains(database.db, 'acme')).toMatchObject({ incidents: 2, entries: 13, broken: [] });
      await expect(database.db.updateTable('timeline').set({ message: 'edited' }).execute()).rejects.toThrow(/append-only/);
      await expect(database.db.deleteFrom('timeline').execute()).rejects.toThrow(/append-only/);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
