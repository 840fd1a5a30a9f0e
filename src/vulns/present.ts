/**
 * A finding as `tandem vulns list --json` and the API show it: the shape the
 * issue fixes (`id, cve, title, severity, asset, package, first_seen,
 * last_seen, due_at, status, kev`), instants in ISO 8601 UTC, and the
 * status derived at the instant of the listing (overdue, or an expired
 * exception read as open again).
 */
import type { VulnFindingRow } from '../db/schema.js';
import type { VulnSeverity } from '../engagement/model.js';
import { statusAt } from './deadlines.js';
import type { FindingStatus } from './deadlines.js';

export interface PresentedFinding {
  readonly id: number;
  readonly cve: string | null;
  readonly title: string;
  readonly severity: VulnSeverity;
  readonly asset: string;
  readonly package: string | null;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly due_at: string;
  readonly status: FindingStatus;
  readonly kev: boolean;
}

const iso = (t: number) => new Date(t).toISOString();

export function findingStatus(r: VulnFindingRow, now: number): FindingStatus {
  return statusAt(
    {
      status: r.status,
      dueAt: Number(r.due_at),
      exceptionExpiresAt: r.exception_expires_at === null ? null : Number(r.exception_expires_at),
    },
    now,
  );
}

export function presentFinding(r: VulnFindingRow, now: number): PresentedFinding {
  return {
    id: Number(r.id),
    cve: r.cve,
    title: r.title,
    severity: r.severity as VulnSeverity,
    asset: r.asset,
    package: r.package,
    first_seen: iso(Number(r.first_seen)),
    last_seen: iso(Number(r.last_seen)),
    due_at: iso(Number(r.due_at)),
    status: findingStatus(r, now),
    kev: r.kev === 1 || Number(r.kev) === 1,
  };
}
