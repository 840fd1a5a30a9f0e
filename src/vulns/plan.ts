/**
 * What importing a scan does to an engagement's findings, decided without
 * the database: a finding never seen is added (due from now); one already
 * known is seen again (last_seen, and what the scanner now says of it: its
 * severity moves its deadline, from the first time it was seen); a fixed one
 * that is back is open again, first seen now; and a finding the same
 * scanner reported on an asset this scan covered, that it no longer
 * reports, is fixed.
 */
import type { VulnerabilityPolicy } from '../engagement/model.js';
import type { VulnSeverity } from '../engagement/model.js';
import { dueAt } from './deadlines.js';
import type { ScannedFinding, ScanResult } from './finding.js';

/** A stored finding, as much as the plan needs. */
export interface KnownFinding {
  readonly id: number;
  readonly fingerprint: string;
  readonly scanner: string;
  readonly asset: string;
  readonly status: string;
  readonly firstSeen: number;
  readonly severity: string;
  readonly kevDueDate: string | null;
}

export interface NewFinding extends ScannedFinding {
  readonly firstSeen: number;
  readonly dueAt: number;
  readonly kevDueDate: string | null;
  readonly serviceId: string | null;
}

export interface SeenAgain {
  readonly id: number;
  readonly finding: ScannedFinding;
  /** When the finding counts from: unchanged, or now when a fixed finding is back. */
  readonly firstSeen: number;
  readonly dueAt: number;
  readonly kevDueDate: string | null;
  /** A fixed finding is back: open again, its overdue incident (if any) forgotten. */
  readonly reopened: boolean;
}

export interface ImportPlan {
  readonly added: readonly NewFinding[];
  readonly seen: readonly SeenAgain[];
  /** Ids of findings the scan no longer reports: fixed now. */
  readonly fixed: readonly number[];
}

export interface PlanContext {
  readonly now: number;
  readonly policy: VulnerabilityPolicy;
  readonly zone: string;
  /** KEV due dates by CVE. */
  readonly kev: ReadonlyMap<string, string>;
  readonly serviceId: string | null;
}

export function planImport(scan: ScanResult, known: readonly KnownFinding[], ctx: PlanContext): ImportPlan {
  const byFingerprint = new Map(known.map((k) => [k.fingerprint, k]));
  const kevOf = (f: ScannedFinding) => (f.cve === null ? null : (ctx.kev.get(f.cve) ?? null));
  const due = (firstSeen: number, severity: VulnSeverity, kevDueDate: string | null) =>
    dueAt({ firstSeen, severity, kevDueDate }, ctx.policy, ctx.zone);
  const added: NewFinding[] = [];
  const seen: SeenAgain[] = [];
  for (const f of scan.findings) {
    const k = byFingerprint.get(f.fingerprint);
    const kevDueDate = kevOf(f);
    if (k === undefined) {
      added.push({ ...f, firstSeen: ctx.now, dueAt: due(ctx.now, f.severity, kevDueDate), kevDueDate, serviceId: ctx.serviceId });
      continue;
    }
    const reopened = k.status === 'fixed';
    const firstSeen = reopened ? ctx.now : k.firstSeen;
    seen.push({ id: k.id, finding: f, firstSeen, dueAt: due(firstSeen, f.severity, kevDueDate), kevDueDate, reopened });
  }
  const reported = new Set(scan.findings.map((f) => f.fingerprint));
  const covered = new Set(scan.assets.map((a) => a.toLowerCase()));
  const fixed = known
    .filter((k) => k.status !== 'fixed' && k.scanner === scan.scanner && covered.has(k.asset.toLowerCase()) && !reported.has(k.fingerprint))
    .map((k) => k.id);
  return { added, seen, fixed };
}
