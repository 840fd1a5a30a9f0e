/**
 * Loading engagement files: YAML -> schema -> rules -> model. A file with
 * any problem yields all of its diagnostics and no engagement; the server
 * keeps running what it had rather than apply half a file.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Engagement, LoadedEngagement } from './model.js';
import type { Diagnostic, Position } from './diagnostics.js';
import { sortDiagnostics } from './diagnostics.js';
import type { Path } from './source.js';
import { parseSource } from './source.js';
import { EngagementFileSchema } from './schema.js';
import { schemaDiagnostics } from './issues.js';
import type { KeyUse } from './rules.js';
import { alreadyUsed, checkRules, keyOwner, partsOf, salvageParts } from './rules.js';
import { normalize } from './normalize.js';
import { loadDetection } from '../security/rules.js';

/** The outcome of loading one file's text. */
export interface TextLoadResult {
  /** Present only when there are no diagnostics. */
  readonly engagement?: Engagement;
  /** Every problem found, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Where a path of the file is (for diagnostics that involve other files). */
  readonly position: (path: Path, at?: 'key' | 'value') => Position;
}

/**
 * Parses, validates and normalizes one engagement file.
 *
 * @param text the file's contents
 * @param file the name diagnostics report (as the user wrote it)
 */
export function loadEngagementText(text: string, file: string): TextLoadResult {
  const source = parseSource(text, file);
  const position = source.position;
  const raw = source.value;
  // A syntax error leaves nothing to check; repeated keys and YAML warnings do not stop the
  // other checks, so every problem of the file is reported at once.
  if (raw === undefined) return { diagnostics: sortDiagnostics(source.diagnostics), position };

  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what = raw === null ? 'the file is empty' : `the file holds ${Array.isArray(raw) ? 'a list' : 'a single value'}`;
    return {
      diagnostics: sortDiagnostics([
        ...source.diagnostics,
        source.at([], `${what}: an engagement file is a map of keys starting with "version: 1"; see \`tandem schema\``),
      ]),
      position,
    };
  }

  const shape = schemaDiagnostics(EngagementFileSchema, raw, source);
  const parts = shape.data === undefined ? salvageParts(raw) : partsOf(shape.data);
  const diagnostics = sortDiagnostics([...source.diagnostics, ...shape.diagnostics, ...checkRules(parts, raw, source)]);
  if (diagnostics.length > 0 || shape.data === undefined) return { diagnostics, position };
  return { engagement: normalize(shape.data, dirname(file)), diagnostics: [], position };
}

/** An inbound key of a ticketing entry that another engagement already uses (as an inbound or an integration key). */
function inboundUsed(key: string, use: KeyUse): string {
  return `inbound key "${key}" is already used by ${keyOwner(use)}; keys must be unique across all engagements`;
}

/** The files a path stands for: itself, or a directory's *.yaml and *.yml files (not recursive), sorted. */
async function expand(path: string): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const problem = (message: string) => ({ files: [], diagnostics: [{ file: path, line: 1, col: 1, message }] });
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    return problem(`cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!info.isDirectory()) return { files: [path], diagnostics: [] };
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) return problem('no engagement files (*.yaml or *.yml) in this directory');
  return { files: names.map((n) => join(path, n)), diagnostics: [] };
}

/**
 * Loads engagement files and directories (every *.yaml / *.yml in a
 * directory, sorted by name). Besides each file's own checks, engagement ids
 * and integration keys (with ticketing inbound keys: one namespace) must be
 * unique across all of them; the later file is the one refused.
 */
export async function loadEngagements(paths: readonly string[]): Promise<{ loaded: LoadedEngagement[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  for (const path of paths) {
    const expanded = await expand(path);
    diagnostics.push(...expanded.diagnostics);
    for (const f of expanded.files) if (!files.includes(f)) files.push(f);
  }

  const loaded: LoadedEngagement[] = [];
  const ids = new Map<string, { file: string } & Position>();
  const keys = new Map<string, KeyUse>();
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      diagnostics.push({ file, line: 1, col: 1, message: `cannot read: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    const result = loadEngagementText(bytes.toString('utf8'), file);
    diagnostics.push(...result.diagnostics);
    const engagement = result.engagement;
    if (engagement === undefined) continue;

    const clashes: Diagnostic[] = [];
    const idAt = result.position(['engagement', 'id']);
    const first = ids.get(engagement.id);
    if (first !== undefined) {
      clashes.push({
        file,
        ...idAt,
        message: `engagement id '${engagement.id}' is already used by ${first.file}:${first.line}:${first.col}; engagement ids must be unique`,
      });
    }
    const uses: [string, KeyUse][] = [];
    engagement.services.forEach((service, s) => {
      service.integrations.forEach((integration, i) => {
        const at = result.position(['services', s, 'integrations', i, 'key']);
        const earlier = keys.get(integration.key);
        if (earlier !== undefined) clashes.push({ file, ...at, message: alreadyUsed(integration.key, earlier) });
        uses.push([integration.key, { engagement: engagement.id, service: service.id, file, ...at }]);
      });
    });
    engagement.ticketing.forEach((t, i) => {
      const at = result.position(['ticketing', i, 'inbound_key']);
      const earlier = keys.get(t.inboundKey);
      if (earlier !== undefined) clashes.push({ file, ...at, message: inboundUsed(t.inboundKey, earlier) });
      uses.push([t.inboundKey, { engagement: engagement.id, service: `ticketing ${t.id}`, file, ...at }]);
    });
    if (clashes.length > 0) {
      diagnostics.push(...clashes);
      continue;
    }
    // Sigma rules compile here, so a refused rule fails serve, reload and validate alike.
    const detection = await loadDetection(engagement, file, result.position(['security', 'rules']));
    if (detection.diagnostics.length > 0) {
      diagnostics.push(...detection.diagnostics);
      continue;
    }
    ids.set(engagement.id, { file, ...idAt });
    for (const [key, use] of uses) keys.set(key, use);
    const hash = createHash('sha256').update(bytes).digest('hex');
    loaded.push(Object.freeze({ engagement, file, hash, ...(detection.rules ? { rules: detection.rules } : {}) }));
  }
  return { loaded, diagnostics: sortDiagnostics(diagnostics) };
}
