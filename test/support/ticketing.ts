/**
 * The demo engagement with ticketing entries pointing at the local fakes, for
 * the ticket sync's scenario tests: one builder per system, and the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectWiseFake } from './fakes/connectwise.js';
import type { JiraFake } from './fakes/jira.js';
import type { ServiceNowFake } from './fakes/servicenow.js';
import { DEMO } from './paths.js';

export const JIRA_INBOUND = 'jira-in-7c2e0d';
export const SNOW_INBOUND = 'sn-in-3f1a9b';
export const CW_INBOUND = 'cw-in-88aa41';

/** Acme's Jira (internal). */
export function jiraEntry(fake: JiraFake, extra: string[] = []): string[] {
  return [
    '  - id: acme-jira',
    '    system: jira',
    '    side: internal',
    `    url: ${fake.url}`,
    `    auth: { user: ${fake.email}, token_env: ACME_JIRA_TOKEN }`,
    `    project: ${fake.project}`,
    '    issue_type: Incident',
    '    priorities: { P1: Highest, P2: High, P3: Medium, P4: Low, P5: Lowest }',
    `    inbound_key: "${JIRA_INBOUND}"`,
    ...extra.map((l) => `    ${l}`),
  ];
}

/** Acme's ServiceNow (internal). */
export function serviceNowEntry(fake: ServiceNowFake, extra: string[] = []): string[] {
  return [
    '  - id: acme-snow',
    '    system: servicenow',
    '    side: internal',
    `    url: ${fake.url}`,
    `    auth: { user: ${fake.user}, password_env: ACME_SN_PASSWORD }`,
    '    assignment_group: Network Operations',
    `    inbound_key: "${SNOW_INBOUND}"`,
    ...extra.map((l) => `    ${l}`),
  ];
}

/** NightOwl's ConnectWise (partner). */
export function connectWiseEntry(fake: ConnectWiseFake, company: string, board: string, extra: string[] = []): string[] {
  return [
    '  - id: nightowl-cw',
    '    system: connectwise',
    '    side: partner',
    `    url: ${fake.url}`,
    `    auth: { company: nightowl, public_key_env: NO_CW_PUBLIC, private_key_env: NO_CW_PRIVATE, client_id: "${fake.clientId}" }`,
    `    board: ${board}`,
    `    company: ${company}`,
    `    inbound_key: "${CW_INBOUND}"`,
    ...extra.map((l) => `    ${l}`),
  ];
}

/** Writes the demo engagement with these entries as `acme.yaml` in `dir`; returns its path. */
export function demoWithTicketing(dir: string, entries: readonly string[][]): string {
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\nticketing:\n${entries.map((e) => e.join('\n')).join('\n')}\n`);
  return file;
}
