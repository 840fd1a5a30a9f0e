import { describe, expect, it } from 'vitest';
import type { Engagement } from '../engagement/model.js';
import { parseGroupRule, ssoDecision } from './mapping.js';
import type { SsoClaims, SsoMapping } from './mapping.js';

const engagement = (id: string, people: Array<[string, string | undefined]>) =>
  ({ id, people: people.map(([pid, email]) => ({ id: pid, contact: email === undefined ? {} : { email } })) }) as unknown as Engagement;

const ENGAGEMENTS = [
  engagement('acme', [
    ['dana', 'dana@acme.example'],
    ['kim', 'kim@nightowl.example'],
    ['nomail', undefined],
  ]),
  engagement('globex', [['kim2', 'KIM@nightowl.example']]),
];
const MAPPING: SsoMapping = {
  personRole: 'responder',
  groups: [
    { group: 'leads', role: 'admin', engagement: undefined },
    { group: 'auditors', role: 'viewer', engagement: 'acme' },
    { group: 'ghosts', role: 'admin', engagement: 'no-such-engagement' },
  ],
};
const claims = (c: Partial<SsoClaims>): SsoClaims => ({ subject: 'sub-1', email: undefined, emailVerified: true, groups: [], ...c });

describe('ssoDecision', () => {
  const cases: Array<[string, Partial<SsoClaims>, ReturnType<typeof ssoDecision>]> = [
    [
      'a person by email: responder, as that person',
      { email: 'dana@acme.example' },
      { ok: true, role: 'responder', engagements: ['acme'], personId: 'dana', label: 'sso dana@acme.example' },
    ],
    [
      'email matched without regard to case, in every engagement; the first engagement names the person',
      { email: 'Kim@NightOwl.example' },
      { ok: true, role: 'responder', engagements: ['acme', 'globex'], personId: 'kim', label: 'sso kim@nightowl.example' },
    ],
    [
      'an unscoped group raises the role on the person`s engagements',
      { email: 'dana@acme.example', groups: ['leads'] },
      { ok: true, role: 'admin', engagements: ['acme'], personId: 'dana', label: 'sso dana@acme.example' },
    ],
    [
      'an unscoped group alone grants nothing: it needs a person',
      { email: 'boss@acme.example', groups: ['leads'] },
      { ok: false, reason: 'boss@acme.example is not a person of any engagement here, and none of its groups is mapped to one' },
    ],
    [
      'a scoped group grants its engagement to someone who is not a person there',
      { email: 'audit@kpmg.example', groups: ['auditors'] },
      { ok: true, role: 'viewer', engagements: ['acme'], personId: null, label: 'sso audit@kpmg.example' },
    ],
    [
      'one role for all engagements: the lowest granted',
      { email: 'kim@nightowl.example', groups: ['auditors'] },
      { ok: true, role: 'responder', engagements: ['acme', 'globex'], personId: 'kim', label: 'sso kim@nightowl.example' },
    ],
    [
      'a group for an engagement this server does not run grants nothing',
      { email: 'x@y.example', groups: ['ghosts'] },
      { ok: false, reason: 'x@y.example is not a person of any engagement here, and none of its groups is mapped to one' },
    ],
    [
      'an email the provider says is unverified is not used',
      { email: 'dana@acme.example', emailVerified: false },
      { ok: false, reason: 'the identity provider says dana@acme.example is not verified' },
    ],
    [
      'no email at all: named by subject',
      { email: undefined },
      { ok: false, reason: 'subject sub-1 is not a person of any engagement here, and none of its groups is mapped to one' },
    ],
    [
      'email_verified absent (some providers never send it) still counts',
      { email: 'dana@acme.example', emailVerified: undefined },
      { ok: true, role: 'responder', engagements: ['acme'], personId: 'dana', label: 'sso dana@acme.example' },
    ],
  ];
  it.each(cases)('%s', (_name, c, expected) => {
    expect(ssoDecision(claims(c), ENGAGEMENTS, MAPPING)).toEqual(expected);
  });

  it('the person role is the deployment`s choice', () => {
    expect(ssoDecision(claims({ email: 'dana@acme.example' }), ENGAGEMENTS, { ...MAPPING, personRole: 'viewer' })).toMatchObject({
      role: 'viewer',
    });
  });
});

describe('parseGroupRule', () => {
  it.each([
    ['ops=responder', { group: 'ops', role: 'responder', engagement: undefined }],
    ['acme-auditors=viewer@acme', { group: 'acme-auditors', role: 'viewer', engagement: 'acme' }],
    ['CN=Ops,OU=Groups,DC=acme=admin', { group: 'CN=Ops,OU=Groups,DC=acme', role: 'admin', engagement: undefined }],
    ['=admin', undefined],
    ['ops=admin@', undefined],
  ])('%s', (text, expected) => {
    if (expected) expect(parseGroupRule(text)).toEqual(expected);
    else expect(() => parseGroupRule(text)).toThrow();
  });
  it('names a role it does not know', () => {
    expect(() => parseGroupRule('ops=owner')).toThrow('role "owner" is not one of admin, responder, viewer');
    expect(() => parseGroupRule('ops')).toThrow('is not GROUP=ROLE or GROUP=ROLE@ENGAGEMENT');
  });
});
