/**
 * Greenbone / OpenVAS's CSV results export (IP, Hostname, Port, Port
 * Protocol, CVSS, Severity, …, NVT Name, NVT OID, CVEs, …). A result naming
 * several CVEs is one finding per CVE (as Nessus writes them), else one
 * finding of the NVT (`greenbone:<NVT OID>`), on the IP at `port/protocol`.
 * Severity is the column's word (Critical, High, Medium, Low; Log is
 * informational), else the CVSS score's band.
 */
import { finding, severityOfScore, severityOfWord, uniqueFindings } from '../finding.js';
import type { ScanProblem, ScanResult, ScannedFinding } from '../finding.js';
import type { VulnSeverity } from '../../engagement/model.js';
import { readTable } from './csv-table.js';
import type { CsvRow } from './csv-table.js';

const CVES = /CVE-\d{4}-\d{4,}/gi;

export function readGreenbone(text: string): ScanResult {
  const table = readTable(text, 'Greenbone', [['IP'], ['NVT Name'], ['Severity', 'CVSS'], ['NVT OID']]);
  const problems = [...table.problems];
  const found: ScannedFinding[] = [];
  const assets = new Set<string>();
  for (const row of table.rows) {
    const ip = row.get('IP');
    if (!ip) {
      problems.push({ line: row.line, field: 'IP', message: 'is empty' });
      continue;
    }
    assets.add(ip);
    const severity = greenboneSeverity(row, problems);
    if (severity === null || severity === undefined) continue;
    const oid = row.get('NVT OID');
    if (!oid) {
      problems.push({ line: row.line, field: 'NVT OID', message: 'is empty' });
      continue;
    }
    const port = row.get('Port');
    const protocol = row.get('Port Protocol');
    const cves = [...new Set((row.get('CVEs').match(CVES) ?? []).map((c) => c.toUpperCase()))];
    for (const cve of cves.length > 0 ? cves : [null])
      found.push(
        finding({
          scanner: 'greenbone',
          cve,
          ruleId: `greenbone:${oid}`,
          title: row.get('NVT Name') || `Greenbone NVT ${oid}`,
          severity,
          asset: ip,
          package: null,
          location: port ? `${port}/${protocol || 'tcp'}` : `general/${protocol || 'tcp'}`,
          installedVersion: null,
          fixedVersion: null,
        }),
      );
  }
  return { scanner: 'greenbone', findings: uniqueFindings(found), assets: [...assets], problems };
}

function greenboneSeverity(row: CsvRow, problems: ScanProblem[]): VulnSeverity | null | undefined {
  const word = row.get('Severity');
  if (word && !/^[\d.]+$/.test(word)) {
    const s = severityOfWord(word);
    if (s === undefined)
      problems.push({
        line: row.line,
        field: 'Severity',
        message: `"${word}" is not a Greenbone severity (Critical, High, Medium, Low, Log)`,
      });
    return s;
  }
  const score = Number(word || row.get('CVSS'));
  if (!Number.isFinite(score)) {
    problems.push({ line: row.line, field: 'CVSS', message: `"${row.get('CVSS')}" is not a score` });
    return undefined;
  }
  return severityOfScore(score);
}
