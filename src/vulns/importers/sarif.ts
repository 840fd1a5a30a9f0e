/**
 * SARIF 2.1.0 (Trivy's and Grype's `--format sarif`, CodeQL, Semgrep and any
 * other static analyser): every `runs[].results[]` of kind `fail` is a
 * finding of its rule. The severity is the rule's (or result's)
 * `security-severity` score where the tool gives one (GitHub's bands), else
 * the result's `level` (error high, warning medium, note low; none is not a
 * finding). The asset is what the run scanned (`properties.imageName` as
 * Trivy writes it, the repository of `versionControlProvenance`, the
 * `ROOTPATH` base), else the result's file; the location is the file and
 * line. The package is read where a tool writes one: Trivy's location
 * message (`target: pkg@version`), Grype's rule id (`CVE-…-pkg`).
 */
import { cveIn, finding, severityOfScore, uniqueFindings } from '../finding.js';
import type { ScanResult, ScannedFinding } from '../finding.js';
import type { VulnSeverity } from '../../engagement/model.js';
import { JsonReader, isObject, parseJson } from './json.js';
import type { Json, JsonObject } from './json.js';

const LEVELS: Readonly<Record<string, VulnSeverity | null>> = { error: 'high', warning: 'medium', note: 'low', none: null };

export function readSarif(text: string): ScanResult {
  const doc = parseJson(text);
  if (!doc.ok) return { scanner: 'sarif', findings: [], assets: [], problems: [doc.problem] };
  const r = new JsonReader();
  if (!isObject(doc.value) || !Array.isArray(doc.value['runs'])) {
    r.problem('runs', 'not a SARIF log: it has no runs list');
    return { scanner: 'sarif', findings: [], assets: [], problems: r.problems };
  }
  if (doc.value['version'] !== '2.1.0')
    r.problem('version', `is ${JSON.stringify(doc.value['version'] ?? null)}; only SARIF 2.1.0 is read`);
  const found: ScannedFinding[] = [];
  const assets = new Set<string>();
  const tools = new Set<string>();
  if (r.problems.length === 0)
    doc.value['runs'].forEach((run, i) => {
      if (!isObject(run)) return r.problem(`runs[${i}]`, 'must be an object');
      const tool = toolName(run);
      tools.add(tool);
      readRun(r, run, `runs[${i}]`, tool, found, assets);
    });
  const scanner = tools.size === 1 ? `sarif:${[...tools][0] ?? ''}` : 'sarif';
  return { scanner, findings: uniqueFindings(found).map((f) => ({ ...f, scanner })), assets: [...assets], problems: r.problems };
}

function toolName(run: JsonObject): string {
  const tool = run['tool'];
  const driver = isObject(tool) ? tool['driver'] : undefined;
  const name = isObject(driver) ? driver['name'] : undefined;
  return typeof name === 'string' && name.trim() ? name.trim().toLowerCase() : 'unknown';
}

/** What the run scanned, when it says: Trivy's image, the repository, the root path. */
function runAsset(run: JsonObject): string | null {
  const props = run['properties'];
  if (isObject(props) && typeof props['imageName'] === 'string' && props['imageName'].trim()) return props['imageName'].trim();
  const vcs = run['versionControlProvenance'];
  const repo = Array.isArray(vcs) && isObject(vcs[0]) ? vcs[0]['repositoryUri'] : undefined;
  if (typeof repo === 'string' && repo.trim()) return repo.trim();
  const bases = run['originalUriBaseIds'];
  const root = isObject(bases) && isObject(bases['ROOTPATH']) ? bases['ROOTPATH']['uri'] : undefined;
  return typeof root === 'string' && root.trim() ? root.trim() : null;
}

function readRun(r: JsonReader, run: JsonObject, path: string, tool: string, found: ScannedFinding[], assets: Set<string>): void {
  const asset = runAsset(run);
  if (asset !== null) assets.add(asset);
  const tool_ = run['tool'];
  const driver = isObject(tool_) && isObject(tool_['driver']) ? tool_['driver'] : {};
  const rules = Array.isArray(driver['rules']) ? driver['rules'].filter(isObject) : [];
  r.list(run, 'results', `${path}.results`).forEach((res, i) => {
    const at = `${path}.results[${i}]`;
    if (!isObject(res)) return r.problem(at, 'must be an object');
    const f = sarifFinding(r, res, at, rules, tool, asset);
    if (f) {
      found.push(f);
      assets.add(f.asset);
    }
  });
}

function ruleOf(res: JsonObject, rules: readonly JsonObject[]): JsonObject | undefined {
  const index = res['ruleIndex'];
  if (typeof index === 'number' && rules[index]) return rules[index];
  const id = res['ruleId'];
  return rules.find((rule) => rule['id'] === id);
}

function securitySeverity(o: Json | undefined): number | undefined {
  if (!isObject(o)) return undefined;
  const props = o['properties'];
  const v = isObject(props) ? props['security-severity'] : undefined;
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The severity: a security-severity score, else the level (the result's, the rule's default, SARIF's default warning). */
function sarifSeverity(r: JsonReader, res: JsonObject, rule: JsonObject | undefined, at: string): VulnSeverity | null | undefined {
  const score = securitySeverity(res) ?? securitySeverity(rule);
  if (score !== undefined) return severityOfScore(score);
  const config = rule?.['defaultConfiguration'];
  const level = res['level'] ?? (isObject(config) ? config['level'] : undefined) ?? 'warning';
  const severity = typeof level === 'string' ? LEVELS[level] : undefined;
  if (severity === undefined) r.problem(`${at}.level`, `${JSON.stringify(level)} is not a SARIF level (error, warning, note, none)`);
  return severity;
}

function text(o: Json | undefined, key: string): string | null {
  const v = isObject(o) ? o[key] : undefined;
  const t = isObject(v) ? v['text'] : v;
  return typeof t === 'string' && t.trim() ? t.trim() : null;
}

function sarifFinding(
  r: JsonReader,
  res: JsonObject,
  at: string,
  rules: readonly JsonObject[],
  tool: string,
  runAssetName: string | null,
): ScannedFinding | undefined {
  const kind = res['kind'] ?? 'fail';
  if (kind !== 'fail') return undefined;
  const rule = ruleOf(res, rules);
  const ruleId = (typeof res['ruleId'] === 'string' && res['ruleId']) || (typeof rule?.['id'] === 'string' && rule['id']) || null;
  if (!ruleId) return void r.problem(`${at}.ruleId`, 'is missing (and no rule is named by ruleIndex)');
  const severity = sarifSeverity(r, res, rule, at);
  if (severity === undefined || severity === null) return undefined;
  const locations = Array.isArray(res['locations']) ? res['locations'].filter(isObject) : [];
  const loc = locations[0];
  const physical = isObject(loc?.['physicalLocation']) ? loc['physicalLocation'] : undefined;
  const uri = physical && isObject(physical['artifactLocation']) ? physical['artifactLocation']['uri'] : undefined;
  const line = physical && isObject(physical['region']) ? physical['region']['startLine'] : undefined;
  const file = typeof uri === 'string' && uri.trim() ? uri.trim() : null;
  const asset = runAssetName ?? file;
  if (asset === null) return void r.problem(`${at}.locations`, 'name no file, and the run does not say what it scanned');
  const cve = cveIn(ruleId);
  const pkg = packageOf(text(loc, 'message'), ruleId, cve);
  return finding({
    scanner: `sarif:${tool}`,
    cve: cve && ruleId.toUpperCase().startsWith(cve) ? cve : null,
    ruleId,
    title: text(rule, 'shortDescription') ?? text(res, 'message')?.split('\n')[0] ?? ruleId,
    severity,
    asset,
    package: pkg?.name ?? null,
    location: file === null ? null : typeof line === 'number' && line > 1 ? `${file}:${line}` : file,
    installedVersion: pkg?.version ?? null,
    fixedVersion: null,
  });
}

/** The package, where the tool writes one: Trivy's location message "target: name@version", Grype's rule id "CVE-…-name". */
function packageOf(locationMessage: string | null, ruleId: string, cve: string | null): { name: string; version: string | null } | null {
  const trivy = locationMessage ? /:\s+(\S+)@(\S+)$/.exec(locationMessage) : null;
  if (trivy?.[1]) return { name: trivy[1], version: trivy[2] ?? null };
  if (cve && ruleId.toUpperCase().startsWith(`${cve}-`)) return { name: ruleId.slice(cve.length + 1), version: null };
  return null;
}
