/**
 * What an inbound change does to an incident (pure): no echo, no repeat.
 * A change made by the integration's own user, or a note Tandem itself
 * wrote, is an echo of Tandem's push and acts on nothing. A status the
 * ticket already had (as Tandem last knew it) changes nothing. Otherwise a
 * ticket moved to in progress acknowledges a triggered incident, a ticket
 * moved to done resolves it, and each new note becomes a timeline note.
 */
import type { IncidentStatus } from '../../incident/store.js';
import type { InboundChange } from './parse.js';

/** What the sync knows when it decides. */
export interface InboundFacts {
  /** Where Tandem last knew the ticket to be (tickets.state). */
  readonly ticketState: string;
  readonly incidentStatus: IncidentStatus;
  /** The login the entry signs in with (Jira's user, ServiceNow's integration user). */
  readonly integrationLogin: string;
  /** Ids of notes Tandem's operations created on the ticket. */
  readonly tandemNotes: ReadonlySet<string>;
}

/** The decision. */
export interface InboundPlan {
  readonly command: 'acknowledge' | 'resolve' | null;
  /** The ticket's new state to remember, when it moved. */
  readonly ticketState: 'open' | 'in_progress' | 'done' | null;
  /** Notes to add to the timeline (each with the id to mark seen, when the system gave one). */
  readonly notes: ReadonlyArray<{ readonly id: string | null; readonly text: string }>;
  /** Why each part did nothing, for `ticket_inbound.result`. */
  readonly skipped: readonly string[];
}

function sameLogin(a: string | null, b: string): boolean {
  return a !== null && b.trim() !== '' && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The command a state asks for on an incident in `status`, or why none. */
function commandFor(state: 'open' | 'in_progress' | 'done', status: IncidentStatus): InboundPlan['command'] | string {
  if (state === 'open') return 'the ticket is open again; Tandem does not reopen incidents';
  if (status === 'resolved') return `the incident is already resolved`;
  if (state === 'done') return 'resolve';
  return status === 'triggered' ? 'acknowledge' : `the incident is already ${status.replaceAll('_', ' ')}`;
}

export function planInbound(change: InboundChange, f: InboundFacts): InboundPlan {
  const skipped: string[] = [];
  if (sameLogin(change.actor.login, f.integrationLogin)) {
    return { command: null, ticketState: null, notes: [], skipped: ['an echo: the change was made by the integration user'] };
  }
  let command: InboundPlan['command'] = null;
  let ticketState: InboundPlan['ticketState'] = null;
  if (change.state !== undefined) {
    if (change.state === f.ticketState) skipped.push(`the ticket was already ${change.state.replace('_', ' ')}`);
    else {
      ticketState = change.state;
      const c = commandFor(change.state, f.incidentStatus);
      if (c === 'acknowledge' || c === 'resolve') command = c;
      else if (c !== null) skipped.push(c);
    }
  }
  const notes = change.notes.filter((n) => {
    const echo = n.id !== null && f.tandemNotes.has(n.id);
    if (echo) skipped.push(`an echo: note ${n.id} was written by Tandem`);
    return !echo;
  });
  return { command, ticketState, notes, skipped };
}
