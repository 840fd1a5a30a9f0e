/**
 * The command line as a new user meets it (issue 8, point 7): `--at` without
 * an offset is a time where the engagement lives; `--from`/`--to` take a date
 * in every command; every command and subcommand answers `--help`; a port in
 * use, an unreachable database or a mistyped database path is one clear line
 * and exit 1, and no empty database appears; `tandem validate` reports every
 * problem it can, whatever else is wrong.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { BIN, DEMO, FIXTURES } from '../support/paths.js';

/** The environment without TANDEM_DATABASE_URL, so only --db names a database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'TANDEM_DATABASE_URL'));
const tandem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: ENV });

/** What a crash looks like on stderr: a stack frame. */
const STACK = /^\s+at /m;

describe('tandem route --at', () => {
  it('reads a time without an offset in the engagement time zone and echoes it with the offset', () => {
    const local = tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', '2026-11-24T23:47', '--json');
    expect(local.status, local.stderr).toBe(0);
    const x = JSON.parse(local.stdout) as Record<string, unknown>;
    // acme lives in America/New_York: 23:47 there is after hours, the partner's.
    expect(x).toMatchObject({ at: '2026-11-24T23:47:00-05:00', timezone: 'America/New_York', window: 'after_hours', side: 'partner' });
    // The same instant written with its offset, or in UTC, gives the same answer.
    for (const at of ['2026-11-24T23:47:00-05:00', '2026-11-25T04:47:00Z']) {
      const exact = JSON.parse(tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', at, '--json').stdout) as Record<
        string,
        unknown
      >;
      expect(exact).toEqual(x);
    }
    // A summer instant carries the summer offset.
    const summer = JSON.parse(
      tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', '2026-07-01T10:00', '--json').stdout,
    ) as Record<string, unknown>;
    expect(summer['at']).toBe('2026-07-01T10:00:00-04:00');
    expect(tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', '2026-11-24T25:00').status).toBe(2);
  });
});

describe('every command answers --help with exit 0', () => {
  // Every command `tandem --help` lists, and the subcommands.
  const listed = [...tandem('--help').stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => [m[1] ?? '']);
  const commands = [
    ...listed,
    ['report', 'monthly'],
    ['import', 'incidents'],
    ['token', 'create'],
    ['token', 'list'],
    ['token', 'revoke'],
    ['secret', 'webhook'],
  ];
  it('lists the commands', () => {
    expect(listed.length).toBeGreaterThanOrEqual(13);
  });
  it.each(commands.map((c) => [c.join(' '), c]))('tandem %s --help', (_name, command) => {
    const res = tandem(...command, '--help');
    expect(res.status, `${command.join(' ')} --help: ${res.stderr}`).toBe(0);
    expect(res.stdout).toMatch(/^Usage:\s+tandem /);
    expect(res.stderr).toBe('');
  });
});

describe('databases that cannot be opened', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a reporting command given a mistyped SQLite path says so in one line and creates nothing', () => {
    const path = join(dir, 'mistyped', 'tandm.db');
    const runs = [
      ['metrics', '--engagement', 'acme', '--from', '2026-11-01', '--to', '2026-12-01'],
      ['credits', '--engagement', 'acme', '--month', '2026-11'],
      ['report', 'monthly', '--engagement', 'acme', '--month', '2026-11', '--out', join(dir, 'review.html')],
      ['risk', '--engagement', 'acme', '--from', '2026-11-01', '--to', '2026-12-01'],
      ['token', 'list'],
      ['token', 'create', '--engagement', 'acme', '--role', 'viewer'],
      ['secret', 'webhook'],
    ];
    for (const args of runs) {
      const res = tandem(...args, '--db', `sqlite:${path}`);
      expect(res.status, args.join(' ')).toBe(1);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toEqual([
        `tandem ${args[0]}: no database at ${path} (sqlite:${path}): check --db or TANDEM_DATABASE_URL; \`tandem serve\` creates the database`,
      ]);
    }
    expect(existsSync(join(dir, 'mistyped'))).toBe(false);
  });

  it('an unreachable PostgreSQL is one line and exit 1, for reporting commands and the server', () => {
    const url = 'postgres://postgres@127.0.0.1:1/tandem';
    for (const args of [
      ['metrics', '--engagement', 'acme', '--from', '2026-11-01', '--to', '2026-12-01'],
      ['token', 'list'],
      ['secret', 'webhook'],
      ['serve', '--demo', '--port', '0'],
    ]) {
      const res = tandem(...args, '--db', url);
      expect(res.status, args.join(' ')).toBe(1);
      expect(res.stderr, args.join(' ')).not.toMatch(STACK);
      expect(res.stderr.trim(), args.join(' ')).toBe(
        `tandem ${args[0]}: cannot connect to the database ${url}: connect ECONNREFUSED 127.0.0.1:1`,
      );
    }
  });

  it('a database path the server cannot open is one line and exit 1', () => {
    const res = tandem('serve', '--demo', '--port', '0', '--db', `sqlite:${dir}`);
    expect(res.status).toBe(1);
    expect(res.stderr.trim()).toBe(`tandem serve: cannot open the SQLite database at ${dir}: unable to open database file`);
  });

  it('a port in use is one line and exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    const { port } = blocker.address() as AddressInfo;
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'serve', '--demo', '--port', String(port), '--db', `sqlite:${join(dir, 'port.db')}`, '--log-level', 'silent'],
        { stdio: ['ignore', 'pipe', 'pipe'], env: ENV },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // It exits by itself: nothing is left holding the process open.
      const code = await new Promise<number | null>((done) => child.on('exit', done));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `tandem serve: cannot listen on 127.0.0.1:${port}: the port is already in use (another Tandem?); stop that process or choose another with --port`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe.each(databaseKinds())('--from and --to take a date in every command, on $name', (kind) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-11-10T15:00:00Z' });
    expect(
      (
        await h.ingest('/v2/enqueue', {
          routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
          event_action: 'trigger',
          dedup_key: 'd1',
          payload: { summary: 'Payment API is down', source: 'api-1', severity: 'critical' },
        })
      ).statusCode,
    ).toBe(202);
    await h.settle();
    dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  });

  it('a date is midnight in the engagement time zone, the same as the instant written out', () => {
    const byDate = tandem('metrics', '--engagement', 'acme', '--from', '2026-11-01', '--to', '2026-12-01', '--json', '--db', h.db.url);
    expect(byDate.status, byDate.stderr).toBe(0);
    const m = JSON.parse(byDate.stdout) as { from: string; to: string; incidents: number };
    expect(m).toMatchObject({ from: '2026-11-01T04:00:00.000Z', to: '2026-12-01T05:00:00.000Z', incidents: 1 });
    const byInstant = tandem(
      'metrics',
      '--engagement',
      'acme',
      '--from',
      '2026-11-01T00:00:00-04:00',
      '--to',
      '2026-12-01T00:00:00-05:00',
      '--json',
      '--db',
      h.db.url,
    );
    expect(JSON.parse(byInstant.stdout)).toEqual(m);
    for (const command of ['risk', 'simulate']) {
      const res = tandem(
        command,
        '--engagement',
        'acme',
        '--from',
        '2026-11-01',
        '--to',
        '2026-12-01',
        '--json',
        '--db',
        h.db.url,
        ...(command === 'simulate' ? ['--config', DEMO] : []),
      );
      expect(res.status, `${command}: ${res.stderr}`).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ from: '2026-11-01T04:00:00.000Z', to: '2026-12-01T05:00:00.000Z' });
    }
  });

  it('a bad date names the flag', () => {
    const res = tandem('metrics', '--engagement', 'acme', '--from', '2026-02-30', '--to', '2026-12-01', '--db', h.db.url);
    expect(res.status).toBe(2);
    expect(res.stderr.trim()).toBe(
      'tandem metrics: --from "2026-02-30" is neither an ISO 8601 instant (2026-11-01T00:00:00-05:00) nor a date (2026-11-01)',
    );
  });
});

describe('tandem validate reports every problem it can', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-validate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file with a YAML syntax error does not hide the problems of the other files', () => {
    copyFileSync(join(FIXTURES, 'engagements/syntax-error.yaml'), join(dir, 'a-broken.yaml'));
    // b: valid YAML with a semantic problem (an unknown person in a team).
    const minimal = readFileSync(join(FIXTURES, 'engagements/minimal.yaml'), 'utf8');
    writeFileSync(join(dir, 'b-semantic.yaml'), minimal.replace('members: [pat]', 'members: [pat, bob]'));
    // c and d: two valid engagements with the same integration key (a problem across files).
    writeFileSync(join(dir, 'c-clash.yaml'), minimal.replace('id: tiny', 'id: tiny2'));
    writeFileSync(join(dir, 'd-clash.yaml'), minimal.replace('id: tiny', 'id: tiny3'));
    const res = tandem('validate', dir);
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/a-broken\.yaml:9:11: YAML syntax error: /);
    expect(lines[1]).toBe(`${join(dir, 'b-semantic.yaml')}:27:20: unknown person 'bob' in team 'msp'; people: ida, pat`);
    expect(lines[2]).toBe(
      `${join(dir, 'd-clash.yaml')}:54:31: integration key "tiny-web-0001" is already used by engagement tiny2 service web at ${join(dir, 'c-clash.yaml')}:54:31; keys must be unique across all engagements`,
    );
  });

  it('a file with repeated keys gets every one of its errors, not only the repeats', () => {
    const minimal = readFileSync(join(FIXTURES, 'engagements/minimal.yaml'), 'utf8');
    const file = join(dir, 'dup.yaml');
    writeFileSync(
      file,
      minimal
        .replace('  name: Tiny Co\n', '  name: Tiny Co\n  name: Tiny Company\n')
        .replace('members: [pat]', 'members: [pat, bob]')
        .replace('criticality: 2', 'criticality: 7'),
    );
    const res = tandem('validate', file);
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      `${file}:7:3: duplicate key 'name': each key may appear once in a map`,
      `${file}:28:20: unknown person 'bob' in team 'msp'; people: ida, pat`,
      `${file}:53:18: bad criticality 7: expected a whole number from 1 (business-critical) to 4 (low)`,
    ]);
  });
});
