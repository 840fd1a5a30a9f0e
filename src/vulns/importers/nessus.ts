/**
 * Nessus's CSV export (Nessus Professional and Tenable.io's "Vulnerabilities"
 * CSV: Plugin ID, CVE, CVSS, Risk, Host, Protocol, Port, Name, …). Nessus
 * writes one row per plugin, CVE, host and port; a row is a finding of its
 * CVE (else of the plugin, `nessus:<Plugin ID>`) on the host, at
 * `port/protocol`. Risk None rows are informational (open ports, versions):
 * not findings, but they say the host was scanned.
 */
import { cveIn, finding, severityOfWord, uniqueFindings } from '../finding.js';
import type { ScanResult, ScannedFinding } from '../finding.js';
import { readTable } from './csv-table.js';

export function readNessus(text: string): ScanResult {
  const table = readTable(text, 'Nessus', [['Plugin ID'], ['Risk'], ['Host'], ['Name']]);
  const problems = [...table.problems];
  const found: ScannedFinding[] = [];
  const assets = new Set<string>();
  for (const row of table.rows) {
    const host = row.get('Host');
    const plugin = row.get('Plugin ID');
    const risk = row.get('Risk');
    if (!host) {
      problems.push({ line: row.line, field: 'Host', message: 'is empty' });
      continue;
    }
    assets.add(host);
    const severity = severityOfWord(risk);
    if (severity === undefined) {
      problems.push({ line: row.line, field: 'Risk', message: `"${risk}" is not a Nessus risk (Critical, High, Medium, Low, None)` });
      continue;
    }
    if (severity === null) continue;
    if (!plugin) {
      problems.push({ line: row.line, field: 'Plugin ID', message: 'is empty' });
      continue;
    }
    const port = row.get('Port');
    const protocol = row.get('Protocol');
    found.push(
      finding({
        scanner: 'nessus',
        cve: cveIn(row.get('CVE')),
        ruleId: `nessus:${plugin}`,
        title: row.get('Name') || `Nessus plugin ${plugin}`,
        severity,
        asset: host,
        package: null,
        location: port && port !== '0' ? `${port}/${protocol || 'tcp'}` : protocol || 'general',
        installedVersion: null,
        fixedVersion: null,
      }),
    );
  }
  return { scanner: 'nessus', findings: uniqueFindings(found), assets: [...assets], problems };
}
