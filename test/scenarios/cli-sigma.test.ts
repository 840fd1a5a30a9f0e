/**
 * What a detection engineer runs before deploying a rule: `tandem sigma
 * test` prints which rules each event line fires (or, with --json, the
 * document), names a malformed line by its number (exit 2); `tandem sigma
 * check` lists each refused rule as file:line:col: reason (exit 1) or
 * passes (exit 0). Runs the built command (dist/).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/paths.js';

const tandem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'tandem-sigma-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = join(dir, 'rules');
mkdirSync(rules);
writeFileSync(
  join(rules, 'webshell.yml'),
  `title: Webshell spawns a shell
id: 0b1e3c5a-6f7d-4e8a-9b0c-1d2e3f405161
level: critical
tags: [attack.persistence, attack.t1505.003]
logsource: {product: linux, category: process_creation}
detection:
    selection:
        ParentImage|endswith: ['/httpd', '/nginx', '/php-fpm']
        Image|endswith: ['/sh', '/bash', '/dash']
    condition: selection
`,
);
writeFileSync(
  join(rules, 'encoded.yml'),
  `title: Encoded PowerShell
id: 6a8c1f0e-2b3d-4c5e-8f90-a1b2c3d4e5f6
logsource: {product: windows, category: process_creation}
detection:
    selection:
        CommandLine|windash|contains: ' -enc '
    filter:
        User: 'NT AUTHORITY\\SYSTEM'
    condition: selection and not filter
`,
);
const broken = join(dir, 'broken.yml');
writeFileSync(
  broken,
  `title: Admins logon
logsource: {product: windows, service: security}
detection:
    selection:
        TargetUserName|expand: '%Administrators%'
    condition: selection | count() > 3
`,
);

const events = join(dir, 'events.jsonl');
writeFileSync(
  events,
  [
    JSON.stringify({
      logsource: { product: 'linux', category: 'process_creation' },
      event: { ParentImage: '/usr/sbin/nginx', Image: '/bin/sh' },
    }),
    JSON.stringify({
      logsource: { product: 'linux', category: 'process_creation' },
      event: { ParentImage: '/usr/sbin/nginx', Image: '/bin/ls' },
    }),
    '',
    JSON.stringify({
      logsource: { product: 'windows', category: 'process_creation' },
      event: { CommandLine: 'powershell /enc AAAA', User: 'alice' },
    }),
    JSON.stringify({
      logsource: { product: 'windows', category: 'process_creation' },
      event: { CommandLine: 'powershell -enc AAAA', User: 'NT AUTHORITY\\SYSTEM' },
    }),
  ].join('\n'),
);

describe('tandem sigma', () => {
  it('test prints, per line, the ids of the rules that match', () => {
    const res = tandem('sigma', 'test', '--rules', rules, '--events', events);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe(
      [
        'line 1: 0b1e3c5a-6f7d-4e8a-9b0c-1d2e3f405161',
        'line 2: (no match)',
        'line 4: 6a8c1f0e-2b3d-4c5e-8f90-a1b2c3d4e5f6',
        'line 5: (no match)',
        '',
        '2 rules, 4 events, 2 matched',
        '',
      ].join('\n'),
    );
  });

  it('test --json gives rules, events and results', () => {
    const res = tandem(
      'sigma',
      'test',
      '--rules',
      join(rules, 'webshell.yml'),
      '--rules',
      join(rules, 'encoded.yml'),
      '--events',
      events,
      '--json',
    );
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      rules: 2,
      events: 4,
      results: [
        { line: 1, matches: ['0b1e3c5a-6f7d-4e8a-9b0c-1d2e3f405161'] },
        { line: 2, matches: [] },
        { line: 4, matches: ['6a8c1f0e-2b3d-4c5e-8f90-a1b2c3d4e5f6'] },
        { line: 5, matches: [] },
      ],
    });
  });

  it.each([
    ['not JSON', '{"event": {}}\n{nope', 'line 2: not JSON'],
    ['no event', '{"logsource": {}}', 'line 1: "event" must be an object'],
    ['an array', '[1]', 'line 1: expected an object {"logsource": {...}, "event": {...}}'],
    ['a logsource key that is not text', '\n\n{"logsource": {"product": 5}, "event": {}}', 'line 3: "logsource.product" must be text'],
  ])('test names a malformed line (%s) by its number and exits 2', (_, text, message) => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, text);
    const res = tandem('sigma', 'test', '--rules', rules, '--events', file);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`tandem sigma test: ${file}: ${message}`);
    expect(res.stdout).toBe('');
  });

  it('test lists refused rules on stderr and matches with the others', () => {
    const res = tandem('sigma', 'test', '--rules', rules, '--rules', broken, '--events', events, '--json');
    expect(res.status).toBe(0);
    expect(res.stderr).toContain(
      `${broken}:6:26: aggregation conditions ("| count() ...") are not supported; Sigma v2 expresses them as correlation rules (rule left out)`,
    );
    expect(JSON.parse(res.stdout)).toMatchObject({ rules: 2, events: 4 });
  });

  it('check lists each refusal as file:line:col: reason and exits 1', () => {
    const res = tandem('sigma', 'check', '--rules', rules, broken);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe(
      [
        `${broken}:6:26: aggregation conditions ("| count() ...") are not supported; Sigma v2 expresses them as correlation rules`,
        '',
        '2 rules compiled, 1 refused',
        '',
      ].join('\n'),
    );
  });

  it('check passes good rules with exit 0', () => {
    const res = tandem('sigma', 'check', '--rules', rules);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe('2 rules compiled, 0 refused\n');
  });

  it('usage errors exit 2 with the help', () => {
    expect(tandem('sigma', 'test', '--rules', rules).status).toBe(2);
    expect(tandem('sigma', 'check').status).toBe(2);
    expect(tandem('sigma', 'lint').status).toBe(2);
    const help = tandem('sigma', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('tandem sigma test --rules PATH... --events FILE [--json]');
  });
});
