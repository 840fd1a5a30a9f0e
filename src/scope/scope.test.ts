/**
 * The scope decisions (issue 12), as a table: with the issue's scope, who may
 * acknowledge, resolve, set waiting states, change priority and add notes on
 * incidents of each function; without a scope, everyone may; a token bound to
 * no person is not restricted; a refusal names the activity and its holders.
 */
import { describe, expect, it } from 'vitest';
import type { Engagement, Scope, Side } from '../engagement/model.js';
import { demoEngagement } from '../engagement/test-fixtures.js';
import type { IncidentAction } from './scope.js';
import { governingActivities, incidentActionDecision, incidentScope, scopeDecision } from './scope.js';

const ISSUE_SCOPE: Scope = {
  activities: [
    { id: 'incident_response', functions: ['infrastructure', 'cloud'], internal: 'A', partner: 'R' },
    { id: 'change_priority', functions: ['infrastructure'], internal: 'A', partner: 'C' },
    { id: 'security_response', functions: ['security'], internal: 'I', partner: 'R' },
    { id: 'user_support', functions: ['end_user'], internal: 'R', partner: 'I' },
    { id: 'vendor_management', internal: 'R', partner: 'C' },
    { id: 'architecture', internal: 'A', partner: 'C' },
  ],
};

const base = demoEngagement();
const scoped: Engagement = { ...base, scope: ISSUE_SCOPE };

type Row = readonly [Side | undefined, IncidentAction, string | undefined, 'allowed' | string];
const TABLE: readonly Row[] = [
  // Infrastructure: partner R, internal A for response; only internal (A) changes priority.
  ['partner', 'acknowledge', 'infrastructure', 'allowed'],
  ['partner', 'resolve', 'infrastructure', 'allowed'],
  ['partner', 'status', 'infrastructure', 'allowed'],
  ['partner', 'priority', 'infrastructure', 'change_priority: internal (A)'],
  ['partner', 'note', 'infrastructure', 'allowed'],
  ['internal', 'acknowledge', 'infrastructure', 'allowed'],
  ['internal', 'priority', 'infrastructure', 'allowed'],
  // Security: partner R; internal I reads and adds notes only.
  ['internal', 'acknowledge', 'security', 'security_response: partner (R)'],
  ['internal', 'resolve', 'security', 'security_response: partner (R)'],
  ['internal', 'status', 'security', 'security_response: partner (R)'],
  ['internal', 'note', 'security', 'allowed'],
  ['partner', 'acknowledge', 'security', 'allowed'],
  // No change_priority entry names security or cloud: nobody is restricted there.
  ['internal', 'priority', 'security', 'allowed'],
  ['partner', 'priority', 'cloud', 'allowed'],
  // end_user: no bound activity names it (user_support documents).
  ['partner', 'acknowledge', 'end_user', 'allowed'],
  // A service the engagement no longer has: only list-less entries apply, and none binds.
  ['partner', 'priority', undefined, 'allowed'],
  // A token bound to no person.
  [undefined, 'acknowledge', 'security', 'allowed'],
  [undefined, 'priority', 'infrastructure', 'allowed'],
];

describe('scope decisions', () => {
  it.each(TABLE)('%s %s on %s: %s', (side, action, fn, expected) => {
    const d = incidentActionDecision(scoped, side, action, fn);
    expect(d.allowed ? 'allowed' : `${d.activity}: ${d.holders}`).toBe(expected);
  });

  it('without a scope section everything is allowed', () => {
    for (const [side, action, fn] of TABLE) expect(incidentActionDecision(base, side, action, fn)).toEqual({ allowed: true });
    expect(scopeDecision(base, 'partner', 'schedule_overrides', undefined)).toEqual({ allowed: true });
  });

  it('schedule_overrides and list-less entries bind every function', () => {
    const e: Engagement = { ...base, scope: { activities: [{ id: 'schedule_overrides', internal: 'R', partner: 'I' }] } };
    expect(scopeDecision(e, 'partner', 'schedule_overrides', 'cloud')).toEqual({
      allowed: false,
      activity: 'schedule_overrides',
      holders: 'internal (R)',
    });
    expect(scopeDecision(e, 'internal', 'schedule_overrides', undefined)).toEqual({ allowed: true });
  });

  it('security_response without a function list governs the security function only', () => {
    const e: Engagement = {
      ...base,
      scope: {
        activities: [
          { id: 'security_response', internal: 'I', partner: 'R' },
          { id: 'incident_response', internal: 'R', partner: 'C' },
        ],
      },
    };
    expect(incidentActionDecision(e, 'internal', 'acknowledge', 'security').allowed).toBe(false);
    expect(incidentActionDecision(e, 'partner', 'acknowledge', 'security').allowed).toBe(true);
    expect(incidentActionDecision(e, 'partner', 'acknowledge', 'cloud')).toEqual({
      allowed: false,
      activity: 'incident_response',
      holders: 'internal (R)',
    });
  });

  it("an incident's scope: each action's reason, and the entries that govern it", () => {
    const view = incidentScope(scoped, 'internal', 'security');
    expect(view.note).toBeNull();
    expect(view.priority).toBeNull();
    expect(view.acknowledge).toBe(
      "the engagement's scope does not give the internal side security_response on security incidents: held by partner (R)",
    );
    expect(governingActivities(scoped, 'infrastructure').map((a) => a.id)).toEqual(['incident_response', 'change_priority']);
    expect(governingActivities(base, 'infrastructure')).toEqual([]);
  });
});
