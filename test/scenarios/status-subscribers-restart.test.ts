/**
 * Status page mails are sent once per subscriber and note update, across a
 * restart and across instances: an instance that claimed mails and died
 * before sending them leaves them to the next after the lease (60 s), and
 * two instances sending the same notes at once send each mail once. On both
 * databases (two instances share SQLite's file as they share PostgreSQL),
 * with the real SMTP receiver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { claimMails } from '../../src/subscribers/store.js';
import { databaseKinds } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { startSmtpReceiver } from '../support/receivers/smtp.js';
import type { SmtpReceiver } from '../support/receivers/smtp.js';
import { statusDemo } from '../support/status-page.js';

const PUBLIC = 'https://status.acme.example';
const SUBSCRIBERS = 12;

describe.each(databaseKinds())('status page mails across a restart and two instances, on $name', (kind) => {
  let db: TestDatabase | undefined;
  let smtp: SmtpReceiver | undefined;
  const running: Harness[] = [];
  let dir: string | undefined;
  afterAll(async () => {
    for (const h of running) await h.close();
    await smtp?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends each mail once', async () => {
    db = await kind.create();
    dir = mkdtempSync(join(tmpdir(), 'tandem-subscribers-restart-'));
    smtp = await startSmtpReceiver();
    const receiver = smtp;
    const clock = new VirtualClock('2026-11-24T22:00:00Z');
    const options = {
      config: [statusDemo(dir)],
      db,
      virtualClock: clock,
      extraArgs: ['--public-url', PUBLIC, '--notify', 'live', '--smtp-url', smtp.url, '--email-from', 'Acme status <status@acme.example>'],
    };
    const start = async () => {
      const h = await startHarness(kind, options);
      running.push(h);
      return h;
    };
    const a = await start();
    const addresses = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.com`);
    for (const [i, email] of addresses.entries()) {
      const res = await a.tandem.http.inject({
        method: 'POST',
        url: '/status/acme/subscribe',
        remoteAddress: `10.1.0.${i + 1}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email }),
      });
      expect(res.statusCode).toBe(202);
    }
    await a.settle();
    expect(receiver.messages).toHaveLength(SUBSCRIBERS);
    for (const mail of receiver.messages) {
      const path = /https:\/\/status\.acme\.example(\/status\/acme\/confirm\/[A-Za-z0-9_-]+)/.exec(mail.text)?.[1] ?? '';
      expect((await a.tandem.http.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    }
    const admin = await a.token('admin');
    const publish = async (h: Harness, title: string) => {
      const res = await h.api('POST', '/status-notes', admin, {
        engagement: 'acme',
        title,
        components: ['Payments'],
        state: 'outage',
        text: `${title}: we are on it.`,
      });
      expect(res.statusCode).toBe(201);
    };
    const received = (title: string) =>
      receiver.messages
        .filter((m) => m.subject.includes(title))
        .flatMap((m) => m.envelope.to)
        .sort();

    // The first note: instance A claims five of its mails and dies before sending them.
    await publish(a, 'Card payments failing');
    const claimed = await a.tandem.database.db.transaction().execute((trx) =>
      claimMails(trx, a.tandem.database.dialect, {
        now: clock.now(),
        limit: 5,
        leaseUntil: clock.now() + 60_000,
        instanceId: 'dead-instance',
      }),
    );
    expect(claimed).toHaveLength(5);
    await a.close();
    running.splice(running.indexOf(a), 1);

    // The restarted server sends the rest now, and the five once their lease has run out: each once.
    const b = await start();
    await b.settle();
    expect(received('Card payments failing')).toHaveLength(SUBSCRIBERS - 5);
    clock.advance(61_000);
    await b.settle();
    await b.settle();
    expect(received('Card payments failing')).toEqual([...addresses].sort());

    // Two instances send the next notes at the same moment: one mail per subscriber and note.
    const c = await start();
    await publish(b, 'Refunds delayed');
    await publish(c, 'Payouts paused');
    await Promise.all([b.tandem.delivery.runOnce(), c.tandem.delivery.runOnce(), b.tandem.delivery.runOnce()]);
    await Promise.all([b.settle(), c.settle()]);
    expect(received('Refunds delayed')).toEqual([...addresses].sort());
    expect(received('Payouts paused')).toEqual([...addresses].sort());
    expect(receiver.messages).toHaveLength(4 * SUBSCRIBERS);
    // Same Message-ID never twice.
    expect(new Set(receiver.messages.map((m) => m.messageId)).size).toBe(4 * SUBSCRIBERS);
  });
});
