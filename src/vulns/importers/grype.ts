/**
 * Grype's JSON report (`grype -o json`): every `matches[]` is a finding of
 * `vulnerability.id` in the package `artifact.name` on the scanned source
 * (`source.target`: the image as the user named it, or the directory). A
 * GHSA id whose related vulnerabilities name a CVE is that CVE.
 */
import { cveIn, finding, severityOfWord, uniqueFindings } from '../finding.js';
import type { ScanResult, ScannedFinding } from '../finding.js';
import { JsonReader, isObject, parseJson } from './json.js';
import type { Json, JsonObject } from './json.js';

export function readGrype(text: string): ScanResult {
  const doc = parseJson(text);
  if (!doc.ok) return { scanner: 'grype', findings: [], assets: [], problems: [doc.problem] };
  const r = new JsonReader();
  if (!isObject(doc.value) || !Array.isArray(doc.value['matches'])) {
    r.problem('matches', 'not a Grype JSON report: it has no matches list (run grype with -o json)');
    return { scanner: 'grype', findings: [], assets: [], problems: r.problems };
  }
  const asset = sourceTarget(doc.value['source']);
  if (asset === null) {
    r.problem('source.target', 'is missing: the report does not say what was scanned');
    return { scanner: 'grype', findings: [], assets: [], problems: r.problems };
  }
  const found: ScannedFinding[] = [];
  r.list(doc.value, 'matches', 'matches').forEach((m, i) => {
    const f = isObject(m) ? grypeFinding(r, m, `matches[${i}]`, asset) : r.problem(`matches[${i}]`, 'must be an object');
    if (f) found.push(f);
  });
  return { scanner: 'grype', findings: uniqueFindings(found), assets: [asset], problems: r.problems };
}

/** `source.target`: a string (directory, file), or an image's object (its userInput, else its id). */
function sourceTarget(source: Json | undefined): string | null {
  if (!isObject(source)) return null;
  const t = source['target'];
  if (typeof t === 'string' && t.trim()) return t.trim();
  if (isObject(t)) {
    for (const k of ['userInput', 'imageID', 'name']) {
      const v = t[k];
      if (typeof v === 'string' && v.trim()) return v.trim();
    }
  }
  return null;
}

function relatedCve(m: JsonObject): string | null {
  const related = m['relatedVulnerabilities'];
  if (!Array.isArray(related)) return null;
  for (const v of related)
    if (isObject(v) && typeof v['id'] === 'string' && cveIn(v['id']) === v['id'].toUpperCase()) return v['id'].toUpperCase();
  return null;
}

function grypeFinding(r: JsonReader, m: JsonObject, path: string, asset: string): ScannedFinding | undefined {
  const v = m['vulnerability'];
  const a = m['artifact'];
  if (!isObject(v)) return void r.problem(`${path}.vulnerability`, 'is missing');
  if (!isObject(a)) return void r.problem(`${path}.artifact`, 'is missing');
  const id = r.text(v, 'id', `${path}.vulnerability.id`, true);
  const word = r.text(v, 'severity', `${path}.vulnerability.severity`, true);
  const pkg = r.text(a, 'name', `${path}.artifact.name`, true);
  if (id === undefined || word === undefined || pkg === undefined) return undefined;
  const severity = severityOfWord(word);
  if (severity === undefined)
    return void r.problem(
      `${path}.vulnerability.severity`,
      `"${word}" is not a Grype severity (Critical, High, Medium, Low, Negligible, Unknown)`,
    );
  if (severity === null) return undefined;
  const fix = isObject(v['fix']) && Array.isArray(v['fix']['versions']) ? v['fix']['versions'].filter((x) => typeof x === 'string') : [];
  const locations = Array.isArray(a['locations']) ? a['locations'] : [];
  const first = locations.find(isObject);
  const ownCve = cveIn(id) === id.toUpperCase() ? id.toUpperCase() : null;
  return finding({
    scanner: 'grype',
    cve: ownCve ?? relatedCve(m),
    ruleId: id,
    // Grype's description is a paragraph (often absent); the id and package read as a title.
    title: `${id} in ${pkg}`,
    severity,
    asset,
    package: pkg,
    location: first ? r.text(first, 'path', `${path}.artifact.locations[0].path`) : null,
    installedVersion: r.text(a, 'version', `${path}.artifact.version`),
    fixedVersion: fix.length > 0 ? fix.join(', ') : null,
  });
}
