/**
 * The tamper-evidence part of an evidence pack: the result of checking every
 * incident timeline's hash chain, with the chain heads an auditor can check
 * a later `tandem verify --json` against. The check itself is passed in
 * (`ChainVerifier`), so the pack does not depend on how chains are stored.
 */
import type { Executor } from '../db/executor.js';

/** What checking an engagement's chains found (the shape of src/audit/chain.ts `verifyChains`). */
export interface ChainVerification {
  readonly incidents: number;
  readonly entries: number;
  readonly broken: ReadonlyArray<{ readonly incident: string; readonly entryId: number; readonly at: string; readonly reason: string }>;
  readonly heads: ReadonlyArray<{ readonly incident: string; readonly entryId: number; readonly hash: string }>;
}

/** Checks every timeline chain of an engagement. */
export type ChainVerifier = (ex: Executor, engagementId: string) => Promise<ChainVerification>;

/** verify.json: the verification, when it ran, and how to repeat it. */
export function verifyDocument(engagementId: string, verifiedAt: number, result: ChainVerification): Record<string, unknown> {
  return {
    engagement: engagementId,
    verified_at: new Date(verifiedAt).toISOString(),
    ok: result.broken.length === 0,
    incidents: result.incidents,
    entries: result.entries,
    broken: result.broken,
    heads: result.heads,
    how_to_reverify: `Run tandem verify --engagement ${engagementId} --db URL --heads verify.json (this file): every chain must hold and every head listed here must still be found, same entry id and hash (exit 0)`,
  };
}
