/**
 * When a finding is due, and what a finding's status is at an instant.
 *
 * A finding is due `deadlines[severity]` after it was first seen. Under the
 * `kev: due_date` policy, a finding whose CVE is in CISA's KEV catalog is
 * due by the earlier of that and the catalog's due date, read as the end of
 * that day in the engagement's time zone (the last millisecond before the
 * next local midnight): "due 2022-04-25" means the team has all of its 25th,
 * whoever's calendar published it.
 */
import type { VulnSeverity, VulnerabilityPolicy } from '../engagement/model.js';
import { parseLocalDate, startOfLocalDay } from '../time/local-time.js';

/** The last instant of a local date (YYYY-MM-DD) in `zone`. */
export function endOfLocalDate(zone: string, date: string): number {
  return startOfLocalDay(zone, parseLocalDate(date) + 1) - 1;
}

export interface DueInput {
  readonly firstSeen: number;
  readonly severity: VulnSeverity;
  /** The KEV catalog's due date of the finding's CVE (YYYY-MM-DD), when it is in the catalog. */
  readonly kevDueDate: string | null;
}

/** The finding's due instant under the engagement's policy. */
export function dueAt(input: DueInput, policy: VulnerabilityPolicy, zone: string): number {
  const byDeadline = input.firstSeen + policy.deadlines[input.severity].ms;
  if (policy.kev !== 'due_date' || input.kevDueDate === null) return byDeadline;
  return Math.min(byDeadline, endOfLocalDate(zone, input.kevDueDate));
}

export type FindingStatus = 'open' | 'overdue' | 'fixed' | 'excepted';

export interface StatusInput {
  /** As stored: open | fixed | excepted. */
  readonly status: string;
  readonly dueAt: number;
  readonly exceptionExpiresAt: number | null;
}

/**
 * The status shown at `now`: fixed stays fixed; an exception holds until it
 * expires, then the finding is open again (and overdue if past due); an open
 * finding past its due instant is overdue.
 */
export function statusAt(f: StatusInput, now: number): FindingStatus {
  if (f.status === 'fixed') return 'fixed';
  if (f.status === 'excepted' && f.exceptionExpiresAt !== null && f.exceptionExpiresAt > now) return 'excepted';
  return f.dueAt < now ? 'overdue' : 'open';
}
