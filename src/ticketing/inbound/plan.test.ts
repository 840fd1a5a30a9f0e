/**
 * What an inbound change does to an incident: echoes of Tandem's own pushes
 * (by the integration's login, or a note Tandem wrote) act on nothing, a
 * status the ticket already had changes nothing, a ticket opened again does
 * not reopen, and otherwise in progress acknowledges a triggered incident and
 * done resolves an unresolved one.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentStatus } from '../../incident/store.js';
import type { InboundChange } from './parse.js';
import { planInbound } from './plan.js';
import type { InboundFacts, InboundPlan } from './plan.js';

const LOGIN = 'tandem@acme.example';

function change(over: Partial<InboundChange> = {}): InboundChange {
  return { ticketId: 'OPS-7', ticketKey: 'OPS-7', actor: { name: 'Sam Okafor', login: 'sam@acme.example' }, notes: [], ...over };
}

function facts(over: Partial<InboundFacts> = {}): InboundFacts {
  return { ticketState: 'open', incidentStatus: 'triggered', integrationLogin: LOGIN, tandemNotes: new Set(), ...over };
}

const ECHO: InboundPlan = {
  command: null,
  ticketState: null,
  notes: [],
  skipped: ['an echo: the change was made by the integration user'],
};

describe('planInbound: echoes', () => {
  it.each<[string, string | null, string, boolean]>([
    ['the same login', LOGIN, LOGIN, true],
    ['in other case', 'Tandem@ACME.example', LOGIN, true],
    ['with spaces around either', ` ${LOGIN} `, `${LOGIN}\t`, true],
    ['another person', 'sam@acme.example', LOGIN, false],
    ['no login in the delivery', null, LOGIN, false],
    // ConnectWise entries have no login: '' must never match a person without one.
    ['an empty integration login and an empty actor login', '', '', false],
    ['an empty integration login and a blank actor login', '  ', ' ', false],
    ['an empty integration login and a person', 'KLee', '', false],
  ])('%s: echo %s', (_what, login, integrationLogin, echo) => {
    const plan = planInbound(
      change({ actor: { name: 'x', login }, state: 'done', notes: [{ id: '1', text: 'n' }] }),
      facts({ integrationLogin }),
    );
    if (echo) expect(plan).toEqual(ECHO);
    else expect(plan).toMatchObject({ command: 'resolve', ticketState: 'done', notes: [{ id: '1', text: 'n' }] });
  });

  it('a note Tandem wrote is an echo by its id; the others, and notes without ids, reach the timeline', () => {
    const notes = [
      { id: '10001', text: 'Kim Tan: Rolled back.' },
      { id: '10002', text: 'Vendor confirms.' },
      { id: null, text: 'A work note.' },
    ];
    expect(planInbound(change({ notes }), facts({ tandemNotes: new Set(['10001']) }))).toEqual({
      command: null,
      ticketState: null,
      notes: [notes[1], notes[2]],
      skipped: ['an echo: note 10001 was written by Tandem'],
    });
  });
});

describe('planInbound: states', () => {
  it.each<[string, 'open' | 'in_progress' | 'done', string, IncidentStatus, InboundPlan['command'], string | null, string[]]>([
    ['in progress acknowledges a triggered incident', 'in_progress', 'open', 'triggered', 'acknowledge', 'in_progress', []],
    ['done resolves a triggered incident', 'done', 'open', 'triggered', 'resolve', 'done', []],
    ['done resolves an acknowledged incident', 'done', 'in_progress', 'acknowledged', 'resolve', 'done', []],
    ['done resolves one waiting on the customer', 'done', 'in_progress', 'waiting_on_customer', 'resolve', 'done', []],
    ['done resolves one waiting on a vendor', 'done', 'open', 'waiting_on_vendor', 'resolve', 'done', []],
    [
      'in progress leaves an acknowledged incident',
      'in_progress',
      'open',
      'acknowledged',
      null,
      'in_progress',
      ['the incident is already acknowledged'],
    ],
    [
      'in progress leaves one waiting on the customer',
      'in_progress',
      'open',
      'waiting_on_customer',
      null,
      'in_progress',
      ['the incident is already waiting on customer'],
    ],
    [
      'in progress leaves one waiting on a vendor',
      'in_progress',
      'open',
      'waiting_on_vendor',
      null,
      'in_progress',
      ['the incident is already waiting on vendor'],
    ],
    ['done on a resolved incident', 'done', 'in_progress', 'resolved', null, 'done', ['the incident is already resolved']],
    ['in progress on a resolved incident', 'in_progress', 'done', 'resolved', null, 'in_progress', ['the incident is already resolved']],
    [
      'open again does not reopen',
      'open',
      'done',
      'resolved',
      null,
      'open',
      ['the ticket is open again; Tandem does not reopen incidents'],
    ],
    [
      'open again on an open incident',
      'open',
      'in_progress',
      'acknowledged',
      null,
      'open',
      ['the ticket is open again; Tandem does not reopen incidents'],
    ],
    ['the same state: already done', 'done', 'done', 'triggered', null, null, ['the ticket was already done']],
    ['the same state: already in progress', 'in_progress', 'in_progress', 'triggered', null, null, ['the ticket was already in progress']],
    ['the same state: already open', 'open', 'open', 'triggered', null, null, ['the ticket was already open']],
  ])('%s', (_what, state, ticketState, incidentStatus, command, newState, skipped) => {
    expect(planInbound(change({ state }), facts({ ticketState, incidentStatus }))).toEqual({
      command,
      ticketState: newState,
      notes: [],
      skipped,
    });
  });

  it('a change without a state (a comment) commands nothing and moves nothing', () => {
    const notes = [{ id: '7', text: 'x' }];
    expect(planInbound(change({ notes }), facts({ incidentStatus: 'triggered' }))).toEqual({
      command: null,
      ticketState: null,
      notes,
      skipped: [],
    });
  });

  it('a state and a note together: both, each with its own reason when skipped', () => {
    const notes = [
      { id: '1', text: 'ours' },
      { id: '2', text: 'theirs' },
    ];
    expect(
      planInbound(
        change({ state: 'done', notes }),
        facts({ ticketState: 'done', incidentStatus: 'resolved', tandemNotes: new Set(['1']) }),
      ),
    ).toEqual({
      command: null,
      ticketState: null,
      notes: [notes[1]],
      skipped: ['the ticket was already done', 'an echo: note 1 was written by Tandem'],
    });
  });
});
