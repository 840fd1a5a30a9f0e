/**
 * The ticketing section of the engagement file: a valid section normalizes
 * into engagement.ticketing; each broken variant yields its diagnostic at
 * its position; inbound keys clash across engagements; missingTicketingEnv
 * names the variables `tandem serve` needs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, Engagement } from './index.js';
import { engagementJsonSchema, formatDiagnostic, loadEngagementText, loadEngagements, missingTicketingEnv } from './index.js';
import { MissingEnvError } from './ticketing.js';

const DIR = 'test/fixtures/engagements/ticketing';
const OK = readFileSync(`${DIR}/ok.yaml`, 'utf8');

const at = (d: Diagnostic): string => `${d.line}:${d.col}: ${d.message}`;

/** ok.yaml with each [from, to] replaced once (each `from` must occur). */
function variant(...edits: readonly (readonly [string, string])[]): string {
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`ok.yaml has no ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, OK);
}

function loadOk(): Engagement {
  const result = loadEngagementText(OK, 'ok.yaml');
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
  if (result.engagement === undefined) throw new Error('ok.yaml did not load');
  return result.engagement;
}

describe('ticketing: a valid section', () => {
  it('normalizes each system into engagement.ticketing, camelCase, sync defaulting to every priority and function', () => {
    const [jira, snow, cw] = loadOk().ticketing;
    expect(jira).toEqual({
      id: 'tiny-jira',
      system: 'jira',
      side: 'internal',
      url: 'https://tiny.atlassian.net',
      auth: { user: 'tandem@tiny.example', tokenEnv: 'TINY_JIRA_TOKEN' },
      project: 'OPS',
      issueType: 'Incident',
      sync: { priorities: ['P1', 'P2'], functions: ['ops'] },
      priorities: { P1: 'Highest', P2: 'High', P3: 'Medium' },
      inboundKey: 'jira-in-7c2e0d',
    });
    expect(snow).toEqual({
      id: 'tiny-snow',
      system: 'servicenow',
      side: 'internal',
      url: 'https://tiny.service-now.com',
      auth: { user: 'tandem.integration', passwordEnv: 'TINY_SN_PASSWORD' },
      assignmentGroup: 'Network Operations',
      sync: { priorities: ['P1', 'P2', 'P3'], functions: ['ops'] },
      priorities: {},
      inboundKey: 'sn-in-3f1a9b',
    });
    expect(cw).toMatchObject({
      system: 'connectwise',
      side: 'partner',
      auth: {
        company: 'bigmsp',
        publicKeyEnv: 'MSP_CW_PUBLIC',
        privateKeyEnv: 'MSP_CW_PRIVATE',
        clientId: '6b1f2e4a-0c7d-4e59-9a31-2d8c5f7b1e90',
      },
      board: 'NOC',
      company: 'TINY',
    });
    expect(Object.isFrozen(cw)).toBe(true);
  });

  it('is optional: a file without it has no ticketing', () => {
    const minimal = loadEngagementText(readFileSync('test/fixtures/engagements/minimal.yaml', 'utf8'), 'minimal.yaml');
    expect(minimal.engagement?.ticketing).toEqual([]);
  });

  it('is in the JSON Schema `tandem schema` prints', () => {
    const schema = JSON.stringify(engagementJsonSchema());
    expect(schema).toContain('"ticketing"');
    expect(schema).toContain('"inbound_key"');
    expect(schema).toContain('"token_env"');
  });
});

describe('ticketing: each mistake is reported at its position', () => {
  it.each([
    {
      name: 'unknown system',
      edits: [['system: servicenow', 'system: servicenw']],
      expected: [`74:13: bad system "servicenw": expected jira, servicenow or connectwise; did you mean 'servicenow'?`],
    },
    {
      name: "missing the system's fields (jira)",
      edits: [['    issue_type: Incident\n', '']],
      expected: [`63:5: ticketing 'tiny-jira' (Jira) needs issue_type; add e.g. issue_type: Incident`],
    },
    {
      name: "missing the system's auth keys (connectwise)",
      edits: [['public_key_env: MSP_CW_PUBLIC, ', '']],
      expected: [`84:5: ticketing 'msp-cw' (ConnectWise) needs auth.public_key_env; add e.g. public_key_env: NO_CW_PUBLIC`],
    },
    {
      name: "another system's key",
      edits: [['    assignment_group: Network Operations\n', '    assignment_group: Network Operations\n    project: OPS\n']],
      expected: [`79:5: 'project' is a Jira key; ticketing 'tiny-snow' is ServiceNow, which uses assignment_group`],
    },
    {
      name: 'an inline secret',
      edits: [['token_env: TINY_JIRA_TOKEN', 'token: s3cr3t']],
      expected: [`67:47: secrets never go in the engagement file: name an environment variable instead, e.g. token_env: ACME_JIRA_TOKEN`],
    },
    {
      name: 'an env var name that is not one',
      edits: [['password_env: TINY_SN_PASSWORD', 'password_env: tiny-pw']],
      expected: [
        `77:53: bad environment variable name "tiny-pw": expected capital letters, digits and '_', not starting with a digit, e.g. "ACME_JIRA_TOKEN"`,
      ],
    },
    {
      name: 'a URL that is not http(s)',
      edits: [['url: https://tiny.service-now.com', 'url: ftp://tiny.service-now.com']],
      expected: [
        `76:10: bad URL "ftp://tiny.service-now.com": expected an http:// or https:// URL, e.g. "https://hooks.slack.com/services/..."`,
      ],
    },
    {
      name: 'sync.priorities and priorities keys not of this engagement',
      edits: [
        ['priorities: [P1, P2]', 'priorities: [P1, P7]'],
        ['P3: Medium', 'P9: Medium'],
      ],
      expected: [
        `70:30: unknown priority 'P7' in sync.priorities of ticketing 'tiny-jira'; priorities in priorities.matrix: P1, P2, P3`,
        `71:42: unknown priority 'P9' in priorities of ticketing 'tiny-jira'; priorities in priorities.matrix: P1, P2, P3`,
      ],
    },
    {
      name: 'sync.functions not in coverage',
      edits: [['functions: [ops]', 'functions: [opz]']],
      expected: [
        `70:47: unknown function 'opz' in sync.functions of ticketing 'tiny-jira'; did you mean 'ops'? functions in coverage.functions: ops`,
      ],
    },
    {
      name: 'duplicate ticketing id',
      edits: [['id: tiny-snow', 'id: tiny-jira']],
      expected: [`73:9: duplicate ticketing id 'tiny-jira': already used by ticketing[0] at line 63; ids must be unique among ticketing`],
    },
    {
      name: 'duplicate inbound key in the file',
      edits: [['"sn-in-3f1a9b"', '"jira-in-7c2e0d"']],
      expected: [
        `79:18: inbound key "jira-in-7c2e0d" is already used by ticketing 'tiny-jira' at line 72; keys must be unique across all engagements`,
      ],
    },
    {
      name: 'a signing secret on ConnectWise, whose callbacks are not signed',
      edits: [['inbound_key: "cw-in-88aa41"', 'inbound_key: "cw-in-88aa41"\n    inbound_secret_env: MSP_CW_HOOK']],
      expected: [
        `88:5: ticketing 'msp-cw' (ConnectWise): ConnectWise does not sign its callbacks; Tandem reads the ticket back from ConnectWise before acting, so remove inbound_secret_env`,
      ],
    },
    {
      name: "an inbound key equal to a service's integration key",
      edits: [['"cw-in-88aa41"', '"tiny-web-0001"']],
      expected: [
        `87:18: inbound key "tiny-web-0001" is already used by service 'web' at line 54; keys must be unique across all engagements`,
      ],
    },
  ])('$name', ({ edits, expected }) => {
    const result = loadEngagementText(variant(...(edits as [string, string][])), 'bad.yaml');
    expect(result.diagnostics.map(at)).toEqual(expected);
    expect(result.engagement).toBeUndefined();
  });
});

describe('ticketing: inbound keys across engagements', () => {
  it('refuses a later file that reuses an inbound or integration key of an earlier one, either way round', async () => {
    const { loaded, diagnostics } = await loadEngagements([`${DIR}/clash`]);
    expect(loaded.map((l) => l.engagement.id)).toEqual(['tiny']);
    const b = `${DIR}/clash/b.yaml`;
    const a = `${DIR}/clash/a.yaml`;
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${b}:54:31: integration key "cw-in-88aa41" is already used by engagement tiny ticketing msp-cw at ${a}:87:18; keys must be unique across all engagements`,
      `${b}:72:18: inbound key "jira-in-7c2e0d" is already used by engagement tiny ticketing tiny-jira at ${a}:72:18; keys must be unique across all engagements`,
      `${b}:79:18: inbound key "tiny-web-0001" is already used by engagement tiny service web at ${a}:54:31; keys must be unique across all engagements`,
    ]);
  });
});

describe('missingTicketingEnv', () => {
  const engagement = loadOk();
  const all = { TINY_JIRA_TOKEN: 't', TINY_SN_PASSWORD: 'p', MSP_CW_PUBLIC: 'pub', MSP_CW_PRIVATE: 'priv' };

  it('is empty when every named variable is set, and for engagements without ticketing', () => {
    expect(missingTicketingEnv([engagement], all)).toEqual([]);
    const minimal = loadEngagementText(readFileSync('test/fixtures/engagements/minimal.yaml', 'utf8'), 'minimal.yaml').engagement;
    expect(missingTicketingEnv(minimal === undefined ? [] : [minimal], {})).toEqual([]);
  });

  it('names the signing secret of an entry that signs its webhooks', () => {
    const signed = loadEngagementText(
      variant(['inbound_key: "jira-in-7c2e0d"', 'inbound_key: "jira-in-7c2e0d"\n    inbound_secret_env: TINY_JIRA_HOOK']),
      'signed.yaml',
    );
    expect(signed.engagement?.ticketing[0]?.inboundSecretEnv).toBe('TINY_JIRA_HOOK');
    const missing = missingTicketingEnv(signed.engagement === undefined ? [] : [signed.engagement], all);
    expect(missing).toEqual([{ name: 'TINY_JIRA_HOOK', engagement: 'tiny', ticketing: 'tiny-jira' }]);
  });

  it('lists each unset or empty variable once, in file order, with the entry that names it', () => {
    const missing = missingTicketingEnv([engagement], { ...all, TINY_JIRA_TOKEN: undefined, MSP_CW_PRIVATE: '' });
    expect(missing).toEqual([
      { name: 'TINY_JIRA_TOKEN', engagement: 'tiny', ticketing: 'tiny-jira' },
      { name: 'MSP_CW_PRIVATE', engagement: 'tiny', ticketing: 'msp-cw' },
    ]);
    expect(new MissingEnvError(missing).message).toBe(
      'tandem serve: missing environment variables named by ticketing: TINY_JIRA_TOKEN (engagement tiny, ticketing tiny-jira), MSP_CW_PRIVATE (engagement tiny, ticketing msp-cw); set them and start again',
    );
  });
});
