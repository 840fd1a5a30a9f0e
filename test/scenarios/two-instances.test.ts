/**
 * Several instances on one PostgreSQL database run the engine at once:
 * 1,000 incidents escalate through three tiers with two engines claiming
 * work side by side, and every step fires once and every notification goes
 * out exactly once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { postgresOnly } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';
import { webhookReceiver } from '../support/receivers/http.js';
import type { WebhookReceiver } from '../support/receivers/http.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SECRET = 'two-instances-secret';
const INCIDENTS = 1000;

describe.each(postgresOnly())('two engines on one $name database', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-two-'));
  let db: TestDatabase | undefined;
  let a: Harness | undefined;
  let b: Harness | undefined;
  let receiver: WebhookReceiver | undefined;
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await receiver?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('1,000 incidents escalating: exactly one notification per step', async () => {
    const file = join(dir, 'acme.yaml');
    const yaml = readFileSync(DEMO, 'utf8').replace(
      /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
      '  - id: partner-noc\n    tiers:\n      - { notify: ["person:sam"], after: 0s }\n      - { notify: ["person:sam"], after: 30s }\n      - { notify: ["person:sam"], after: 60s }\n',
    );
    writeFileSync(file, yaml);
    db = await kind.create();
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    receiver = await webhookReceiver(SECRET, { clock });
    const options = {
      config: [file],
      db,
      virtualClock: clock,
      env: { TANDEM_WEBHOOK_SECRET: SECRET },
      extraArgs: ['--notify', 'live', '--webhook-url', receiver.url, '--contact-rate', '1000000'],
    };
    a = await startHarness(kind, options);
    b = await startHarness(kind, options);
    const ia = a.tandem.engine.context.instanceId;
    const ib = b.tandem.engine.context.instanceId;
    expect(ia).not.toBe(ib);

    // Events arrive through both instances.
    for (let k = 0; k < INCIDENTS; k++) {
      const via = k % 2 === 0 ? a : b;
      const res = await via.ingest('/v2/enqueue', {
        routing_key: STOREFRONT,
        event_action: 'trigger',
        dedup_key: `two-${k}`,
        payload: { summary: `Checkout ${k}`, source: 'shop', severity: 'critical' },
      });
      expect(res.statusCode).toBe(202);
    }
    const both = async () => {
      for (let round = 0; round < 6; round++) await Promise.all([a?.settle(), b?.settle()]);
    };
    await both();
    clock.advance(30_000);
    await both();
    clock.advance(30_000);
    await both();

    const database = a.tandem.database.db;
    const steps = await database
      .selectFrom('escalation_steps')
      .select(['incident_id', 'tier', 'status', 'fired_by'])
      .where('kind', '=', 'tier')
      .execute();
    expect(steps).toHaveLength(3 * INCIDENTS);
    expect(steps.every((s) => s.status === 'done')).toBe(true);
    const byInstance = new Map<string, number>();
    for (const s of steps) byInstance.set(s.fired_by ?? '', (byInstance.get(s.fired_by ?? '') ?? 0) + 1);
    // Both engines did real work.
    expect(byInstance.get(ia) ?? 0).toBeGreaterThan(0);
    expect(byInstance.get(ib) ?? 0).toBeGreaterThan(0);
    const perStep = new Map<string, number>();
    for (const s of steps) perStep.set(`${s.incident_id}/${s.tier}`, (perStep.get(`${s.incident_id}/${s.tier}`) ?? 0) + 1);
    expect([...perStep.values()].every((n) => n === 1)).toBe(true);

    const notifications = await database
      .selectFrom('notifications')
      .select(['id', 'incident_id', 'step_id', 'status', 'claimed_by'])
      .execute();
    expect(notifications).toHaveLength(3 * INCIDENTS);
    expect(notifications.every((n) => n.status === 'delivered')).toBe(true);
    // At the receiver: every incident appears exactly three times (once per tier), nothing twice.
    const seen = new Map<string, number>();
    for (const r of receiver.requests)
      for (const i of (r.body as { incidents: Array<{ number: string }> }).incidents) seen.set(i.number, (seen.get(i.number) ?? 0) + 1);
    expect(seen.size).toBe(INCIDENTS);
    expect([...seen.values()].every((n) => n === 3)).toBe(true);
    const ids = receiver.requests.map((r) => r.headers['tandem-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.verified.every(Boolean)).toBe(true);
  });
});
