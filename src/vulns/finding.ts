/**
 * What every scanner's output is read into: a finding (a CVE or a check, on
 * a package or at a location, on an asset), and its fingerprint, which is
 * what makes a finding the same finding from one scan to the next (and from
 * one scanner to another: Trivy and Grype reporting one CVE in one package
 * of one image is one finding).
 */
import { createHash } from 'node:crypto';
import type { VulnSeverity } from '../engagement/model.js';

/** The formats `tandem vulns import --format` reads. */
export const SCAN_FORMATS = ['trivy', 'grype', 'sarif', 'nessus', 'greenbone'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

/** One finding as a scanner reported it. */
export interface ScannedFinding {
  readonly fingerprint: string;
  /** trivy, grype, nessus, greenbone, or sarif:<tool name> (lower case). */
  readonly scanner: string;
  readonly cve: string | null;
  readonly ruleId: string;
  readonly title: string;
  readonly severity: VulnSeverity;
  readonly asset: string;
  readonly package: string | null;
  readonly location: string | null;
  readonly installedVersion: string | null;
  readonly fixedVersion: string | null;
}

/** A problem in the file: where (a line of a CSV, a path in a JSON document) and what. */
export interface ScanProblem {
  /** 1-based line (CSV), or 0 for JSON documents, whose problems name a path instead. */
  readonly line: number;
  /** The column (CSV) or JSON path at fault, e.g. `Results[0].Vulnerabilities[2].Severity`. */
  readonly field: string;
  readonly message: string;
}

/** What an importer read: the findings (one per fingerprint), the assets the scan covered, and each problem. */
export interface ScanResult {
  readonly scanner: string;
  readonly findings: readonly ScannedFinding[];
  /** Every asset the scan covered, with findings or without: a later scan of one closes what it no longer reports. */
  readonly assets: readonly string[];
  readonly problems: readonly ScanProblem[];
}

export function formatProblem(p: ScanProblem): string {
  return p.line > 0 ? `line ${p.line}, ${p.field}: ${p.message}` : `${p.field}: ${p.message}`;
}

const CVE = /CVE-\d{4}-\d{4,}/i;

/** The first CVE id in a text, upper-cased, or null. */
export function cveIn(text: string | null | undefined): string | null {
  const m = text ? CVE.exec(text) : null;
  return m ? m[0].toUpperCase() : null;
}

/**
 * The stable identity of a finding: sha256 over (CVE or rule id, package or
 * location, asset), hex. Case and surrounding spaces do not count.
 */
export function fingerprint(key: string, packageOrLocation: string | null, asset: string): string {
  const norm = (s: string | null) => (s ?? '').trim().toLowerCase();
  return createHash('sha256')
    .update(`${norm(key)}\u0000${norm(packageOrLocation)}\u0000${norm(asset)}`)
    .digest('hex');
}

/** Builds a finding, computing its fingerprint (CVE if any, else the rule id; the package if any, else the location). */
export function finding(f: Omit<ScannedFinding, 'fingerprint'>): ScannedFinding {
  return { ...f, fingerprint: fingerprint(f.cve ?? f.ruleId, f.package ?? f.location, f.asset) };
}

export const SEVERITY_RANK: Readonly<Record<VulnSeverity, number>> = { critical: 4, high: 3, medium: 2, low: 1 };

/**
 * One finding per fingerprint (a package at two paths of one image, a
 * Nessus plugin on one port twice): the most severe one, the first of equals.
 */
export function uniqueFindings(all: readonly ScannedFinding[]): ScannedFinding[] {
  const by = new Map<string, ScannedFinding>();
  for (const f of all) {
    const seen = by.get(f.fingerprint);
    if (!seen || SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.severity]) by.set(f.fingerprint, f);
  }
  return [...by.values()];
}

/**
 * A CVSS base score as a severity, with CVSS v3's bands (and GitHub's for
 * SARIF `security-severity`): 9.0+ critical, 7.0+ high, 4.0+ medium, above
 * 0 low; 0 or not a number: null (informational).
 */
export function severityOfScore(score: number): VulnSeverity | null {
  if (!Number.isFinite(score) || score <= 0) return null;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/**
 * A scanner's severity word as ours: critical, high, medium (or moderate),
 * low; negligible and unknown are low (still tracked, with the longest
 * deadline). Null for words that mean "not a vulnerability" (none, info,
 * log) and undefined for anything else.
 */
export function severityOfWord(word: string): VulnSeverity | null | undefined {
  const w = word.trim().toLowerCase();
  if (w === 'critical' || w === 'high' || w === 'medium' || w === 'low') return w;
  if (w === 'moderate') return 'medium';
  if (w === 'negligible' || w === 'unknown') return 'low';
  if (w === 'none' || w === 'info' || w === 'informational' || w === 'log' || w === 'false positive') return null;
  return undefined;
}
