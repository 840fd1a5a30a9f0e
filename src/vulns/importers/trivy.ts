/**
 * Trivy's JSON report (`trivy image|fs|repo --format json`, schema 2): every
 * `Results[].Vulnerabilities[]` is a finding on the scanned artifact
 * (`ArtifactName`), in the package `PkgName` (found at `PkgPath`, else in the
 * result's `Target`). Misconfigurations and secrets are not vulnerabilities
 * and are left out.
 */
import { cveIn, finding, severityOfWord, uniqueFindings } from '../finding.js';
import type { ScanResult, ScannedFinding } from '../finding.js';
import { JsonReader, isObject, parseJson } from './json.js';
import type { JsonObject } from './json.js';

export function readTrivy(text: string): ScanResult {
  const doc = parseJson(text);
  if (!doc.ok) return { scanner: 'trivy', findings: [], assets: [], problems: [doc.problem] };
  const r = new JsonReader();
  if (!isObject(doc.value) || !('Results' in doc.value || 'ArtifactName' in doc.value)) {
    r.problem('(document)', 'not a Trivy JSON report: it has no ArtifactName or Results (run trivy with --format json)');
    return { scanner: 'trivy', findings: [], assets: [], problems: r.problems };
  }
  const report = doc.value;
  const asset = r.text(report, 'ArtifactName', 'ArtifactName', true);
  if (asset === undefined) return { scanner: 'trivy', findings: [], assets: [], problems: r.problems };
  const found: ScannedFinding[] = [];
  r.list(report, 'Results', 'Results').forEach((result, i) => {
    if (!isObject(result)) return r.problem(`Results[${i}]`, 'must be an object');
    const target = r.text(result, 'Target', `Results[${i}].Target`);
    r.list(result, 'Vulnerabilities', `Results[${i}].Vulnerabilities`).forEach((v, j) => {
      const path = `Results[${i}].Vulnerabilities[${j}]`;
      if (!isObject(v)) return r.problem(path, 'must be an object');
      const f = trivyFinding(r, v, path, asset, target);
      if (f) found.push(f);
    });
  });
  return { scanner: 'trivy', findings: uniqueFindings(found), assets: [asset], problems: r.problems };
}

function trivyFinding(r: JsonReader, v: JsonObject, path: string, asset: string, target: string | null): ScannedFinding | undefined {
  const id = r.text(v, 'VulnerabilityID', `${path}.VulnerabilityID`, true);
  const pkg = r.text(v, 'PkgName', `${path}.PkgName`, true);
  const word = r.text(v, 'Severity', `${path}.Severity`, true);
  if (id === undefined || pkg === undefined || word === undefined) return undefined;
  const severity = severityOfWord(word);
  if (severity === undefined) {
    r.problem(`${path}.Severity`, `"${word}" is not a Trivy severity (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)`);
    return undefined;
  }
  if (severity === null) return undefined;
  return finding({
    scanner: 'trivy',
    cve: cveIn(id) === id.toUpperCase() ? id.toUpperCase() : null,
    ruleId: id,
    title: r.text(v, 'Title', `${path}.Title`) ?? `${id} in ${pkg}`,
    severity,
    asset,
    package: pkg,
    location: r.text(v, 'PkgPath', `${path}.PkgPath`) ?? target,
    installedVersion: r.text(v, 'InstalledVersion', `${path}.InstalledVersion`),
    fixedVersion: r.text(v, 'FixedVersion', `${path}.FixedVersion`),
  });
}
