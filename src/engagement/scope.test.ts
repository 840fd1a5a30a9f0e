/**
 * The `scope:` section of the engagement file (issue 12): the issue's scope
 * normalizes (a single function or a list, documentation activities kept),
 * a stored engagement without one still reads, and each broken variant gets
 * its diagnostic: RACI letters, two A, unknown functions, nobody R for the
 * incident response of a function.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engagementConfig } from '../deployment/engagement-column.js';
import { formatDiagnostic, loadEngagementText } from './index.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');

/** The scope the issue shows. */
const ISSUE_SCOPE = [
  'scope:',
  '  activities:',
  '    - { id: incident_response,  function: [infrastructure, cloud], internal: A, partner: R }',
  '    - { id: change_priority,    function: [infrastructure],        internal: A, partner: C }',
  '    - { id: security_response,  function: [security],              internal: I, partner: R }',
  '    - { id: user_support,       function: [end_user],              internal: R, partner: I }',
  '    - { id: vendor_management,                                     internal: R, partner: C }',
  '    - { id: architecture,                                          internal: A, partner: C }',
].join('\n');

function load(scope: string) {
  return loadEngagementText(`${DEMO}\n${scope}\n`, 'configs/acme.yaml');
}

function problems(scope: string): string[] {
  return load(scope).diagnostics.map(formatDiagnostic);
}

describe('the scope section', () => {
  it("normalizes the issue's scope: functions as lists, documentation activities kept, no list = every function", () => {
    const { engagement, diagnostics } = load(ISSUE_SCOPE);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.scope?.activities).toHaveLength(6);
    expect(engagement?.scope?.activities[0]).toEqual({
      id: 'incident_response',
      functions: ['infrastructure', 'cloud'],
      internal: 'A',
      partner: 'R',
    });
    expect(engagement?.scope?.activities[4]).toEqual({ id: 'vendor_management', internal: 'R', partner: 'C' });
  });

  it('takes a single function without brackets', () => {
    const { engagement, diagnostics } = load(
      ['scope:', '  activities:', '    - { id: change_priority, function: infrastructure, internal: A, partner: C }'].join('\n'),
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.scope?.activities[0]?.functions).toEqual(['infrastructure']);
  });

  it('without a scope section the engagement has none (nothing restricted)', () => {
    const { engagement } = load('');
    expect(engagement?.scope).toBeUndefined();
  });

  it('round-trips through the stored column, and a row stored before scope reads without one', () => {
    const { engagement } = load(ISSUE_SCOPE);
    if (engagement === undefined) throw new Error('the issue scope did not load');
    expect(engagementConfig.parse(engagementConfig.stringify(engagement))).toEqual(engagement);
    const { scope: _scope, ...old } = engagement;
    expect(engagementConfig.parse(JSON.stringify(old)).scope).toBeUndefined();
  });

  const broken: ReadonlyArray<readonly [string, string, string]> = [
    ['a letter that is not R, A, C or I', '    - { id: incident_response, internal: X, partner: R }', 'internal'],
    ['two A', '    - { id: architecture, internal: A, partner: A }', "activity 'architecture' has two A"],
    [
      'an unknown function',
      '    - { id: change_priority, function: [infrastruture], internal: A, partner: C }',
      "unknown function 'infrastruture'",
    ],
    [
      'nobody R for incident response of a function',
      '    - { id: incident_response, function: [cloud], internal: A, partner: C }',
      "nobody is R for incident_response of function 'cloud'",
    ],
    [
      'nobody R for security response',
      '    - { id: security_response, internal: I, partner: C }',
      "nobody is R for security_response of function 'security'",
    ],
    ['a missing side', '    - { id: architecture, internal: A }', 'partner'],
  ];
  it.each(broken)('reports %s', (_what, line, expected) => {
    const found = problems(['scope:', '  activities:', line].join('\n'));
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toContain(expected);
  });

  it('reports every problem in one run', () => {
    const found = problems(
      [
        'scope:',
        '  activities:',
        '    - { id: architecture, internal: A, partner: A }',
        '    - { id: change_priority, function: [nope], internal: A, partner: C }',
      ].join('\n'),
    );
    expect(found).toHaveLength(2);
  });
});
