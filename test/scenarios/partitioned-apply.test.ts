/**
 * An MSP runs three Tandem instances on one PostgreSQL database. Events for
 * the same dedup keys arrive through all three, interleaved, while each
 * instance applies the partitions it holds (src/events/partition.ts); one
 * instance is killed in the middle of it. Every key still has exactly one
 * open incident at a time, each engagement's incident numbers run 1..N with
 * no gap and no repeat, nothing is set aside, and the dead instance's
 * partitions are applied by the others.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import type { Database } from '../../src/db/connect.js';
import { postgresOnly } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { DEMO } from '../support/paths.js';
import { startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

const SERVICES = 16;
const KEYS_PER_SERVICE = 3;
const TRIGGERS = 8;
const ENGAGEMENTS = ['acme', 'globex'] as const;

const routingKey = (engagement: string, service: number) => `${engagement.slice(0, 4)}${String(service).padStart(4, '0')}`.padEnd(32, 'e');

/** The demo engagement as `id`, with its services replaced by 16 infrastructure services, one PagerDuty key each. */
function engagementFile(dir: string, id: string): string {
  const demo = readFileSync(DEMO, 'utf8');
  const start = demo.indexOf('\nservices:');
  const end = demo.indexOf('\n# Event severity');
  const services = Array.from({ length: SERVICES }, (_, i) =>
    [
      `  - id: svc-${i}`,
      `    name: Service ${i}`,
      '    function: infrastructure',
      '    criticality: 2',
      '    integrations:',
      `      - { type: pagerduty, key: "${routingKey(id, i)}" }`,
    ].join('\n'),
  );
  let yaml = `${demo.slice(0, start)}\nservices:\n${services.join('\n')}\n${demo.slice(end)}`;
  // The demo's status page names the demo's services, which are gone here.
  const page = yaml.indexOf('\nstatus_page:');
  if (page >= 0) {
    const rest = yaml.slice(page + 1);
    const next = rest.search(/\n[a-z_]+:/);
    yaml = yaml.slice(0, page + 1) + (next < 0 ? '' : rest.slice(next + 1));
  }
  yaml = yaml.replace('  id: acme\n', `  id: ${id}\n`).replaceAll('@acme.example', `@${id}.example`);
  const file = join(dir, `${id}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

interface Key {
  readonly engagement: string;
  readonly service: number;
  readonly dedupKey: string;
  /** Resolved after half its triggers, so the second half opens a second incident. */
  readonly reopens: boolean;
}

/** Posts one event, through `instances[i]` or, when that one is down, the next that answers. */
async function send(instances: ServerProcess[], first: number, body: unknown): Promise<void> {
  for (let attempt = 0; attempt < instances.length * 3; attempt++) {
    const target = instances[(first + attempt) % instances.length];
    if (!target || target.child.exitCode !== null || target.child.signalCode !== null) continue;
    try {
      const res = await fetch(`${target.url}/v2/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status === 202) return;
      throw new Error(`status ${res.status}: ${await res.text()}`);
    } catch (err) {
      // The instance died under the request: a retry elsewhere is a re-trigger at worst (same dedup key).
      if (attempt === instances.length * 3 - 1) throw err;
    }
  }
  throw new Error('no instance answered');
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openedBy(instance: ServerProcess): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('tandem_incidents_opened_total{')) sum += Number(line.split(' ').pop());
  return sum;
}

describe.each(postgresOnly())('partitioned application: three instances on one $name database', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-partitions-'));
  let db: TestDatabase | undefined;
  let database: Database | undefined;
  const instances: ServerProcess[] = [];
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) await i.kill();
    await database?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('interleaved events for the same keys through three instances, one killed midway: one incident per key at a time, numbers without gaps', async () => {
    db = await kind.create();
    const files = ENGAGEMENTS.map((id) => engagementFile(dir, id));
    const args = [
      ...files.flatMap((f) => ['--config', f]),
      '--db',
      db.url,
      '--log-level',
      'warn',
      '--engine-poll-ms',
      '50',
      '--apply-workers',
      '3',
      '--rate-limit',
      '0',
      '--max-event-lag',
      '0',
    ];
    // One starts first, so the others find the schema migrated.
    instances.push(await startServerProcess(args));
    instances.push(...(await Promise.all([startServerProcess(args), startServerProcess(args)])));

    const keys: Key[] = ENGAGEMENTS.flatMap((engagement) =>
      Array.from({ length: SERVICES * KEYS_PER_SERVICE }, (_, k) => ({
        engagement,
        service: k % SERVICES,
        dedupKey: `disk-${k}`,
        reopens: k % 2 === 0,
      })),
    );
    const event = (key: Key, action: 'trigger' | 'resolve', n: number) => ({
      routing_key: routingKey(key.engagement, key.service),
      event_action: action,
      dedup_key: key.dedupKey,
      payload: { summary: `Disk filling on host ${key.dedupKey} (${n})`, source: 'node-exporter', severity: 'warning' },
    });
    let sent = 0;
    const total = keys.reduce((n, k) => n + TRIGGERS + (k.reopens ? 1 : 0), 0);
    let killed = false;
    // Each key's events in order, each through the next instance; all keys at once.
    await Promise.all(
      keys.map(async (key, k) => {
        for (let n = 0; n < TRIGGERS; n++) {
          if (key.reopens && n === TRIGGERS / 2) {
            await send(instances, k + n, event(key, 'resolve', n));
            sent++;
          }
          await send(instances, k + n, event(key, 'trigger', n));
          sent++;
          if (!killed && sent >= total / 2) {
            killed = true;
            // Killed while it holds partitions: its locks die with its connections.
            await instances[0]?.kill();
          }
        }
      }),
    );
    expect(killed).toBe(true);

    database = await openDatabase(db.url);
    const ex = database.db;
    await until('every accepted event applied by the two left', async () => {
      const row = await ex
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n) === 0;
    });

    expect(await ex.selectFrom('events').select('id').where('quarantined_at', 'is not', null).execute()).toEqual([]);

    const incidents = await ex.selectFrom('incidents').select(['id', 'engagement_id', 'number', 'status']).orderBy('id').execute();
    const alerts = await ex
      .selectFrom('alerts')
      .select(['engagement_id', 'service_id', 'dedup_key', 'incident_id', 'status', 'created_at'])
      .orderBy('id')
      .execute();
    for (const key of keys) {
      const mine = alerts.filter(
        (a) => a.engagement_id === key.engagement && a.service_id === `svc-${key.service}` && a.dedup_key === key.dedupKey,
      );
      // One incident per key, or two where it was resolved in between; never two open at once.
      expect(mine.length, `${key.engagement}/${key.dedupKey} on svc-${key.service}`).toBe(key.reopens ? 2 : 1);
      expect(new Set(mine.map((a) => a.incident_id)).size).toBe(mine.length);
      expect(mine.filter((a) => a.status !== 'resolved')).toHaveLength(1);
      if (key.reopens) expect(mine[0]?.status).toBe('resolved');
    }
    for (const engagement of ENGAGEMENTS) {
      const numbers = incidents
        .filter((i) => i.engagement_id === engagement)
        .map((i) => i.number)
        .sort((a, b) => a - b);
      const expected = keys.filter((k) => k.engagement === engagement).reduce((n, k) => n + (k.reopens ? 2 : 1), 0);
      expect(numbers).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    }
    // No two appliers ever took one partition: no batch collided with another and had to be applied again one by one.
    for (const i of instances) expect(i.output()).not.toContain('could not be applied');
    // The two survivors both applied events: partitions were spread over instances, not taken by one.
    const opened = await Promise.all(instances.slice(1).map(openedBy));
    expect(opened.every((n) => n > 0)).toBe(true);
  });
});
