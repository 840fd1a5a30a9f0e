/**
 * Verifying the tamper-evident timeline (issue 12): recomputes every
 * incident's hash chain of an engagement (audit/hash.ts) from the rows as
 * stored and reports the first entry per incident whose stored hash is not
 * what its content and the entry before it give. A changed entry breaks at
 * itself; a removed one breaks at the entry after it. The last entries of
 * each chain (the heads) are returned so an auditor can keep them and check
 * later that nothing was removed from the end either.
 */
import type { Executor } from '../db/executor.js';
import { GENESIS, storedRowHash } from './hash.js';
import { chainPage } from './store.js';
import type { ChainRow } from './store.js';

export interface BrokenEntry {
  /** The incident's number, e.g. ACME-42. */
  incident: string;
  entryId: number;
  /** When the entry says it happened (ISO 8601). */
  at: string;
  reason: string;
}

export interface ChainHead {
  incident: string;
  entryId: number;
  hash: string;
}

export interface ChainReport {
  incidents: number;
  entries: number;
  broken: BrokenEntry[];
  heads: ChainHead[];
}

const PAGE = 5000;

/** Why a stored row does not continue the chain at `prev`, or undefined when it does. */
export function breakReason(prev: string, row: ChainRow): string | undefined {
  if (row.hash === null) return 'the entry has no hash';
  let expected: string;
  try {
    expected = storedRowHash(prev, row);
  } catch {
    return 'the entry’s data is not valid JSON';
  }
  if (expected === row.hash) return undefined;
  return prev === GENESIS
    ? 'the stored hash does not match the entry: it was changed, or entries before it were removed'
    : 'the stored hash does not match the entry and the one before it: this entry was changed, or an entry before it was removed';
}

/** Recomputes every chain of the engagement's timelines. */
export async function verifyChains(ex: Executor, engagementId: string): Promise<ChainReport> {
  const report: ChainReport = { incidents: 0, entries: 0, broken: [], heads: [] };
  let after: readonly [number, number] = [-1, -1];
  let current: { id: number; name: string; prev: string; broken: boolean; last: ChainHead } | undefined;
  const close = () => {
    if (current) report.heads.push(current.last);
  };
  for (;;) {
    const page = await chainPage(ex, engagementId, after, PAGE);
    for (const row of page) {
      if (current?.id !== row.incident_id) {
        close();
        const name = `${row.prefix}-${row.number}`;
        current = { id: row.incident_id, name, prev: GENESIS, broken: false, last: { incident: name, entryId: row.id, hash: '' } };
        report.incidents++;
      }
      report.entries++;
      const reason = current.broken ? undefined : breakReason(current.prev, row);
      if (reason) {
        current.broken = true;
        report.broken.push({ incident: current.name, entryId: row.id, at: new Date(Number(row.at)).toISOString(), reason });
      }
      // Carry on from the stored hash, so what comes after is still read (and counted).
      current.prev = row.hash ?? '';
      current.last = { incident: current.name, entryId: row.id, hash: row.hash ?? '' };
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = [last.incident_id, last.id];
  }
  close();
  return report;
}
