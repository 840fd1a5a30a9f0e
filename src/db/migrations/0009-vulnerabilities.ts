/**
 * 0009: vulnerability management (issue 11). `vuln_findings` holds one row
 * per finding of an engagement, keyed by its fingerprint (CVE or rule id +
 * package or location + asset), so re-importing a scan finds the same rows;
 * its deadline, KEV flag, risk exception and the incident opened when it
 * went overdue (`alerted_at` is the claim: set once, in the transaction that
 * writes the trigger, so two instances never open two incidents).
 * `vuln_scans` remembers each imported scan (its digest makes a re-import a
 * no-op) and which assets it covered. `kev_catalog` is CISA's Known
 * Exploited Vulnerabilities catalog as last imported: global, not per
 * engagement, like the CVEs it lists.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { idColumn }: MigrationContext): Promise<void> {
  await idColumn(db.schema.createTable('vuln_findings'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('scanner', 'text', (c) => c.notNull())
    .addColumn('cve', 'text')
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('package', 'text')
    .addColumn('location', 'text')
    .addColumn('installed_version', 'text')
    .addColumn('fixed_version', 'text')
    .addColumn('service_id', 'text')
    .addColumn('first_seen', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .addColumn('fixed_at', 'bigint')
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('kev', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('kev_due_date', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('exception_reason', 'text')
    .addColumn('exception_approver', 'text')
    .addColumn('exception_expires_at', 'bigint')
    .addColumn('alerted_at', 'bigint')
    .addColumn('incident_id', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('vuln_findings_fingerprint', ['engagement_id', 'fingerprint'])
    .execute();
  await db.schema.createIndex('vuln_findings_asset').on('vuln_findings').columns(['engagement_id', 'asset']).execute();
  // The overdue check reads open findings not yet alerted, by due time.
  await sql`create index vuln_findings_due on vuln_findings (due_at) where alerted_at is null and status <> 'fixed'`.execute(db);
  await idColumn(db.schema.createTable('vuln_scans'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('scanner', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('assets', 'text', (c) => c.notNull())
    .addColumn('findings', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('vuln_scans_digest', ['engagement_id', 'digest'])
    .execute();
  await db.schema
    .createTable('kev_catalog')
    .addColumn('cve', 'text', (c) => c.primaryKey())
    .addColumn('vendor', 'text', (c) => c.notNull())
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('ransomware', 'text', (c) => c.notNull())
    .addColumn('catalog_version', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .execute();
}
