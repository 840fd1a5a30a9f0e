/**
 * A delivery step that outlasts the lease: one escalation tier pages 200
 * people by webhook, and their receiver takes 5 s to answer each request
 * (virtual time; 16 sends in flight, so the step takes over a minute, longer
 * than the 60 s lease). Each result is committed as it arrives, the lease of
 * the messages still waiting is renewed while the step works, and a claim
 * holds no more sends than the lease covers (16 at once x 60 s / 10 s
 * timeout). So a claim never runs out while it is worked, and with two
 * instances on one database every person is paged exactly once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { createRegistry } from '../../src/notify/channel.js';
import { deliveryModule } from '../../src/paging/deliver.js';
import { databaseKinds, postgresOnly } from '../support/databases.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';
import { slowPeer, webhookReceiver } from '../support/receivers/http.js';
import type { RecordedRequest, WebhookReceiver } from '../support/receivers/http.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // cloud: the partner's NOC policy, around the clock
const SECRET = 'lease-secret';
const PEOPLE = 200;
const ANSWER_MS = 5_000;
const LEASE_MS = 60_000;
/** 16 sends in flight x (60 s lease / 10 s provider timeout). */
const SENDS_PER_CLAIM = 16 * (LEASE_MS / 10_000);

/** The demo engagement with `count` more partner people, all paged by the NOC policy's one tier. */
function engagementFile(dir: string, count: number): string {
  const ids = Array.from({ length: count }, (_, i) => `p${String(i + 1).padStart(3, '0')}`);
  const people = ids
    .map(
      (id) =>
        `  - id: ${id}\n    name: Responder ${id}\n    side: partner\n    contact: { webhook: "https://ops.nightowl.example/hooks/${id}" }\n    notify:\n      - { channel: webhook, after: 0m }\n`,
    )
    .join('');
  const yaml = readFileSync(DEMO, 'utf8')
    .replace('\npeople:\n', `\npeople:\n${people}`)
    .replace(
      /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
      `  - id: partner-noc\n    tiers:\n      - { notify: [${ids.map((id) => `"person:${id}"`).join(', ')}], after: 0m }\n`,
    );
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, yaml);
  return file;
}

async function trigger(h: Harness): Promise<void> {
  const res = await h.ingest('/v2/enqueue', {
    routing_key: STOREFRONT,
    event_action: 'trigger',
    dedup_key: 'checkout-down',
    payload: { summary: 'Checkout down', source: 'shop', severity: 'critical' },
  });
  expect(res.statusCode).toBe(202);
  await h.tandem.engine.runOnce();
  await h.tandem.escalation.runOnce();
}

/** Each person's hook path, and how many requests reached it. */
function perPerson(requests: readonly RecordedRequest[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of requests) seen.set(r.path, (seen.get(r.path) ?? 0) + 1);
  return seen;
}

function expectEachPagedOnce(receiver: WebhookReceiver): void {
  const seen = perPerson(receiver.requests);
  expect(seen.size).toBe(PEOPLE);
  expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect(receiver.requests).toHaveLength(PEOPLE);
  expect(new Set(receiver.requests.map((r) => r.headers['tandem-delivery'])).size).toBe(PEOPLE);
  expect(receiver.verified.every(Boolean)).toBe(true);
}

function setup(people = PEOPLE) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lease-'));
  const open: Array<{ close(): Promise<void> }> = [];
  let db: TestDatabase | undefined;
  return {
    file: engagementFile(dir, people),
    track<T extends { close(): Promise<void> }>(x: T): T {
      open.push(x);
      return x;
    },
    async database(kind: DatabaseKind): Promise<TestDatabase> {
      db = await kind.create();
      return db;
    },
    async close() {
      for (const x of open.reverse()) await x.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.each(databaseKinds())('a delivery step longer than the lease, on $name', (kind) => {
  let env: ReturnType<typeof setup> | undefined;
  afterEach(async () => env?.close());

  it('200 people paged through a receiver answering in 5 s: results committed as they arrive, the lease renewed, each person paged once', async () => {
    env = setup();
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    const slow = slowPeer(clock, ANSWER_MS);
    let h: Harness | undefined;
    // What the outbox looked like each time a request reached the receiver.
    const seen: Array<{ sent: number; sending: number; expired: number; recorded: number; waiting: number; wakeInMs: number }> = [];
    const errors: unknown[] = [];
    const receiver: WebhookReceiver = env.track(
      await webhookReceiver(SECRET, {
        clock,
        beforeAnswer: async (request) => {
          const sent = receiver.requests.indexOf(request) + 1;
          try {
            const now = clock.now();
            const tandem = (h as Harness).tandem;
            const rows = await tandem.database.db.selectFrom('notifications').select(['status', 'lease_until']).execute();
            // When a delivery loop (this instance's or another's) would look at the outbox again.
            const due = await deliveryModule({
              hooks: { changed: [] },
              channels: createRegistry([]),
              links: tandem.links,
              publicUrl: tandem.settings.publicUrl,
            }).nextDue?.(tandem.delivery.context);
            seen.push({
              sent,
              sending: rows.filter((r) => r.status === 'sending').length,
              expired: rows.filter((r) => r.status === 'sending' && (r.lease_until ?? 0) <= now).length,
              recorded: rows.filter((r) => r.status === 'delivered').length,
              waiting: rows.filter((r) => r.status === 'pending').length,
              wakeInMs: (due ?? Infinity) - now,
            });
          } catch (err) {
            errors.push(err);
          }
          await slow(request);
        },
      }),
    );
    const db = await env.database(kind);
    h = env.track(
      await startHarness(kind, {
        config: [env.file],
        db,
        virtualClock: clock,
        env: { TANDEM_WEBHOOK_SECRET: SECRET },
        extraArgs: ['--notify', 'live', '--webhook-url', receiver.url, '--contact-rate', '1000000'],
      }),
    );

    const started = clock.now();
    await trigger(h);
    await h.tandem.delivery.runOnce();

    expect(errors).toEqual([]);
    expectEachPagedOnce(receiver);
    // It took longer than one lease...
    expect(clock.now() - started).toBeGreaterThan(LEASE_MS);
    // ...yet no message being worked ever had its lease run out,
    expect(seen.filter((s) => s.expired > 0)).toEqual([]);
    // no claim held more than the lease covers,
    expect(Math.max(...seen.map((s) => s.sending))).toBeLessThanOrEqual(SENDS_PER_CLAIM);
    // and results were committed as they came: at most the 16 in flight were not yet recorded.
    expect(seen.filter((s) => s.recorded < s.sent - 16)).toEqual([]);
    // Once every open message is claimed, idle loops wait for the lease instead of polling the outbox.
    const allClaimed = seen.filter((s) => s.waiting === 0);
    expect(allClaimed.length).toBeGreaterThan(0);
    expect(allClaimed.filter((s) => s.wakeInMs <= 0)).toEqual([]);
    const rows = await h.tandem.database.db.selectFrom('notifications').select(['status', 'attempts']).execute();
    expect(rows).toHaveLength(PEOPLE);
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
  });
});

describe.each(postgresOnly())('two instances sharing a delivery step longer than the lease, on $name', (kind) => {
  let env: ReturnType<typeof setup> | undefined;
  afterEach(async () => env?.close());

  it('200 people paged through a receiver answering in 5 s: each paged exactly once', async () => {
    env = setup();
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    const receiver = env.track(await webhookReceiver(SECRET, { clock, beforeAnswer: slowPeer(clock, ANSWER_MS) }));
    const db = await env.database(kind);
    const options = {
      config: [env.file],
      db,
      virtualClock: clock,
      env: { TANDEM_WEBHOOK_SECRET: SECRET },
      extraArgs: ['--notify', 'live', '--webhook-url', receiver.url, '--contact-rate', '1000000'],
    };
    const a = env.track(await startHarness(kind, options));
    const b = env.track(await startHarness(kind, options));

    await trigger(a);
    // Both delivery loops poll side by side until the outbox is empty (or, before the fix, until
    // the re-sends pass twice the number of people: they never stopped by themselves).
    const outstanding = async () =>
      Number(
        (
          await a.tandem.database.db
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', 'in', ['pending', 'sending'])
            .executeTakeFirstOrThrow()
        ).n,
      );
    const poll = async (h: Harness) => {
      while ((await outstanding()) > 0 && receiver.requests.length <= 2 * PEOPLE) {
        await h.tandem.delivery.runOnce();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    await Promise.all([poll(a), poll(b)]);

    expectEachPagedOnce(receiver);
    const rows = await a.tandem.database.db.selectFrom('notifications').select(['status', 'attempts']).execute();
    expect(rows).toHaveLength(PEOPLE);
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
  });

  it('an instance frozen mid-send past its lease: the other re-sends that one message with the same delivery id, and the late result is dropped', async () => {
    env = setup(1);
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    // Instance A's provider takes the message and never answers (A is frozen mid-send); B's answers.
    const stuck = env.track(await webhookReceiver(SECRET, { clock }));
    stuck.hangNext(1);
    const live = env.track(await webhookReceiver(SECRET, { clock }));
    const db = await env.database(kind);
    const base = { config: [env.file], db, virtualClock: clock, env: { TANDEM_WEBHOOK_SECRET: SECRET } };
    const a = env.track(await startHarness(kind, { ...base, extraArgs: ['--notify', 'live', '--webhook-url', stuck.url] }));
    const b = env.track(await startHarness(kind, { ...base, extraArgs: ['--notify', 'live', '--webhook-url', live.url] }));

    await trigger(a);
    const frozen = a.tandem.delivery.runOnce();
    await stuck.waitFor(1);
    // Within A's lease, B leaves the message alone.
    await b.tandem.delivery.runOnce();
    expect(live.requests).toHaveLength(0);
    // A stays frozen past the lease: B takes the message over and re-sends it, with the same id.
    clock.advance(LEASE_MS);
    await b.tandem.delivery.runOnce();
    expect(live.requests).toHaveLength(1);
    expect(live.requests[0]?.headers['tandem-delivery']).toBe(stuck.requests[0]?.headers['tandem-delivery']);
    // A wakes up to a failed send; B's result stands.
    await stuck.close();
    await frozen;
    const row = await a.tandem.database.db
      .selectFrom('notifications')
      .select(['status', 'attempts', 'claimed_by'])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'delivered', attempts: 2, claimed_by: b.tandem.delivery.context.instanceId });
    const notes = await a.tandem.database.db
      .selectFrom('timeline')
      .select(['kind', 'message'])
      .where('kind', 'like', 'notification.%')
      .execute();
    expect(notes).toEqual([
      { kind: 'notification.delivered', message: expect.stringMatching(/^Paged Responder p001 by webhook .*: delivered on attempt 2\.$/) },
    ]);
  });
});
