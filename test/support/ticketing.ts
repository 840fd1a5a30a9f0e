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
import type { Harness } from './harness.js';
import type { IncidentDetail, IncidentDetailResponse } from '../../src/api/types.js';

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

/** 23:47: the payments monitor fires (PagerDuty event, P1) and the engine runs; returns the incident's id. */
export async function paymentsDown(h: Harness): Promise<number> {
  const body = {
    routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
    event_action: 'trigger',
    payload: { summary: 'Payments API 5xx above 2%', source: 'monitor', severity: 'critical' },
  };
  const res = await h.ingest('/v2/enqueue', body);
  if (res.statusCode !== 202) throw new Error(`the payments event got ${res.statusCode}: ${res.body}`);
  await h.settle();
  const list = (await h.api('GET', '/incidents', await h.token('viewer'))).json<{ incidents: Array<{ id: number }> }>();
  return list.incidents[0]?.id ?? 0;
}

/** GET /incidents/{id} as a viewer: the incident with its timeline and tickets. */
export async function incidentDetail(h: Harness, id: number): Promise<IncidentDetail> {
  return (await h.api('GET', `/incidents/${id}`, await h.token('viewer'))).json<IncidentDetailResponse>().incident;
}
