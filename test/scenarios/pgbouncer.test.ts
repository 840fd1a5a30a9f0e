/**
 * Two Tandem instances reach PostgreSQL only through PgBouncer in transaction
 * mode (docs/scaling.md), with fewer server connections than the instances
 * have clients, so consecutive transactions of one client run on different
 * server connections and anything Tandem kept in a session (a lock, a
 * setting, a prepared statement) would be lost or leak to another client.
 * Both instances start at once on a fresh database (the migration lock),
 * events for the same dedup keys arrive through both while both apply
 * partitions (advisory locks per transaction), and escalation and delivery
 * run on both: one incident per key, numbers without gaps, every tier paged
 * once, an acknowledgement stops the next tier, and the CLI and the API work
 * through the pooler too. Skipped when /usr/sbin/pgbouncer is absent (Debian:
 * apt-get install pgbouncer; .ci/run installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import type { Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { postgresOnly } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { BIN, DEMO } from '../support/paths.js';
import { webhookReceiver } from '../support/receivers/http.js';
import type { WebhookReceiver } from '../support/receivers/http.js';
import { freePort, startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // a cloud service: always the partner's partner-noc
const SECRET = 'pgbouncer-test-secret';
const KEYS = 12;
const TRIGGERS = 4;
/** Acknowledged as soon as their first page arrives: their second tier must not fire. */
const ACKNOWLEDGED = 3;
/** Server connections PgBouncer keeps to the database: fewer than the two instances' 2 x 8 clients. */
const SERVER_CONNECTIONS = 4;

/** partner-noc with two tiers paging Sam by webhook, 0 s and 8 s after the incident opens. */
function fastEngagement(dir: string): string {
  const yaml = readFileSync(DEMO, 'utf8').replace(
    /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
    '  - id: partner-noc\n    tiers:\n      - { notify: ["person:sam"], after: 0s }\n      - { notify: ["person:sam"], after: 8s }\n',
  );
  if (!yaml.includes('after: 8s')) throw new Error('variant did not apply');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, yaml);
  return file;
}

interface Bouncer {
  /** The test database's URL through the pooler. */
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * PgBouncer on a free loopback port in front of the server `databaseUrl` names, in transaction mode,
 * its configuration in `dir`. PgBouncer refuses to run as root: as root it switches to `nobody`, so
 * the directory and files are made readable (they hold no secret beyond the test server's password).
 */
async function startBouncer(dir: string, databaseUrl: string): Promise<Bouncer> {
  const target = new URL(databaseUrl);
  const user = decodeURIComponent(target.username || 'postgres');
  const password = decodeURIComponent(target.password);
  const port = await freePort();
  const server = [
    `host=${target.hostname}`,
    `port=${target.port || '5432'}`,
    `user=${user}`,
    ...(password ? [`password=${password}`] : []),
  ].join(' ');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = ${server}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      // No Unix socket: nothing is written outside this directory.
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${SERVER_CONNECTIONS}`,
      // Idle server connections taken in turn, not the last one used: one client's consecutive transactions land on
      // different server connections, so anything kept in a session is lost as surely as it can be.
      'server_round_robin = 1',
      'max_client_conn = 200',
      'server_lifetime = 3600',
      'log_connections = 0',
      'log_disconnections = 0',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  chmodSync(dir, 0o755);
  for (const f of ['pgbouncer.ini', 'userlist.txt']) chmodSync(join(dir, f), 0o644);
  const asRoot = userInfo().uid === 0;
  const child: ChildProcess = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'nobody'] : []), join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pgbouncer did not listen on ${port}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = new URL(databaseUrl);
  url.port = String(port);
  url.hostname = '127.0.0.1';
  url.password = '';
  return {
    url: url.toString(),
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** How many times each incident number appeared in the webhook messages received. */
function appearances(receiver: WebhookReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of receiver.requests) {
    const body = r.body as { incidents?: Array<{ number: string }> };
    for (const i of body.incidents ?? []) counts.set(i.number, (counts.get(i.number) ?? 0) + 1);
  }
  return counts;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function enqueue(instance: ServerProcess, body: object): Promise<void> {
  const res = await fetch(`${instance.url}/v2/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ routing_key: STOREFRONT, ...body }),
  });
  expect(res.status, await res.text()).toBe(202);
}

const installed = existsSync(PGBOUNCER);
if (!installed) console.warn(`pgbouncer.test.ts skipped: ${PGBOUNCER} is absent (Debian: apt-get install pgbouncer; .ci/run installs it)`);

describe.skipIf(!installed).each(postgresOnly())('PgBouncer in transaction mode in front of $name, two instances', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pgbouncer-'));
  let db: TestDatabase | undefined;
  let bouncer: Bouncer | undefined;
  let receiver: WebhookReceiver | undefined;
  let direct: Database | undefined;
  const instances: ServerProcess[] = [];
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) await i.kill();
    await direct?.close();
    await bouncer?.stop();
    await receiver?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start together on a fresh database, one incident per key, every tier paged once, acknowledgements stop escalation', async () => {
    db = await kind.create();
    bouncer = await startBouncer(dir, db.url);
    receiver = await webhookReceiver(SECRET);
    const args = [
      '--config',
      fastEngagement(dir),
      '--db',
      bouncer.url,
      '--log-level',
      'warn',
      '--engine-poll-ms',
      '100',
      '--webhook-url',
      receiver.url,
      '--contact-rate',
      '100000',
      '--rate-limit',
      '0',
      '--pool-size',
      '8',
      '--apply-workers',
      '2',
    ];
    const env = { TANDEM_WEBHOOK_SECRET: SECRET };
    // Both at once on an empty database: the migrations run once, under a lock that holds through the pooler.
    const started = await Promise.allSettled([startServerProcess(args, { env }), startServerProcess(args, { env })]);
    // Kept before any failure is thrown, so afterAll stops the one that did start.
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [a, b] = instances;
    if (!a || !b) throw new Error('two instances expected');

    // Each key's triggers in order, alternating instances; all keys at once.
    await Promise.all(
      Array.from({ length: KEYS }, async (_, k) => {
        for (let n = 0; n < TRIGGERS; n++) {
          await enqueue((k + n) % 2 === 0 ? a : b, {
            event_action: 'trigger',
            dedup_key: `checkout-${k}`,
            payload: { summary: `Checkout errors on node ${k} (${n})`, source: 'shop', severity: 'critical' },
          });
        }
      }),
    );

    direct = await openDatabase(db.url);
    const ex = direct.db;
    await until('every event applied', async () => {
      const row = await ex
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n) === 0;
    });
    const incidents = await ex.selectFrom('incidents').select(['id', 'number', 'status']).orderBy('number').execute();
    expect(incidents.map((i) => i.number)).toEqual(Array.from({ length: KEYS }, (_, i) => i + 1));
    const alerts = await ex.selectFrom('alerts').select(['dedup_key', 'incident_id', 'event_count']).execute();
    expect(new Set(alerts.map((x) => x.dedup_key)).size).toBe(KEYS);
    expect(alerts).toHaveLength(KEYS);
    expect(alerts.every((x) => x.event_count === TRIGGERS)).toBe(true);
    expect(await ex.selectFrom('events').select('id').where('quarantined_at', 'is not', null).execute()).toEqual([]);

    // The first tier of every incident; then the first few are acknowledged through the other instance.
    const r = receiver;
    await until('tier 1 pages', () => appearances(r).size === KEYS, 30_000);
    const acknowledged = Array.from({ length: ACKNOWLEDGED }, (_, k) => `checkout-${k}`);
    await Promise.all(acknowledged.map((key, k) => enqueue(k % 2 === 0 ? b : a, { event_action: 'acknowledge', dedup_key: key })));
    await until(
      'tier 2 pages of the others',
      () => [...appearances(r).values()].reduce((x, y) => x + y, 0) >= 2 * KEYS - ACKNOWLEDGED,
      30_000,
    );
    // Time for a page that should not come (a doubled send, the acknowledged incidents' tier 2) to show up.
    await new Promise((res) => setTimeout(res, 1500));

    const number = new Map(incidents.map((i) => [i.id, `ACME-${i.number}`]));
    const ackedIds = new Set(alerts.filter((x) => acknowledged.includes(x.dedup_key)).map((x) => x.incident_id));
    const counts = appearances(receiver);
    for (const i of incidents) expect(counts.get(number.get(i.id) ?? ''), number.get(i.id)).toBe(ackedIds.has(i.id) ? 1 : 2);
    expect(receiver.verified.every(Boolean)).toBe(true);
    const ids = receiver.requests.map((q) => q.headers['tandem-delivery']);
    expect(new Set(ids).size).toBe(ids.length);

    const steps = await ex.selectFrom('escalation_steps').select(['incident_id', 'tier', 'status']).where('kind', '=', 'tier').execute();
    for (const s of steps)
      expect(s.status, `tier ${s.tier + 1} of ${number.get(s.incident_id)}`).toBe(
        ackedIds.has(s.incident_id) && s.tier > 0 ? 'cancelled' : 'done',
      );
    const acked = await ex.selectFrom('incidents').select('id').where('status', '=', 'acknowledged').execute();
    expect(new Set(acked.map((i) => i.id))).toEqual(ackedIds);

    // The pooler did pool: the database saw at most its server connections (and this test's own).
    const backends = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_stat_activity where datname = ${new URL(db.url).pathname.slice(1)}`.execute(ex);
    expect(backends.rows[0]?.n).toBeLessThanOrEqual(SERVER_CONNECTIONS + 1);

    // A command (a token) and the API through the pooler too.
    const token = spawnSync(process.execPath, [BIN, 'token', 'create', '--db', bouncer.url, '--engagement', 'acme', '--role', 'viewer'], {
      encoding: 'utf8',
    });
    expect(token.status, token.stderr).toBe(0);
    const secret = token.stdout.trim().split('\n').pop() ?? '';
    const res = await fetch(`${b.url}/api/v1/incidents?status=acknowledged`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    const listed = (await res.json()) as { incidents?: Array<{ number: string }> };
    expect(new Set((listed.incidents ?? []).map((i) => i.number))).toEqual(new Set([...ackedIds].map((id) => number.get(id))));

    for (const i of instances) expect(i.output()).not.toMatch(/could not be applied|engine module failed/);
    for (const i of instances) expect(await i.stop()).toBe(0);
  });
  it('migrations from four processes at once through the pooler: one migrates, none fails, no lock is left held', async () => {
    const own = mkdtempSync(join(tmpdir(), 'tandem-pgbouncer-migrate-'));
    const fresh = await kind.create();
    const pooler = await startBouncer(own, fresh.url);
    const pools: Database[] = [];
    const watch = new pg.Client({ connectionString: fresh.url });
    try {
      for (let i = 0; i < 4; i++) pools.push(await openDatabase(pooler.url, { poolSize: 2 }));
      const applied = await Promise.all(pools.map((d) => migrateToLatest(d)));
      const counts = applied.map((a) => a.length).sort((x, y) => y - x);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts.slice(1)).toEqual([0, 0, 0]);
      // While the pooler still holds its server connections: a session lock taken through it would still be held there.
      await watch.connect();
      const { rows } = await watch.query<{ n: number }>(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
      );
      expect(rows[0]?.n).toBe(0);
    } finally {
      // The pooler first: a migration stuck behind a leaked lock then fails instead of keeping its pool from closing.
      await pooler.stop();
      for (const d of pools) await d.close();
      await watch.end().catch(() => {});
      await fresh.drop();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
