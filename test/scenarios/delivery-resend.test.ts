/**
 * A re-sent message is the message that was sent: same delivery id, same
 * pages. Instance A sends a bundle of three pages to one person and stops
 * before recording the result (its receiver takes the message and never
 * answers: for the outbox this is SIGKILL between the send and the record).
 * When A's lease runs out, instance B re-sends it. Meanwhile incidents were
 * acknowledged and new pages came due for the same person. Before the fix B
 * re-bundled whatever its claim found: with the first page's incident
 * acknowledged, the other two came again under a new id (a duplicate for a
 * receiver that drops ids it has seen), and a new page rode in the re-sent
 * bundle under the old id (missed by that receiver). Also: a bundle retried
 * after a failure keeps its id and pages while new pages wait in the outbox.
 * On SQLite and PostgreSQL; the two instances share one database.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';
import { webhookReceiver } from '../support/receivers/http.js';
import type { RecordedRequest, WebhookReceiver } from '../support/receivers/http.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // cloud: the partner's NOC policy, around the clock
const SECRET = 'resend-secret';
const LEASE_MS = 60_000;

/** The demo engagement with the partner's NOC policy paging one person, Pat, by webhook at once (no repeat). */
function engagementFile(dir: string): string {
  const yaml = readFileSync(DEMO, 'utf8')
    .replace(
      '\npeople:\n',
      '\npeople:\n  - id: pat\n    name: Pat Quinn\n    side: partner\n    contact: { webhook: "https://ops.nightowl.example/hooks/pat" }\n    notify:\n      - { channel: webhook, after: 0m }\n',
    )
    .replace(
      /  - id: partner-noc\n    tiers:\n(      - .*\n)+    repeat: 2\n/,
      '  - id: partner-noc\n    tiers:\n      - { notify: ["person:pat"], after: 0m }\n',
    );
  if (!yaml.includes('"person:pat"')) throw new Error('variant did not apply');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** What a receiver that drops delivery ids it has seen keeps of a message. */
interface Message {
  id: string;
  incidents: string[];
}

function message(r: RecordedRequest | undefined): Message {
  const body = r?.body as { incidents?: Array<{ number: string }> } | undefined;
  return { id: String(r?.headers['tandem-delivery']), incidents: (body?.incidents ?? []).map((i) => i.number) };
}

/** The pages a receiver that drops delivery ids it has already seen shows: incident numbers, each time it showed them. */
function shownByDedupingReceiver(messages: readonly Message[]): string[] {
  const seen = new Set<string>();
  const shown: string[] = [];
  for (const m of messages) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    shown.push(...m.incidents);
  }
  return shown.sort();
}

describe.each(databaseKinds())('a re-sent message is the message that was sent, on $name', (kind: DatabaseKind) => {
  const open: Array<{ close(): Promise<void> }> = [];
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
    await db?.drop();
    db = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function track<T extends { close(): Promise<void> }>(x: T): T {
    open.push(x);
    return x;
  }

  async function trigger(h: Harness, dedup: string): Promise<void> {
    const res = await h.ingest('/v2/enqueue', {
      routing_key: STOREFRONT,
      event_action: 'trigger',
      dedup_key: dedup,
      payload: { summary: `Checkout ${dedup} down`, source: 'shop', severity: 'critical' },
    });
    expect(res.statusCode).toBe(202);
    await h.tandem.engine.runOnce();
    await h.tandem.escalation.runOnce();
  }

  async function acknowledge(h: Harness, number: string): Promise<void> {
    const token = await h.token('responder', ['acme'], 'sam');
    expect((await h.api('POST', `/incidents/${number}/acknowledge`, token)).statusCode).toBe(200);
  }

  /**
   * A pages Pat about ACME-1..3 in one bundle and stops before recording it; B takes over the
   * outbox. `meanwhile` runs on B before A's lease runs out.
   */
  async function sentThenStopped(meanwhile: (b: Harness) => Promise<void>) {
    dir = mkdtempSync(join(tmpdir(), 'tandem-resend-'));
    const file = engagementFile(dir);
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    const stopped = track(await webhookReceiver(SECRET, { clock }));
    stopped.hangNext(1);
    const receiver = track(await webhookReceiver(SECRET, { clock }));
    db = await kind.create();
    const base = { config: [file], db, virtualClock: clock, env: { TANDEM_WEBHOOK_SECRET: SECRET } };
    const a = track(await startHarness(kind, { ...base, extraArgs: ['--notify', 'live', '--webhook-url', stopped.url] }));
    const b = track(await startHarness(kind, { ...base, extraArgs: ['--notify', 'live', '--webhook-url', receiver.url] }));
    for (const key of ['one', 'two', 'three']) await trigger(b, key);
    const frozen = a.tandem.delivery.runOnce();
    await stopped.waitFor(1);
    const sent = message(stopped.requests[0]);
    expect(sent.incidents).toEqual(['ACME-1', 'ACME-2', 'ACME-3']);
    await meanwhile(b);
    clock.advance(LEASE_MS);
    await b.tandem.delivery.runOnce();
    // A wakes to a failed send; whatever B recorded stands.
    await stopped.close();
    await frozen;
    return { sent, resent: receiver.requests.map(message), b };
  }

  it("the first page's incident acknowledged meanwhile: the bundle is re-sent as it was, under its id", async () => {
    const { sent, resent } = await sentThenStopped(async (b) => {
      await acknowledge(b, 'ACME-1');
      await acknowledge(b, 'ACME-2');
    });
    expect(resent).toEqual([sent]);
  });

  it('a new page for the same person meanwhile: it goes in a message of its own, not in the re-sent bundle', async () => {
    const { sent, resent, b } = await sentThenStopped(async (h) => trigger(h, 'four'));
    expect(resent).toHaveLength(2);
    expect(resent).toContainEqual(sent);
    const fresh = resent.find((m) => m.id !== sent.id);
    expect(fresh?.incidents).toEqual(['ACME-4']);
    // A receiver that drops ids it has seen still shows every page once.
    expect(shownByDedupingReceiver([sent, ...resent])).toEqual(['ACME-1', 'ACME-2', 'ACME-3', 'ACME-4']);
    const rows = await b.tandem.database.db.selectFrom('notifications').select(['status']).execute();
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
  });

  it('every incident of the bundle acknowledged meanwhile: nothing is re-sent', async () => {
    const { resent, b } = await sentThenStopped(async (h) => {
      for (const n of ['ACME-1', 'ACME-2', 'ACME-3']) await acknowledge(h, n);
    });
    expect(resent).toEqual([]);
    const rows = await b.tandem.database.db.selectFrom('notifications').select(['status']).execute();
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('a bundle retried after a failure keeps its id and its pages; a page that came due meanwhile goes on its own', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-resend-'));
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    const receiver: WebhookReceiver = track(await webhookReceiver(SECRET, { clock }));
    // A timeout or a 503 after the receiver acted on the message: it may have it already.
    receiver.failNext(1, 503, 'Service Unavailable');
    db = await kind.create();
    const h = track(
      await startHarness(kind, {
        config: [engagementFile(dir)],
        db,
        virtualClock: clock,
        env: { TANDEM_WEBHOOK_SECRET: SECRET },
        extraArgs: ['--notify', 'live', '--webhook-url', receiver.url],
      }),
    );
    for (const key of ['one', 'two']) await trigger(h, key);
    await h.tandem.delivery.runOnce();
    // During the 10 s backoff ACME-1 is acknowledged and ACME-3 pages Pat; both are due when the retry is.
    clock.advance(5_000);
    await acknowledge(h, 'ACME-1');
    await trigger(h, 'three');
    clock.advance(5_000);
    await h.tandem.delivery.runOnce();
    const [first, ...later] = receiver.requests.map(message);
    expect(first?.incidents).toEqual(['ACME-1', 'ACME-2']);
    expect(later).toHaveLength(2);
    expect(later).toContainEqual(first);
    const fresh = later.find((m) => m.id !== first?.id);
    expect(fresh?.incidents).toEqual(['ACME-3']);
    expect(receiver.requests).toHaveLength(3);
  });
});
