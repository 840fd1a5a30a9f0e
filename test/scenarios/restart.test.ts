/**
 * The engine is restartable: kill the server with SIGKILL while escalations
 * are pending, start it again after their due times, and every overdue step
 * fires exactly once — nothing lost, nothing doubled.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { databaseKinds } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { DEMO } from '../support/paths.js';
import { webhookReceiver } from '../support/receivers/http.js';
import type { WebhookReceiver } from '../support/receivers/http.js';
import { startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // a cloud service: always the partner's partner-noc
const SECRET = 'restart-test-secret';
const INCIDENTS = 10;

/** partner-noc with tiers seconds apart, all paging Sam by webhook, so the test runs in seconds. */
function fastEngagement(dir: string): string {
  const yaml = readFileSync(DEMO, 'utf8').replace(
    /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
    '  - id: partner-noc\n    tiers:\n      - { notify: ["person:sam"], after: 0s }\n      - { notify: ["person:sam"], after: 4s }\n      - { notify: ["person:sam"], after: 8s }\n',
  );
  if (!yaml.includes('after: 8s')) throw new Error('variant did not apply');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, yaml);
  return file;
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

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(databaseKinds())('restart: SIGKILL with escalations pending, on $name', (kind) => {
  let db: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (server?.child.exitCode === null) await server.kill();
    await receiver?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every overdue step fires exactly once after the restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-restart-'));
    db = await kind.create();
    receiver = await webhookReceiver(SECRET);
    const args = [
      '--config',
      fastEngagement(dir),
      '--db',
      db.url,
      '--log-level',
      'warn',
      '--engine-poll-ms',
      '100',
      '--webhook-url',
      receiver.url,
      '--contact-rate',
      '100000',
    ];
    const env = { TANDEM_WEBHOOK_SECRET: SECRET };
    server = await startServerProcess(args, { env });
    const opened = Date.now();
    for (let i = 0; i < INCIDENTS; i++) {
      const res = await fetch(`${server.url}/v2/enqueue`, {
        method: 'POST',
        body: JSON.stringify({
          routing_key: STOREFRONT,
          event_action: 'trigger',
          dedup_key: `r-${i}`,
          payload: { summary: `Checkout error ${i}`, source: 'shop', severity: 'critical' },
        }),
      });
      expect(res.status).toBe(202);
    }
    const r = receiver;
    await until('tier 1 pages', () => appearances(r).size === INCIDENTS);
    // Wait for the deliveries to be recorded too. (A kill between a send and its record would
    // re-send that one message after its lease: at-least-once, with the same Tandem-Delivery id.)
    const watch = await openDatabase(db.url);
    const deadline = Date.now() + 5000;
    while (
      (await watch.db.selectFrom('notifications').select('id').where('status', '=', 'delivered').execute()).length < INCIDENTS &&
      Date.now() < deadline
    ) {
      await new Promise((res) => setTimeout(res, 20));
    }
    await watch.close();
    // Tier 1 went out; tiers 2 (+4s) and 3 (+8s) are rows in the database. Kill it.
    await server.kill();
    const pagesBeforeKill = receiver.requests.length;
    // The kill left escalation steps pending (whatever the machine's speed, tier 3 at +8s is):
    // those are the ones the restart must fire exactly once.
    const killed = await openDatabase(db.url);
    const pending = await killed.db.selectFrom('escalation_steps').select('id').where('status', '!=', 'done').execute();
    await killed.close();
    expect(pending.length).toBeGreaterThanOrEqual(INCIDENTS);

    // Down past both due times.
    await new Promise((res) => setTimeout(res, Math.max(0, opened + 9000 - Date.now())));
    expect(receiver.requests.length).toBe(pagesBeforeKill);
    server = await startServerProcess(args, { env });
    await until('tiers 2 and 3 after the restart', () => [...appearances(r).values()].reduce((a, b) => a + b, 0) >= 3 * INCIDENTS);
    // Give any duplicate the time to show up.
    await new Promise((res) => setTimeout(res, 1500));
    const counts = appearances(receiver);
    expect(counts.size).toBe(INCIDENTS);
    expect([...counts.values()]).toEqual(new Array<number>(INCIDENTS).fill(3));
    expect(receiver.verified.every(Boolean)).toBe(true);
    // Every delivery carried its own id: none was sent twice.
    const ids = receiver.requests.map((q) => q.headers['tandem-delivery']);
    expect(new Set(ids).size).toBe(ids.length);

    const check = await openDatabase(db.url);
    try {
      const steps = await check.db
        .selectFrom('escalation_steps')
        .select(['incident_id', 'tier', 'status'])
        .where('kind', '=', 'tier')
        .execute();
      expect(steps).toHaveLength(3 * INCIDENTS);
      expect(steps.every((s) => s.status === 'done')).toBe(true);
      const notifications = await check.db.selectFrom('notifications').select(['status']).execute();
      expect(notifications.map((n) => n.status)).toEqual(new Array<string>(3 * INCIDENTS).fill('delivered'));
    } finally {
      await check.close();
    }
    await server.stop();
  });
});
