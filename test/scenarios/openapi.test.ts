/**
 * The OpenAPI document is generated from the route schemas, so it cannot
 * drift from the server; these tests keep it a good document: it describes
 * exactly the routes served, `@redocly/cli lint` (recommended rules) finds
 * nothing, every operation says who may call it and how it fails, and every
 * object schema says which of its properties are always there.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { ROOT } from '../support/paths.js';

interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  responses?: Record<string, unknown>;
}

interface Document {
  openapi: string;
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer?: string }> }>;
}

/** Every operation of the document, as "METHOD /path" with its object. */
function operations(doc: Document): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

/** JSON pointers of object schemas that have properties but no `required` list. */
function objectsWithoutRequired(node: unknown, pointer = '#'): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => objectsWithoutRequired(item, `${pointer}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  const here =
    'properties' in node &&
    typeof node.properties === 'object' &&
    node.properties !== null &&
    Object.keys(node.properties).length > 0 &&
    !Array.isArray((node as { required?: unknown }).required);
  const below = Object.entries(node).flatMap(([key, value]) =>
    objectsWithoutRequired(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
  );
  return here ? [pointer, ...below] : below;
}

describe.each(databaseKinds())('the OpenAPI document, on $name', (kind) => {
  let h: Harness;
  let doc: Document;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness(kind);
    const res = await h.tandem.http.inject({ url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<Document>();
    dir = mkdtempSync(join(tmpdir(), 'tandem-openapi-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  });

  it('describes exactly the routes the server has', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(operations(doc).map(([op]) => op.replace(/\{(\w+)\}/g, ':$1')));
    const served = new Set(h.tandem.http.routeTable.map((r) => `${r.method} ${r.url}`));
    // Pages for people (respond links, the demo inbox, the dashboard) are hidden from the document: they are not API.
    const api = [...served].filter((r) => !/ \/(respond|inbox|\*?$)/.test(r));
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
    expect(api.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('passes @redocly/cli lint (recommended rules) with no error and no warning', () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const run = spawnSync(join(ROOT, 'node_modules/.bin/redocly'), ['lint', '--extends=recommended', '--format=json', file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 60_000,
    });
    const report = JSON.parse(run.stdout) as LintReport;
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('gives every operation an operationId, a summary, its security and a 4xx response', () => {
    const missing = operations(doc).flatMap(([name, op]) => [
      ...(op.operationId ? [] : [`${name}: operationId`]),
      ...(op.summary ? [] : [`${name}: summary`]),
      ...(op.security !== undefined || doc.security !== undefined ? [] : [`${name}: security`]),
      ...(Object.keys(op.responses ?? {}).some((code) => /^4(\d\d|XX)$/.test(code)) ? [] : [`${name}: a 4xx response`]),
    ]);
    expect(missing).toEqual([]);
    expect(new Set(operations(doc).map(([, op]) => op.operationId)).size).toBe(operations(doc).length);
  });

  it('lists `required` on every object schema with properties', () => {
    expect(objectsWithoutRequired(doc)).toEqual([]);
  });
});
