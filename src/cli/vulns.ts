/**
 * `tandem vulns import|list|except` and `tandem kev import`: vulnerability
 * findings from scanner output, straight against the server's database
 * (the engagement must have been applied there by `tandem serve`, as for
 * `tandem token create`). A running server's engine opens the incident of a
 * finding that goes overdue.
 */
import { readFile } from 'node:fs/promises';
import { systemClock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { storedEngagement, storedEngagementIds } from '../deployment/store.js';
import type { Engagement } from '../engagement/model.js';
import { DEFAULTS } from '../settings/settings.js';
import { parseIsoInstant } from '../time/iso.js';
import { endOfLocalDate } from '../vulns/deadlines.js';
import { SCAN_FORMATS, formatProblem } from '../vulns/finding.js';
import type { ScanFormat } from '../vulns/finding.js';
import { exceptFinding, importKev, importScan } from '../vulns/import.js';
import { presentFinding } from '../vulns/present.js';
import { listFindings } from '../vulns/store.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withDatabase, withEngagement } from './offline.js';

const HELP = `Usage:
  tandem vulns import --engagement ID --format ${SCAN_FORMATS.join('|')} [--service S] [--db URL] FILE
  tandem vulns list --engagement ID [--all] [--json] [--db URL]
  tandem vulns except --engagement ID --finding ID --reason TEXT --approver NAME --expires DATE [--db URL]

import  read a scanner's output into findings: new ones are due by the engagement's deadline for
        their severity (earlier for a CVE in the KEV catalog); findings the scan reports again are
        seen again; those the same scanner no longer reports on an asset it scanned are fixed.
        Importing the same file again changes nothing. --service names where an overdue finding's
        incident opens (default: the engagement's first service of function security).
        trivy: trivy --format json; grype: grype -o json; sarif: SARIF 2.1.0 (trivy, grype, CodeQL,
        Semgrep...); nessus: the Nessus CSV export; greenbone: the Greenbone/OpenVAS CSV results export.
list    findings not fixed (--all: fixed ones too), most urgent first; --json prints
        {"findings": [{id, cve, title, severity, asset, package, first_seen, last_seen, due_at, status, kev}]}
except  a risk exception: the finding is excepted (no overdue incident) until --expires
        (YYYY-MM-DD, the end of that day in the engagement's time zone, or an ISO 8601 instant)

--db defaults to $TANDEM_DATABASE_URL, then ${DEFAULTS.db}.`;

const KEV_HELP = `Usage:
  tandem kev import [--db URL] FILE

Loads CISA's Known Exploited Vulnerabilities catalog (its JSON feed,
https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json),
replacing the one loaded before, and re-computes the due date of every finding not fixed:
a finding whose CVE is in the catalog is flagged KEV and, under the engagement's
vulnerabilities.kev: due_date policy, is due by the end of the catalog's due date at the latest.

--db defaults to $TANDEM_DATABASE_URL, then ${DEFAULTS.db}.`;

const OPTIONS = {
  db: { type: 'string' },
  engagement: { type: 'string' },
  format: { type: 'string' },
  service: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  finding: { type: 'string' },
  reason: { type: 'string' },
  approver: { type: 'string' },
  expires: { type: 'string' },
} as const;

async function readText(io: CliIo, file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** Runs `tandem vulns import|list|except`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  const parsed = parseCommand(io, 'vulns', HELP, rest, OPTIONS, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (sub !== 'import' && sub !== 'list' && sub !== 'except') {
    io.err(`tandem vulns: unknown subcommand "${sub}"\n\n${HELP}`);
    return 2;
  }
  if (!values.engagement) {
    io.err(`tandem vulns ${sub}: --engagement is required\n\n${HELP}`);
    return 2;
  }
  if (sub === 'import') return runImport(io, values, positionals);
  if (positionals[0] !== undefined) {
    io.err(`tandem vulns ${sub}: unexpected argument "${positionals[0]}"`);
    return 2;
  }
  if (sub === 'list') return withEngagement(io, 'vulns list', values.db, values.engagement, (database, e) => list(io, database, e, values));
  return runExcept(io, values);
}

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

async function runImport(io: CliIo, values: Values, positionals: string[]): Promise<number> {
  const format = values.format;
  const [file] = positionals;
  if (!format || !(SCAN_FORMATS as readonly string[]).includes(format)) {
    io.err(`tandem vulns import: --format must be one of ${SCAN_FORMATS.join(', ')}${format ? `, got "${format}"` : ''}`);
    return 2;
  }
  if (file === undefined || positionals.length > 1) {
    io.err(`tandem vulns import: exactly one FILE is required\n\n${HELP}`);
    return 2;
  }
  const text = await readText(io, file);
  if (text === undefined) return 1;
  return withEngagement(io, 'vulns import', values.db, values.engagement ?? '', async (database, engagement) => {
    const service = values.service ?? null;
    if (service !== null && !engagement.services.some((s) => s.id === service)) {
      io.err(
        `tandem vulns import: service "${service}" is not in engagement "${engagement.id}" (it has: ${engagement.services.map((s) => s.id).join(', ')})`,
      );
      return 1;
    }
    const outcome = await importScan(database, {
      engagement,
      format: format as ScanFormat,
      text,
      serviceId: service,
      now: systemClock.now(),
    });
    if (outcome.status === 'refused') {
      for (const p of outcome.problems) io.err(`${file}: ${formatProblem(p)}`);
      io.err(`tandem vulns import: nothing imported (${outcome.problems.length} problem(s))`);
      return 1;
    }
    if (outcome.status === 'unchanged') io.out(`${file} was imported before: nothing changed (${outcome.findings} finding(s)).`);
    else io.out(`${file}: ${outcome.findings} finding(s): ${outcome.added} new, ${outcome.seen} seen again, ${outcome.fixed} fixed.`);
    return 0;
  });
}

async function list(io: CliIo, database: Database, engagement: Engagement, values: Values): Promise<number> {
  const now = systemClock.now();
  const rows = await listFindings(database.db, { engagementIds: [engagement.id], includeFixed: values.all === true });
  const findings = rows.map((r) => presentFinding(r, now));
  if (values.json) {
    io.out(JSON.stringify({ findings }, null, 2));
    return 0;
  }
  if (findings.length === 0) {
    io.out(`No findings${values.all ? '' : ' open'} in ${engagement.id}.`);
    return 0;
  }
  for (const f of findings) {
    const what = [f.cve ?? '', f.package ?? ''].filter(Boolean).join(' ');
    io.out(
      `#${f.id}  ${f.status.padEnd(8)} ${f.severity.padEnd(8)} due ${f.due_at.slice(0, 10)}${f.kev ? '  KEV' : ''}  ${f.asset}  ${what}  ${f.title}`,
    );
  }
  return 0;
}

/** --expires: a local date (the end of that day in the engagement's zone) or an ISO instant. */
function expiry(text: string, zone: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    try {
      return endOfLocalDate(zone, text);
    } catch {
      return undefined;
    }
  }
  return parseIsoInstant(text);
}

async function runExcept(io: CliIo, values: Values): Promise<number> {
  const missing = (['finding', 'reason', 'approver', 'expires'] as const).filter((k) => !values[k]?.trim());
  if (missing.length > 0) {
    io.err(`tandem vulns except: ${missing.map((m) => `--${m}`).join(', ')} required\n\n${HELP}`);
    return 2;
  }
  const id = /^\d{1,15}$/.test(values.finding ?? '') ? Number(values.finding) : Number.NaN;
  if (Number.isNaN(id)) {
    io.err(`tandem vulns except: --finding "${values.finding}" is not a finding id (a whole number, as \`tandem vulns list\` shows)`);
    return 2;
  }
  return withEngagement(io, 'vulns except', values.db, values.engagement ?? '', async (database, engagement) => {
    const now = systemClock.now();
    const expiresAt = expiry(values.expires ?? '', engagement.timezone);
    if (expiresAt === undefined || expiresAt <= now) {
      io.err(`tandem vulns except: --expires "${values.expires}" must be a date (YYYY-MM-DD) or an instant (ISO 8601) in the future`);
      return 2;
    }
    const outcome = await exceptFinding(database, {
      engagementId: engagement.id,
      findingId: id,
      reason: values.reason ?? '',
      approver: values.approver ?? '',
      expiresAt,
      now,
    });
    if (outcome === 'not_found') {
      io.err(`tandem vulns except: finding ${id} is not in engagement "${engagement.id}"`);
      return 1;
    }
    if (outcome === 'fixed') {
      io.err(`tandem vulns except: finding ${id} is fixed; there is nothing to except`);
      return 1;
    }
    io.out(`Finding ${id} excepted until ${new Date(expiresAt).toISOString()} (approved by ${values.approver}).`);
    return 0;
  });
}

/** Runs `tandem kev import FILE`; returns the exit code. */
export async function runKev(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(KEV_HELP);
    return sub ? 0 : 2;
  }
  const parsed = parseCommand(io, 'kev', KEV_HELP, rest, { db: { type: 'string' } }, true);
  if (typeof parsed === 'number') return parsed;
  const [file, extra] = parsed.positionals;
  if (sub !== 'import' || file === undefined || extra !== undefined) {
    io.err(`tandem kev: ${sub !== 'import' ? `unknown subcommand "${sub}"` : 'exactly one FILE is required'}\n\n${KEV_HELP}`);
    return 2;
  }
  const text = await readText(io, file);
  if (text === undefined) return 1;
  return withDatabase(parsed.values.db, async (database) => {
    const engagements: Engagement[] = [];
    for (const id of await storedEngagementIds(database.db)) {
      const e = await storedEngagement(database.db, id);
      if (e) engagements.push(e);
    }
    const outcome = await importKev(database, text, engagements, systemClock.now());
    if (outcome.status === 'refused') {
      for (const p of outcome.problems) io.err(`${file}: ${formatProblem(p)}`);
      io.err('tandem kev import: nothing imported');
      return 1;
    }
    io.out(`KEV catalog ${outcome.version}: ${outcome.entries} CVE(s); ${outcome.redated} finding(s) re-dated.`);
    return 0;
  });
}
