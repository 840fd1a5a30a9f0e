/**
 * `tandem ticketing check`: each ticketing entry's own check (credentials,
 * project, board or group, what the sync needs), run the way the server
 * would run its client, so a set-up problem shows before the first incident
 * and not as a failed ticket. A secret that is not set, a system without a
 * client and a check that does not finish in time are failed lines too, not
 * crashes: every entry gets its answer.
 */
import type { Ticketing } from '../engagement/model.js';
import { ticketingEnvNames } from '../engagement/index.js';
import type { CheckLine, ClientFactory } from './client.js';
import { clientFor } from './clients.js';

/** One entry's check. */
export interface EntryCheck {
  readonly engagement: string;
  readonly entry: Ticketing;
  readonly lines: readonly CheckLine[];
  /** True when every line is ok (and there is at least one). */
  readonly ok: boolean;
}

/** How the check runs. */
export interface CheckOptions {
  /** A secret by the environment variable name the entry gives. */
  readonly secret: (name: string) => string | undefined;
  /** How long one entry's whole check may take; each request gets as long. */
  readonly timeoutMs: number;
  readonly now: () => number;
  /** The client of an entry (the server's by default). */
  readonly clientFor?: ClientFactory;
}

/** One failed line per variable the entry names that is unset or empty. */
export function missingSecretLines(entry: Ticketing, secret: (name: string) => string | undefined): CheckLine[] {
  return ticketingEnvNames(entry).flatMap((name) => {
    const value = secret(name);
    return value === undefined || value === ''
      ? [{ ok: false, what: 'credentials', detail: `environment variable ${name} is not set; set it to the secret and run again` }]
      : [];
  });
}

/** The check's lines, or one failed line when it does not finish within `ms` (its late answer is dropped). */
async function withDeadline(check: () => Promise<CheckLine[]>, ms: number, url: string): Promise<CheckLine[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<CheckLine[]>((resolve) => {
    timer = setTimeout(() => resolve([{ ok: false, what: 'answer', detail: `no complete answer from ${url} within ${ms} ms` }]), ms);
  });
  try {
    return await Promise.race([
      check().catch((err: unknown) => [{ ok: false, what: 'check', detail: err instanceof Error ? err.message : String(err) }]),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks one entry. */
export async function checkEntry(engagement: string, entry: Ticketing, o: CheckOptions): Promise<EntryCheck> {
  const missing = missingSecretLines(entry, o.secret);
  const client =
    missing.length > 0 ? undefined : (o.clientFor ?? clientFor)(entry, { secret: o.secret, timeoutMs: o.timeoutMs, now: o.now });
  const lines =
    client === undefined
      ? missing
      : typeof client === 'string'
        ? [{ ok: false, what: 'client', detail: client }]
        : await withDeadline(() => client.check(), o.timeoutMs, entry.url);
  return { engagement, entry, lines, ok: lines.length > 0 && lines.every((l) => l.ok) };
}

/** Checks every entry side by side; the answers come back in the entries' order. */
export async function checkEntries(
  entries: ReadonlyArray<{ readonly engagement: string; readonly entry: Ticketing }>,
  o: CheckOptions,
): Promise<EntryCheck[]> {
  return Promise.all(entries.map((e) => checkEntry(e.engagement, e.entry, o)));
}
