/**
 * Whether a vulnerability finding's remediation deadline was met, as of an
 * instant (the end of the evidence period, or now if that is earlier).
 */
import { statusAt } from '../vulns/deadlines.js';

export const DEADLINE_OUTCOMES = ['met', 'missed', 'excepted', 'open'] as const;
export type DeadlineOutcome = (typeof DEADLINE_OUTCOMES)[number];

export interface DeadlineInput {
  /** As stored: open | fixed | excepted. */
  readonly status: string;
  readonly dueAt: number;
  readonly fixedAt: number | null;
  readonly exceptionExpiresAt: number | null;
}

/**
 * met: fixed by its due instant; missed: fixed after it, or still unfixed
 * past it; excepted: under a risk exception that still held; open: not
 * fixed and not yet due. A fix after `asOf` does not count yet.
 */
export function deadlineOutcome(f: DeadlineInput, asOf: number): DeadlineOutcome {
  if (f.fixedAt !== null && f.fixedAt <= asOf) return f.fixedAt <= f.dueAt ? 'met' : 'missed';
  const status = statusAt(
    { status: f.status === 'fixed' ? 'open' : f.status, dueAt: f.dueAt, exceptionExpiresAt: f.exceptionExpiresAt },
    asOf,
  );
  if (status === 'excepted') return 'excepted';
  return status === 'overdue' ? 'missed' : 'open';
}
