/**
 * The importers on real scanner output (test/fixtures/scanners/, with their
 * sources in its README): findings per severity as counted independently
 * over each file (a Python pass applying the mapping of docs/security.md),
 * the fields each finding takes, and problems that name the line or path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/support/paths.js';
import type { ScanFormat, ScanResult } from '../finding.js';
import { fingerprint, formatProblem } from '../finding.js';
import { readScan } from './index.js';

const fixture = (name: string) => readFileSync(join(FIXTURES, 'scanners', name), 'utf8');

function bySeverity(r: ScanResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of r.findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

describe('findings per severity match the files', () => {
  it.each<[string, ScanFormat, Record<string, number>, string[]]>([
    ['trivy-spring4shell-jre11.json', 'trivy', { critical: 1 }, ['testdata/fixtures/images/spring4shell-jre11.tar.gz']],
    ['trivy-fluentd.json', 'trivy', { critical: 1, high: 1, low: 1 }, ['testdata/fixtures/sbom/fluentd-multiple-lockfiles-cyclonedx.json']],
    ['trivy-alpine-310.json', 'trivy', { medium: 4 }, ['testdata/fixtures/images/alpine-310.tar.gz']],
    ['grype-imgs.json', 'grype', { critical: 1, low: 1 }, ['user-input']],
    ['grype-dirs.json', 'grype', { critical: 1, low: 1 }, ['/some/path']],
    ['trivy-alpine-310.sarif', 'sarif', { medium: 4 }, ['testdata/fixtures/images/alpine-310.tar.gz']],
    ['grype-image.sarif', 'sarif', { high: 2 }, ['user-input/somefile-1.txt', 'user-input/somefile-2.txt']],
    ['nessus-default.csv', 'nessus', { medium: 1 }, ['52.208.101.182']],
    ['nessus-template.csv', 'nessus', { critical: 1, high: 1, medium: 3 }, ['192.168.0.100', '192.168.0.101']],
    ['greenbone-many.csv', 'greenbone', { high: 1, medium: 3, low: 1 }, ['192.168.118.212']],
    ['greenbone-cve.csv', 'greenbone', { high: 21, medium: 22 }, ['45.33.32.156']],
  ])('%s (%s)', (file, format, expected, assets) => {
    const r = readScan(format, fixture(file));
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(bySeverity(r)).toEqual(expected);
    expect([...r.assets].sort()).toEqual([...assets].sort());
    expect(new Set(r.findings.map((f) => f.fingerprint)).size).toBe(r.findings.length);
  });
});

describe('field mapping', () => {
  it('Trivy: the CVE in a package on the artifact, with versions and the title', () => {
    const [f] = readScan('trivy', fixture('trivy-spring4shell-jre11.json')).findings;
    expect(f).toMatchObject({
      scanner: 'trivy',
      cve: 'CVE-2022-22965',
      ruleId: 'CVE-2022-22965',
      severity: 'critical',
      asset: 'testdata/fixtures/images/spring4shell-jre11.tar.gz',
      package: 'org.springframework:spring-beans',
      location: 'usr/local/tomcat/webapps/helloworld.war/WEB-INF/lib/spring-beans-5.3.15.jar',
      installedVersion: '5.3.15',
      fixedVersion: '5.3.18',
    });
    expect(f?.title).toBe('spring-framework: RCE via Data Binding on JDK 9+');
    expect(f?.fingerprint).toBe(
      fingerprint('CVE-2022-22965', 'org.springframework:spring-beans', 'testdata/fixtures/images/spring4shell-jre11.tar.gz'),
    );
  });

  it('Trivy JSON and Trivy SARIF of one image give the same fingerprints', () => {
    const json = readScan('trivy', fixture('trivy-alpine-310.json'))
      .findings.map((f) => f.fingerprint)
      .sort();
    const sarif = readScan('sarif', fixture('trivy-alpine-310.sarif'));
    expect(sarif.scanner).toBe('sarif:trivy');
    expect(sarif.findings.map((f) => f.fingerprint).sort()).toEqual(json);
    expect(sarif.findings.find((f) => f.package === 'libssl1.1' && f.cve === 'CVE-2019-1551')).toMatchObject({
      installedVersion: '1.1.1c-r0',
    });
  });

  it('Grype: vulnerability and artifact, the fix versions joined, the KEV-flagged CVE', () => {
    const r = readScan('grype', fixture('grype-imgs.json'));
    expect(r.findings.find((f) => f.cve === 'CVE-1999-0001')).toMatchObject({
      scanner: 'grype',
      severity: 'low',
      asset: 'user-input',
      package: 'package-1',
      installedVersion: '1.1.1',
      fixedVersion: '1.2.1, 2.1.3, 3.4.0',
      location: '/foo/bar/somefile-1.txt',
    });
    // Grype's SARIF names the package in the rule id, so the same CVE and package agree on the key.
    const sarif = readScan('sarif', fixture('grype-image.sarif'));
    expect(sarif.findings.find((f) => f.cve === 'CVE-1999-0002')).toMatchObject({
      scanner: 'sarif:grype',
      package: 'package-2',
      severity: 'high',
    });
  });

  it('Nessus: one finding per CVE (else plugin) on host and port; Risk None rows only mark the host scanned', () => {
    const r = readScan('nessus', fixture('nessus-template.csv'));
    expect(r.findings.find((f) => f.cve === 'CVE-2016-2183')).toMatchObject({
      ruleId: 'nessus:42873',
      severity: 'high',
      asset: '192.168.0.100',
      location: '3389/tcp',
      title: 'SSL Medium Strength Cipher Suites Supported (SWEET32)',
      package: null,
    });
  });

  it('Greenbone: a result naming two CVEs is two findings; Log is not a finding; no port is "general"', () => {
    const r = readScan('greenbone', fixture('greenbone-many.csv'));
    const tls = r.findings.filter((f) => f.ruleId === 'greenbone:1.3.6.1.4.1.25623.1.0.117274');
    expect(tls.map((f) => f.cve).sort()).toEqual(['CVE-2011-3389', 'CVE-2015-0204']);
    expect(tls[0]).toMatchObject({ asset: '192.168.118.212', location: '9200/tcp', severity: 'medium' });
    expect(r.findings.find((f) => f.severity === 'low')?.location).toBe('general/tcp');
  });
});

describe('problems name the line or field, and nothing is half-read', () => {
  it.each<[ScanFormat, string, string]>([
    [
      'trivy',
      '{"ArtifactName": "img", "Results": [{"Target": "t", "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1", "PkgName": "p", "Severity": "SEVERE"}]}]}',
      'Results[0].Vulnerabilities[0].Severity: "SEVERE" is not a Trivy severity',
    ],
    [
      'trivy',
      '{"ArtifactName": "img", "Results": [{"Vulnerabilities": [{"PkgName": "p", "Severity": "HIGH"}]}]}',
      'Results[0].Vulnerabilities[0].VulnerabilityID: is missing',
    ],
    ['trivy', '{"Results": []', '(document): not JSON'],
    ['trivy', '[]', 'not a Trivy JSON report'],
    ['grype', '{"matches": [], "source": {}}', 'source.target: is missing'],
    [
      'grype',
      '{"matches": [{"vulnerability": {"id": "CVE-1", "severity": "High"}}], "source": {"target": "x"}}',
      'matches[0].artifact: is missing',
    ],
    ['sarif', '{"version": "2.0.0", "runs": []}', 'version: is "2.0.0"'],
    [
      'sarif',
      '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r", "level": "fatal", "locations": []}]}]}',
      'runs[0].results[0].level: "fatal" is not a SARIF level',
    ],
    ['nessus', 'Plugin ID,CVE,Risk,Host,Name\n1,,Severe,h,n\n', 'line 2, Risk: "Severe" is not a Nessus risk'],
    ['nessus', 'Plugin,CVE,Risk,Host,Name\n1,,High,h,n\n', 'line 1, Plugin ID: no "Plugin ID" column: not a Nessus CSV export'],
    ['nessus', 'Plugin ID,CVE,Risk,Host,Name\n1,,High,,n\n', 'line 2, Host: is empty'],
    ['greenbone', 'IP,NVT Name,Severity,NVT OID,CVEs\n10.0.0.1,x,Bad,1.2,\n', 'line 2, Severity: "Bad" is not a Greenbone severity'],
    ['greenbone', '', 'the file is empty'],
  ])('%s: %s', (format, text, message) => {
    const r = readScan(format, text);
    expect(r.problems.map(formatProblem).join('\n')).toContain(message);
  });

  it('a SARIF result of kind pass, or level none, is not a finding', () => {
    const run = (results: unknown[]) => JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Semgrep' } }, results }] });
    const loc = [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 12 } } }];
    const r = readScan(
      'sarif',
      run([
        { ruleId: 'js.x', kind: 'pass', locations: loc },
        { ruleId: 'js.y', level: 'none', locations: loc },
        { ruleId: 'js.z', level: 'error', locations: loc },
      ]),
    );
    expect(r.problems).toEqual([]);
    expect(r.findings).toEqual([
      expect.objectContaining({
        scanner: 'sarif:semgrep',
        ruleId: 'js.z',
        severity: 'high',
        asset: 'src/a.js',
        location: 'src/a.js:12',
        cve: null,
      }),
    ]);
  });
});
