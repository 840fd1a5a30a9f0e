/**
 * Cloudwatch integrations in the engagement file (issue 13): `sns_cert_hosts`
 * normalizes to lower-case host names, once each; a bad host and the key on
 * another type are reported at their line and column.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSnsCertHost } from './cloudwatch.js';
import { formatDiagnostic, loadEngagementText } from './index.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');
const ANCHOR = '      - { type: alertmanager, key: "am-payments-3c8e1f" }\n';

function load(line: string) {
  return loadEngagementText(DEMO.replace(ANCHOR, `${ANCHOR}${line}\n`), 'acme.yaml');
}

describe('cloudwatch integrations', () => {
  it('normalize: sns_cert_hosts in lower case, once each; without it, no hosts (the AWS pattern applies)', () => {
    const { engagement, diagnostics } = load(
      '      - { type: cloudwatch, key: "cw-erp-1", sns_cert_hosts: ["SNS.eu-central-1.amazonaws.com", "sns.eu-central-1.amazonaws.com", sns.us-east-1.amazonaws.com] }\n' +
        '      - { type: cloudwatch, key: "cw-erp-2" }',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    const integrations = engagement?.services.find((s) => s.id === 'payments-api')?.integrations ?? [];
    expect(integrations.find((i) => i.key === 'cw-erp-1')).toEqual({
      type: 'cloudwatch',
      key: 'cw-erp-1',
      snsCertHosts: ['sns.eu-central-1.amazonaws.com', 'sns.us-east-1.amazonaws.com'],
    });
    expect(integrations.find((i) => i.key === 'cw-erp-2')).toEqual({ type: 'cloudwatch', key: 'cw-erp-2' });
  });

  it.each([
    ['https://sns.eu-central-1.amazonaws.com', 'bad SNS certificate host "https://sns.eu-central-1.amazonaws.com"'],
    ['sns.eu-central-1.amazonaws.com:443', 'without scheme, port or path'],
    ['sns.eu-central-1.amazonaws.com/x', 'without scheme, port or path'],
    ['-sns.example', 'bad SNS certificate host'],
  ])('a bad host %s is reported where it is written', (host, message) => {
    const { engagement, diagnostics } = load(`      - { type: cloudwatch, key: "cw-erp-1", sns_cert_hosts: ["${host}"] }`);
    expect(engagement).toBeUndefined();
    const text = diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain(message);
    // The line after the anchor: the inserted integration.
    const line = DEMO.slice(0, DEMO.indexOf(ANCHOR)).split('\n').length + 1;
    expect(text).toMatch(new RegExp(`^acme\\.yaml:${line}:\\d+: `, 'm'));
  });

  it('an empty list, and the key on another type, are refused', () => {
    expect(load('      - { type: cloudwatch, key: "cw-erp-1", sns_cert_hosts: [] }').engagement).toBeUndefined();
    const { diagnostics } = load('      - { type: generic, key: "gen-erp-1", sns_cert_hosts: [sns.eu-central-1.amazonaws.com] }');
    expect(diagnostics.map(formatDiagnostic).join('\n')).toContain(
      'sns_cert_hosts names where Amazon SNS signing certificates come from; an integration of type generic takes no SNS messages',
    );
  });

  it.each([
    ['sns.eu-central-1.amazonaws.com', 'sns.eu-central-1.amazonaws.com'],
    ['localhost', 'localhost'],
    [' SNS.CN-NORTH-1.AMAZONAWS.COM.CN ', 'sns.cn-north-1.amazonaws.com.cn'],
  ])('parseSnsCertHost(%j)', (text, host) => {
    expect(parseSnsCertHost(text)).toEqual({ ok: true, value: host });
  });
});
