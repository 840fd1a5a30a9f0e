/**
 * The demo engagement with security detection, for the security scenario
 * and browser tests: the edr service's security integration (linux process
 * creation), SigmaHQ's webshell rule (DRL 1.1, test/fixtures/sigma/sigmahq),
 * a suppress window and a syslog range; and the event the rule is about.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, FIXTURES } from './paths.js';

/** The edr service's security integration key. */
export const SECURITY_KEY = 'sec-edr-51c0';
export const WEBSHELL_RULE = join(FIXTURES, 'sigma/sigmahq/rules/linux/process_creation/proc_creation_lnx_webshell_detection.yml');
export const WEBSHELL_RULE_ID = '818f7b24-0fba-4c49-a073-8b755573b9c7';

/** apache2 on web-01 runs whoami: what the rule is about. */
export const WEBSHELL = {
  ParentImage: '/usr/sbin/apache2',
  ParentCommandLine: '/usr/sbin/apache2 -k start',
  Image: '/usr/bin/whoami',
  CommandLine: 'whoami',
  User: 'www-data',
  Hostname: 'web-01',
};

/** Writes the demo engagement with security detection as `acme.yaml` in `dir`; returns its path. */
export function securityEngagement(dir: string, o: { rules?: readonly string[]; syslogFrom?: string } = {}): string {
  const yaml = readFileSync(DEMO, 'utf8');
  const integration = '      - { type: generic, key: "edr-generic-77d2" }\n';
  if (!yaml.includes(integration)) throw new Error('the demo file changed: no edr integration line');
  const rules = o.rules ?? [WEBSHELL_RULE];
  const edited =
    yaml.replace(
      integration,
      `${integration}      - { type: security, key: "${SECURITY_KEY}", logsource: { product: linux, category: process_creation } }\n`,
    ) +
    [
      '',
      'security:',
      `  rules: [${rules.map((r) => JSON.stringify(r)).join(', ')}]`,
      '  suppress: 10m',
      '  syslog:',
      `    - { from: "${o.syslogFrom ?? '127.0.0.1/32'}", service: edr, logsource: { product: linux, category: process_creation } }`,
      '',
    ].join('\n');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, edited);
  return file;
}
