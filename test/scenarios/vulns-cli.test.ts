/**
 * `tandem vulns import|list|except` and `tandem kev import` on a database a
 * server has applied the demo engagement to, on both databases: every
 * scanner format imports; the list's JSON has exactly the shape;
 * a KEV catalog loaded after the import re-dates the finding; an exception
 * shows; and every mistake is one line naming what is wrong.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { recordingIo } from '../../src/cli/io.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';

const file = (name: string) => join(FIXTURES, 'scanners', name);

interface Listed {
  findings: Array<
    Record<string, unknown> & { id: number; cve: string | null; status: string; kev: boolean; due_at: string; severity: string }
  >;
}

describe.each(databaseKinds())('tandem vulns and tandem kev, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  async function tandem(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = recordingIo();
    const code = await main([...args, '--db', h.db.url], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  }
  const list = async (...extra: string[]) =>
    JSON.parse((await tandem('vulns', 'list', '--engagement', 'acme', '--json', ...extra)).out) as Listed;

  it('imports every format, once; the list has the issue shape, most urgent first', async () => {
    const imports: Array<[string, string, string]> = [
      ['trivy', 'trivy-fluentd.json', '3 finding(s): 3 new'],
      ['grype', 'grype-imgs.json', '2 finding(s): 2 new'],
      ['sarif', 'trivy-alpine-310.sarif', '4 finding(s): 4 new'],
      ['nessus', 'nessus-template.csv', '5 finding(s): 5 new'],
      ['greenbone', 'greenbone-many.csv', '5 finding(s): 5 new'],
    ];
    for (const [format, name, said] of imports) {
      const r = await tandem('vulns', 'import', '--engagement', 'acme', '--format', format, '--service', 'edr', file(name));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(said);
    }
    const again = await tandem('vulns', 'import', '--engagement', 'acme', '--format', 'grype', file('grype-imgs.json'));
    expect(again).toMatchObject({ code: 0, out: expect.stringContaining('was imported before: nothing changed') });

    const { findings } = await list();
    expect(findings).toHaveLength(19);
    for (const f of findings)
      expect(Object.keys(f)).toEqual([
        'id',
        'cve',
        'title',
        'severity',
        'asset',
        'package',
        'first_seen',
        'last_seen',
        'due_at',
        'status',
        'kev',
      ]);
    expect(findings.map((f) => f.due_at)).toEqual(findings.map((f) => f.due_at).sort());
    expect(findings[0]?.severity).toBe('critical');
    expect(findings.every((f) => f.status === 'open' && !f.kev)).toBe(true);
    const text = await tandem('vulns', 'list', '--engagement', 'acme');
    expect(text.out.split('\n')).toHaveLength(19);
  });

  it('a KEV catalog loaded later flags and re-dates the finding; an exception shows as excepted', async () => {
    // Spring4Shell (KEV due 2022-04-25) is overdue the moment it is flagged; so is PHP's CVE-2024-4577 from the Nessus scan.
    expect((await tandem('vulns', 'import', '--engagement', 'acme', '--format', 'trivy', file('trivy-spring4shell-jre11.json'))).code).toBe(
      0,
    );
    const kev = await tandem('kev', 'import', file('kev-excerpt.json'));
    expect(kev).toMatchObject({ code: 0, out: 'KEV catalog 2025.08.25: 5 CVE(s); 2 finding(s) re-dated.' });
    expect(
      (await list()).findings
        .filter((f) => f.kev)
        .map((f) => f.cve)
        .sort(),
    ).toEqual(['CVE-2022-22965', 'CVE-2024-4577']);
    const spring = (await list()).findings.find((f) => f.cve === 'CVE-2022-22965');
    expect(spring).toMatchObject({ kev: true, status: 'overdue', due_at: '2022-04-26T03:59:59.999Z' });

    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const args = [
      'vulns',
      'except',
      '--engagement',
      'acme',
      '--finding',
      String(spring?.id),
      '--reason',
      'WAF blocks it',
      '--approver',
      'Dana Reyes',
    ];
    const ok = await tandem(...args, '--expires', expires);
    expect(ok.err).toBe('');
    expect(ok.out).toContain(`Finding ${spring?.id} excepted until`);
    expect((await list()).findings.find((f) => f.id === spring?.id)?.status).toBe('excepted');
  });

  it('says what is wrong, in one line', async () => {
    const cases: Array<[string[], number, string]> = [
      [
        ['vulns', 'import', '--engagement', 'acme', '--format', 'qualys', file('nessus-default.csv')],
        2,
        '--format must be one of trivy, grype, sarif, nessus, greenbone, got "qualys"',
      ],
      [
        ['vulns', 'import', '--engagement', 'acme', '--format', 'nessus', '--service', 'nope', file('nessus-default.csv')],
        1,
        'service "nope" is not in engagement "acme"',
      ],
      [['vulns', 'import', '--engagement', 'globex', '--format', 'nessus', file('nessus-default.csv')], 1, 'engagement "globex" is not in'],
      [
        ['vulns', 'import', '--engagement', 'acme', '--format', 'nessus', file('grype-imgs.json')],
        1,
        'no "Plugin ID" column: not a Nessus CSV export',
      ],
      [['vulns', 'import', '--engagement', 'acme', '--format', 'trivy', file('missing.json')], 1, 'cannot read'],
      [['vulns', 'list'], 2, '--engagement is required'],
      [['vulns', 'except', '--engagement', 'acme', '--finding', '1'], 2, '--reason, --approver, --expires required'],
      [
        ['vulns', 'except', '--engagement', 'acme', '--finding', '999', '--reason', 'r', '--approver', 'a', '--expires', '2999-01-01'],
        1,
        'finding 999 is not in engagement "acme"',
      ],
      [
        ['vulns', 'except', '--engagement', 'acme', '--finding', '1', '--reason', 'r', '--approver', 'a', '--expires', '2001-01-01'],
        2,
        'in the future',
      ],
      [['kev', 'import', file('trivy-fluentd.json')], 1, "not CISA's KEV feed"],
    ];
    for (const [args, code, message] of cases) {
      const r = await tandem(...args);
      expect(r.err, args.join(' ')).toContain(message);
      expect(r.code, args.join(' ')).toBe(code);
    }
  });
});
