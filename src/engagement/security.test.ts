/**
 * The security and vulnerabilities sections of the engagement file (issue
 * 11): a valid section normalizes (rule paths resolved against the file's
 * folder, defaults filled in), and each broken variant gets its diagnostic.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadEngagementText } from './index.js';
import { cidrProblem } from './security.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');
const EDR_WITH_SECURITY = DEMO.replace(
  /(  - id: edr\n(?:    .*\n)*?    integrations:\n)/,
  '$1      - { type: security, key: "sec-edr-51c0", logsource: { product: linux, category: process_creation } }\n',
);

function load(extra: string, base = EDR_WITH_SECURITY) {
  return loadEngagementText(`${base}\n${extra}\n`, 'configs/acme.yaml');
}

describe('security and vulnerabilities sections', () => {
  it('normalize: rules resolved against the file, suppress and syslog kept, deadlines defaulted where not given', () => {
    const { engagement, diagnostics } = load(
      [
        'security:',
        '  rules: [rules/sigma/]',
        '  suppress: 5m',
        '  syslog:',
        '    - { from: "10.20.0.0/16", service: edr, logsource: { product: linux, service: sshd } }',
        'vulnerabilities:',
        '  deadlines: { critical: 7d }',
      ].join('\n'),
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.security.rules).toEqual([resolve('configs', 'rules/sigma/')]);
    expect(engagement?.security.suppress.ms).toBe(300_000);
    expect(engagement?.security.syslog).toEqual([
      { from: '10.20.0.0/16', service: 'edr', logsource: { product: 'linux', service: 'sshd' } },
    ]);
    expect(engagement?.vulnerabilities.deadlines.critical.text).toBe('7d');
    expect(engagement?.vulnerabilities.deadlines.high.text).toBe('30d');
    expect(engagement?.vulnerabilities.kev).toBe('due_date');
    const edr = engagement?.services.find((s) => s.id === 'edr');
    expect(edr?.integrations.find((i) => i.type === 'security')).toEqual({
      type: 'security',
      key: 'sec-edr-51c0',
      logsource: { product: 'linux', category: 'process_creation' },
    });
  });

  it('a file without them has no rules and the default deadlines', () => {
    const { engagement } = loadEngagementText(DEMO, 'acme.yaml');
    expect(engagement?.security).toMatchObject({ rules: [], syslog: [], suppress: { text: '10m' } });
    expect(Object.values(engagement?.vulnerabilities.deadlines ?? {}).map((d) => d.text)).toEqual(['15d', '30d', '90d', '180d']);
  });

  it.each([
    {
      name: 'a syslog source of an unknown service',
      extra: ['security:', '  syslog:', '    - { from: "10.20.0.0/16", service: edr2, logsource: { product: linux } }'],
      message: "unknown service 'edr2' in security.syslog[0]",
    },
    {
      name: 'a syslog source that is not a CIDR',
      extra: ['security:', '  syslog:', '    - { from: "10.20.0.0/33", service: edr, logsource: { product: linux } }'],
      message: '"10.20.0.0/33": the prefix length must be 0..32',
    },
    {
      name: 'a syslog source of a service without a security integration',
      extra: ['security:', '  syslog:', '    - { from: "10.20.0.0/16", service: laptops, logsource: { product: linux } }'],
      message: "service 'laptops' has no integration of type security",
    },
    {
      name: 'a kev policy that is not one of the two',
      extra: ['vulnerabilities:', '  kev: always'],
      message: 'kev',
    },
  ])('$name', ({ extra, message }) => {
    const { engagement, diagnostics } = load(extra.join('\n'));
    expect(engagement).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).join('\n')).toContain(message);
  });

  it('a log source on an integration that is not of type security', () => {
    const base = EDR_WITH_SECURITY.replace('{ type: security, key: "sec-edr-51c0",', '{ type: generic, key: "sec-edr-51c0",');
    const { diagnostics } = load('', base);
    expect(diagnostics.map(formatDiagnostic).join('\n')).toContain('logsource tags security events; integration of type generic');
  });

  it.each([
    ['10.20.0.0/16', null],
    ['10.0.0.1', null],
    ['2001:db8::/32', null],
    ['2001:db8::/129', '"2001:db8::/129": the prefix length must be 0..128'],
    ['10.20.0.0/16/2', '"10.20.0.0/16/2" is not a CIDR like "10.20.0.0/16" or "2001:db8::/32"'],
    ['example.com/8', '"example.com/8" is not a CIDR like "10.20.0.0/16" or "2001:db8::/32"'],
  ])('cidrProblem(%s)', (text, problem) => {
    expect(cidrProblem(text)).toBe(problem);
  });
});
