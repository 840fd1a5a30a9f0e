/**
 * CISA's Known Exploited Vulnerabilities catalog, from its JSON feed
 * (https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json):
 * `{title, catalogVersion, dateReleased, count, vulnerabilities: [{cveID,
 * vendorProject, product, vulnerabilityName, dateAdded, shortDescription,
 * requiredAction, dueDate, knownRansomwareCampaignUse, notes, cwes}]}`.
 * Read whole or not at all: a catalog with a bad entry is refused, naming
 * the entry and field, so a half-read catalog never loosens a deadline.
 */
import type { ScanProblem } from './finding.js';
import { isObject, parseJson } from './importers/json.js';

export interface KevEntry {
  readonly cve: string;
  readonly vendor: string;
  readonly product: string;
  readonly name: string;
  readonly dateAdded: string;
  readonly dueDate: string;
  /** Known | Unknown. */
  readonly ransomware: string;
}

export interface KevCatalog {
  readonly version: string;
  readonly entries: readonly KevEntry[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

export function parseKev(text: string): { ok: true; catalog: KevCatalog } | { ok: false; problems: ScanProblem[] } {
  const doc = parseJson(text);
  if (!doc.ok) return { ok: false, problems: [doc.problem] };
  const problems: ScanProblem[] = [];
  const bad = (field: string, message: string) => problems.push({ line: 0, field, message });
  if (!isObject(doc.value) || !Array.isArray(doc.value['vulnerabilities'])) {
    bad('vulnerabilities', "not CISA's KEV feed: it has no vulnerabilities list");
    return { ok: false, problems };
  }
  const version = doc.value['catalogVersion'];
  if (typeof version !== 'string' || version.trim() === '') bad('catalogVersion', 'is missing');
  const entries: KevEntry[] = [];
  doc.value['vulnerabilities'].forEach((v, i) => {
    const at = `vulnerabilities[${i}]`;
    if (!isObject(v)) return bad(at, 'must be an object');
    const field = (key: string, pattern?: RegExp): string => {
      const x = v[key];
      if (typeof x !== 'string' || x.trim() === '') bad(`${at}.${key}`, 'is missing');
      else if (pattern && !pattern.test(x.trim()))
        bad(`${at}.${key}`, `"${x}" is not ${pattern === DATE ? 'a date (YYYY-MM-DD)' : 'a CVE id'}`);
      return typeof x === 'string' ? x.trim() : '';
    };
    entries.push({
      cve: field('cveID', CVE_ID).toUpperCase(),
      vendor: field('vendorProject'),
      product: field('product'),
      name: field('vulnerabilityName'),
      dateAdded: field('dateAdded', DATE),
      dueDate: field('dueDate', DATE),
      ransomware: typeof v['knownRansomwareCampaignUse'] === 'string' ? v['knownRansomwareCampaignUse'] : 'Unknown',
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, catalog: { version: typeof version === 'string' ? version.trim() : '', entries } };
}
