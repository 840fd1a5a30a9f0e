/**
 * What the ticketing sync asks of a ticketing system, whatever it is: find a
 * ticket by its correlation id, create one, move it to in progress or done,
 * comment, change its priority, read it back (inbound callbacks re-fetch),
 * and check the set-up (`tandem ticketing check`). Each system's client
 * (jira.ts, servicenow.ts, connectwise.ts) answers every call with a
 * {@link CallResult}, so the outbox retries or stops the same way for all.
 */
import type { Ticketing } from '../engagement/model.js';

/** How a call ended. */
export type CallResult<T> =
  | { readonly kind: 'delivered'; readonly value: T }
  | {
      readonly kind: 'retryable';
      readonly error: string;
      readonly retryAfterMs?: number;
      /** No answer came (a timeout, a dropped connection): the system may still act on the request, later. */
      readonly unanswered?: true;
    }
  | { readonly kind: 'permanent'; readonly error: string };

/** A ticket in the system. */
export interface ExternalTicket {
  /** What the API addresses it by: Jira's key, ServiceNow's sys_id, ConnectWise's ticket id. */
  readonly id: string;
  /** What people call it: OPS-7, INC0010001, #1234. */
  readonly key: string;
  /** Where a person opens it. */
  readonly url: string;
}

/** What a new ticket says. */
export interface NewTicket {
  /** ACME-42: the correlation id is made from it (label, correlation_id, externalXRef). */
  readonly ref: string;
  readonly summary: string;
  readonly description: readonly string[];
  /** The incident's Tandem priority (P1..); the client maps it with the entry's `priorities`. */
  readonly priority: string;
}

/** Where a ticket is, as Tandem sees it. */
export type TicketTarget = 'in_progress' | 'done';

/** A ticket as read back from the system (for inbound callbacks that only say "it changed"). */
export interface TicketSnapshot {
  readonly ticket: ExternalTicket;
  /** Where its status is, in Tandem's terms; 'open' for new or waiting statuses. */
  readonly state: 'open' | TicketTarget;
  /** The system's own name of the status ("In Progress", "Closed"). */
  readonly status: string;
  /** Who changed it last, as the system names them. */
  readonly updatedBy: string | null;
  /** Its notes or comments, oldest first. */
  readonly notes: ReadonlyArray<{ readonly id: string; readonly text: string; readonly author: string | null }>;
}

/** One line of `tandem ticketing check`. */
export interface CheckLine {
  readonly ok: boolean;
  /** What was checked: "credentials", "project OPS", "transition to done". */
  readonly what: string;
  /** What was found, or what is missing and how to fix it. */
  readonly detail: string;
}

/** A ticketing system, as the outbox, the inbound path and the check use it. */
export interface TicketClient {
  /** The ticket carrying the correlation id made from `ref`, if one exists (a crash may have created it unrecorded). */
  find(ref: string): Promise<CallResult<ExternalTicket | undefined>>;
  create(ticket: NewTicket): Promise<CallResult<ExternalTicket>>;
  /** Moves the ticket; delivered with false when it is already there or cannot move further. */
  transition(ticket: ExternalTicket, target: TicketTarget, note: string): Promise<CallResult<boolean>>;
  /** Adds a note; delivered with the new note's id in the system when it gives one (its echo is then recognised). */
  comment(ticket: ExternalTicket, text: string): Promise<CallResult<string | null>>;
  /** Sets the priority mapped from a Tandem priority; delivered with false when the entry maps none. */
  priority(ticket: ExternalTicket, priority: string): Promise<CallResult<boolean>>;
  /** Reads the ticket back by its id. */
  read(id: string): Promise<CallResult<TicketSnapshot | undefined>>;
  /** Checks credentials, the project, board or group, and what the sync will need. */
  check(): Promise<CheckLine[]>;
}

/** What a client needs besides its entry. */
export interface ClientOptions {
  /** A secret by the environment variable name the entry gives. */
  readonly secret: (name: string) => string | undefined;
  /** One call's timeout. */
  readonly timeoutMs: number;
  /** The clock (ServiceNow's X-RateLimit-Reset is an instant). */
  readonly now: () => number;
}

/** A client for an entry, or why there is none (a missing secret). */
export type ClientFactory = (entry: Ticketing, o: ClientOptions) => TicketClient | string;
