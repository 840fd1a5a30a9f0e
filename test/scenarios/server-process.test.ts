/**
 * `tandem serve` as a process: the demo a new user starts, SIGHUP reloads
 * (a bad file is refused and the running configuration stays), SIGTERM
 * finishes in-flight requests, `tandem token create` and `tandem send` work.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, DEMO } from '../support/paths.js';
import { startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

const PD_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const tandem = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('tandem serve as a process (SQLite)', () => {
  let dir: string;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    if (server && server.child.exitCode === null) await server.kill();
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the demo prints a URL, a token and a curl that opens an incident visible through the API', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-demo-'));
    server = await startServerProcess(['--demo', '--db', `sqlite:${join(dir, 'tandem.db')}`]);
    const out = server.output();
    expect(out).toContain(`Tandem demo is running: ${server.url}`);
    const token = /\n\s+(tdm_\S+)\n/.exec(out)?.[1];
    expect(token).toBeDefined();
    const curl = /(curl -sS -X POST \S+\/v2\/enqueue .*)\n/.exec(out)?.[1];
    expect(curl).toBeDefined();
    const sent = spawnSync('sh', ['-c', curl ?? 'false'], { encoding: 'utf8' });
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'success', message: 'Event processed' });
    let incidents: Array<{ number: string; status: string; service: { id: string } }> = [];
    for (let i = 0; i < 50 && incidents.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      incidents = (
        (await (await fetch(`${server.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${token ?? ''}` } })).json()) as {
          incidents: typeof incidents;
        }
      ).incidents;
    }
    expect(incidents[0]).toMatchObject({ number: 'ACME-1', status: 'triggered', service: { id: 'payments-api' } });
    // The page the on-call engineer gets lands in the demo inbox; its Acknowledge button works.
    type Inbox = { messages: Array<{ subject: string; incidents: Array<{ number: string; acknowledge: string }> }> };
    let inbox: Inbox = { messages: [] };
    for (let i = 0; i < 50 && inbox.messages.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      inbox = (await (await fetch(`${server.url}/inbox.json`)).json()) as Inbox;
    }
    const page = inbox.messages[0];
    expect(page?.subject).toContain('ACME-1');
    const ack = page?.incidents[0]?.acknowledge ?? '';
    expect((await fetch(ack)).status).toBe(200);
    const done = await fetch(ack, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await done.text()).toMatch(/Acknowledged by /);
    const after = (
      (await (await fetch(`${server.url}/api/v1/incidents/ACME-1`, { headers: { authorization: `Bearer ${token ?? ''}` } })).json()) as {
        incident: { status: string };
      }
    ).incident;
    expect(after.status).toBe('acknowledged');
    // A restart prints the same demo token: it was kept beside the database.
    await server.stop();
    server = await startServerProcess(['--demo', '--db', `sqlite:${join(dir, 'tandem.db')}`]);
    expect(server.output()).toContain(token ?? 'no token');
  });

  it('SIGHUP reloads the engagement files; a bad file is refused and the running config stays', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-hup-'));
    const file = join(dir, 'acme.yaml');
    copyFileSync(DEMO, file);
    server = await startServerProcess(['--config', file, '--db', `sqlite:${join(dir, 'tandem.db')}`, '--log-level', 'info']);
    const send = (key: string) =>
      fetch(`${server?.url ?? ''}/v2/enqueue`, {
        method: 'POST',
        body: JSON.stringify({ routing_key: key, event_action: 'trigger', payload: { summary: 's', source: 's', severity: 'info' } }),
      }).then((r) => r.status);
    const NEW_KEY = 'added-by-reload-0123456789abcdef';
    expect(await send(NEW_KEY)).toBe(400);
    const original = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      original.replace(
        '      - { type: pagerduty, key: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }',
        `      - { type: pagerduty, key: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }\n      - { type: pagerduty, key: "${NEW_KEY}" }`,
      ),
    );
    server.child.kill('SIGHUP');
    let status = 0;
    for (let i = 0; i < 50 && status !== 202; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await send(NEW_KEY);
    }
    expect(status).toBe(202);
    // The old models' memory is collected at once, so reloads do not pile up garbage (issue 14).
    const reloaded = server
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"engagements reloaded"'));
    expect(JSON.parse(reloaded ?? '{}')).toMatchObject({ engagements: ['acme'], collectedMs: expect.any(Number) });
    // Now break the file: the reload is refused with file:line:col, and everything keeps working.
    writeFileSync(file, original.replace('timezone: America/New_York\n  holidays', 'timezone: America/Nowhere\n  holidays'));
    server.child.kill('SIGHUP');
    for (let i = 0; i < 50 && !server.output().includes('America/Nowhere'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(server.output()).toMatch(/acme\.yaml:\d+:\d+: .*America\/Nowhere/);
    expect(server.output()).toContain('keeping the running configuration');
    expect(await send(NEW_KEY)).toBe(202);
    expect(await send(PD_KEY)).toBe(202);
    // Logs are JSON lines, one per request, carrying its request id.
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('"route":"/v2/enqueue"') && l.includes('"status":202'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      msg: 'request',
      method: 'POST',
      status: 202,
      reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('SIGTERM finishes the requests in flight: each one half-sent when the signal came gets its 202', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-term-'));
    server = await startServerProcess(['--config', DEMO, '--db', `sqlite:${join(dir, 'tandem.db')}`, '--log-level', 'warn']);
    const port = server.port;
    // Each request sends its headers and half its body, then waits: it is in flight when SIGTERM arrives.
    const requests = Array.from({ length: 20 }, (_, i) => {
      const body = JSON.stringify({
        routing_key: PD_KEY,
        event_action: 'trigger',
        dedup_key: `term-${i}`,
        payload: { summary: 'in flight at shutdown', source: 's', severity: 'info' },
      });
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v2/enqueue',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const status = new Promise<number>((resolve) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });
      req.write(body.slice(0, 40));
      return { req, rest: body.slice(40), status };
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = server.stop();
    await new Promise((r) => setTimeout(r, 300));
    for (const r of requests) r.req.end(r.rest);
    expect(await Promise.all(requests.map((r) => r.status))).toEqual(requests.map(() => 202));
    expect(await exit).toBe(0);
  });

  it('tandem token create prints the token alone on its last line; tandem send sends an event', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
    const db = `sqlite:${join(dir, 'tandem.db')}`;
    server = await startServerProcess(['--config', DEMO, '--db', db, '--log-level', 'warn']);
    const created = tandem(['token', 'create', '--db', db, '--engagement', 'acme', '--role', 'responder', '--person', 'kim']);
    expect(created.status, created.stderr).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const token = lines[lines.length - 1] ?? '';
    expect(token).toMatch(/^tdm_[A-Za-z0-9_-]{43}$/);
    const bad = tandem(['token', 'create', '--db', db, '--engagement', 'nope', '--role', 'boss']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--role must be one of admin, responder, viewer');
    expect(bad.stderr).toContain('engagement "nope" is not in');

    const sent = tandem([
      'send',
      '--url',
      server.url,
      '--key',
      PD_KEY,
      '--summary',
      'Disk full on db-1',
      '--severity',
      'critical',
      '--dedup',
      'disk-db-1',
    ]);
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('dedup key: disk-db-1');
    const refused = tandem(['send', '--url', server.url, '--key', PD_KEY, '--summary', 'x', '--severity', 'loud']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("'payload.severity' is invalid");

    let incident: { number: string; title: string } | undefined;
    for (let i = 0; i < 50 && !incident; i++) {
      await new Promise((r) => setTimeout(r, 100));
      incident = (
        (await (await fetch(`${server.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          incidents: Array<{ number: string; title: string }>;
        }
      ).incidents[0];
    }
    expect(incident).toMatchObject({ number: 'ACME-1', title: 'Disk full on db-1' });
    const ack = await fetch(`${server.url}/api/v1/incidents/ACME-1/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await ack.json()) as { incident: { acknowledged_by: string } }).incident.acknowledged_by).toBe('person:kim');
    const resolved = tandem(['send', '--url', server.url, '--key', PD_KEY, '--action', 'resolve', '--dedup', 'disk-db-1']);
    expect(resolved.status).toBe(0);

    // list shows it (never the secret); revoke ends it, for the API and for dashboard sessions alike.
    const id = /token ([0-9a-f]{12})/.exec(created.stdout)?.[1] ?? '';
    const listed = tandem(['token', 'list', '--db', db]);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+responder\\s+acme\\s+person:kim`));
    expect(listed.stdout).not.toContain(token);
    const session = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${server.url}/api/v1/me`, { headers: { cookie } })).status).toBe(200);
    expect(tandem(['token', 'revoke', id, '--db', db]).status).toBe(0);
    expect((await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/me`, { headers: { cookie } })).status).toBe(401);
    expect(tandem(['token', 'revoke', id, '--db', db]).status).toBe(1);
  });

  it('tandem serve refuses a bad engagement file with file:line:col and exit 1', () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-bad-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      readFileSync(DEMO, 'utf8').replace('      - { channel: webhook, after: 0m }', '      - { channel: pigeon, after: 0m }'),
    );
    const res = tandem(['serve', '--config', file, '--db', `sqlite:${join(dir, 'x.db')}`, '--port', '0']);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/bad\.yaml:\d+:\d+: .*pigeon/);
  });
});
