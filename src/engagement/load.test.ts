import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LoadCache, formatDiagnostic, loadEngagementText, loadEngagements } from './index.js';
import type { Diagnostic, Engagement } from './index.js';

const FIXTURES = 'test/fixtures/engagements';
const ACME = 'demo/acme.yaml';
const MINIMAL = readFileSync(`${FIXTURES}/minimal.yaml`, 'utf8');

function loadAcme(): Engagement {
  const result = loadEngagementText(readFileSync(ACME, 'utf8'), ACME);
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
  if (result.engagement === undefined) throw new Error('acme did not load');
  return result.engagement;
}

/** Diagnostics as "line:col: message", the part of formatDiagnostic a test cares about. */
const at = (d: Diagnostic): string => `${d.line}:${d.col}: ${d.message}`;

describe('demo/acme.yaml (the format contract)', () => {
  const acme = loadAcme();

  it('loads with no diagnostics, every section normalized', () => {
    expect(acme.version).toBe(1);
    expect(acme.id).toBe('acme');
    expect(acme.name).toBe('Acme Payments');
    expect(acme.timezone).toBe('America/New_York');
    expect(acme.holidays).toEqual({ country: 'US', extra: ['2026-12-24', '2026-12-31'] });
    expect(acme.contract).toEqual({ monthlyFee: 18000, currency: 'USD' });
    expect(acme.sides).toEqual({ internal: { name: 'Acme IT' }, partner: { name: 'NightOwl MSP' } });
    expect(acme.people.map((p) => p.id)).toEqual(['dana', 'lee', 'sam', 'kim', 'ana', 'mo']);
    expect(acme.teams.map((t) => t.id)).toEqual(['acme-it', 'nightowl-noc', 'nightowl-soc']);
    expect(acme.schedules.map((s) => s.id)).toEqual(['acme-primary', 'nightowl-noc-oncall', 'nightowl-soc-oncall']);
    expect(acme.escalationPolicies.map((p) => p.id)).toEqual(['internal-infra', 'internal-helpdesk', 'partner-noc', 'partner-soc']);
    expect(acme.services.map((s) => s.id)).toEqual(['payments-api', 'storefront', 'edr', 'laptops']);
    expect(acme.slas.map((s) => s.id)).toEqual(['partner-sla', 'internal-ola']);
  });

  it('applies person defaults: time zone from the engagement, notify delays as durations', () => {
    const [dana, lee, sam] = acme.people;
    expect(dana?.contact).toEqual({ email: 'dana@acme.example', sms: '+15550100001' });
    expect(dana?.notify).toEqual([
      { channel: 'email', after: { text: '0m', n: 0, unit: 'm', ms: 0 } },
      { channel: 'sms', after: { text: '2m', n: 2, unit: 'm', ms: 120_000 } },
    ]);
    expect(lee?.timezone).toBe('America/New_York');
    expect(sam?.timezone).toBe('Europe/London');
    expect(sam?.side).toBe('partner');
  });

  it('applies team defaults: name from the id, email kept', () => {
    expect(acme.teams[0]).toEqual({ id: 'acme-it', name: 'acme-it', side: 'internal', members: ['dana', 'lee'] });
    expect(acme.teams[1]?.email).toBe('noc@nightowl.example');
  });

  it('reads rotations: "mon 09:00" is weekday 1 minute 540; time-only handoffs have no weekday', () => {
    const [primary, noc, soc] = acme.schedules;
    expect(primary?.timezone).toBe('America/New_York');
    expect(primary?.layers[0]).toEqual({
      rotation: {
        every: { text: '1w', n: 1, unit: 'w', ms: 604_800_000 },
        handoffWeekday: 1,
        handoffMinute: 540,
        members: ['dana', 'lee'],
        start: '2026-11-02',
      },
      only: [{ days: [1, 2, 3, 4, 5], from: 480, to: 1080 }],
    });
    expect(primary?.overrides).toEqual([{ person: 'lee', from: '2026-11-27T08:00', to: '2026-11-27T18:00' }]);
    expect(noc?.timezone).toBe('UTC');
    expect(noc?.layers[0]?.rotation).toEqual({
      every: { text: '1d', n: 1, unit: 'd', ms: 86_400_000 },
      handoffMinute: 1080,
      members: ['sam', 'kim', 'ana'],
      start: '2026-11-01',
    });
    expect(noc?.layers[0]?.only).toBeUndefined();
    expect(noc?.overrides).toEqual([]);
    // No timezone in the file: the engagement's.
    expect(soc?.timezone).toBe('America/New_York');
    expect(soc?.layers[0]?.rotation).toMatchObject({ handoffWeekday: 1, handoffMinute: 0 });
  });

  it('resolves coverage defaults: weekend from after_hours, holiday from weekend', () => {
    expect(acme.coverage.businessHours).toEqual({ days: [1, 2, 3, 4, 5], from: 480, to: 1080 });
    expect(acme.coverage.functions).toEqual({
      infrastructure: { business_hours: 'internal', after_hours: 'partner', weekend: 'partner', holiday: 'partner' },
      cloud: { business_hours: 'partner', after_hours: 'partner', weekend: 'partner', holiday: 'partner' },
      security: { business_hours: 'partner', after_hours: 'partner', weekend: 'partner', holiday: 'partner' },
      end_user: { business_hours: 'internal', after_hours: 'internal', weekend: 'internal', holiday: 'internal' },
    });
    expect(acme.coverage.overflow).toEqual({
      after: { text: '10m', n: 10, unit: 'm', ms: 600_000 },
      to: 'partner',
      functions: ['infrastructure'],
    });
  });

  it('keeps routing per side, and policies with typed targets and repeats', () => {
    expect({ ...acme.routing.internal }).toEqual({ infrastructure: 'internal-infra', end_user: 'internal-helpdesk' });
    expect({ ...acme.routing.partner }).toEqual({ infrastructure: 'partner-noc', cloud: 'partner-noc', security: 'partner-soc' });
    const [infra, helpdesk, noc, soc] = acme.escalationPolicies;
    expect(infra?.repeat).toBe(1);
    expect(helpdesk?.repeat).toBe(0);
    expect(noc?.repeat).toBe(2);
    expect(noc?.tiers.map((t) => t.after.ms)).toEqual([0, 300_000, 900_000]);
    expect(noc?.tiers[2]?.targets).toEqual([{ kind: 'person', id: 'mo' }]);
    expect(soc?.tiers[1]?.targets).toEqual([
      { kind: 'team', id: 'nightowl-soc' },
      { kind: 'person', id: 'dana' },
    ]);
  });

  it('reads services: criticality, downtime cost (null when absent), integrations', () => {
    expect(acme.services[0]).toEqual({
      id: 'payments-api',
      name: 'Payment processing API',
      function: 'infrastructure',
      criticality: 1,
      downtimeCostPerMinute: 150,
      integrations: [
        { type: 'pagerduty', key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c' },
        { type: 'alertmanager', key: 'am-payments-3c8e1f' },
      ],
    });
    expect(acme.services[2]?.downtimeCostPerMinute).toBeNull();
  });

  it('reads priorities: the matrix, paging priorities and their order', () => {
    expect(acme.priorities.matrix.critical).toEqual(['P1', 'P1', 'P2', 'P3']);
    expect(acme.priorities.matrix.info).toEqual(['P4', 'P5', 'P5', 'P5']);
    expect(acme.priorities.page).toEqual(['P1', 'P2', 'P3']);
    expect(acme.priorities.order).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
  });

  it('reads SLAs: percentages as fractions, business-day durations keep unit d', () => {
    const [partner, ola] = acme.slas;
    expect(partner?.appliesTo).toBe('partner');
    expect(partner?.clock).toBe('24x7');
    expect(partner?.targets['P1']).toEqual({
      respond: { text: '15m', n: 15, unit: 'm', ms: 900_000 },
      resolve: { text: '4h', n: 4, unit: 'h', ms: 14_400_000 },
    });
    expect(partner?.targets['P3']?.resolve).toEqual({ text: '3d', n: 3, unit: 'd', ms: 259_200_000 });
    expect(partner?.warnAt).toEqual([0.5, 0.75, 0.9]);
    expect(partner?.pauseWhile).toEqual(['waiting_on_customer', 'waiting_on_vendor']);
    expect(partner?.credits).toEqual({ perBreach: { P1: 0.05, P2: 0.02, P3: 0.005 }, cap: 0.2 });
    expect(ola?.clock).toBe('business_hours');
    expect(ola?.targets['P2']?.resolve).toMatchObject({ text: '2d', n: 2, unit: 'd' });
    expect(ola?.warnAt).toEqual([0.75]);
    expect(ola?.pauseWhile).toEqual([]);
    expect(ola?.credits).toBeUndefined();
  });

  it('is deep-frozen', () => {
    expect(Object.isFrozen(acme)).toBe(true);
    expect(Object.isFrozen(acme.people[0]?.notify[0]?.after)).toBe(true);
    expect(Object.isFrozen(acme.schedules[0]?.layers[0]?.only?.[0]?.days)).toBe(true);
    expect(Object.isFrozen(acme.coverage.functions['infrastructure'])).toBe(true);
    expect(Object.isFrozen(acme.slas[0]?.credits?.perBreach)).toBe(true);
    expect(() => {
      (acme.people as unknown as unknown[]).push('x');
    }).toThrow(TypeError);
  });

  it('keeps user-named maps free of inherited keys', () => {
    expect(acme.coverage.functions['constructor']).toBeUndefined();
    expect(acme.routing.partner['toString']).toBeUndefined();
  });
});

describe('the minimal fixture', () => {
  it('loads, with defaults for everything optional', () => {
    const { engagement, diagnostics } = loadEngagementText(MINIMAL, 'minimal.yaml');
    expect(diagnostics).toEqual([]);
    expect(engagement?.holidays).toEqual({ extra: [] });
    expect(engagement?.slas).toEqual([]);
    expect(engagement?.people[0]?.timezone).toBe('Europe/Berlin');
    expect(engagement?.people[0]?.notify[0]?.after.ms).toBe(0);
    expect(engagement?.escalationPolicies[0]?.tiers[0]?.after.text).toBe('0m');
    expect(engagement?.services[0]?.name).toBe('web');
    expect(engagement?.services[0]?.downtimeCostPerMinute).toBeNull();
    expect(engagement?.priorities.order).toEqual(['P1', 'P2', 'P3']);
  });

  it('keeps a Slack member id as contact.slackUser', () => {
    const text = MINIMAL.replace('contact: { email: ida@tiny.example }', 'contact: { email: ida@tiny.example, slack_user: "U012AB3CD" }');
    const { engagement, diagnostics } = loadEngagementText(text, 'f.yaml');
    expect(diagnostics.map(at)).toEqual([]);
    expect(engagement?.people[0]?.contact).toEqual({ email: 'ida@tiny.example', slackUser: 'U012AB3CD' });
  });

  it('defaults overflow functions to every function the internal side owns', () => {
    const text = MINIMAL.replace(
      '    ops: { business_hours: internal, after_hours: partner }\n',
      '    ops: { business_hours: internal, after_hours: partner }\n    cloud: { always: partner }\n  overflow: { after: 10m, to: partner }\n',
    ).replace('    ops: outside\n', '    ops: outside\n    cloud: outside\n');
    const { engagement, diagnostics } = loadEngagementText(text, 'f.yaml');
    expect(diagnostics.map(at)).toEqual([]);
    expect(engagement?.coverage.overflow?.functions).toEqual(['ops']);
  });
});

/**
 * One mistake each in the minimal fixture: [what, text to replace, replacement, "line:col", message fragment].
 * Positions are 1-based and point at the offending key or value.
 */
const BAD: readonly (readonly [string, string, string, string, string])[] = [
  [
    'misspelled top-level key',
    'escalation_policies:',
    'escalaton_policies:',
    '41:1',
    "unknown key 'escalaton_policies' in the top level; did you mean 'escalation_policies'? allowed: version, engagement,",
  ],
  [
    'unknown key in a person',
    '    name: Ida Berg\n',
    '    name: Ida Berg\n    phone: 1\n',
    '14:5',
    "unknown key 'phone' in people[0]; allowed: id, name, side, timezone, contact, notify",
  ],
  ['unsupported version', 'version: 1', 'version: 2', '3:10', 'unsupported version 2: this Tandem reads engagement files of version 1'],
  ['missing version', 'version: 1\n', '', '3:1', "missing required key 'version' in the top level"],
  ['missing person name', '    name: Ida Berg\n', '', '12:5', "missing required key 'name' in people[0]"],
  ['duration with a space', 'after: 10m', 'after: 5 min', '48:40', 'bad duration "5 min": expected <number><unit> with unit s, m, h or d'],
  ['duration without a unit', 'after: 10m', 'after: 10', '48:40', 'bad duration "10": expected <number><unit>'],
  ['unquoted phone number', 'sms: "+4915550100002"', 'sms: +4915550100002', '21:21', 'quote it: "+4915550100002"'],
  ['"24:00" as a start', 'from: "09:00"', 'from: "24:00"', '33:42', 'bad time "24:00": "24:00" is allowed only as an end (to)'],
  [
    'time without leading zero',
    'from: "09:00"',
    'from: "9:00"',
    '33:42',
    'bad time "9:00": expected "HH:MM" (24h) from "00:00" to "23:59"',
  ],
  ['minute 60 in an end', 'to: "17:00"', 'to: "17:60"', '33:55', 'bad time "17:60": expected "HH:MM" (24h) from "00:00" to "24:00"'],
  ['unknown day in a list', 'days: mon-fri', 'days: [mon, fri, xx]', '33:38', 'bad day "xx": expected mon, tue, wed, thu, fri, sat or sun'],
  ['day names spelled out', 'days: mon-fri', 'days: monday-friday', '33:27', 'bad days "monday-friday": expected a day'],
  [
    'weekday handoff on a daily rotation',
    'handoff: "08:00"',
    'handoff: "mon 08:00"',
    '31:41',
    'a weekday handoff is only for weekly rotations',
  ],
  ['weekly rotation without a weekday', 'every: 1d', 'every: 1w', '31:41', 'a weekly rotation (every: 1w) hands off on a weekday'],
  [
    'rotation in minutes',
    'every: 1d',
    'every: 30m',
    '31:28',
    'unit "m" is not allowed here; expected <number><unit> with unit h, d or w (hours, days or weeks)',
  ],
  [
    'unknown time zone',
    'timezone: Europe/Berlin',
    'timezone: Europe/Berln',
    '7:13',
    'unknown time zone "Europe/Berln": expected an IANA time zone like "America/New_York", "Europe/London" or "UTC"; did you mean "Europe/Berlin"?',
  ],
  ['bad side', '    side: internal\n    contact', '    side: both\n    contact', '14:11', 'bad side "both": expected internal or partner'],
  [
    'team member of the other side',
    'members: [pat]',
    'members: [pat, ida]',
    '27:20',
    "person 'ida' is internal but team 'msp' is partner; a team's members must be of the team's side",
  ],
  ['unknown team member', 'members: [pat]', 'members: [pat, bob]', '27:20', "unknown person 'bob' in team 'msp'; people: ida, pat"],
  [
    'unknown rotation member',
    'members: [pat], start',
    'members: [pat, zoe], start',
    '31:65',
    "unknown person 'zoe' in schedule 'msp-oncall'",
  ],
  ['bad target prefix', '"person:ida"', '"persn:ida"', '44:20', 'unknown prefix "persn:"; allowed prefixes: schedule:, team:, person:'],
  ['unknown target', '"person:ida"', '"person:idaa"', '44:20', "unknown person 'idaa' in target \"person:idaa\"; did you mean 'ida'?"],
  [
    'unknown routing policy',
    'ops: outside',
    'ops: outsid',
    '40:10',
    "unknown escalation policy 'outsid' for routing.partner.ops; did you mean 'outside'?",
  ],
  [
    'routing for an unknown function',
    '    ops: inside\n',
    '    ops: inside\n    opz: inside\n',
    '39:5',
    "unknown function 'opz' in routing.internal",
  ],
  [
    'service of an unknown function',
    'function: ops',
    'function: opz',
    '51:15',
    "unknown function 'opz' for service 'web'; did you mean 'ops'?",
  ],
  [
    'criticality out of range',
    'criticality: 2',
    'criticality: 5',
    '52:18',
    'bad criticality 5: expected a whole number from 1 (business-critical) to 4 (low)',
  ],
  [
    'paging an unknown priority',
    'page: [P1, P2]',
    'page: [P1, P9]',
    '61:14',
    "unknown priority 'P9' in priorities.page; priorities in priorities.matrix: P1, P2, P3",
  ],
  [
    'short matrix row',
    'info:     [P3, P3, P3, P3]',
    'info:     [P3, P3, P3]',
    '60:15',
    "matrix row 'info' needs exactly 4 priorities, one per criticality 1..4; got 3",
  ],
  [
    'coverage without after_hours',
    'ops: { business_hours: internal, after_hours: partner }',
    'ops: { business_hours: internal }',
    '35:5',
    "coverage of 'ops' gives no side for after_hours, weekend and holiday",
  ],
  [
    'always with window keys',
    'ops: { business_hours: internal, after_hours: partner }',
    'ops: { always: partner, weekend: internal }',
    '35:12',
    "'always' cannot be combined with weekend",
  ],
  [
    'coverage without routing',
    '  partner:\n    ops: outside\n',
    '  partner: {}\n',
    '35:51',
    "coverage gives 'ops' to partner after hours, but routing.partner has no entry for 'ops'; add routing.partner.ops: <policy id>",
  ],
  [
    'notify channel without contact',
    '{ channel: sms, after: 0m }',
    '{ channel: slack, after: 0m }',
    '23:20',
    "person 'pat' has no contact.slack for this slack notify rule; add contact.slack or notify by sms",
  ],
  [
    'unknown channel',
    '{ channel: sms, after: 0m }',
    '{ channel: pager, after: 0m }',
    '23:20',
    'bad channel "pager": expected email, sms, slack, teams, webhook or voice',
  ],
  ['no notify rules', '    notify:\n      - { channel: email }\n', '    notify: []\n', '16:13', 'a person needs at least one notify rule'],
  ['duplicate person id', '  - id: pat\n', '  - id: ida\n', '18:9', "duplicate person id 'ida': already used by people[0] at line 12"],
  [
    'duplicate YAML key',
    '  name: Tiny Co\n',
    '  name: Tiny Co\n  name: Again\n',
    '7:3',
    "duplicate key 'name': each key may appear once in a map",
  ],
  ['short integration key', 'key: "tiny-web-0001"', 'key: "short"', '54:31', 'bad integration key "short": expected at least 8 characters'],
  ['engagement id not a slug', 'id: tiny', 'id: Tiny Co', '5:7', 'bad engagement id "Tiny Co": expected a slug'],
  ['bad email', 'email: ida@tiny.example', 'email: ida-at-tiny', '15:23', 'bad email address "ida-at-tiny": expected name@domain'],
  ['impossible start date', 'start: "2026-01-01"', 'start: "2026-02-30"', '31:73', 'bad date "2026-02-30": there is no such day'],
  [
    'unknown holiday region',
    '  timezone: Europe/Berlin\n',
    '  timezone: Europe/Berlin\n  holidays: { country: DE-XX }\n',
    '8:24',
    'unknown region "XX" of DE: expected one of BB, BE, BW, BY',
  ],
  [
    'unknown holiday country',
    '  timezone: Europe/Berlin\n',
    '  timezone: Europe/Berlin\n  holidays: { country: XY }\n',
    '8:24',
    'unknown holiday country "XY"',
  ],
  [
    'bad closure date',
    '  timezone: Europe/Berlin\n',
    '  timezone: Europe/Berlin\n  holidays: { extra: ["2026-12-32"] }\n',
    '8:23',
    'bad date "2026-12-32"',
  ],
  [
    'lowercase currency',
    '  timezone: Europe/Berlin\n',
    '  timezone: Europe/Berlin\n  contract: { monthly_fee: 100, currency: usd }\n',
    '8:43',
    'bad currency "usd": expected an ISO 4217 code',
  ],
  [
    'negative fee',
    '  timezone: Europe/Berlin\n',
    '  timezone: Europe/Berlin\n  contract: { monthly_fee: -1, currency: USD }\n',
    '8:28',
    'bad monthly_fee -1: must be at least 0',
  ],
  [
    'later tier without after',
    '{ notify: ["team:msp"], after: 10m }',
    '{ notify: ["team:msp"] }',
    '48:9',
    "tier 2 of escalation policy 'outside' needs 'after'",
  ],
  [
    'empty tier',
    '{ notify: ["team:msp"], after: 10m }',
    '{ notify: [], after: 10m }',
    '48:19',
    "'notify' is empty: it needs at least one entry",
  ],
  [
    'negative repeat',
    '      - { notify: ["team:msp"], after: 10m }\n',
    '      - { notify: ["team:msp"], after: 10m }\n    repeat: -1\n',
    '49:13',
    'bad repeat -1: expected a whole number 0 or more',
  ],
  [
    'override ending before it starts',
    '    layers:\n',
    '    overrides:\n      - { person: pat, from: "2026-01-02T10:00", to: "2026-01-02T09:00" }\n    layers:\n',
    '31:54',
    'override ends (2026-01-02T09:00) before it starts (2026-01-02T10:00)',
  ],
  [
    'override for nobody',
    '    layers:\n',
    '    overrides:\n      - { person: zed, from: "2026-01-02T10:00", to: "2026-01-02T12:00" }\n    layers:\n',
    '31:19',
    "unknown person 'zed' in an override of schedule 'msp-oncall'",
  ],
  ['team with nobody to notify', '    members: [pat]\n', '', '25:5', "team 'msp' has no members and no email: nobody would be notified"],
  ['unknown key in sides', 'sides:\n', 'sides:\n  other: { name: X }\n', '9:3', "unknown key 'other' in sides; allowed: internal, partner"],
  ['quoted number', 'criticality: 2', 'criticality: "2"', '52:18', 'write the number without quotes'],
  [
    'bad URL',
    'contact: { email: ida@tiny.example }',
    'contact: { email: ida@tiny.example, slack: "ftp://x" }',
    '15:48',
    'bad URL "ftp://x": expected an http:// or https:// URL',
  ],
  [
    'Slack display name instead of member id',
    'contact: { email: ida@tiny.example }',
    'contact: { email: ida@tiny.example, slack_user: "@ida" }',
    '15:53',
    'bad Slack member id "@ida": expected the member id from the person\'s Slack profile',
  ],
  [
    'one Slack member id for two people',
    'contact: { sms: "+4915550100002" }',
    'contact: { sms: "+4915550100002", slack_user: "U01IDA" }\n    notify:\n      - { channel: sms }\n  - id: ana\n    name: Ana Ek\n    side: partner\n    contact: { sms: "+4915550100003", slack_user: "U01IDA" }',
    '27:51',
    "Slack member id 'U01IDA' is already the slack_user of person 'pat'; each person needs their own",
  ],
  [
    'duplicate integration key in a file',
    '      - { type: generic, key: "tiny-web-0001" }\n',
    '      - { type: generic, key: "tiny-web-0001" }\n      - { type: pagerduty, key: "tiny-web-0001" }\n',
    '55:33',
    'integration key "tiny-web-0001" is already used by engagement tiny service web at f.yaml:54:31',
  ],
  [
    'overflow of an unrouted function',
    '    ops: { business_hours: internal, after_hours: partner }\n',
    '    ops: { business_hours: internal, after_hours: partner }\n    desk: { always: internal }\n  overflow: { after: 10m, to: partner, functions: [ops, desk] }\n',
    '37:57',
    "overflow sends 'desk' to partner, but routing.partner has no entry for 'desk'",
  ],
  [
    'overflow by default of an unrouted function',
    '    ops: { business_hours: internal, after_hours: partner }\n',
    '    ops: { business_hours: internal, after_hours: partner }\n    desk: { always: internal }\n  overflow: { after: 10m, to: partner }\n',
    '37:3',
    "overflow covers every function internal owns (no overflow.functions given), but routing.partner has no entry for 'desk'",
  ],
  [
    'overflow of a function the other side never owns',
    '    ops: { business_hours: internal, after_hours: partner }\n',
    '    ops: { business_hours: internal, after_hours: partner }\n    net: { always: partner }\n  overflow: { after: 10m, to: partner, functions: [net] }\n',
    '37:52',
    "internal never owns 'net'",
  ],
  ['file of the wrong kind', MINIMAL, '- just\n- a list\n', '1:1', 'the file holds a list: an engagement file is a map'],
];

const SLA = `slas:
  - id: s
    applies_to: partner
    clock: 24x7
    targets:
      P1: { respond: 15m, resolve: 4h }
    warn_at: [50%, 75%]
    credits: { per_breach: { P1: 5% }, cap: 20% }
`;
const CONTRACT = '  timezone: Europe/Berlin\n  contract: { monthly_fee: 100, currency: EUR }\n';
/** SLA mistakes, in a file with an SLA and a contract (lines shift by one for the contract). */
const BAD_SLA: readonly (readonly [string, string, string, string, string])[] = [
  ['unknown target priority', 'P1: { respond', 'P7: { respond', '68:7', "unknown priority 'P7' in targets of SLA 's'"],
  [
    'target with neither clock',
    'P1: { respond: 15m, resolve: 4h }',
    'P1: {}',
    '68:11',
    "target P1 of SLA 's' sets neither respond nor resolve",
  ],
  ['warnings out of order', 'warn_at: [50%, 75%]', 'warn_at: [75%, 50%]', '69:20', 'warn_at must be ascending: 50% comes after 75%'],
  ['warning at 100%', 'warn_at: [50%, 75%]', 'warn_at: [50%, 100%]', '69:20', 'warn_at 100% is the breach itself'],
  ['percentage without %', 'cap: 20%', 'cap: 20', '70:45', 'bad percentage "20": expected a number followed by %'],
  [
    'credit without target',
    'per_breach: { P1: 5% }',
    'per_breach: { P1: 5%, P2: 1% }',
    '70:38',
    "a credit for P2, but SLA 's' has no P2 target to breach",
  ],
  [
    'unknown pause status',
    '    warn_at',
    '    pause_while: [waiting]\n    warn_at',
    '69:19',
    'bad pause_while "waiting": expected waiting_on_customer or waiting_on_vendor',
  ],
  ['unknown clock', 'clock: 24x7', 'clock: 24/7', '66:12', 'bad clock "24/7": expected 24x7 or business_hours'],
];

describe('bad engagement files: every mistake at its line:col, saying what is allowed', () => {
  it.each(BAD)('%s', (_what, from, to, position, fragment) => {
    expect(MINIMAL.includes(from)).toBe(true);
    const result = loadEngagementText(MINIMAL.replace(from, to), 'f.yaml');
    expect(result.engagement).toBeUndefined();
    const found = result.diagnostics.filter((d) => `${d.line}:${d.col}` === position && d.message.includes(fragment));
    expect(found, `diagnostics were:\n${result.diagnostics.map(at).join('\n')}`).toHaveLength(1);
  });

  it('the SLA base file is valid', () => {
    const result = loadEngagementText(MINIMAL.replace('  timezone: Europe/Berlin\n', CONTRACT) + SLA, 'f.yaml');
    expect(result.diagnostics.map(at)).toEqual([]);
  });

  it.each(BAD_SLA)('%s', (_what, from, to, position, fragment) => {
    const base = MINIMAL.replace('  timezone: Europe/Berlin\n', CONTRACT) + SLA;
    expect(base.includes(from)).toBe(true);
    const result = loadEngagementText(base.replace(from, to), 'f.yaml');
    const found = result.diagnostics.filter((d) => `${d.line}:${d.col}` === position && d.message.includes(fragment));
    expect(found, `diagnostics were:\n${result.diagnostics.map(at).join('\n')}`).toHaveLength(1);
  });

  it('credits need a contract', () => {
    const result = loadEngagementText(MINIMAL + SLA, 'f.yaml');
    expect(result.diagnostics.map(at)).toEqual([
      '69:5: credits are a share of the monthly fee, but engagement.contract is missing; add engagement.contract: { monthly_fee: <amount>, currency: USD }',
    ]);
  });

  it('a misspelled key is reported once, not also as missing and as dangling references', () => {
    const result = loadEngagementText(MINIMAL.replace('escalation_policies:', 'escalaton_policies:'), 'f.yaml');
    expect(result.diagnostics).toHaveLength(1);
  });

  it('accepts a yaml-language-server modeline and a byte-order mark', () => {
    expect(MINIMAL.startsWith('# yaml-language-server: $schema=')).toBe(true);
    expect(loadEngagementText(`\uFEFF${MINIMAL}`, 'f.yaml').diagnostics).toEqual([]);
  });
});

describe('several mistakes in one file', () => {
  it('reports all of them at once, sorted by position', () => {
    const file = `${FIXTURES}/multi-error.yaml`;
    const result = loadEngagementText(readFileSync(file, 'utf8'), file);
    expect(result.engagement).toBeUndefined();
    expect(result.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual([
      '6:13', // unknown time zone
      '16:20', // sms rule without contact.sms
      '18:5', // nmae
      '22:32', // "2 min"
      '26:20', // ida is internal, team msp is partner
      '26:25', // bob
      '30:41', // weekday handoff on a daily rotation
      '35:22', // cloud owned by partner, no routing.partner.cloud
      '47:20', // "schedul:" prefix
      '52:18', // criticality 7
      '56:15', // function network
      '59:33', // integration key used twice
      '65:15', // matrix row of 3
      '66:18', // page P4
      '73:20', // warn_at not ascending
      '74:5', // credits without a contract
      '75:29', // credit for P2 without a P2 target
    ]);
    expect(result.diagnostics.every((d) => d.file === file)).toBe(true);
    expect(result.diagnostics.map((d) => d.message)).toContain(
      "unknown key 'nmae' in people[1]; did you mean 'name'? allowed: id, name, side, timezone, contact, notify",
    );
  });
});

describe('YAML syntax errors', () => {
  it('are reported at their position, once', async () => {
    const file = `${FIXTURES}/syntax-error.yaml`;
    const { loaded, diagnostics } = await loadEngagements([file]);
    expect(loaded).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(formatDiagnostic(diagnostics[0] ?? { file: '', line: 0, col: 0, message: '' })).toMatch(
      /^test\/fixtures\/engagements\/syntax-error\.yaml:9:11: YAML syntax error: /,
    );
  });

  it.each([
    ['unclosed flow list', 'members: [pat]', 'members: [pat', '28:1', 'YAML syntax error'],
    [
      'tab indentation',
      '    side: partner\n    members',
      '\tside: partner\n    members',
      '26:1',
      'YAML syntax error: Tabs are not allowed as indentation',
    ],
    ['unknown alias', 'members: [pat]', 'members: *crew', '27:14', 'unknown alias *crew'],
    ['second document', 'version: 1\n', 'version: 1\n---\nversion: 1\n', '4:1', 'a second YAML document ("---")'],
  ])('%s', (_what, from, to, position, fragment) => {
    const result = loadEngagementText(MINIMAL.replace(from, to), 'f.yaml');
    expect(result.diagnostics.map(at)[0]).toMatch(new RegExp(`^${position}: .*${fragment.replace(/[()*"]/g, '.')}`));
  });
});

describe('loadEngagements', () => {
  it('loads files, with the sha256 of their bytes', async () => {
    const { loaded, diagnostics } = await loadEngagements([ACME, `${FIXTURES}/minimal.yaml`]);
    expect(diagnostics).toEqual([]);
    expect(loaded.map((l) => [l.file, l.engagement.id])).toEqual([
      [ACME, 'acme'],
      [`${FIXTURES}/minimal.yaml`, 'tiny'],
    ]);
    expect(loaded[0]?.hash).toBe(createHash('sha256').update(readFileSync(ACME)).digest('hex'));
    expect(loaded[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads every *.yaml and *.yml of a directory, sorted', async () => {
    const { loaded, diagnostics } = await loadEngagements([`${FIXTURES}/two-ok`]);
    expect(diagnostics).toEqual([]);
    expect(loaded.map((l) => l.file)).toEqual([`${FIXTURES}/two-ok/alpha.yaml`, `${FIXTURES}/two-ok/beta.yml`]);
  });

  it('refuses an integration key another engagement already uses, naming where', async () => {
    const { loaded, diagnostics } = await loadEngagements([`${FIXTURES}/dup-key`]);
    expect(loaded.map((l) => l.engagement.id)).toEqual(['alpha']);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${FIXTURES}/dup-key/b.yaml:54:31: integration key "shared-key-0001" is already used by engagement alpha service web at ${FIXTURES}/dup-key/a.yaml:54:31; keys must be unique across all engagements`,
    ]);
  });

  it('refuses an engagement id another file already uses', async () => {
    const { loaded, diagnostics } = await loadEngagements([`${FIXTURES}/dup-id`]);
    expect(loaded.map((l) => l.file)).toEqual([`${FIXTURES}/dup-id/one.yaml`]);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${FIXTURES}/dup-id/two.yaml:5:7: engagement id 'tiny' is already used by ${FIXTURES}/dup-id/one.yaml:5:7; engagement ids must be unique`,
    ]);
  });

  it('a file with errors contributes diagnostics and no engagement; the others still load', async () => {
    const { loaded, diagnostics } = await loadEngagements([`${FIXTURES}/multi-error.yaml`, ACME]);
    expect(loaded.map((l) => l.engagement.id)).toEqual(['acme']);
    expect(diagnostics.length).toBeGreaterThan(10);
    expect(new Set(diagnostics.map((d) => d.file))).toEqual(new Set([`${FIXTURES}/multi-error.yaml`]));
  });

  it('reports paths that cannot be read and directories without engagement files', async () => {
    const { loaded, diagnostics } = await loadEngagements([`${FIXTURES}/nope.yaml`, 'src/cli']);
    expect(loaded).toEqual([]);
    // Sorted by file name.
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'src/cli:1:1: no engagement files (*.yaml or *.yml) in this directory',
      expect.stringMatching(/^test\/fixtures\/engagements\/nope\.yaml:1:1: cannot read: ENOENT/),
    ]);
  });
});

describe('loadEngagements with a LoadCache (a reload)', () => {
  const withDir = async (run: (dir: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-load-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const tiny = (id: string, key: string) => MINIMAL.replace('id: tiny', `id: ${id}`).replaceAll('tiny-web-0001', key);

  it('the minimal fixture has the id and key these tests rewrite', () => {
    expect(MINIMAL).toContain('id: tiny');
    expect(MINIMAL).toContain('tiny-web-0001');
  });

  it('reuses the engagement of an unchanged file and loads a changed one again', () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'a.yaml'), tiny('alpha', 'alpha-key-0001'));
      writeFileSync(join(dir, 'b.yaml'), tiny('beta', 'beta-key-0001'));
      const cache = new LoadCache();
      const first = await loadEngagements([dir], cache);
      expect(first.diagnostics).toEqual([]);
      writeFileSync(join(dir, 'b.yaml'), tiny('beta', 'beta-key-0002'));
      const second = await loadEngagements([dir], cache);
      expect(second.diagnostics).toEqual([]);
      expect(second.loaded[0]?.engagement).toBe(first.loaded[0]?.engagement);
      expect(second.loaded[1]?.engagement).not.toBe(first.loaded[1]?.engagement);
      expect(second.loaded[1]?.engagement.services[0]?.integrations[0]?.key).toBe('beta-key-0002');
      expect(second.loaded.map((l) => l.hash)).toEqual(
        [join(dir, 'a.yaml'), join(dir, 'b.yaml')].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')),
      );
    }));

  it('still refuses a key clash between an unchanged file and a changed one, with the same message as without a cache', () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'a.yaml'), tiny('alpha', 'alpha-key-0001'));
      writeFileSync(join(dir, 'b.yaml'), tiny('beta', 'beta-key-0001'));
      const cache = new LoadCache();
      await loadEngagements([dir], cache);
      // The earlier file changes to take the later file's key: the later (unchanged, cached) file is refused.
      writeFileSync(join(dir, 'a.yaml'), tiny('alpha', 'beta-key-0001'));
      const cached = await loadEngagements([dir], cache);
      const fresh = await loadEngagements([dir]);
      expect(cached.diagnostics.map(formatDiagnostic)).toEqual(fresh.diagnostics.map(formatDiagnostic));
      expect(cached.diagnostics.map((d) => d.message)).toEqual([
        expect.stringContaining('integration key "beta-key-0001" is already used'),
      ]);
      expect(cached.loaded.map((l) => l.engagement.id)).toEqual(['alpha']);
    }));

  it('a refused reload leaves the cache as the last good load; a removed file is forgotten', () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'a.yaml'), tiny('alpha', 'alpha-key-0001'));
      const cache = new LoadCache();
      const first = await loadEngagements([dir], cache);
      writeFileSync(join(dir, 'b.yaml'), 'version: [');
      expect((await loadEngagements([dir], cache)).diagnostics).not.toEqual([]);
      rmSync(join(dir, 'b.yaml'));
      const again = await loadEngagements([dir], cache);
      expect(again.loaded.map((l) => l.engagement)).toEqual([first.loaded[0]?.engagement]);
      expect(again.loaded[0]?.engagement).toBe(first.loaded[0]?.engagement);
    }));
});

describe('keys named like Object.prototype members', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('"%s" is an unknown key, read as data', (key) => {
    const text = MINIMAL.replace('    name: Ida Berg\n', `    name: Ida Berg\n    ${key}: { polluted: true }\n`);
    const result = loadEngagementText(text, 'f.yaml');
    expect(result.diagnostics.map(at)).toEqual([expect.stringMatching(new RegExp(`^14:5: unknown key '${key}' in people\\[0\\]`))]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
