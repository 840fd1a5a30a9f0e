/**
 * The `status_page:` section of the engagement file (issue 13): the issue's
 * section normalizes, a file without one has no page, a stored engagement
 * keeps it, and each broken variant gets its diagnostic at the line and
 * column of the mistake: unknown services (with a suggestion), duplicate
 * names, a service twice, empty lists, unknown keys, texts too long.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engagementConfig } from '../deployment/engagement-column.js';
import { formatDiagnostic, loadEngagementText } from './index.js';
import { withoutStatusPage } from '../../test/support/status-page.js';

/** The demo without its own status page, so each test writes the section it checks. */
const DEMO = withoutStatusPage(readFileSync('demo/acme.yaml', 'utf8'));
/** The line the appended section starts on (the demo may grow; the tests must not care). */
const FIRST = `${DEMO}\n`.split('\n').length;

function load(section: string) {
  return loadEngagementText(`${DEMO}\n${section}\n`, 'configs/acme.yaml');
}

function problems(section: string): string[] {
  return load(section).diagnostics.map(formatDiagnostic);
}

/** "configs/acme.yaml:<line>:<col>" for a line of the appended section (0 = `status_page:`). */
const at = (line: number, col: number) => `configs/acme.yaml:${FIRST + line}:${col}`;

const ISSUE = ['status_page:', '  title: Acme IT services', '  components:', '    - { name: Payments, services: [payments-api] }'].join(
  '\n',
);

describe('the status_page section', () => {
  it("normalizes the issue's section", () => {
    const { engagement, diagnostics } = load(ISSUE);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.statusPage).toEqual({ title: 'Acme IT services', components: [{ name: 'Payments', services: ['payments-api'] }] });
  });

  it('keeps descriptions and several services per component, trimmed, in file order', () => {
    const { engagement, diagnostics } = load(
      [
        'status_page:',
        '  title: "  Acme IT services "',
        '  description: What Acme runs for its customers.',
        '  components:',
        '    - { name: Online shop, description: www.acme.example, services: [storefront, payments-api] }',
        '    - { name: Payments, services: [payments-api] }',
      ].join('\n'),
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.statusPage).toEqual({
      title: 'Acme IT services',
      description: 'What Acme runs for its customers.',
      components: [
        { name: 'Online shop', description: 'www.acme.example', services: ['storefront', 'payments-api'] },
        { name: 'Payments', services: ['payments-api'] },
      ],
    });
  });

  it('without the section the engagement has no status page', () => {
    expect(load('').engagement?.statusPage).toBeUndefined();
  });

  it('the demo has one: Payments, the online shop and staff devices', () => {
    const demo = loadEngagementText(readFileSync('demo/acme.yaml', 'utf8'), 'demo/acme.yaml');
    expect(demo.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(demo.engagement?.statusPage?.components.map((c) => [c.name, c.services])).toEqual([
      ['Payments', ['payments-api']],
      ['Online shop', ['storefront']],
      ['Staff devices and sign-in', ['laptops']],
    ]);
  });

  it('survives the round trip through engagements.config, and a stored model without it reads as none', () => {
    const engagement = load(ISSUE).engagement;
    if (engagement === undefined) throw new Error('did not load');
    expect(engagementConfig.parse(engagementConfig.stringify(engagement)).statusPage).toEqual(engagement.statusPage);
    const { statusPage, ...older } = engagement;
    expect(statusPage).toBeDefined();
    expect(engagementConfig.parse(JSON.stringify(older)).statusPage).toBeUndefined();
  });

  it.each<[string, string, string[]]>([
    [
      'an unknown service, with a suggestion',
      ['status_page:', '  title: Acme', '  components:', '    - { name: Payments, services: [payments-apu] }'].join('\n'),
      [
        `${at(3, 36)}: unknown service 'payments-apu' in component 'Payments'; did you mean 'payments-api'? services: payments-api, storefront, edr, laptops`,
      ],
    ],
    [
      'two components of one name (ignoring case)',
      [
        'status_page:',
        '  title: Acme',
        '  components:',
        '    - { name: Payments, services: [payments-api] }',
        '    - { name: payments, services: [storefront] }',
      ].join('\n'),
      [`${at(4, 15)}: duplicate component name 'payments': already used by status_page.components[0]; names must be unique on the page`],
    ],
    [
      'a service listed twice',
      ['status_page:', '  title: Acme', '  components:', '    - { name: Shop, services: [storefront, storefront] }'].join('\n'),
      [`${at(3, 44)}: service 'storefront' is listed twice in component 'Shop'`],
    ],
    [
      'no components',
      ['status_page:', '  title: Acme', '  components: []'].join('\n'),
      [`${at(2, 15)}: list at least one component, e.g. - { name: Payments, services: [payments-api] }`],
    ],
    [
      'a component without services',
      ['status_page:', '  title: Acme', '  components:', '    - { name: Payments, services: [] }'].join('\n'),
      [`${at(3, 35)}: list at least one service, e.g. services: [payments-api]`],
    ],
  ])('reports %s', (_name, section, expected) => {
    expect(problems(section)).toEqual(expected);
  });

  it('reports a missing title, an empty name, an unknown key and a heading too long, each where it is', () => {
    const reported = problems(
      [
        'status_page:',
        '  components:',
        '    - { name: "", services: [payments-api] }',
        `    - { name: "${'x'.repeat(201)}", services: [storefront] }`,
        '    - { name: Shop, service: [storefront], services: [storefront] }',
      ].join('\n'),
    );
    expect(reported).toHaveLength(4);
    expect(reported[0]).toBe(`${at(1, 3)}: missing required key 'title' in status_page`);
    expect(reported[1]).toBe(`${at(2, 15)}: a component name must not be empty`);
    expect(reported[2]).toBe(`${at(3, 15)}: a component name is over 200 characters; keep it short, it is a heading`);
    expect(reported[3]).toBe(
      `${at(4, 21)}: unknown key 'service' in status_page.components[2]; did you mean 'services'? allowed: name, description, services`,
    );
  });
});
