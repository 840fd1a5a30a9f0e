/**
 * Verifying the tamper-evident timeline (issue 12): recomputes every
 * incident's hash chain of an engagement (audit/hash.ts) from the rows as
 * stored and reports the first entry per incident whose stored hash is not
 * what its content and the entry before it give. A changed entry breaks at
 * itself; a removed one breaks at the entry after it. The last entries of
 * each chain (the heads) are returned so an auditor can keep them and check
 * later that nothing was removed from the end either. On PostgreSQL the
 * product records each chain's head as it appends (timeline_heads), so
 * entries removed from the end, or a last entry rewritten with a recomputed
 * hash, are found here too unless the recorded heads were rewritten as well:
 * that is what the heads an auditor kept are for (and all SQLite has).
 */
import type { Executor } from '../db/executor.js';
import { GENESIS, storedRowHash } from './hash.js';
import { chainPage, entriesById, recordedHeads } from './store.js';
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

const ENDS_EARLY =
  'the chain ends here, but the product recorded it ending at a later entry: entries after this one were removed, or this one was rewritten with its hash recomputed';

/** Recomputes every chain of the engagement's timelines, and checks each ends where the product recorded it to. */
export async function verifyChains(ex: Executor, engagementId: string): Promise<ChainReport> {
  const report: ChainReport = { incidents: 0, entries: 0, broken: [], heads: [] };
  const recorded = await recordedHeads(ex, engagementId);
  let after: readonly [number, number] = [-1, -1];
  let current: { id: number; name: string; prev: string; broken: boolean; at: number; last: ChainHead } | undefined;
  const close = () => {
    if (!current) return;
    report.heads.push(current.last);
    const head = recorded.get(current.id);
    recorded.delete(current.id);
    if (!current.broken && head && head.hash !== current.last.hash)
      report.broken.push({
        incident: current.name,
        entryId: current.last.entryId,
        at: new Date(current.at).toISOString(),
        reason: ENDS_EARLY,
      });
  };
  for (;;) {
    const page = await chainPage(ex, engagementId, after, PAGE);
    for (const row of page) {
      if (current?.id !== row.incident_id) {
        close();
        const name = `${row.prefix}-${row.number}`;
        current = {
          id: row.incident_id,
          name,
          prev: GENESIS,
          broken: false,
          at: Number(row.at),
          last: { incident: name, entryId: row.id, hash: '' },
        };
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
      current.at = Number(row.at);
      current.last = { incident: current.name, entryId: row.id, hash: row.hash ?? '' };
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = [last.incident_id, last.id];
  }
  close();
  // Incidents whose every entry is gone.
  for (const head of recorded.values()) {
    report.incidents++;
    report.broken.push({
      incident: head.incident,
      entryId: 0,
      at: '',
      reason: 'the incident has no timeline entries left, but the product recorded a chain for it',
    });
  }
  return report;
}

/**
 * Checks heads kept from an earlier verification (an evidence pack's
 * verify.json, or `tandem verify --json`) against the database: each kept
 * head's entry must still be there, on the same incident, with the same
 * hash. Together with every chain holding, that proves the history up to
 * each kept head is the one that was kept. Adds what fails to `report`.
 */
export async function checkKeptHeads(ex: Executor, engagementId: string, kept: readonly ChainHead[], report: ChainReport): Promise<number> {
  const stored = await entriesById(
    ex,
    engagementId,
    kept.map((h) => h.entryId),
  );
  let failed = 0;
  for (const head of kept) {
    const entry = stored.get(head.entryId);
    const reason =
      entry === undefined
        ? 'the entry is gone: it was a chain head when the heads were kept'
        : entry.incident !== head.incident
          ? `the entry now belongs to ${entry.incident}, not the incident it was kept for`
          : entry.hash !== head.hash
            ? 'the entry’s hash is not the one kept: the history up to it was rewritten'
            : undefined;
    if (!reason) continue;
    failed++;
    report.broken.push({ incident: head.incident, entryId: head.entryId, at: '', reason: `kept head: ${reason}` });
  }
  return failed;
}
