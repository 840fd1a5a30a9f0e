/**
 * Security detections, as the issue tells it (issue 11, points 1 and 4): the
 * demo engagement with an EDR `security` integration (Linux process
 * creation) and SigmaHQ's "Linux Webshell Indicators" rule (kept under the
 * DRL in test/fixtures/sigma/sigmahq/). Saturday 02:10 in New York a web
 * server spawns `whoami`: a P1 security incident opens and pages NightOwl's
 * SOC on-call (Kim, by SMS) in the same engine pass; the second hit three
 * minutes later joins it. Then the suppress window, CEF and syslog bodies,
 * the syslog listener over UDP and TCP, every refusal with its line, the rate
 * limit per event, and mutated bodies that never get a 5xx. Real local peers,
 * on every database.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert, IncidentDetail, IncidentDetailResponse } from '../../src/api/types.js';
import { recordingIo } from '../../src/cli/io.js';
import { run as validate } from '../../src/cli/validate.js';
import { loadEngagements } from '../../src/engagement/index.js';
import { mulberry32 } from '../../src/random/seeded.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness, HarnessOptions } from '../support/harness.js';
import { SECURITY_KEY, WEBSHELL, WEBSHELL_RULE, WEBSHELL_RULE_ID, securityEngagement } from '../support/security.js';

const KEY = SECURITY_KEY;
const PATH = `/integrations/security/${KEY}`;
const RULE_ID = WEBSHELL_RULE_ID;
/** Saturday 2026-11-28 02:10 in New York. */
const SATURDAY_0210 = '2026-11-28T07:10:00Z';
const KIM_SMS = '+15550100004';

/** A near miss: the same shell command from a login shell. */
const BENIGN = { ...WEBSHELL, ParentImage: '/usr/bin/bash', ParentCommandLine: '-bash' };

describe.each(databaseKinds())('security detections, on $name', (kind: DatabaseKind) => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = undefined;
    dir = undefined;
  });

  async function start(options: HarnessOptions = {}): Promise<Harness> {
    dir = mkdtempSync(join(tmpdir(), 'tandem-security-'));
    h = await startHarness(kind, { start: SATURDAY_0210, peers: true, config: [securityEngagement(dir)], ...options });
    return h;
  }
  async function incidents(t: Harness): Promise<Array<{ id: number; number: string; priority: string; status: string }>> {
    const res = await t.api('GET', '/incidents', await t.token('viewer'));
    return res.json<{ incidents: Array<{ id: number; number: string; priority: string; status: string }> }>().incidents;
  }
  async function detail(t: Harness, id: number): Promise<IncidentDetail> {
    const res = await t.api('GET', `/incidents/${id}`, await t.token('viewer'));
    expect(res.statusCode).toBe(200);
    return res.json<IncidentDetailResponse>().incident;
  }
  const storedEvents = async (t: Harness) =>
    t.tandem.database.db.selectFrom('events').select(['raw', 'actions', 'integration_type']).orderBy('id').execute();
  const sent = (t: Harness, body: unknown, contentType = 'application/json') => t.ingest(PATH, body, { 'content-type': contentType });

  it('Saturday 02:10, a webshell on web-01: a P1 security incident pages the SOC on-call in the same engine pass; the 02:13 hit joins it', async () => {
    const t = await start();
    const peers = t.peers;
    if (!peers) throw new Error('no peers');

    const res = await sent(t, WEBSHELL);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ status: 'success', message: 'Event processed', events: 1, detections: 1 });
    // One engine pass at the same virtual instant: the incident opens, routing picks the SOC, Kim's SMS goes out.
    await t.settle();
    const list = await incidents(t);
    expect(list).toHaveLength(1);
    const first = list[0];
    if (!first) throw new Error('no incident');
    expect(first.priority).toBe('P1');
    let i = await detail(t, first.id);
    expect(i).toMatchObject({ service: { id: 'edr' }, side: 'partner', title: 'Linux Webshell Indicators on web-01', severity: 'error' });
    const messages = (kind: string) => i.timeline.filter((e) => e.kind === kind).map((e) => e.message);
    expect(messages('routing')[0]).toContain('policy partner-soc');
    // Kim Tan is on NightOwl's SOC rotation this week; her rule is SMS at once.
    expect(messages('escalation.paged')).toEqual([expect.stringContaining('paging Kim Tan (sms)')]);
    expect(peers.twilio.messages.map((m) => m.to)).toEqual([KIM_SMS]);
    expect(peers.twilio.messages[0]?.body).toContain('Linux Webshell Indicators on web-01');
    // Within a second of the event's arrival (virtual time: the same instant).
    const paged = i.timeline.find((e) => e.kind === 'notification.delivered');
    expect(Date.parse(paged?.at ?? '') - Date.parse(SATURDAY_0210)).toBeLessThan(1000);

    // The alert carries the rule, the ATT&CK technique with its name, and the matching event.
    const alert = i.alerts[0] as Alert;
    expect(alert).toMatchObject({
      dedup_key: `sigma:${RULE_ID}:web-01|www-data`,
      integration: 'security',
      source: 'web-01',
      event_count: 1,
    });
    expect(alert.details).toMatchObject({
      detection: {
        rule: { id: RULE_ID, title: 'Linux Webshell Indicators', level: 'high', tags: ['attack.persistence', 'attack.t1505.003'] },
        attack: { tactics: ['Persistence'], techniques: [{ id: 'T1505.003', name: expect.stringContaining('Web Shell') }] },
        logsource: { product: 'linux', category: 'process_creation' },
        event: WEBSHELL,
      },
    });

    // The timeline says what was seen: the technique by name and its tactic.
    expect(messages('alert.triggered')[0]).toContain('(ATT&CK T1505.003 Server Software Component: Web Shell; tactics Persistence)');

    // 02:13: the same shell again on web-01 joins the open detection; nobody is paged twice.
    t.clock.set('2026-11-28T07:13:00Z');
    expect((await sent(t, { ...WEBSHELL, CommandLine: 'whoami', Image: '/usr/bin/ip' })).statusCode).toBe(202);
    await t.settle();
    expect(await incidents(t)).toHaveLength(1);
    i = await detail(t, first.id);
    expect(i.alerts).toHaveLength(1);
    expect(i.alerts[0]?.event_count).toBe(2);
    expect(i.timeline.filter((e) => e.kind === 'alert.retriggered')).toHaveLength(1);
    expect(peers.twilio.messages).toHaveLength(1);
    // Both requests are stored, with their raw bodies.
    expect((await storedEvents(t)).map((e) => JSON.parse(e.raw) as unknown)).toEqual([WEBSHELL, { ...WEBSHELL, Image: '/usr/bin/ip' }]);
  });

  it('suppress: a hit 6 minutes after a detection Kim resolved joins it (resolved, nobody paged); one 11 minutes after opens a new one', async () => {
    const t = await start();
    expect((await sent(t, WEBSHELL)).statusCode).toBe(202);
    await t.settle();
    const [first] = await incidents(t);
    if (!first) throw new Error('no incident');
    const kim = await t.token('responder', ['acme'], 'kim');
    t.clock.set('2026-11-28T07:14:00Z');
    expect((await t.api('POST', `/incidents/${first.id}/resolve`, kim)).statusCode).toBe(200);
    await t.settle();
    const pagesBefore = t.peers?.twilio.messages.length;

    t.clock.set('2026-11-28T07:16:00Z');
    expect((await sent(t, WEBSHELL)).statusCode).toBe(202);
    await t.settle();
    expect(await incidents(t)).toHaveLength(1);
    const i = await detail(t, first.id);
    expect(i.status).toBe('resolved');
    expect(i.alerts[0]).toMatchObject({ status: 'resolved', event_count: 2 });
    const suppressed = i.timeline.find((e) => e.kind === 'alert.retriggered');
    expect(suppressed?.message).toContain('within its suppress window');
    expect(suppressed?.data).toMatchObject({ suppressed: true });
    expect(t.peers?.twilio.messages.length).toBe(pagesBefore);

    // 02:21, past the 10-minute window from the 02:10 detection: a new detection, a new incident.
    t.clock.set('2026-11-28T07:21:00Z');
    expect((await sent(t, WEBSHELL)).statusCode).toBe(202);
    await t.settle();
    const after = await incidents(t);
    expect(after.map((x) => x.status).sort()).toEqual(['resolved', 'triggered']);
  });

  it('CEF, syslog and NDJSON bodies detect alike; an event that matches nothing is stored and opens nothing; an envelope brings its own log source', async () => {
    const t = await start();
    const cef = 'CEF:0|Acme|EDR|2.1|proc|Process created|3|ParentImage=/usr/sbin/nginx Image=/usr/bin/whoami dhost=web-02 suser=nginx';
    const syslog = `<134>1 2026-11-28T07:10:00Z web-03 edr - - - ${cef.replace('dhost=web-02 suser=nginx', 'dhost=web-03')}`;
    let res = await sent(t, `${cef}\n${syslog}\n`, 'text/plain');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ events: 2, detections: 2 });
    res = await sent(t, `${JSON.stringify(BENIGN)}\n${JSON.stringify({ ...WEBSHELL, Hostname: 'web-04' })}\n`, 'application/x-ndjson');
    expect(res.json()).toMatchObject({ events: 2, detections: 1 });
    // Its own log source (Windows) keeps the Linux rule away from it.
    res = await sent(t, { logsource: { product: 'windows', category: 'process_creation' }, event: { ...WEBSHELL, Hostname: 'web-05' } });
    expect(res.json()).toMatchObject({ events: 1, detections: 0 });
    res = await sent(t, BENIGN);
    expect(res.json()).toMatchObject({ events: 1, detections: 0 });
    await t.settle();
    const titles = (await Promise.all((await incidents(t)).map(async (x) => (await detail(t, x.id)).title))).sort();
    expect(titles).toEqual([
      'Linux Webshell Indicators on web-02',
      'Linux Webshell Indicators on web-03',
      'Linux Webshell Indicators on web-04',
    ]);
    const stored = await storedEvents(t);
    expect(stored).toHaveLength(4);
    expect(stored.map((e) => (JSON.parse(e.actions) as unknown[]).length)).toEqual([2, 1, 0, 0]);
    expect(stored[0]?.raw).toBe(`${cef}\n${syslog}\n`);
  });

  it('refuses bad bodies with the line at fault, and stores nothing for them', async () => {
    const t = await start({ extraArgs: [] });
    const cases: Array<[string, string, number, string]> = [
      ['text/plain', 'CEF:0|Acme|EDR|2.1|proc|ok|3|a=1\nCEF:0|Acme|EDR\n', 400, 'line 2: CEF header has 3 of 8 fields'],
      ['text/plain', 'CEF:0|V|P|1|1|N|5|this is not a pair', 400, 'line 1: CEF extension'],
      ['text/plain', '<13>Nov 28 02:10:00 ok app: fine\n\n<13>yesterday web-01 sshd: x\n', 400, 'line 3: syslog: after <PRI>'],
      ['text/plain', '<13>1 - host app - - [x@1 a="b] msg', 400, 'line 1: syslog (RFC 5424) structured data'],
      ['application/x-ndjson', '{"a":1}\n{"b":2}\n{"c":\n', 400, 'line 3: not valid JSON'],
      ['application/json', '[{"a":1}, 7]', 400, '[1]: an event must be a JSON object'],
      ['application/json', '{"logsource": {"os": "linux"}, "event": {}}', 400, "'logsource.os' is not a log source key"],
      ['application/json', '', 400, 'the body is empty'],
    ];
    for (const [type, body, status, error] of cases) {
      const res = await sent(t, body, type);
      expect(res.statusCode, body).toBe(status);
      expect(res.json<{ errors: string[] }>().errors.join('\n')).toContain(error);
    }
    const tooMany = Array.from({ length: 1001 }, () => '{}').join('\n');
    let res = await sent(t, tooMany, 'application/x-ndjson');
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'TOO_MANY_EVENTS', errors: [expect.stringContaining('at most 1000')] });
    res = await sent(t, `CEF:0|V|P|1|1|N|5|msg=${'x'.repeat(600 * 1024)}`, 'text/plain');
    expect(res.statusCode).toBe(413);
    res = await t.ingest('/integrations/security/no-such-key', WEBSHELL);
    expect(res.statusCode).toBe(404);
    res = await t.ingest('/integrations/security/edr-generic-77d2', WEBSHELL);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: string[] }>().errors[0]).toContain('POST /integrations/generic/{key}');
    expect(await storedEvents(t)).toHaveLength(0);
  });

  it('the rate limit costs one token per event: 4 events pass a burst of 3 once, the next request waits', async () => {
    const t = await start({ extraArgs: ['--rate-limit', '1', '--rate-burst', '3'] });
    const four = Array.from({ length: 4 }, () => JSON.stringify(BENIGN)).join('\n');
    expect((await sent(t, four, 'application/x-ndjson')).statusCode).toBe(202);
    const res = await sent(t, BENIGN);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('syslog over UDP and TCP (octet-counted and newline framing) from a mapped sender detects and stores; an unknown sender is dropped and counted', async () => {
    const t = await start({ extraArgs: ['--syslog-port', '0'] });
    const port = t.tandem.syslogPort;
    if (port === undefined) throw new Error('no syslog listener');
    const line = (host: string) =>
      `<134>1 2026-11-28T07:10:00Z ${host} edr - - - CEF:0|Acme|EDR|2.1|proc|Process created|3|ParentImage=/usr/sbin/apache2 Image=/usr/bin/whoami dhost=${host}`;

    await udp(port, line('web-11'), '127.0.0.1');
    const tcpLines = `${Buffer.byteLength(line('web-12'))} ${line('web-12')}<38>Nov 28 02:10:00 web-13 sshd[7]: Accepted password for root\n`;
    await tcp(port, tcpLines);
    // 127.0.0.3 is in no security.syslog range.
    await udp(port, line('web-14'), '127.0.0.3');
    await udp(port, 'not syslog at all', '127.0.0.1');

    await vi.waitFor(async () => expect((await storedEvents(t)).flatMap((e) => e.raw.split('\n'))).toHaveLength(3), { timeout: 5000 });
    await t.settle();
    const titles = (await Promise.all((await incidents(t)).map(async (x) => (await detail(t, x.id)).title))).sort();
    expect(titles).toEqual(['Linux Webshell Indicators on web-11', 'Linux Webshell Indicators on web-12']);
    await vi.waitFor(
      async () => {
        const metrics = (await t.tandem.http.inject({ method: 'GET', url: '/metrics' })).body;
        expect(metrics).toMatch(/^tandem_syslog_lines_total\{result="accepted"\} 3$/m);
        expect(metrics).toMatch(/^tandem_syslog_lines_total\{result="unknown_sender"\} 1$/m);
        expect(metrics).toMatch(/^tandem_syslog_lines_total\{result="invalid"\} 1$/m);
        expect(metrics).toMatch(/^tandem_security_events_total\{source="syslog"\} 3$/m);
      },
      { timeout: 5000 },
    );
  });

  it('a reload with a refused rule is refused and the running rules still detect; a fixed one takes effect', async () => {
    const t = await start({ peers: false });
    const folder = dir ?? '';
    const extra = join(folder, 'extra.yml');
    const rule = (modifier: string) =>
      [
        'title: Netcat listener',
        'id: 5b1f2a33-0000-4000-8000-00000000000a',
        'logsource: { product: linux, category: process_creation }',
        'detection:',
        '  selection:',
        `    Image|${modifier}: /nc`,
        "    CommandLine|contains: ' -l'",
        '  condition: selection',
        'level: critical',
        '',
      ].join('\n');
    writeFileSync(extra, rule('sideways'));
    securityEngagement(folder, { rules: [WEBSHELL_RULE, extra] });
    const refused = await t.tandem.reload();
    expect(refused.ok).toBe(false);
    expect(refused.diagnostics[0]).toMatchObject({ file: extra, line: 6 });
    expect((await sent(t, WEBSHELL)).json()).toMatchObject({ detections: 1 });

    writeFileSync(extra, rule('endswith'));
    expect((await t.tandem.reload()).ok).toBe(true);
    const netcat = { Image: '/usr/bin/nc', CommandLine: 'nc -lvnp 4444', Hostname: 'web-01' };
    expect((await sent(t, netcat)).json()).toMatchObject({ detections: 1 });
    await t.settle();
    expect((await incidents(t)).map((x) => x.priority).sort()).toEqual(['P1', 'P1']);
  });

  it('mutated bodies: every answer is a 202 or a 4xx naming the problem, never a 5xx, and every stored event is applied', async () => {
    const t = await start({ peers: false });
    const next = mulberry32(0x5ec11);
    const int = (n: number) => Math.floor(next() * n);
    const bases: Array<[string, string]> = [
      ['application/json', JSON.stringify(WEBSHELL)],
      ['application/json', JSON.stringify([WEBSHELL, BENIGN])],
      [
        'application/x-ndjson',
        `${JSON.stringify({ logsource: { product: 'linux', category: 'process_creation' }, event: WEBSHELL })}\n${JSON.stringify(BENIGN)}`,
      ],
      ['text/plain', 'CEF:0|Acme|EDR|2.1|proc|Process|3|ParentImage=/usr/sbin/apache2 Image=/usr/bin/whoami dhost=web-01 msg=a\\=b'],
      ['text/plain', '<134>1 2026-11-28T07:10:00Z web-01 edr 42 - [x@1 a="b\\"c"] \uFEFFhello'],
      ['text/plain', '<38>Nov 28 02:10:00 web-01 sshd[4242]: Accepted password for root'],
    ];
    const noise = ['|', '\\', '=', '"', '[', ']', '{', '}', '\n', '\u0000', '\uD800', ',', ':', '<', '999', 'CEF:', '__proto__', 'null'];
    let accepted = 0;
    for (let n = 0; n < 300; n++) {
      const [type, base] = bases[int(bases.length)] as [string, string];
      let body = base;
      for (let m = 1 + int(4); m > 0; m--) {
        const at = int(body.length + 1);
        const op = int(3);
        if (op === 0) body = body.slice(0, at) + (noise[int(noise.length)] as string) + body.slice(at);
        else if (op === 1) body = body.slice(0, at) + body.slice(at + 1 + int(8));
        else body = body.slice(0, at);
      }
      const res = await sent(t, body, int(5) === 0 ? 'application/octet-stream' : type);
      expect(res.statusCode, body).toBeLessThan(500);
      if (res.statusCode === 202) accepted++;
      else expect(res.json<{ errors: string[] }>().errors.length, body).toBeGreaterThan(0);
    }
    expect(accepted).toBeGreaterThan(20);
    await t.settle();
    const waiting = await t.tandem.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(waiting.n)).toBe(0);
  });
});

describe('Sigma rules in the engagement file', () => {
  it('a rule the evaluator refuses fails the file at the rule (file:line:col), as validate and serve report it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-security-rules-'));
    try {
      const bad = join(dir, 'bad.yml');
      writeFileSync(
        bad,
        [
          'title: Uses a modifier Sigma does not have',
          'id: 3a2e6c1f-0000-4000-8000-000000000001',
          'logsource: { product: linux, category: process_creation }',
          'detection:',
          '  selection:',
          '    Image|sideways: /bin/sh',
          '  condition: selection',
          'level: high',
          '',
        ].join('\n'),
      );
      const { loaded, diagnostics } = await loadEngagements([securityEngagement(dir, { rules: [WEBSHELL_RULE, bad] })]);
      expect(loaded).toEqual([]);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ file: bad, line: 6 });
      expect(diagnostics[0]?.message).toContain('sideways');

      // tandem validate prints it like any other problem of the file, and fails.
      const io = recordingIo();
      expect(await validate([join(dir, 'acme.yaml')], io)).toBe(1);
      expect(io.stderr).toEqual([
        expect.stringMatching(new RegExp(`^${bad.replaceAll('.', '\\.')}:6:\\d+: Sigma rule refused \\(engagement acme\\): .*sideways`)),
      ]);

      const ok = await loadEngagements([securityEngagement(dir)]);
      expect(ok.diagnostics).toEqual([]);
      expect(ok.loaded[0]?.rules?.rules.map((r) => r.id)).toEqual([RULE_ID]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Sends one UDP datagram from `from` (a loopback address) and waits until it is out. */
function udp(port: number, message: string, from: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ address: from, port: 0 }, () => {
      socket.send(Buffer.from(message), port, '127.0.0.1', (err) => {
        socket.close();
        if (err) reject(err);
        else resolve();
      });
    });
  });
}

/** Sends bytes over one TCP connection and closes it. */
function tcp(port: number, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end(data, () => resolve());
    });
    socket.once('error', reject);
  });
}
