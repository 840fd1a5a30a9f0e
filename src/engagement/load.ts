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
 * Every file's bytes (or why it could not be read), read 32 at a time: one after another, 2,000 files took a
 * second of waiting on the file system alone (issue 14).
 */
async function readAll(files: readonly string[]): Promise<Map<string, Buffer | unknown>> {
  const contents = new Map<string, Buffer | unknown>();
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++] as string;
      try {
        contents.set(file, await readFile(file));
      } catch (error) {
        contents.set(file, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, files.length) }, reader));
  return contents;
}

/** What loading one file produced: kept by a {@link LoadCache} so a reload can reuse it while the bytes stay the same. */
interface FileOutcome {
  /** sha256 of the file's bytes. */
  readonly hash: string;
  readonly engagement: Engagement;
  readonly idAt: Position;
  readonly rulesAt: Position;
  /** Its integration keys and ticketing inbound keys (one namespace), with where each is written. */
  readonly uses: readonly { readonly key: string; readonly use: KeyUse; readonly at: Position; readonly inbound: boolean }[];
}

/**
 * The files a server loaded last, by path: a reload (SIGHUP) reuses the engagement of a file whose bytes did not
 * change instead of parsing and validating it again, so an MSP with 2,000 files and one edited reloads one file, and
 * the reload keeps the very objects the running server holds rather than a second copy of every engagement (issue 14).
 * Files with `security.rules` are always loaded again: their rules live in other files that may have changed.
 */
export class LoadCache {
  #files = new Map<string, FileOutcome>();
  get(file: string, hash: string): FileOutcome | undefined {
    const outcome = this.#files.get(file);
    return outcome?.hash === hash ? outcome : undefined;
  }
  /** Keeps exactly the files of the last load that succeeded, so files removed since are forgotten. */
  replace(files: ReadonlyMap<string, FileOutcome>): void {
    this.#files = new Map(files);
  }
}

/** Parses and validates one file's text into what {@link loadEngagements} needs, or pushes its diagnostics. */
function outcomeOf(bytes: Buffer, hash: string, file: string, diagnostics: Diagnostic[]): FileOutcome | undefined {
  const result = loadEngagementText(bytes.toString('utf8'), file);
  diagnostics.push(...result.diagnostics);
  const engagement = result.engagement;
  if (engagement === undefined) return undefined;
  const uses: { key: string; use: KeyUse; at: Position; inbound: boolean }[] = [];
  engagement.services.forEach((service, s) => {
    service.integrations.forEach((integration, i) => {
      const at = result.position(['services', s, 'integrations', i, 'key']);
      uses.push({ key: integration.key, use: { engagement: engagement.id, service: service.id, file, ...at }, at, inbound: false });
    });
  });
  engagement.ticketing.forEach((t, i) => {
    const at = result.position(['ticketing', i, 'inbound_key']);
    uses.push({ key: t.inboundKey, use: { engagement: engagement.id, service: `ticketing ${t.id}`, file, ...at }, at, inbound: true });
  });
  return {
    hash,
    engagement,
    idAt: result.position(['engagement', 'id']),
    rulesAt: result.position(['security', 'rules']),
    uses,
  };
}

/**
 * Loads engagement files and directories (every *.yaml / *.yml in a
 * directory, sorted by name). Besides each file's own checks, engagement ids
 * and integration keys (with ticketing inbound keys: one namespace) must be
 * unique across all of them; the later file is the one refused. With a cache
 * (the server's), unchanged files are not parsed again; the cache is updated
 * only when every file loaded.
 */
export async function loadEngagements(
  paths: readonly string[],
  cache?: LoadCache,
): Promise<{ loaded: LoadedEngagement[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  // A set: with thousands of files a list's includes() made this quadratic.
  const unique = new Set<string>();
  for (const path of paths) {
    const expanded = await expand(path);
    diagnostics.push(...expanded.diagnostics);
    for (const f of expanded.files) unique.add(f);
  }
  const files = [...unique];
  const contents = await readAll(files);

  const loaded: LoadedEngagement[] = [];
  const ids = new Map<string, { file: string } & Position>();
  const keys = new Map<string, KeyUse>();
  const outcomes = new Map<string, FileOutcome>();
  for (const file of files) {
    const bytes = contents.get(file);
    if (!(bytes instanceof Buffer)) {
      diagnostics.push({ file, line: 1, col: 1, message: `cannot read: ${bytes instanceof Error ? bytes.message : String(bytes)}` });
      continue;
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    const outcome = cache?.get(file, hash) ?? outcomeOf(bytes, hash, file, diagnostics);
    if (outcome === undefined) continue;
    const { engagement, idAt } = outcome;

    const clashes: Diagnostic[] = [];
    const first = ids.get(engagement.id);
    if (first !== undefined) {
      clashes.push({
        file,
        ...idAt,
        message: `engagement id '${engagement.id}' is already used by ${first.file}:${first.line}:${first.col}; engagement ids must be unique`,
      });
    }
    for (const { key, at, inbound } of outcome.uses) {
      const earlier = keys.get(key);
      if (earlier !== undefined) clashes.push({ file, ...at, message: inbound ? inboundUsed(key, earlier) : alreadyUsed(key, earlier) });
    }
    if (clashes.length > 0) {
      diagnostics.push(...clashes);
      continue;
    }
    // Sigma rules compile here, so a refused rule fails serve, reload and validate alike.
    const detection = await loadDetection(engagement, file, outcome.rulesAt);
    if (detection.diagnostics.length > 0) {
      diagnostics.push(...detection.diagnostics);
      continue;
    }
    ids.set(engagement.id, { file, ...idAt });
    for (const { key, use } of outcome.uses) keys.set(key, use);
    if (engagement.security.rules.length === 0) outcomes.set(file, outcome);
    loaded.push(Object.freeze({ engagement, file, hash, ...(detection.rules ? { rules: detection.rules } : {}) }));
  }
  if (cache !== undefined && diagnostics.length === 0) cache.replace(outcomes);
  return { loaded, diagnostics: sortDiagnostics(diagnostics) };
}
