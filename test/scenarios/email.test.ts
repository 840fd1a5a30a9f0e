/**
 * Alert mail over SMTP, as the issue tells it (issue 13, part 1, `email`):
 * the demo engagement's payment API gets an email integration
 * `{ type: email, key: "erp-alerts", senders: ["*@monitoring.acme.example"] }`
 * and Tandem listens for mail (`--smtp-port 0`). Zabbix mails
 * erp-alerts@tandem.acme.example "Disk full on db-01": the message is stored
 * before the 250, an incident opens, the same subject again opens none, and
 * "RESOLVED: Disk full on db-01" resolves it. An unknown address, a key of
 * another type and a stranger are refused at RCPT; a forged From header after
 * DATA; a message over the limit with 552, declared or not; STARTTLS with the
 * configured certificate; and random bytes as DATA never crash the listener.
 * A real SMTP client (nodemailer), on every database.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetail, IncidentDetailResponse } from '../../src/api/types.js';
import { mulberry32 } from '../../src/random/seeded.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness, HarnessOptions } from '../support/harness.js';
import { DEMO } from '../support/paths.js';
import { rawSmtp } from '../support/smtp-client.js';
import { MAX_CLIENTS } from '../../src/ingest/smtp-listener.js';

const KEY = 'erp-alerts';
const TO = `${KEY}@tandem.acme.example`;
const ZABBIX = 'zabbix@monitoring.acme.example';
/** The payment API's PagerDuty key: an integration, but not one that takes mail. */
const PAGERDUTY_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
/** Monday 2026-11-30 03:10 in New York. */
const MONDAY_0310 = '2026-11-30T08:10:00Z';

/** The demo engagement with an email integration on the payment API, as `acme.yaml` in `dir`. */
function emailEngagement(dir: string): string {
  const yaml = readFileSync(DEMO, 'utf8');
  const line = '      - { type: alertmanager, key: "am-payments-3c8e1f" }\n';
  if (!yaml.includes(line)) throw new Error('the demo file changed: no payments alertmanager line');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, yaml.replace(line, `${line}      - { type: email, key: "${KEY}", senders: ["*@monitoring.acme.example"] }\n`));
  return file;
}

/** A self-signed certificate for 127.0.0.1 and localhost (the client trusts it as its CA). */
function testCertificate(dir: string): { cert: string; key: string; certFile: string; keyFile: string } {
  const certFile = join(dir, 'smtp-cert.pem');
  const keyFile = join(dir, 'smtp-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=tandem.acme.example',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

describe.each(databaseKinds())('email ingest over SMTP, on $name', (kind: DatabaseKind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-email-'));
  const config = emailEngagement(dir);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(options: HarnessOptions = {}): Promise<{ t: Harness; port: number }> {
    h = await startHarness(kind, {
      start: MONDAY_0310,
      config: [config],
      ...options,
      extraArgs: ['--smtp-port', '0', ...(options.extraArgs ?? [])],
    });
    const port = h.tandem.smtpPort;
    if (port === undefined) throw new Error('no SMTP listener');
    return { t: h, port };
  }
  const mailer = (port: number) => createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  async function incidents(t: Harness): Promise<IncidentDetail[]> {
    const token = await t.token('viewer');
    const list = (await t.api('GET', '/incidents', token)).json<{ incidents: Array<{ id: number }> }>().incidents;
    return Promise.all(list.map(async (i) => (await t.api('GET', `/incidents/${i.id}`, token)).json<IncidentDetailResponse>().incident));
  }
  const storedEvents = (t: Harness) =>
    t.tandem.database.db.selectFrom('events').select(['integration_type', 'integration_key', 'raw', 'actions']).orderBy('id').execute();
  const metric = async (t: Harness, reason: string): Promise<number> => {
    const body = (await t.tandem.http.inject({ method: 'GET', url: '/metrics' })).body;
    const m = new RegExp(`^tandem_email_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(body);
    return m ? Number(m[1]) : 0;
  };

  it('Monday 03:10, Zabbix mails "Disk full on db-01": stored before the 250, one incident; the same subject again opens none; "RESOLVED:" resolves it', async () => {
    const { t, port } = await start();
    const smtp = mailer(port);

    const sent = await smtp.sendMail({
      from: `Zabbix <${ZABBIX}>`,
      to: TO,
      subject: 'Disk full on db-01',
      text: '/var on db-01 is 98% full',
    });
    expect(sent.response).toMatch(/^250 /);
    // The 250 came after the inbox commit: the event is in the database before the engine ran.
    const stored = await storedEvents(t);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ integration_type: 'email', integration_key: KEY });
    expect(stored[0]?.raw).toContain('Subject: Disk full on db-01');

    await t.settle();
    let list = await incidents(t);
    expect(list).toHaveLength(1);
    const incident = list[0];
    expect(incident).toMatchObject({ title: 'Disk full on db-01', status: 'triggered', service: { id: 'payments-api' } });
    expect(incident?.alerts[0]).toMatchObject({
      integration: 'email',
      summary: 'Disk full on db-01',
      source: ZABBIX,
      dedup_key: 'email:disk full on db-01',
      details: { text: expect.stringMatching(/^\/var on db-01 is 98% full\n?$/), from: ZABBIX, to: TO },
    });

    // Zabbix repeats itself: the same alert, no second incident.
    await smtp.sendMail({ from: ZABBIX, to: TO, subject: 'Disk full on db-01', text: 'still 98%' });
    await t.settle();
    list = await incidents(t);
    expect(list).toHaveLength(1);
    expect(list[0]?.alerts[0]?.event_count).toBe(2);

    // An HTML-only mail of another problem: its own incident, the HTML as text.
    await smtp.sendMail({ from: ZABBIX, to: TO, subject: 'CPU high on app-02', html: '<p>CPU at <b>97%</b></p><script>x()</script>' });
    await smtp.sendMail({ from: ZABBIX, to: TO, subject: 'RESOLVED: Disk full on db-01', text: '/var is 61% full' });
    await t.settle();
    list = await incidents(t);
    expect(list.map((i) => [i.title, i.status]).sort()).toEqual([
      ['CPU high on app-02', 'triggered'],
      ['Disk full on db-01', 'resolved'],
    ]);
    const cpu = list.find((i) => i.title === 'CPU high on app-02');
    expect(String((cpu?.alerts[0]?.details as { text?: string }).text)).toContain('CPU at 97%');
    expect(String((cpu?.alerts[0]?.details as { text?: string }).text)).not.toContain('<b>');
    smtp.close();
  });

  it('an unknown address, a key of another type and a stranger are refused at RCPT (550); a forged From after DATA; nothing is stored, each is counted', async () => {
    const { t, port } = await start();
    const smtp = mailer(port);
    const refusal = async (mail: Parameters<typeof smtp.sendMail>[0]) => {
      const err = await smtp.sendMail(mail).then(
        () => undefined,
        (e: unknown) => e as { responseCode?: number; response?: string },
      );
      expect(err, 'the mail was accepted').toBeDefined();
      return { code: err?.responseCode, text: err?.response ?? '' };
    };

    let r = await refusal({ from: ZABBIX, to: 'no-such-key@tandem.acme.example', subject: 'x', text: 'x' });
    expect(r.code).toBe(550);
    expect(r.text).toContain('no such integration here');
    r = await refusal({ from: ZABBIX, to: `${PAGERDUTY_KEY}@tandem.acme.example`, subject: 'x', text: 'x' });
    expect(r.code).toBe(550);
    expect(r.text).toContain('not of type email');
    r = await refusal({ from: 'mallory@evil.example', to: TO, subject: 'Disk full on db-01', text: 'x' });
    expect(r.code).toBe(550);
    expect(r.text).toContain('sender <mallory@evil.example> may not send');
    // A bounce (null sender) never opens an incident.
    r = await refusal({ envelope: { from: '', to: [TO] }, from: ZABBIX, subject: 'Undelivered Mail Returned to Sender', text: 'x' });
    expect(r.code).toBe(550);
    // The envelope is allowed, the From header is not.
    r = await refusal({ envelope: { from: ZABBIX, to: [TO] }, from: 'ceo@evil.example', subject: 'Wire the money', text: 'x' });
    expect(r.code).toBe(550);
    expect(r.text).toContain('the From header <ceo@evil.example> must match');

    // The key over HTTP: refused, naming where it belongs.
    const res = await t.ingest(`/integrations/generic/${KEY}`, { summary: 'Disk full on db-01' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('over SMTP (tandem serve --smtp-port)');

    expect(await storedEvents(t)).toEqual([]);
    await t.settle();
    expect(await incidents(t)).toEqual([]);
    expect(await metric(t, 'unknown_key')).toBe(1);
    expect(await metric(t, 'wrong_type')).toBe(1);
    expect(await metric(t, 'sender')).toBe(2);
    expect(await metric(t, 'sender_header')).toBe(1);

    // Plus addressing and upper case still reach the key; a good mail after all that is taken.
    await smtp.sendMail({ from: ZABBIX, to: `${KEY.toUpperCase()}+nightly@TANDEM.acme.example`, subject: 'Backup failed', text: 'x' });
    await t.settle();
    expect((await incidents(t)).map((i) => i.title)).toEqual(['Backup failed']);
    smtp.close();
  });

  it('senders changed in the file take effect on reload (SIGHUP), without restarting the listener', async () => {
    const file = join(dir, 'reload.yaml');
    writeFileSync(file, readFileSync(config, 'utf8'));
    const { t, port } = await start({ config: [file] });
    const smtp = mailer(port);
    const nagios = { from: 'nagios@noc.acme.example', to: TO, subject: 'Host down: pos-17', text: 'x' };
    await expect(smtp.sendMail(nagios)).rejects.toMatchObject({ responseCode: 550 });
    writeFileSync(
      file,
      readFileSync(config, 'utf8').replace(
        'senders: ["*@monitoring.acme.example"]',
        'senders: ["*@monitoring.acme.example", "nagios@noc.acme.example"]',
      ),
    );
    expect((await t.tandem.reload()).ok).toBe(true);
    expect((await smtp.sendMail(nagios)).response).toMatch(/^250 /);
    await t.settle();
    expect((await incidents(t)).map((i) => i.title)).toEqual(['Host down: pos-17']);
    smtp.close();
  });

  it('a message over the limit is refused with 552, declared with SIZE= or not; a key over its rate gets 451', async () => {
    const { t, port } = await start({ extraArgs: ['--smtp-max-size', '4096', '--rate-limit', '1', '--rate-burst', '1'] });
    const c = await rawSmtp(port);
    expect(c.greeting.code).toBe(220);
    const ehlo = await c.command('EHLO monitoring.acme.example');
    expect(ehlo.text).toContain('SIZE 4096');
    expect(ehlo.text).not.toContain('STARTTLS');
    expect(ehlo.text).not.toContain('AUTH');
    expect((await c.command(`MAIL FROM:<${ZABBIX}> SIZE=999999`)).code).toBe(552);
    expect((await c.command(`MAIL FROM:<${ZABBIX}>`)).code).toBe(250);
    expect((await c.command(`RCPT TO:<${TO}>`)).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    const huge = `From: ${ZABBIX}\r\nSubject: Huge\r\n\r\n${'0123456789abcdef'.repeat(1024)}\r\n`;
    const tooLarge = await c.data(huge);
    expect(tooLarge.code).toBe(552);
    expect(tooLarge.text).toContain('over the limit of 4096 bytes');
    expect(await metric(t, 'too_large')).toBe(1);

    // The session goes on: a small mail is stored; the next one for the same key is over its rate.
    const small = (subject: string) => `From: ${ZABBIX}\r\nTo: ${TO}\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
    for (const [subject, code] of [
      ['Small one', 250],
      ['Small two', 451],
    ] as const) {
      expect((await c.command(`MAIL FROM:<${ZABBIX}>`)).code).toBe(250);
      expect((await c.command(`RCPT TO:<${TO}>`)).code).toBe(250);
      expect((await c.command('DATA')).code).toBe(354);
      expect((await c.data(small(subject))).code).toBe(code);
    }
    expect(await metric(t, 'rate_limited')).toBe(1);
    expect((await c.command('QUIT')).code).toBe(221);
    c.close();
    expect((await storedEvents(t)).length).toBe(1);
  });

  it('connections past the limit are turned away with 421 while the others are served', async () => {
    const { port } = await start();
    const clients = await Promise.all(Array.from({ length: MAX_CLIENTS + 1 }, () => rawSmtp(port)));
    const greetings = clients.map((c) => c.greeting.code);
    expect(greetings.filter((g) => g === 220)).toHaveLength(MAX_CLIENTS);
    expect(greetings.filter((g) => g === 421)).toHaveLength(1);
    for (const c of clients) c.close();
  });

  it('random bytes and broken MIME as DATA: every message gets a reply, the listener keeps taking mail, every stored event is applied', async () => {
    const { t, port } = await start();
    const random = mulberry32(0x3a11);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const headers = `From: ${ZABBIX}\r\nTo: ${TO}\r\n`;
    const bodies: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from(
        `${headers}Subject: =?utf-8?B?not base64!?=\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=x-nonsense\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n`,
      ),
      Buffer.from(
        `${headers}Subject: deep\r\nContent-Type: multipart/mixed; boundary="a"\r\n\r\n${'--a\r\nContent-Type: multipart/mixed; boundary="a"\r\n\r\n'.repeat(400)}`,
      ),
      Buffer.from(`${headers}Subject: ${'s'.repeat(3000)}\r\nX-Tandem-Dedup: ${'\u0000'.repeat(10)}\r\n\r\n\u0000\ud800`),
      Buffer.from(`${headers}Subject: long header\r\nX-Long: ${'h'.repeat(8000)}\r\n\r\nx`),
      Buffer.from(`${headers}Subject: html only\r\nContent-Type: text/html\r\n\r\n<div>${'<b>'.repeat(2000)}x`),
    ];
    for (let i = 0; i < 60; i++) bodies.push(bytes(Math.floor(random() * 2000)));
    // Valid headers, then random bytes: these get past the sender checks into the parser and the alert.
    for (let i = 0; i < 60; i++)
      bodies.push(Buffer.concat([Buffer.from(`${headers}Subject: fuzz ${i}\r\n`), bytes(Math.floor(random() * 2000))]));

    const codes: Record<string, number> = {};
    let c = await rawSmtp(port);
    await c.command('EHLO fuzz.example');
    for (const body of bodies) {
      const mail = await c.command(`MAIL FROM:<${ZABBIX}>`);
      if (mail.code !== 250) {
        // The server may close a connection it no longer trusts; a new one must still be served.
        c.close();
        c = await rawSmtp(port);
        await c.command('EHLO fuzz.example');
        expect((await c.command(`MAIL FROM:<${ZABBIX}>`)).code).toBe(250);
      }
      expect((await c.command(`RCPT TO:<${TO}>`)).code).toBe(250);
      expect((await c.command('DATA')).code).toBe(354);
      const reply = await c.data(body);
      codes[reply.code] = (codes[reply.code] ?? 0) + 1;
      expect([250, 550]).toContain(reply.code);
    }
    c.close();
    expect(codes['250']).toBeGreaterThan(50);

    const smtp = mailer(port);
    await smtp.sendMail({ from: ZABBIX, to: TO, subject: 'Still here', text: 'after the fuzz' });
    smtp.close();
    await t.settle();
    await t.settle();
    const events = await t.tandem.database.db.selectFrom('events').select(['processed_at', 'quarantined_at']).execute();
    expect(events.length).toBe((codes['250'] ?? 0) + 1);
    expect(events.filter((e) => e.processed_at === null && e.quarantined_at === null)).toEqual([]);
    expect((await incidents(t)).some((i) => i.title === 'Still here')).toBe(true);
  });
});

describe.each(databaseKinds())('STARTTLS for alert mail, on $name', (kind: DatabaseKind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-email-tls-'));
  const config = emailEngagement(dir);
  let tls: ReturnType<typeof testCertificate>;
  let h: Harness | undefined;
  beforeAll(() => {
    tls = testCertificate(dir);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with a certificate configured, STARTTLS is offered and a client that requires TLS delivers over it, trusting only that certificate; a renewed one is served after a reload', async () => {
    h = await startHarness(kind, {
      start: MONDAY_0310,
      config: [config],
      extraArgs: ['--smtp-port', '0', '--tls-cert', tls.certFile, '--tls-key', tls.keyFile],
    });
    const port = h.tandem.smtpPort ?? 0;
    const c = await rawSmtp(port);
    expect((await c.command('EHLO monitoring.acme.example')).text).toContain('STARTTLS');
    c.close();

    const secure = createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTLS: true,
      tls: { ca: [tls.cert], servername: 'localhost' },
    });
    const sent = await secure.sendMail({ from: ZABBIX, to: TO, subject: 'Disk full on db-01', text: 'over TLS' });
    expect(sent.response).toMatch(/^250 /);
    secure.close();
    // A client that does not trust the certificate refuses to go on.
    const wary = createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { servername: 'localhost' } });
    await expect(wary.sendMail({ from: ZABBIX, to: TO, subject: 'x', text: 'x' })).rejects.toThrow(/certificate/i);
    wary.close();
    await h.settle();
    const token = await h.token('viewer');
    const list = (await h.api('GET', '/incidents', token)).json<{ incidents: Array<{ title: string }> }>().incidents;
    expect(list.map((i) => i.title)).toEqual(['Disk full on db-01']);

    // A renewed certificate in the same files: after the reload (SIGHUP) STARTTLS serves it.
    const renewed = testCertificate(dir);
    expect(renewed.cert).not.toBe(tls.cert);
    expect((await h.tandem.reload()).ok).toBe(true);
    const trustsNew = createTransport({ host: '127.0.0.1', port, requireTLS: true, tls: { ca: [renewed.cert], servername: 'localhost' } });
    expect((await trustsNew.sendMail({ from: ZABBIX, to: TO, subject: 'Disk full on db-01', text: 'renewed' })).response).toMatch(/^250 /);
    trustsNew.close();
    const trustsOld = createTransport({ host: '127.0.0.1', port, requireTLS: true, tls: { ca: [tls.cert], servername: 'localhost' } });
    await expect(trustsOld.sendMail({ from: ZABBIX, to: TO, subject: 'x', text: 'x' })).rejects.toThrow(/certificate|signature/i);
    trustsOld.close();
  });
});
