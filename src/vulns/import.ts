/**
 * Importing a scan, loading the KEV catalog and recording a risk exception:
 * what `tandem vulns import|except`, `tandem kev import` and the API share.
 * A scan is read whole or refused whole (a half-read scan would close
 * findings it merely failed to read); a scan already imported (same format
 * and text) changes nothing.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../db/connect.js';
import type { Engagement } from '../engagement/model.js';
import { dueAt } from './deadlines.js';
import type { ScanFormat, ScanProblem } from './finding.js';
import { readScan } from './importers/index.js';
import { parseKev } from './kev.js';
import { planImport } from './plan.js';
import {
  applyImport,
  findingsWithCve,
  kevDueDates,
  knownFindings,
  replaceKevCatalog,
  scanImported,
  setDue,
  setException,
  getFinding,
} from './store.js';
import type { VulnSeverity } from '../engagement/model.js';

export type ImportOutcome =
  | { readonly status: 'refused'; readonly problems: readonly ScanProblem[] }
  | { readonly status: 'unchanged'; readonly findings: number }
  | { readonly status: 'imported'; readonly findings: number; readonly added: number; readonly seen: number; readonly fixed: number };

export interface ImportRequest {
  readonly engagement: Engagement;
  readonly format: ScanFormat;
  readonly text: string;
  /** Where an overdue finding's incident opens; must be a service of the engagement. */
  readonly serviceId: string | null;
  readonly now: number;
}

export async function importScan(database: Database, r: ImportRequest): Promise<ImportOutcome> {
  const scan = readScan(r.format, r.text);
  if (scan.problems.length > 0) return { status: 'refused', problems: scan.problems };
  const digest = createHash('sha256').update(`${r.format}\u0000${r.text}`).digest('hex');
  const engagementId = r.engagement.id;
  return database.db.transaction().execute(async (trx) => {
    if (await scanImported(trx, engagementId, digest)) return { status: 'unchanged', findings: scan.findings.length };
    const known = await knownFindings(trx, engagementId, scan);
    const kev = await kevDueDates(
      trx,
      scan.findings.flatMap((f) => (f.cve ? [f.cve] : [])),
    );
    const plan = planImport(scan, known, {
      now: r.now,
      policy: r.engagement.vulnerabilities,
      zone: r.engagement.timezone,
      kev,
      serviceId: r.serviceId,
    });
    await applyImport(trx, { engagementId, plan, scan, digest, now: r.now });
    return {
      status: 'imported',
      findings: scan.findings.length,
      added: plan.added.length,
      seen: plan.seen.length,
      fixed: plan.fixed.length,
    };
  });
}

export type KevOutcome =
  | { readonly status: 'refused'; readonly problems: readonly ScanProblem[] }
  | { readonly status: 'imported'; readonly version: string; readonly entries: number; readonly redated: number };

/** Loads the catalog (replacing the last one) and re-computes the due instant of every finding not fixed that has a CVE. */
export async function importKev(database: Database, text: string, engagements: readonly Engagement[], now: number): Promise<KevOutcome> {
  const parsed = parseKev(text);
  if (!parsed.ok) return { status: 'refused', problems: parsed.problems };
  const catalog = parsed.catalog;
  const due = new Map(catalog.entries.map((e) => [e.cve, e.dueDate]));
  return database.db.transaction().execute(async (trx) => {
    await replaceKevCatalog(trx, catalog, now);
    let redated = 0;
    for (const e of engagements) {
      for (const f of await findingsWithCve(trx, e.id)) {
        const kevDueDate = (f.cve && due.get(f.cve)) ?? null;
        const next = dueAt(
          { firstSeen: Number(f.first_seen), severity: f.severity as VulnSeverity, kevDueDate },
          e.vulnerabilities,
          e.timezone,
        );
        if (next === Number(f.due_at) && kevDueDate === f.kev_due_date) continue;
        await setDue(trx, Number(f.id), kevDueDate, next, now);
        redated++;
      }
    }
    return { status: 'imported', version: catalog.version, entries: catalog.entries.length, redated };
  });
}

export type ExceptionOutcome = 'recorded' | 'not_found' | 'fixed';

/** Records a risk exception (who approved it, why, until when) on a finding of the engagement. */
export async function exceptFinding(
  database: Database,
  e: { engagementId: string; findingId: number; reason: string; approver: string; expiresAt: number; now: number },
): Promise<ExceptionOutcome> {
  const found = await getFinding(database.db, [e.engagementId], e.findingId);
  if (!found) return 'not_found';
  const ok = await setException(database.db, {
    id: e.findingId,
    reason: e.reason,
    approver: e.approver,
    expiresAt: e.expiresAt,
    now: e.now,
  });
  return ok ? 'recorded' : 'fixed';
}
