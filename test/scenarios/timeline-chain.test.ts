/**
 * The tamper-evident timeline (issue 12): every entry's hash chains to the
 * one before it on the same incident, and `tandem verify` recomputes the
 * chains. Untouched data verifies; a row changed directly in the database
 * (the append-only guard lifted for the edit, as someone with the database's
 * owner rights could) is found at that entry; a deleted row breaks the chain
 * at the next; rows written before the chain existed are chained by the
 * migration.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe.each(databaseKinds())('the ends of the chains, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let dir: string;
  const verify = async (...extra: string[]) => {
    const io = recordingIo();
    const code = await main(['verify', '--engagement', 'acme', '--db', h.db.url, ...extra], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  };
  const lastEntry = async (number: number) =>
    h.tandem.database.db
      .selectFrom('timeline as t')
      .innerJoin('incidents as i', 'i.id', 't.incident_id')
      .selectAll('t')
      .where('i.number', '=', number)
      .orderBy('t.id', 'desc')
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    h = await startHarness(kind);
    dir = mkdtempSync(join(tmpdir(), 'tandem-heads-'));
    for (const key of ['db', 'web', 'dns']) {
      await h.ingest('/v2/enqueue', {
        routing_key: ACME_KEY,
        event_action: 'trigger',
        dedup_key: key,
        payload: { summary: `${key} down`, source: 's', severity: 'critical' },
      });
    }
    await h.settle();
    const responder = await h.token('responder');
    for (const n of [1, 2, 3])
      expect((await h.api('POST', `/incidents/ACME-${n}/notes`, responder, { text: `Looking at ${n}` })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('heads kept from a verification are found unchanged by a later one (--heads), while the timelines grow', async () => {
    const kept = join(dir, 'kept.json');
    writeFileSync(kept, (await verify('--json')).out);
    const responder = await h.token('responder');
    expect((await h.api('POST', '/incidents/ACME-1/notes', responder, { text: 'Later note' })).statusCode).toBe(201);
    const { code, out } = await verify('--heads', kept);
    expect(out).toContain('3 of 3 kept heads found unchanged');
    expect(code).toBe(0);
  });

  it('the last entry removed is found on PostgreSQL (the chain ends before the head the product recorded), and by kept heads on both', async () => {
    const kept = join(dir, 'before-removal.json');
    writeFileSync(kept, (await verify('--json')).out);
    const last = await lastEntry(2);
    await behindTheProductsBack(h.tandem.database, (db) => db.deleteFrom('timeline').where('id', '=', last.id).execute());
    const { code, out } = await verify('--json');
    if (kind.name === 'postgres') {
      expect(code).toBe(1);
      expect(JSON.parse(out).broken).toEqual([
        expect.objectContaining({ incident: 'ACME-2', reason: expect.stringMatching(/recorded it ending at a later entry/) }),
      ]);
    } else {
      // SQLite records no heads: the chain that is left holds, and only heads kept outside can tell.
      expect(code).toBe(0);
    }
    const against = await verify('--json', '--heads', kept);
    expect(against.code).toBe(1);
    expect(JSON.parse(against.out).broken).toContainEqual(
      expect.objectContaining({
        incident: 'ACME-2',
        entryId: Number(last.id),
        reason: expect.stringMatching(/^kept head: the entry is gone/),
      }),
    );
  });

  it('a chain rewritten with every hash and the recorded head recomputed passes alone, and fails against heads kept before', async () => {
    const kept = join(dir, 'before-forgery.json');
    writeFileSync(kept, (await verify('--json')).out);
    // The forger rewrites ACME-3's last entry and fixes its hash and the recorded head, as someone who read docs/compliance.md could.
    const last = await lastEntry(3);
    const before = await h.tandem.database.db
      .selectFrom('timeline')
      .select('hash')
      .where('incident_id', '=', last.incident_id)
      .where('id', '<', last.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const forged = { ...last, message: 'Nothing happened' };
    const hash = storedRowHash(before.hash ?? GENESIS, forged);
    await behindTheProductsBack(h.tandem.database, async (db) => {
      await db.updateTable('timeline').set({ message: forged.message, hash }).where('id', '=', last.id).execute();
      await db.updateTable('timeline_heads').set({ hash }).where('incident_id', '=', last.incident_id).execute();
    });
    const alone = await verify('--json');
    expect(JSON.parse(alone.out).broken.filter((b: { incident: string }) => b.incident === 'ACME-3')).toEqual([]);
    const against = await verify('--json', '--heads', kept);
    expect(against.code).toBe(1);
    expect(JSON.parse(against.out).broken).toContainEqual(
      expect.objectContaining({ incident: 'ACME-3', entryId: Number(last.id), reason: expect.stringMatching(/^kept head: .*rewritten/) }),
    );
  });

  it('a heads file that cannot be used is refused with what is wrong (exit 2), before the database is opened', async () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'heads: yes');
    const badHash = join(dir, 'bad-hash.json');
    writeFileSync(badHash, JSON.stringify({ heads: [{ incident: 'ACME-1', entryId: 1, hash: 'abc' }] }));
    const noHeads = join(dir, 'no-heads.json');
    writeFileSync(noHeads, JSON.stringify({ ok: true }));
    for (const [file, message] of [
      [notJson, /is not JSON/],
      [badHash, /heads\.0\.hash: a SHA-256/],
      [noHeads, /heads: /],
      [join(dir, 'missing.json'), /cannot read/],
    ] as const) {
      const r = await verify('--heads', file);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
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

      expect(await migrateToLatest(database)).toEqual(expect.arrayContaining(['0011-timeline-chain', '0012-timeline-heads']));
      const rows = await database.db.selectFrom('timeline').selectAll().orderBy('incident_id').orderBy('id').execute();
      let prev = new Map<number, string>();
      for (const r of rows) {
        expect(r.hash).toBe(storedRowHash(prev.get(Number(r.incident_id)) ?? GENESIS, r));
        prev = prev.set(Number(r.incident_id), r.hash ?? '');
      }
      expect(await verifyChains(database.db, 'acme')).toMatchObject({ incidents: 2, entries: 12, broken: [] });
      // On PostgreSQL 0012 recorded where each chain ends: the last entry's hash. SQLite keeps no head rows.
      const heads = await database.db.selectFrom('timeline_heads').selectAll().orderBy('incident_id').execute();
      expect(heads.map((x) => [Number(x.incident_id), x.hash])).toEqual(
        // The two inserts ran at once, so either may hold the lower id.
        kind.name === 'postgres' ? [one, two].sort((a, b) => Number(a) - Number(b)).map((id) => [id, prev.get(Number(id))]) : [],
      );
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
