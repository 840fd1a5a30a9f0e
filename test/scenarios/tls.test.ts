/**
 * HTTPS (issue 13, part 6): `tandem serve --tls-cert FILE --tls-key FILE`
 * serves TLS with a certificate the test's own CA signed. The official
 * PagerDuty JavaScript client (@pagerduty/pdjs, which only speaks https://)
 * opens and resolves an incident, trusting that CA; without it, it refuses
 * the certificate. On SIGHUP the server reads the files again: replaced
 * files are served to the next connection, a broken pair is refused and the
 * running certificate stays. A missing flag, an unreadable file or a key of
 * another certificate stops `tandem serve` with the file and the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { event } from '@pagerduty/pdjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { BIN, DEMO, ROOT } from '../support/paths.js';
import { freePort } from '../support/server-process.js';
import { issueServerCertificate, makeTestCa } from '../support/tls.js';
import type { ServerCertificate, TestCa } from '../support/tls.js';

const PD_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

/** GET /healthz over a new TLS connection trusting `ca`: the status and the certificate the server presented. */
function healthz(url: string, ca: string): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/healthz`, { ca, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint }));
    });
    req.on('error', reject);
  });
}

describe.each(databaseKinds())('the PagerDuty JavaScript client over HTTPS, on $name', (kind) => {
  let dir: string;
  let ca: TestCa;
  let h: Harness;
  let server: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-tls-'));
    ca = makeTestCa(dir);
    const leaf = issueServerCertificate(ca, dir, 'tandem');
    h = await startHarness(kind, { listen: true, extraArgs: ['--tls-cert', leaf.certFile, '--tls-key', leaf.keyFile] });
    const url = h.tandem.url ?? '';
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    server = new URL(url).host;
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pdjs triggers and resolves an incident, trusting the test CA; without the CA it refuses the certificate', async () => {
    const data = {
      routing_key: PD_KEY,
      event_action: 'trigger' as const,
      dedup_key: 'pdjs-tls-1',
      payload: { summary: 'Payment API is down (sent over HTTPS)', source: 'payments-api-1', severity: 'critical' as const },
    };
    // pdjs passes its options on to fetch (node-fetch), whose `agent` carries the CA to trust.
    const agent = new Agent({ ca: ca.pem });
    const send = (action: 'trigger' | 'resolve') =>
      event({ server, data: { ...data, event_action: action }, ...({ agent } as object) } as Parameters<typeof event>[0]);

    await expect(event({ server, data })).rejects.toThrow(/certificate/);

    const fired = await send('trigger');
    expect(fired.status).toBe(202);
    expect(fired.data).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'pdjs-tls-1' });
    await h.settle();
    const viewer = await h.token('viewer');
    type Incident = { number: string; status: string; priority: string; title: string };
    const list = (await h.api('GET', '/incidents', viewer)).json<{ incidents: Incident[] }>().incidents;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'triggered', priority: 'P1', title: 'Payment API is down (sent over HTTPS)' });

    h.clock.advance(120_000);
    const resolved = await send('resolve');
    expect(resolved.status).toBe(202);
    await h.settle();
    const after = (await h.api('GET', `/incidents/${list[0]?.number ?? ''}`, viewer)).json<{ incident: Incident }>().incident;
    expect(after.status).toBe('resolved');
    agent.destroy();
  });
});

describe('tandem serve --tls-cert/--tls-key as a process (SQLite)', () => {
  let dir: string;
  let ca: TestCa;
  let first: ServerCertificate;
  let renewed: ServerCertificate;
  let child: ChildProcess | undefined;
  let output = '';
  let url = '';
  const certFile = () => join(dir, 'live.pem');
  const keyFile = () => join(dir, 'live-key.pem');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-tls-serve-'));
    ca = makeTestCa(dir);
    first = issueServerCertificate(ca, dir, 'tandem-first');
    renewed = issueServerCertificate(ca, dir, 'tandem-renewed');
    copyFileSync(first.certFile, certFile());
    copyFileSync(first.keyFile, keyFile());
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    const args = ['--port', String(port), '--host', '127.0.0.1', '--config', DEMO, '--db', `sqlite:${join(dir, 'tandem.db')}`];
    child = spawn(process.execPath, [BIN, 'serve', ...args, '--tls-cert', certFile(), '--tls-key', keyFile()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tandem serve exited with ${child.exitCode}:\n${output}`);
      const ready = await healthz(url, ca.pem).catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`tandem serve did not answer over HTTPS:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Sends SIGHUP and waits for the log line that says what the reload did with the certificate. */
  async function hangUp(expected: string): Promise<void> {
    const seen = output.split(expected).length;
    child?.kill('SIGHUP');
    for (let i = 0; i < 100 && output.split(expected).length === seen; i++) await new Promise((r) => setTimeout(r, 50));
    expect(output.split(expected).length, output).toBe(seen + 1);
  }

  it('says it serves HTTPS, with the certificate, and the URL it listens on', () => {
    expect(output).toContain(`Tandem listening on ${url}`);
    expect(output).toContain('"msg":"serving HTTPS"');
    expect(output).toContain(first.fingerprint256);
  });

  it('SIGHUP after the files are replaced serves the new certificate; a broken pair is refused and the running one stays', async () => {
    expect(await healthz(url, ca.pem)).toEqual({ status: 200, fingerprint: first.fingerprint256 });
    copyFileSync(renewed.certFile, certFile());
    copyFileSync(renewed.keyFile, keyFile());
    // Until the signal, new connections still get the certificate read at start.
    expect((await healthz(url, ca.pem)).fingerprint).toBe(first.fingerprint256);
    await hangUp('TLS certificate reloaded');
    expect(await healthz(url, ca.pem)).toEqual({ status: 200, fingerprint: renewed.fingerprint256 });

    // A renewal half-copied: the new certificate with the old key.
    copyFileSync(first.certFile, certFile());
    await hangUp('TLS certificate refused; keeping the running certificate');
    expect(output).toContain('the key is not the private key of this certificate');
    expect(await healthz(url, ca.pem)).toEqual({ status: 200, fingerprint: renewed.fingerprint256 });
    // The engagement files were reloaded all the same.
    expect(output).toContain('engagements reloaded');
  });

  it('pdjs in another process, trusting the CA through NODE_EXTRA_CA_CERTS, triggers and resolves', () => {
    const script = [
      "import { trigger, resolve } from '@pagerduty/pdjs';",
      `const server = ${JSON.stringify(new URL(url).host)};`,
      `const data = { routing_key: ${JSON.stringify(PD_KEY)}, dedup_key: 'pdjs-extra-ca', payload: { summary: 'Disk full on db-1', source: 'db-1', severity: 'error' } };`,
      'const a = await trigger({ server, data });',
      'const b = await resolve({ server, data });',
      'console.log(JSON.stringify([a.status, a.data.dedup_key, b.status]));',
    ].join('\n');
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile },
    });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual([202, 'pdjs-extra-ca', 202]);
  });
});

describe('tandem serve refuses a certificate it cannot serve', () => {
  let dir: string;
  let ca: TestCa;
  let a: ServerCertificate;
  let b: ServerCertificate;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-tls-bad-'));
    ca = makeTestCa(dir);
    a = issueServerCertificate(ca, dir, 'a');
    b = issueServerCertificate(ca, dir, 'b');
    writeFileSync(join(dir, 'not-pem.pem'), 'hello\n');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const serve = (...tls: string[]) =>
    spawnSync(process.execPath, [BIN, 'serve', '--config', DEMO, '--db', `sqlite:${join(dir, 'x.db')}`, '--port', '0', ...tls], {
      encoding: 'utf8',
      env: { ...process.env, TANDEM_TLS_CERT: '', TANDEM_TLS_KEY: '' },
    });

  it.each([
    [
      '--tls-cert without --tls-key',
      () => ['--tls-cert', a.certFile],
      2,
      '--tls-cert needs --tls-key: the private key of that certificate (PEM)',
    ],
    ['--tls-key without --tls-cert', () => ['--tls-key', a.keyFile], 2, '--tls-key needs --tls-cert: the certificate of that key (PEM)'],
    [
      'a certificate file that does not exist',
      () => ['--tls-cert', join(dir, 'nope.pem'), '--tls-key', a.keyFile],
      1,
      'nope.pem: cannot read it (no such file)',
    ],
    ['a key file that is not PEM', () => ['--tls-cert', a.certFile, '--tls-key', join(dir, 'not-pem.pem')], 1, 'not-pem.pem: not PEM'],
    [
      'the key of another certificate',
      () => ['--tls-cert', a.certFile, '--tls-key', b.keyFile],
      1,
      'the key is not the private key of this certificate',
    ],
  ] as const)('%s', (_name, flags, status, message) => {
    const res = serve(...flags());
    expect(res.status, res.stderr).toBe(status);
    expect(res.stderr).toContain(message);
  });
});
