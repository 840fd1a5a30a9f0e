/**
 * Every query of vulnerability management: findings (one per engagement and
 * fingerprint), imported scans, the KEV catalog, and the overdue claim (a
 * conditional update of `alerted_at`: whichever instance sets it writes the
 * trigger, in the same transaction, so an incident opens once).
 */
import { sql } from 'kysely';
import { chunked } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { VulnFindingRow } from '../db/schema.js';
import type { KevCatalog } from './kev.js';
import type { ImportPlan, KnownFinding } from './plan.js';
import type { ScanResult } from './finding.js';

/** Whether this engagement already imported a scan with this digest. */
export async function scanImported(ex: Executor, engagementId: string, digest: string): Promise<boolean> {
  const row = await ex
    .selectFrom('vuln_scans')
    .select('id')
    .where('engagement_id', '=', engagementId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row !== undefined;
}

const KNOWN_COLUMNS = ['id', 'fingerprint', 'scanner', 'asset', 'status', 'first_seen', 'severity', 'kev_due_date'] as const;
type KnownRow = Pick<VulnFindingRow, (typeof KNOWN_COLUMNS)[number]>;
const known = (r: KnownRow): KnownFinding => ({
  id: Number(r.id),
  fingerprint: r.fingerprint,
  scanner: r.scanner,
  asset: r.asset,
  status: r.status,
  firstSeen: Number(r.first_seen),
  severity: r.severity,
  kevDueDate: r.kev_due_date,
});

/** The engagement's findings a scan touches: those it reports, and those not fixed on the assets it covered. */
export async function knownFindings(ex: Executor, engagementId: string, scan: ScanResult): Promise<KnownFinding[]> {
  const byId = new Map<number, KnownFinding>();
  for (const part of chunked(scan.findings.map((f) => f.fingerprint))) {
    const rows = await ex
      .selectFrom('vuln_findings')
      .select(KNOWN_COLUMNS)
      .where('engagement_id', '=', engagementId)
      .where('fingerprint', 'in', part)
      .execute();
    for (const r of rows) byId.set(Number(r.id), known(r));
  }
  for (const part of chunked(scan.assets)) {
    const rows = await ex
      .selectFrom('vuln_findings')
      .select(KNOWN_COLUMNS)
      .where('engagement_id', '=', engagementId)
      .where('asset', 'in', part)
      .where('status', '<>', 'fixed')
      .execute();
    for (const r of rows) byId.set(Number(r.id), known(r));
  }
  return [...byId.values()];
}

/** Writes an import's plan and remembers the scan. */
export async function applyImport(
  ex: Executor,
  i: { engagementId: string; plan: ImportPlan; scan: ScanResult; digest: string; now: number },
): Promise<void> {
  const { plan, now } = i;
  for (const part of chunked(plan.added, 26, 500)) {
    if (part.length === 0) continue;
    await ex
      .insertInto('vuln_findings')
      .values(
        part.map((f) => ({
          engagement_id: i.engagementId,
          fingerprint: f.fingerprint,
          scanner: f.scanner,
          cve: f.cve,
          rule_id: f.ruleId,
          title: f.title.slice(0, 500),
          severity: f.severity,
          asset: f.asset,
          package: f.package,
          location: f.location,
          installed_version: f.installedVersion,
          fixed_version: f.fixedVersion,
          service_id: f.serviceId,
          first_seen: f.firstSeen,
          last_seen: now,
          fixed_at: null,
          due_at: f.dueAt,
          kev: f.kevDueDate === null ? 0 : 1,
          kev_due_date: f.kevDueDate,
          status: 'open',
          exception_reason: null,
          exception_approver: null,
          exception_expires_at: null,
          alerted_at: null,
          incident_id: null,
          updated_at: now,
        })),
      )
      .execute();
  }
  for (const s of plan.seen) {
    const f = s.finding;
    await ex
      .updateTable('vuln_findings')
      .set({
        scanner: f.scanner,
        title: f.title.slice(0, 500),
        severity: f.severity,
        location: f.location,
        installed_version: f.installedVersion,
        fixed_version: f.fixedVersion,
        first_seen: s.firstSeen,
        last_seen: now,
        due_at: s.dueAt,
        kev: s.kevDueDate === null ? 0 : 1,
        kev_due_date: s.kevDueDate,
        updated_at: now,
        ...(s.reopened ? { status: 'open', fixed_at: null, alerted_at: null, incident_id: null } : {}),
      })
      .where('id', '=', s.id)
      .execute();
  }
  for (const part of chunked(plan.fixed))
    await ex.updateTable('vuln_findings').set({ status: 'fixed', fixed_at: now, updated_at: now }).where('id', 'in', part).execute();
  await ex
    .insertInto('vuln_scans')
    .values({
      engagement_id: i.engagementId,
      scanner: i.scan.scanner,
      digest: i.digest,
      assets: JSON.stringify(i.scan.assets),
      findings: i.scan.findings.length,
      imported_at: now,
    })
    .execute();
}

/** KEV due dates of these CVEs (those in the catalog). */
export async function kevDueDates(ex: Executor, cves: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunked([...new Set(cves)])) {
    const rows = await ex.selectFrom('kev_catalog').select(['cve', 'due_date']).where('cve', 'in', part).execute();
    for (const r of rows) out.set(r.cve, r.due_date);
  }
  return out;
}

/** Replaces the KEV catalog with this one. */
export async function replaceKevCatalog(ex: Executor, catalog: KevCatalog, now: number): Promise<void> {
  await ex.deleteFrom('kev_catalog').execute();
  const unique = [...new Map(catalog.entries.map((e) => [e.cve, e])).values()];
  for (const part of chunked(unique, 9, 500))
    await ex
      .insertInto('kev_catalog')
      .values(
        part.map((e) => ({
          cve: e.cve,
          vendor: e.vendor,
          product: e.product,
          name: e.name,
          date_added: e.dateAdded,
          due_date: e.dueDate,
          ransomware: e.ransomware,
          catalog_version: catalog.version,
          imported_at: now,
        })),
      )
      .execute();
}

/** The engagement's findings not fixed that have a CVE (whose deadline the KEV catalog can move). */
export async function findingsWithCve(ex: Executor, engagementId: string): Promise<VulnFindingRow[]> {
  return ex
    .selectFrom('vuln_findings')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('status', '<>', 'fixed')
    .where('cve', 'is not', null)
    .execute();
}

/** Sets a finding's KEV flag and due instant. */
export async function setDue(ex: Executor, id: number, kevDueDate: string | null, due: number, now: number): Promise<void> {
  await ex
    .updateTable('vuln_findings')
    .set({ kev: kevDueDate === null ? 0 : 1, kev_due_date: kevDueDate, due_at: due, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export interface FindingFilter {
  readonly engagementIds: readonly string[];
  /** Stored statuses to include (the list's status filter is applied on the derived status by the caller). */
  readonly includeFixed: boolean;
}

/** Findings of the engagements, most urgent first (by due instant), then by id. */
export async function listFindings(ex: Executor, filter: FindingFilter): Promise<VulnFindingRow[]> {
  if (filter.engagementIds.length === 0) return [];
  let q = ex.selectFrom('vuln_findings').selectAll().where('engagement_id', 'in', filter.engagementIds);
  if (!filter.includeFixed) q = q.where('status', '<>', 'fixed');
  const rows = await q.orderBy('due_at', 'asc').orderBy('id', 'asc').execute();
  return rows.map(numeric);
}

/** One finding of the engagements. */
export async function getFinding(ex: Executor, engagementIds: readonly string[], id: number): Promise<VulnFindingRow | undefined> {
  if (engagementIds.length === 0) return undefined;
  const row = await ex
    .selectFrom('vuln_findings')
    .selectAll()
    .where('engagement_id', 'in', engagementIds)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? numeric(row) : undefined;
}

/** Records a risk exception on a finding that is not fixed; returns the finding as it is now, or undefined if it is fixed. */
export async function setException(
  ex: Executor,
  e: { id: number; reason: string; approver: string; expiresAt: number; now: number },
): Promise<boolean> {
  const r = await ex
    .updateTable('vuln_findings')
    .set({
      status: 'excepted',
      exception_reason: e.reason,
      exception_approver: e.approver,
      exception_expires_at: e.expiresAt,
      updated_at: e.now,
    })
    .where('id', '=', e.id)
    .where('status', '<>', 'fixed')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Ids and numbers of PostgreSQL bigints come back as numbers already (src/db/connect.ts); ids too. */
function numeric(r: VulnFindingRow): VulnFindingRow {
  return { ...r, id: Number(r.id), incident_id: r.incident_id === null ? null : Number(r.incident_id) };
}

/**
 * Findings past due that no trigger was written for: not fixed, not under
 * an exception that still holds, in the engagements given (or with a
 * service of their own). Oldest due first.
 */
/**
 * Whether any finding is past due, unalerted, not fixed and not under an exception that holds, in any engagement:
 * the check before {@link overdueUnalerted}, whose engagement list has 2,000 ids when an MSP hosts 2,000 engagements
 * (built and bound on every engine step, it was a third of the server's CPU under ingest load; issue 14).
 */
export async function anyOverdueUnalerted(ex: Executor, now: number): Promise<boolean> {
  const row = await ex
    .selectFrom('vuln_findings')
    .select('id')
    .where('alerted_at', 'is', null)
    .where('status', '<>', sql.lit('fixed')) // a literal: SQLite then uses the partial index vuln_findings_due
    .where('due_at', '<', now)
    .where((eb) => eb.or([eb('status', '=', 'open'), eb('exception_expires_at', '<=', now)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function overdueUnalerted(
  ex: Executor,
  now: number,
  engagementIds: readonly string[],
  limit: number,
): Promise<VulnFindingRow[]> {
  const rows = await ex
    .selectFrom('vuln_findings')
    .selectAll()
    .where('alerted_at', 'is', null)
    .where('status', '<>', 'fixed')
    .where('due_at', '<', now)
    .where((eb) => eb.or([eb('status', '=', 'open'), eb('exception_expires_at', '<=', now)]))
    .where((eb) =>
      engagementIds.length > 0
        ? eb.or([eb('engagement_id', 'in', engagementIds), eb('service_id', 'is not', null)])
        : eb('service_id', 'is not', null),
    )
    .orderBy('due_at', 'asc')
    .limit(limit)
    .execute();
  return rows.map(numeric);
}

/**
 * When the next finding not alerted becomes overdue after `now` (the
 * millisecond after its due instant, or after its exception expires), or
 * null. Findings already past due are the step's work, not a wake-up time
 * (one that cannot open, for want of a service, must not spin the loop).
 */
export async function nextDueUnalerted(ex: Executor, now: number): Promise<number | null> {
  const open = await ex
    .selectFrom('vuln_findings')
    .select((eb) => eb.fn.min('due_at').as('at'))
    .where('alerted_at', 'is', null)
    .where('status', '=', 'open')
    .where('due_at', '>=', now)
    .executeTakeFirst();
  const excepted = await ex
    .selectFrom('vuln_findings')
    .select((eb) => eb.fn.min('exception_expires_at').as('at'))
    .where('alerted_at', 'is', null)
    .where('status', '=', 'excepted')
    .where('exception_expires_at', '>=', now)
    .executeTakeFirst();
  const times = [open?.at, excepted?.at].filter((t) => t !== null && t !== undefined).map((t) => Number(t) + 1);
  return times.length > 0 ? Math.min(...times) : null;
}

/** Claims a finding for its overdue trigger: true for exactly one caller. */
export async function claimOverdue(ex: Executor, id: number, now: number): Promise<boolean> {
  const r = await ex
    .updateTable('vuln_findings')
    .set({ alerted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('alerted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Alerted findings whose incident is not recorded yet, with the incident their alert opened (once applied). */
export async function incidentsToRecord(ex: Executor, limit: number): Promise<Array<{ id: number; incident_id: number }>> {
  const rows = await ex
    .selectFrom('vuln_findings as f')
    .innerJoin('alerts as a', (j) =>
      j.onRef('a.engagement_id', '=', 'f.engagement_id').on(sql<boolean>`a.dedup_key = 'vuln:' || f.fingerprint`),
    )
    .select(['f.id', 'a.incident_id'])
    .where('f.alerted_at', 'is not', null)
    .where('f.incident_id', 'is', null)
    .orderBy('a.id', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), incident_id: Number(r.incident_id) }));
}

export async function recordIncident(ex: Executor, id: number, incidentId: number, now: number): Promise<void> {
  await ex
    .updateTable('vuln_findings')
    .set({ incident_id: incidentId, updated_at: now })
    .where('id', '=', id)
    .where('incident_id', 'is', null)
    .execute();
}

/** Writes a trigger event (as ingest would have accepted it) for the engine to apply. */
export async function insertTriggerEvent(
  ex: Executor,
  e: { engagementId: string; serviceId: string; at: number; raw: string; actions: string },
): Promise<void> {
  await ex
    .insertInto('events')
    .values({
      engagement_id: e.engagementId,
      service_id: e.serviceId,
      integration_type: 'security',
      integration_key: VULNERABILITY_SOURCE,
      kind: 'alert',
      received_at: e.at,
      request_id: null,
      raw: e.raw,
      actions: e.actions,
      processed_at: null,
    })
    .execute();
}

/** The integration key the overdue triggers are stored under (not a key anyone can send with). */
export const VULNERABILITY_SOURCE = 'tandem:vulnerabilities';
