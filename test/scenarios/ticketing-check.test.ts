/**
 * `tandem ticketing check` before the first incident: Acme's admin points the
 * engagement at Jira and asks "will this work?". A right set-up passes every
 * line; a wrong token, a project or issue type Jira does not have, a
 * workflow that never reaches done, an unmapped priority and an unset
 * variable each fail their own line (exit 1), named so the fix is obvious; a
 * silent Jira is a failed line after --timeout-ms. ServiceNow and
 * ConnectWise entries pass and fail the same way (an unknown assignment
 * group, an unknown board). The CLI is spawned from dist/ (build with
 * `npx tsc -p tsconfig.json`) against the fakes, which check every request as
 * the real systems would. No database is involved.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConnectWiseFake } from '../support/fakes/connectwise.js';
import type { ConnectWiseFake } from '../support/fakes/connectwise.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake, JiraFakeOptions } from '../support/fakes/jira.js';
import { startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake } from '../support/fakes/servicenow.js';
import { BIN, DEMO, FIXTURES } from '../support/paths.js';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI with only the environment given (plus PATH). Asynchronous: the
 * fakes answer from this process, which a synchronous spawn would block.
 */
function tandem(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface JiraEntry {
  readonly project?: string;
  readonly issueType?: string;
  readonly priorities?: string;
}

/** A ticketing entry for Jira at the fake, as the engagement file says it. */
function jiraEntry(fake: JiraFake, o: JiraEntry = {}): string {
  return [
    '  - id: acme-jira',
    '    system: jira',
    '    side: internal',
    `    url: ${fake.url}`,
    `    auth: { user: ${fake.email}, token_env: ACME_JIRA_TOKEN }`,
    `    project: ${o.project ?? fake.project}`,
    `    issue_type: ${o.issueType ?? 'Incident'}`,
    `    priorities: ${o.priorities ?? '{ P1: Highest, P2: High, P3: Medium }'}`,
    '    inbound_key: "jira-in-7c2e0d"',
  ].join('\n');
}

/** A ServiceNow entry at the fake. */
function snowEntry(fake: ServiceNowFake, group = 'Network Operations'): string {
  return [
    '  - id: acme-snow',
    '    system: servicenow',
    '    side: internal',
    `    url: ${fake.url}`,
    `    auth: { user: ${fake.user}, password_env: ACME_SN_PASSWORD }`,
    `    assignment_group: ${group}`,
    '    inbound_key: "sn-in-3f1a9b"',
  ].join('\n');
}

/** A ConnectWise entry at the fake. */
function cwEntry(fake: ConnectWiseFake, board = 'Service Desk'): string {
  return [
    '  - id: nightowl-cw',
    '    system: connectwise',
    '    side: partner',
    `    url: ${fake.url}`,
    `    auth: { company: acme, public_key_env: NO_CW_PUBLIC, private_key_env: NO_CW_PRIVATE, client_id: "${fake.clientId}" }`,
    `    board: ${board}`,
    '    company: AcmeCorp',
    '    priorities: { P1: "Priority 1 - Emergency Response" }',
    '    inbound_key: "cw-in-88aa41"',
  ].join('\n');
}

/** The demo engagement with the given ticketing entries, written to `dir`. */
function configWith(dir: string, entries: readonly string[]): string {
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\nticketing:\n${entries.join('\n')}\n`);
  return file;
}

interface JsonReport {
  ok: boolean;
  entries: {
    engagement: string;
    id: string;
    system: string;
    side: string;
    url: string;
    ok: boolean;
    lines: { ok: boolean; what: string; detail: string }[];
  }[];
}

let dir: string;
const fakes: { close(): Promise<void> }[] = [];

async function jira(options: JiraFakeOptions = {}): Promise<JiraFake> {
  const fake = await startJiraFake(options);
  fakes.push(fake);
  return fake;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-ticketing-check-'));
});

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('tandem ticketing check against Jira', () => {
  it('passes every line of a right set-up and exits 0', async () => {
    const fake = await jira();
    const res = await tandem({ ACME_JIRA_TOKEN: fake.token }, 'ticketing', 'check', '--config', configWith(dir, [jiraEntry(fake)]));
    expect(res.stderr).toBe('');
    expect(res.stdout.trimEnd().split('\n')).toEqual([
      `acme-jira (Jira, internal) ${fake.url}`,
      '  ✓ credentials: signed in as Tandem integration',
      '  ✓ project OPS: found',
      '  ✓ issue type Incident: found in the project',
      '  ✓ workflow of Incident: reaches in progress (In Progress) and done (Done)',
      '  ✓ priority Highest: found',
      '  ✓ priority High: found',
      '  ✓ priority Medium: found',
      '',
      '1 ticketing entry checked: all ok',
    ]);
    expect(res.status).toBe(0);
    fake.assertClean();
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('fails the credentials line on a wrong token, naming the variable it came from, and exits 1', async () => {
    const fake = await jira();
    const res = await tandem({ ACME_JIRA_TOKEN: 'not-the-token' }, 'ticketing', 'check', '--config', configWith(dir, [jiraEntry(fake)]));
    expect(res.status).toBe(1);
    expect(res.stdout.trimEnd().split('\n')).toEqual([
      `acme-jira (Jira, internal) ${fake.url}`,
      '  ✗ credentials: Jira 401: Client must be authenticated to access this resource. (check auth.user and ACME_JIRA_TOKEN)',
      '',
      '1 ticketing entry checked: 0 ok, 1 failed (acme-jira)',
    ]);
  });

  it('fails the line of a project Jira does not have', async () => {
    const fake = await jira();
    const config = configWith(dir, [jiraEntry(fake, { project: 'NOPE' })]);
    const res = await tandem({ ACME_JIRA_TOKEN: fake.token }, 'ticketing', 'check', '--config', config);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(
      `  ✓ credentials: signed in as Tandem integration\n  ✗ project NOPE: Jira 404: No project could be found with key 'NOPE'.\n`,
    );
    fake.assertClean();
  });

  it('fails the lines of an issue type the project lacks and of a priority Jira does not have, and checks the rest', async () => {
    const fake = await jira({ issueTypes: ['Task', 'Bug'] });
    const config = configWith(dir, [jiraEntry(fake, { priorities: '{ P1: Critical, P2: High }' })]);
    const res = await tandem({ ACME_JIRA_TOKEN: fake.token }, 'ticketing', 'check', '--config', config);
    expect(res.status).toBe(1);
    expect(res.stdout.trimEnd().split('\n').slice(1)).toEqual([
      '  ✓ credentials: signed in as Tandem integration',
      '  ✓ project OPS: found',
      '  ✗ issue type Incident: not in the project; it has Task, Bug',
      '  ✗ priority Critical: Jira has no priority named Critical; it has Highest, High, Medium, Low, Lowest',
      '  ✓ priority High: found',
      '',
      '1 ticketing entry checked: 0 ok, 1 failed (acme-jira)',
    ]);
    fake.assertClean();
  });

  it('fails the workflow line when the issue type’s workflow never reaches done', async () => {
    const fake = await jira({ workflows: { Incident: ['new', 'indeterminate'] } });
    const res = await tandem({ ACME_JIRA_TOKEN: fake.token }, 'ticketing', 'check', '--config', configWith(dir, [jiraEntry(fake)]));
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(
      '  ✗ workflow of Incident: has no status in the Done category (it has To Do, In Progress); Tandem could not move its tickets to done\n',
    );
    fake.assertClean();
  });

  it('fails the credentials line of an unset variable, naming it, without calling Jira', async () => {
    const fake = await jira();
    const res = await tandem({}, 'ticketing', 'check', '--config', configWith(dir, [jiraEntry(fake)]));
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('  ✗ credentials: environment variable ACME_JIRA_TOKEN is not set; set it to the secret and run again\n');
    expect(fake.requests).toHaveLength(0);
  });

  it('fails a check Jira never answers after --timeout-ms, and still reports the other entries', async () => {
    const silent = await jira();
    const fine = await jira();
    silent.inject({ hang: true });
    const other = jiraEntry(fine).replace('id: acme-jira', 'id: acme-jira-2').replace('jira-in-7c2e0d', 'jira-in-9d4f1a');
    const config = configWith(dir, [jiraEntry(silent), other]);
    const res = await tandem({ ACME_JIRA_TOKEN: silent.token }, 'ticketing', 'check', '--config', config, '--timeout-ms', '300');
    expect(res.status).toBe(1);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`acme-jira (Jira, internal) ${silent.url}`);
    expect(lines[1]).toMatch(/^ {2}✗ (answer: no complete answer from .* within 300 ms|credentials: Jira unreachable: .*)$/);
    expect(lines).toContain(`acme-jira-2 (Jira, internal) ${fine.url}`);
    expect(lines.at(-1)).toBe('2 ticketing entries checked: 1 ok, 1 failed (acme-jira)');
  });

  it('checks only --id, and an unknown --id exits 2 listing the entries there are', async () => {
    const fake = await jira();
    const other = jiraEntry(fake).replace('id: acme-jira', 'id: acme-jira-2').replace('jira-in-7c2e0d', 'jira-in-9d4f1a');
    const config = configWith(dir, [jiraEntry(fake), other]);
    const env = { ACME_JIRA_TOKEN: fake.token };
    const one = await tandem(env, 'ticketing', 'check', '--config', config, '--id', 'acme-jira-2');
    expect(one.status).toBe(0);
    expect(one.stdout.split('\n')[0]).toBe(`acme-jira-2 (Jira, internal) ${fake.url}`);
    expect(one.stdout).not.toContain('acme-jira (Jira');

    const unknown = await tandem(env, 'ticketing', 'check', '--config', config, '--id', 'acme-snow');
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim()).toBe('tandem ticketing check: no ticketing entry "acme-snow"; entries: acme-jira, acme-jira-2');
  });

  it('--json prints one document: ok, and each entry with its lines', async () => {
    const fake = await jira({ issueTypes: ['Task', 'Bug'] });
    const config = configWith(dir, [jiraEntry(fake, { priorities: '{ P1: Highest }' })]);
    const res = await tandem({ ACME_JIRA_TOKEN: fake.token }, 'ticketing', 'check', '--config', config, '--json');
    expect(res.status).toBe(1);
    const report = JSON.parse(res.stdout) as JsonReport;
    expect(report).toEqual({
      ok: false,
      entries: [
        {
          engagement: 'acme',
          id: 'acme-jira',
          system: 'jira',
          side: 'internal',
          url: fake.url,
          ok: false,
          lines: [
            { ok: true, what: 'credentials', detail: 'signed in as Tandem integration' },
            { ok: true, what: 'project OPS', detail: 'found' },
            { ok: false, what: 'issue type Incident', detail: 'not in the project; it has Task, Bug' },
            { ok: true, what: 'priority Highest', detail: 'found' },
          ],
        },
      ],
    });
  });
});

describe('tandem ticketing check against ServiceNow and ConnectWise', () => {
  const SN_PASSWORD = 'sn-secret-1';
  const CW = { NO_CW_PUBLIC: 'cwPublicKey1', NO_CW_PRIVATE: 'cwPrivateKey1' };

  it('passes a right ServiceNow entry', async () => {
    const fake = await startServiceNowFake({ password: SN_PASSWORD });
    fakes.push(fake);
    const res = await tandem({ ACME_SN_PASSWORD: SN_PASSWORD }, 'ticketing', 'check', '--config', configWith(dir, [snowEntry(fake)]));
    expect(res.status, res.stdout).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`acme-snow (ServiceNow, internal) ${fake.url}`);
    expect(lines).toContain('  ✓ assignment group Network Operations: found (sys_id a715cd759f2002002920bde8132e7018)');
    expect(lines.filter((l) => l.startsWith('  ')).every((l) => l.startsWith('  ✓ '))).toBe(true);
    expect(lines.at(-1)).toBe('1 ticketing entry checked: all ok');
    fake.assertClean();
  });

  it('fails the line of an assignment group ServiceNow does not have', async () => {
    const fake = await startServiceNowFake({ password: SN_PASSWORD });
    fakes.push(fake);
    const config = configWith(dir, [snowEntry(fake, 'Netwrok Operations')]);
    const res = await tandem({ ACME_SN_PASSWORD: SN_PASSWORD }, 'ticketing', 'check', '--config', config);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(
      "  ✗ assignment group Netwrok Operations: no sys_user_group is named 'Netwrok Operations'; check assignment_group\n",
    );
    fake.assertClean();
  });

  it('passes a right ConnectWise entry', async () => {
    const fake = await startConnectWiseFake();
    fakes.push(fake);
    const res = await tandem(CW, 'ticketing', 'check', '--config', configWith(dir, [cwEntry(fake)]));
    expect(res.status, res.stdout).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`nightowl-cw (ConnectWise, partner) ${fake.url}`);
    expect(lines).toContain('  ✓ board Service Desk: found');
    expect(lines).toContain('  ✓ status for done: Closed');
    expect(lines.filter((l) => l.startsWith('  ')).every((l) => l.startsWith('  ✓ '))).toBe(true);
    fake.assertClean();
  });

  it('fails the line of a board ConnectWise does not have, and names both key variables when they are unset', async () => {
    const fake = await startConnectWiseFake();
    fakes.push(fake);
    const config = configWith(dir, [cwEntry(fake, 'NOC')]);
    const res = await tandem(CW, 'ticketing', 'check', '--config', config);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('  ✗ board NOC: ConnectWise has no service board named NOC\n');
    fake.assertClean();

    const unset = await tandem({}, 'ticketing', 'check', '--config', config);
    expect(unset.status).toBe(1);
    expect(unset.stdout.trimEnd().split('\n').slice(1, 3)).toEqual([
      '  ✗ credentials: environment variable NO_CW_PUBLIC is not set; set it to the secret and run again',
      '  ✗ credentials: environment variable NO_CW_PRIVATE is not set; set it to the secret and run again',
    ]);
  });
});

describe('tandem ticketing check refuses what it cannot check', () => {
  it('exits 2 with the diagnostics of an invalid file, calling nothing', async () => {
    const file = join(FIXTURES, 'engagements', 'ticketing', 'inline-secret.yaml');
    const res = await tandem({}, 'ticketing', 'check', '--config', file);
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`${file}:67:47: secrets never go in the engagement file`);
  });

  it('exits 2 for a file without ticketing entries, a missing --config, a bad --timeout-ms or no subcommand', async () => {
    const none = await tandem({}, 'ticketing', 'check', '--config', DEMO);
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toBe(
      `tandem ticketing check: no ticketing entries in ${DEMO} (see the ticketing section in docs/engagement.md)`,
    );
    expect((await tandem({}, 'ticketing', 'check')).status).toBe(2);
    expect((await tandem({}, 'ticketing', 'check', '--config', DEMO, '--timeout-ms', 'soon')).status).toBe(2);
    expect((await tandem({}, 'ticketing')).status).toBe(2);
  });

  it('answers --help with exit 0', async () => {
    for (const args of [
      ['ticketing', '--help'],
      ['ticketing', 'check', '--help'],
    ]) {
      const res = await tandem({}, ...args);
      expect(res.status, args.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/^Usage: tandem ticketing check --config/);
    }
  });
});
