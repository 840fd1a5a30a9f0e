/**
 * Heartbeats, the dead-man switch (issue 13), on a virtual clock: Acme's
 * payment settlement job calls Tandem every 5 minutes. Nothing is watched
 * before its first beat. When it goes quiet, 6 minutes (every 5m + grace 1m)
 * after the last beat one incident opens on the payments service, titled so
 * the person paged knows what went silent, and pages like any P1; more
 * silence opens nothing more; the next beat resolves it and watching starts
 * again. A restart between the beat and the deadline still opens it on time;
 * a reload with a new `every` takes effect at the next beat, and a heartbeat
 * removed from the file stops being watched. Two instances on one PostgreSQL
 * database open one incident, not two. Hostile requests (unknown or wrong
 * keys, oversized bodies, HEAD and PUT, random bodies and methods) get a
 * clear 4xx, never a 5xx, and never count as a beat by mistake.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { heartbeatModule } from '../../src/heartbeat/module.js';
import { Rng } from '../fuzz/mutate.js';
import { databaseKinds, postgresOnly } from '../support/databases.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const KEY = 'hb-settlement-0001';
const PAYMENTS_PD = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const S = 1_000;
const M = 60_000;
const TITLE = 'No heartbeat from Payment processing API (settlement job) for 6m';

const INTEGRATIONS = '      - { type: alertmanager, key: "am-payments-3c8e1f" }\n';

/** The demo with a heartbeat on payments-api (or without, when `heartbeat` is null). */
function engagementFile(
  dir: string,
  heartbeat: string | null = `{ type: heartbeat, key: "${KEY}", every: 5m, grace: 1m, name: "settlement job" }`,
): string {
  const demo = readFileSync(DEMO, 'utf8');
  if (!demo.includes(INTEGRATIONS)) throw new Error('the demo changed: no payments alertmanager integration');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, heartbeat === null ? demo : demo.replace(INTEGRATIONS, `${INTEGRATIONS}      - ${heartbeat}\n`));
  return file;
}

interface Incident {
  id: number;
  title: string;
  status: string;
  priority: string;
  service: { id: string };
  created_at: string;
}

async function beat(h: Harness, method: 'GET' | 'POST' = 'POST', key = KEY): Promise<LightMyRequestResponse> {
  return h.tandem.http.inject({ method, url: `/integrations/heartbeat/${key}` });
}

async function incidents(h: Harness, token: string): Promise<Incident[]> {
  const res = await h.api('GET', '/incidents?limit=1000', token);
  expect(res.statusCode).toBe(200);
  return res.json<{ incidents: Incident[] }>().incidents.filter((i) => i.title.startsWith('No heartbeat'));
}

async function watchOf(h: Harness) {
  return h.tandem.database.db
    .selectFrom('heartbeats')
    .select(['state', 'due_at', 'last_beat_at', 'service_id', 'beats'])
    .where('integration_key', '=', KEY)
    .executeTakeFirst();
}

describe.each(databaseKinds())('heartbeats on $name', (kind: DatabaseKind) => {
  let dir: string | undefined;
  let h: Harness | undefined;
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await db?.drop();
    db = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: { db?: TestDatabase; clock?: VirtualClock; extraArgs?: string[] } = {}): Promise<Harness> {
    dir ??= mkdtempSync(join(tmpdir(), 'tandem-heartbeat-'));
    const config = join(dir, 'acme.yaml');
    return startHarness(kind, {
      config: [config],
      ...(options.db ? { db: options.db } : {}),
      ...(options.clock ? { virtualClock: options.clock } : { start: '2026-11-24T15:00:00Z' }),
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
    });
  }

  it('silence past every + grace opens one incident, more silence nothing more, the next beat resolves it and watching restarts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-'));
    engagementFile(dir);
    h = await start();
    const admin = await h.token('admin');
    const t0 = h.clock.now();

    // Not watched before the first beat: an hour of nothing opens nothing.
    h.clock.advance(60 * M);
    await h.settle();
    expect(await incidents(h, admin)).toEqual([]);
    expect(await watchOf(h)).toBeUndefined();

    const first = await beat(h);
    expect(first.statusCode).toBe(202);
    const beatAt = t0 + 60 * M;
    expect(first.json()).toEqual({
      status: 'success',
      message: 'Beat recorded',
      due_at: new Date(beatAt + 6 * M).toISOString(),
      every: '5m',
      grace: '1m',
      resolved: false,
    });
    // Beats are not events: nothing waits in the event log.
    expect(await h.tandem.database.db.selectFrom('events').select('id').where('integration_type', '=', 'heartbeat').execute()).toEqual([]);

    // One millisecond before the deadline: nothing.
    h.clock.set(beatAt + 6 * M - 1);
    await h.settle();
    expect(await incidents(h, admin)).toEqual([]);

    // At the deadline: one incident on the payments service, paged like any alert.
    h.clock.set(beatAt + 6 * M);
    await h.settle();
    const opened = await incidents(h, admin);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      title: TITLE,
      status: 'triggered',
      service: { id: 'payments-api' },
      created_at: new Date(beatAt + 6 * M).toISOString(),
    });
    const id = opened[0]?.id ?? 0;
    const pages = await h.tandem.database.db.selectFrom('notifications').select('id').where('incident_id', '=', id).execute();
    expect(pages.length).toBeGreaterThan(0);
    const detail = (await h.api('GET', `/incidents/${id}`, admin)).json<{
      incident: { alerts: Array<{ integration: string; dedup_key: string; details: unknown }> };
    }>().incident;
    expect(detail.alerts).toHaveLength(1);
    expect(detail.alerts[0]).toMatchObject({
      integration: 'heartbeat',
      details: { heartbeat: { name: 'settlement job', every: '5m', grace: '1m' } },
    });
    expect(JSON.stringify(detail)).not.toContain(KEY);

    // Hours more of silence: still exactly one incident.
    for (let k = 0; k < 6; k++) {
      h.clock.advance(30 * M);
      await h.settle();
    }
    expect(await incidents(h, admin)).toHaveLength(1);
    expect(await watchOf(h)).toMatchObject({ state: 'silent' });

    // The job comes back (a GET, as an uptime probe would): the incident resolves.
    const back = await beat(h, 'GET');
    expect(back.statusCode).toBe(202);
    expect(back.json()).toMatchObject({ resolved: true });
    await h.settle();
    const afterBeat = await incidents(h, admin);
    expect(afterBeat).toHaveLength(1);
    expect(afterBeat[0]).toMatchObject({ status: 'resolved' });

    // Watching restarted: the next silence is a new incident.
    const backAt = h.clock.now();
    h.clock.set(backAt + 6 * M);
    await h.settle();
    const again = await incidents(h, admin);
    expect(again.map((i) => i.status).sort()).toEqual(['resolved', 'triggered']);
    expect(await watchOf(h)).toMatchObject({ state: 'silent', beats: 2 });
  });

  it('a restart between the beat and the deadline still opens the incident at the right time', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-'));
    engagementFile(dir);
    db = await kind.create();
    const clock = new VirtualClock('2026-11-24T15:00:00Z');
    let a: Harness | undefined = await start({ db, clock });
    const beatAt = clock.now();
    expect((await beat(a)).statusCode).toBe(202);
    clock.advance(2 * M);
    await a.settle();
    await a.close();
    a = undefined;

    // Down for three minutes; a new server on the same database, its loop asleep until the deadline.
    clock.advance(3 * M);
    h = await start({ db, clock });
    const admin = await h.token('admin');
    // The new loop's next wake-up is the deadline, read from the row.
    expect(clock.now()).toBe(beatAt + 5 * M);
    expect(await heartbeatModule().nextDue?.(h.tandem.engine.context)).toBe(beatAt + 6 * M);
    await h.settle();
    expect(await incidents(h, admin)).toEqual([]);
    clock.set(beatAt + 6 * M - 1);
    await h.settle();
    expect(await incidents(h, admin)).toEqual([]);
    clock.set(beatAt + 6 * M);
    await h.settle();
    const opened = await incidents(h, admin);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ title: TITLE, created_at: new Date(beatAt + 6 * M).toISOString() });
  });

  it('a reload: a new every takes effect at the next beat; a heartbeat removed from the file is no longer watched', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-'));
    engagementFile(dir);
    h = await start();
    const admin = await h.token('admin');
    expect((await beat(h)).json()).toMatchObject({ every: '5m' });

    engagementFile(dir, `{ type: heartbeat, key: "${KEY}", every: 1h, name: "settlement job" }`);
    expect((await h.tandem.reload()).ok).toBe(true);
    // The deadline of the beat before the reload stands...
    expect(Number((await watchOf(h))?.due_at)).toBe(h.clock.now() + 6 * M);
    h.clock.advance(M);
    const next = await beat(h);
    // ...the next beat takes the new every and its default grace (a fifth: 12m).
    expect(next.json()).toMatchObject({ every: '1h', grace: '12m', due_at: new Date(h.clock.now() + 72 * M).toISOString() });
    h.clock.advance(71 * M);
    await h.settle();
    expect(await incidents(h, admin)).toEqual([]);

    // Removed from the file: its deadline passes and nothing opens; the key is unknown.
    engagementFile(dir, null);
    expect((await h.tandem.reload()).ok).toBe(true);
    h.clock.advance(2 * M);
    await h.settle();
    expect(await incidents(h, admin)).toEqual([]);
    expect(await watchOf(h)).toMatchObject({ state: 'unwatched' });
    expect((await beat(h)).statusCode).toBe(404);

    // Back in the file: watched again from its next beat.
    engagementFile(dir);
    expect((await h.tandem.reload()).ok).toBe(true);
    expect((await beat(h)).statusCode).toBe(202);
    expect(await watchOf(h)).toMatchObject({ state: 'watching' });
    h.clock.advance(6 * M);
    await h.settle();
    expect(await incidents(h, admin)).toHaveLength(1);
  });

  it('hostile requests get clear errors, never a 5xx, and never count as a beat', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-'));
    engagementFile(dir);
    h = await start({ extraArgs: ['--rate-limit', '1', '--rate-burst', '3'] });
    const http = h.tandem.http;
    const url = `/integrations/heartbeat/${KEY}`;

    const unknown = await http.inject({ method: 'POST', url: '/integrations/heartbeat/no-such-key-123' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({
      status: 'invalid event',
      errors: ['the key in the URL is not an integration key of this server'],
    });

    const wrongType = await http.inject({ method: 'GET', url: `/integrations/heartbeat/${PAYMENTS_PD}` });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json<{ errors: string[] }>().errors[0]).toContain(
      'belongs to a pagerduty integration of service payments-api; send its events to POST /v2/enqueue',
    );

    const beatAsAlert = await h.ingest(`/integrations/generic/${KEY}`, { summary: 'x' });
    expect(beatAsAlert.statusCode).toBe(400);
    expect(beatAsAlert.json<{ errors: string[] }>().errors[0]).toContain('send its events to POST /integrations/heartbeat/{key}');

    const big = await http.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(600 * 1024) });
    expect(big.statusCode).toBe(413);

    for (const method of ['HEAD', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await http.inject({
        method,
        url,
        ...(method === 'HEAD' ? {} : { headers: { 'content-type': 'application/json' }, payload: '{}' }),
      });
      expect(res.statusCode, method).toBe(405);
      expect(res.headers['allow']).toBe('POST, GET');
      if (method !== 'HEAD') expect(res.json<{ error: { code: string } }>().error.code).toBe('METHOD_NOT_ALLOWED');
    }
    // None of the above was a beat.
    expect(await watchOf(h)).toBeUndefined();

    // A body of any type is ignored; the rate limit holds like on every key.
    const statuses: number[] = [];
    for (const payload of ['{"status":"ok"}', 'not json at all', '']) {
      statuses.push(
        (await http.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })).statusCode,
      );
    }
    const limited = await beat(h);
    expect([...statuses, limited.statusCode]).toEqual([202, 202, 202, 429]);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await watchOf(h)).toMatchObject({ state: 'watching', beats: 3 });
  });

  it('a little fuzz: random methods, keys, bodies and content types never make a 5xx', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-'));
    engagementFile(dir);
    h = await start();
    const rng = new Rng(0x4b3a7);
    const methods = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
    const keys = [
      KEY,
      PAYMENTS_PD,
      'am-payments-3c8e1f',
      '',
      'a',
      'x'.repeat(300),
      '%00',
      '..%2f..%2fetc',
      '😀',
      `${KEY}?x=1`,
      `${KEY}/extra`,
      '%ED%A0%80',
    ];
    const types = [
      undefined,
      'application/json',
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ];
    const answers = new Map<number, number>();
    for (let n = 0; n < 300; n++) {
      const method = methods[rng.int(methods.length)] ?? 'GET';
      const key = keys[rng.int(keys.length)] ?? KEY;
      const type = types[rng.int(types.length)];
      // Up to the 512 KB limit and past it.
      const size = [0, 1, 100, 4000, 600 * 1024][rng.int(5)] ?? 0;
      const bytes = Buffer.alloc(size, rng.int(256));
      for (let i = 0; i < Math.min(size, 4000); i++) bytes[i] = rng.int(256);
      const res = await h.tandem.http.inject({
        method,
        url: `/integrations/heartbeat/${key}`,
        ...(type ? { headers: { 'content-type': type } } : {}),
        ...(method === 'GET' || method === 'HEAD' || size === 0 ? {} : { payload: bytes }),
      });
      answers.set(res.statusCode, (answers.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `${method} ${key} ${type ?? ''} ${size}`).toBeLessThan(500);
    }
    expect(answers.get(202) ?? 0).toBeGreaterThan(0);
    expect([...answers.keys()].every((s) => [202, 400, 404, 405, 413, 415].includes(s))).toBe(true);
    // The heartbeat still works, and silence after the last beat still opens one incident.
    expect((await beat(h)).statusCode).toBe(202);
    h.clock.advance(6 * M);
    await h.settle();
    expect(await incidents(h, await h.token('admin'))).toHaveLength(1);
  });
});

describe.each(postgresOnly())('two instances on one $name database', (kind) => {
  let dir: string | undefined;
  let db: TestDatabase | undefined;
  const running: Harness[] = [];
  afterEach(async () => {
    for (const h of running.splice(0)) await h.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a silence opens one incident, not one per instance, and a beat through either resolves it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-two-'));
    const config = engagementFile(dir);
    db = await kind.create();
    const clock = new VirtualClock('2026-11-24T15:00:00Z');
    const options = { config: [config], db, virtualClock: clock };
    const a = await startHarness(kind, options);
    running.push(a);
    const b = await startHarness(kind, options);
    running.push(b);
    expect(a.tandem.engine.context.instanceId).not.toBe(b.tandem.engine.context.instanceId);
    const admin = await a.token('admin');
    const both = async () => {
      for (let round = 0; round < 4; round++) await Promise.all([a.settle(), b.settle()]);
    };

    expect((await beat(a)).statusCode).toBe(202);
    const beatAt = clock.now();
    clock.set(beatAt + 6 * M);
    await both();
    const opened = await incidents(a, admin);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.title).toBe(TITLE);
    const triggers = await a.tandem.database.db.selectFrom('events').select('id').where('integration_type', '=', 'heartbeat').execute();
    expect(triggers).toHaveLength(1);

    clock.advance(30 * M);
    await both();
    expect(await incidents(b, admin)).toHaveLength(1);

    // Beats through both instances at once: one resolve, one incident resolved, watching again.
    const answers = await Promise.all([beat(a), beat(b), beat(a, 'GET'), beat(b, 'GET')]);
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202, 202]);
    expect(answers.filter((r) => r.json<{ resolved: boolean }>().resolved)).toHaveLength(1);
    await both();
    expect((await incidents(a, admin)).map((i) => i.status)).toEqual(['resolved']);

    // Silent again: both instances look, one opens it.
    clock.advance(6 * M + S);
    await both();
    expect((await incidents(a, admin)).map((i) => i.status).sort()).toEqual(['resolved', 'triggered']);
  });
});
