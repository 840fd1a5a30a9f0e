import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpReceiver } from '../../test/support/receivers/smtp.js';
import type { SmtpReceiver } from '../../test/support/receivers/smtp.js';
import { EmailChannel, messageIdFor } from './email.js';
import { bundleMessage, incident, pageMessage, testClock } from './test-fixtures.js';

const FROM = 'Tandem <tandem@acme.example>';

/** A port nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('email channel against a real SMTP server', () => {
  let smtp: SmtpReceiver;
  let channel: EmailChannel;

  beforeAll(async () => {
    smtp = await startSmtpReceiver({
      reject: [
        { pattern: /^gone@/, code: 550, message: 'Requested action not taken: mailbox unavailable' },
        { pattern: /^busy@/, code: 451, message: 'Requested action aborted: try again later' },
      ],
    });
    channel = new EmailChannel({
      smtpUrl: smtp.url.replace('smtp://', 'smtp://tandem:s3cret@'),
      from: FROM,
      timeoutMs: 5_000,
      clock: testClock(),
    });
  });
  afterEach(() => {
    smtp.messages.length = 0;
  });
  afterAll(async () => {
    channel.close();
    await smtp.close();
  });

  it('delivers a page: subject, both parts, buttons, reason, links, Message-ID', async () => {
    const message = pageMessage();
    const ref = incident(42);
    const result = await channel.send(message);
    expect(result).toMatchObject({ status: 'delivered', providerId: messageIdFor(message.id, FROM) });

    const [mail] = await smtp.waitFor(1);
    if (mail === undefined) throw new Error('no mail');
    expect(mail.user).toBe('tandem');
    expect(mail.envelope).toEqual({ from: 'tandem@acme.example', to: ['sam@nightowl.example'] });
    expect(mail.subject).toBe('[P1] ACME-42 Payment API down — Payment processing API');
    expect(mail.messageId).toBe('<tandem.dlv_01JD8X2R7Q4M9@acme.example>');
    expect(mail.header('x-tandem-delivery')).toBe(message.id);
    expect(mail.header('auto-submitted')).toBe('auto-generated');
    expect(mail.header('references')).toBe('<tandem.incident.42.acme@acme.example>');
    expect(mail.header('date')).toBe('Tue, 24 Nov 2026 23:47:00 +0000');
    expect(mail.header('importance').toLowerCase()).toBe('high');

    expect(mail.text).toContain('Why you: Tier 1 of partner-noc (after hours: partner owns infrastructure)');
    expect(mail.text).toContain(ref.acknowledgeUrl);
    expect(mail.text).toContain(ref.resolveUrl);

    expect(mail.html).toMatch(new RegExp(`<a href="${ref.acknowledgeUrl}" style="[^"]*background:#00875a[^"]*">Acknowledge</a>`));
    expect(mail.html).toMatch(new RegExp(`<a href="${ref.resolveUrl}" style="[^"]*">Resolve</a>`));
    expect(mail.html).toContain(`href="${ref.url}"`);
    expect(mail.html).toContain('Why you: Tier 1 of partner-noc (after hours: partner owns infrastructure)');
    expect(mail.html).toContain('Payment processing API (payments-api)');
    expect(mail.html).not.toMatch(/<style|<script/i);
  });

  it('escapes HTML in incident titles', async () => {
    await channel.send(pageMessage({ incidents: [incident(42, { title: '<img src=x onerror=alert(1)> & down' })] }));
    const [mail] = await smtp.waitFor(1);
    expect(mail?.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; down');
    expect(mail?.html).not.toContain('<img');
  });

  it('a bundle lists every incident in both parts', async () => {
    const message = bundleMessage(37);
    expect(await channel.send(message)).toMatchObject({ status: 'delivered' });
    const [mail] = await smtp.waitFor(1);
    if (mail === undefined) throw new Error('no mail');
    expect(mail.subject).toBe('[Tandem] 37 incidents on Acme Payments');
    expect(mail.header('references')).toBe('');
    for (const i of message.incidents) {
      expect(mail.text).toContain(`${i.number} ${i.title}`);
      expect(mail.html).toContain(`href="${i.acknowledgeUrl}"`);
    }
    expect(mail.html).toContain(`href="${message.acknowledgeAllUrl ?? ''}"`);
  });

  it('550 mailbox unavailable is permanent, with the server text', async () => {
    const result = await channel.send(pageMessage({ to: 'gone@nightowl.example' }));
    expect(result.status).toBe('permanent');
    expect(result).toMatchObject({ error: expect.stringContaining('550') });
    expect(result).toMatchObject({ error: expect.stringContaining('mailbox unavailable') });
    expect(smtp.messages).toHaveLength(0);
  });

  it('451 try again later is retryable', async () => {
    const result = await channel.send(pageMessage({ to: 'busy@nightowl.example' }));
    expect(result.status).toBe('retryable');
    expect(result).toMatchObject({ error: expect.stringContaining('451') });
  });

  it('connection refused is retryable', async () => {
    const port = await closedPort();
    const refused = new EmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, timeoutMs: 2_000, clock: testClock() });
    const result = await refused.send(pageMessage());
    expect(result.status).toBe('retryable');
    expect(result).toMatchObject({ error: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('email channel timeouts', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never sends the SMTP greeting.
    silent = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a server that never greets is retryable after the timeout', async () => {
    const channel = new EmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, timeoutMs: 300, clock: testClock() });
    const result = await channel.send(pageMessage());
    expect(result.status).toBe('retryable');
  });
});

describe('Message-ID', () => {
  it('is stable per delivery and hashes ids a Message-ID cannot carry', () => {
    expect(messageIdFor('dlv_1', FROM)).toBe('<tandem.dlv_1@acme.example>');
    expect(messageIdFor('dlv_1', FROM)).toBe(messageIdFor('dlv_1', FROM));
    expect(messageIdFor('a b<c>@d', 'tandem@x.example')).toMatch(/^<tandem\.[0-9a-f]{40}@x\.example>$/);
  });
});
