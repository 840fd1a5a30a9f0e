/**
 * docs/api.md is the API tour, and its examples are real: every curl on the
 * page runs, in order, against a live server with the demo engagement (and
 * Globex beside it, for the scoping examples), and each answer is checked
 * against what its operation declares in the generated OpenAPI document: the
 * status is one it lists, the content type one it lists, and a JSON body
 * validates against the schema (JSON Schema 2020-12, with formats). The page
 * cannot drift from the server, nor the document from what the server sends.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlExamples, curlRequest, shellWords } from '../support/curl.js';
import type { CurlRequest } from '../support/curl.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO, ROOT } from '../support/paths.js';

const PAGE = 'docs/api.md';
const GLOBEX = `${ROOT}test/fixtures/deployments/globex.yaml`;
const EXAMPLES = curlExamples(readFileSync(`${ROOT}${PAGE}`, 'utf8'));

/** Files the page makes in one step and sends in a later one (`--data-binary @file`), made the way the page says. */
const FILES: Record<string, () => string> = {
  // python3 -c 'import json; print(json.dumps({"from": ..., "to": ..., "file": ..., "config": open("demo/internal-only.yaml").read()}))' > sim.json
  'sim.json': () =>
    JSON.stringify({
      from: '2026-11-01',
      to: '2026-12-01',
      file: 'internal-only.yaml',
      config: readFileSync(`${ROOT}demo/internal-only.yaml`, 'utf8'),
    }),
};

interface MediaType {
  schema?: unknown;
}
interface Response {
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: unknown;
}

/** The documented operation a request reaches: the path template that matches, the one with fewest parameters first. */
function operationOf(doc: Document, method: string, path: string): { template: string; op: Operation } | undefined {
  const candidates = Object.entries(doc.paths)
    .filter(([template]) =>
      new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`).test(path),
    )
    .sort(([a], [b]) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  for (const [template, ops] of candidates) {
    const op = ops[method.toLowerCase()];
    if (op) return { template, op };
  }
  return undefined;
}

/** Component references as seen from the document added to ajv under the name `openapi.json`. */
function fromDocument(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(fromDocument);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi.json${v}` : fromDocument(v),
    ]),
  );
}

/** What is wrong with a live answer, measured against the document: [] when it is as documented. */
function problems(
  doc: Document,
  validator: (schema: unknown) => ValidateFunction,
  method: string,
  path: string,
  res: LightMyRequestResponse | StreamAnswer,
): string[] {
  const found = operationOf(doc, method, path);
  if (!found) return [`${method} ${path} is not in the document`];
  const { template, op } = found;
  const name = `${method} ${template} (${op.operationId ?? 'no operationId'})`;
  const status = String(res.statusCode);
  const response = op.responses?.[status] ?? op.responses?.[`${status[0] ?? ''}XX`] ?? op.responses?.['default'];
  if (!response) return [`${name} answered ${status}, which it does not document (${Object.keys(op.responses ?? {}).join(', ')})`];
  const contentType =
    String(res.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? '';
  if (res.body === '' && !contentType) return [];
  const media = response.content?.[contentType];
  if (!media)
    return [
      `${name} ${status} answered ${contentType || 'no content type'}; it documents ${Object.keys(response.content ?? {}).join(', ') || 'no body'}`,
    ];
  if (contentType !== 'application/json') return [];
  const validate = validator(media.schema);
  if (validate(JSON.parse(res.body))) return [];
  return (validate.errors ?? []).map(
    (e) => `${name} ${status}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

/** The start of an event stream: its status, headers and the first event. */
interface StreamAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

describe.each(databaseKinds())('the API tour in docs/api.md, on $name', (kind) => {
  let h: Harness;
  let doc: Document;
  let validator: (schema: unknown) => ValidateFunction;
  const vars: Record<string, string> = { B: 'http://127.0.0.1:18080' };

  beforeAll(async () => {
    // The page's story: the demo server on Thanksgiving afternoon, Globex on the same server.
    h = await startHarness(kind, { config: [DEMO, GLOBEX], start: '2026-11-26T19:26:00Z' });
    vars['TOKEN'] = await h.token('admin', ['acme']);
    vars['KIM_TOKEN'] = await h.token('responder', ['acme'], 'kim');
    vars['GLOBEX_TOKEN'] = await h.token('viewer', ['globex']);
    doc = (await h.tandem.http.inject({ url: '/api/v1/openapi.json' })).json<Document>();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ components: doc.components }, 'openapi.json');
    const compiled = new Map<string, ValidateFunction>();
    validator = (schema) => {
      const key = JSON.stringify(schema);
      const known = compiled.get(key) ?? ajv.compile(fromDocument(schema) as object);
      compiled.set(key, known);
      return known;
    };
  });
  afterAll(async () => h.close());

  async function send(req: CurlRequest): Promise<LightMyRequestResponse | StreamAnswer> {
    const url = new URL(req.url);
    const body = req.bodyFile === undefined ? req.body : FILES[req.bodyFile]?.();
    if (req.bodyFile !== undefined && body === undefined)
      throw new Error(`the tour sends ${req.bodyFile}; say in FILES how the page makes it`);
    const inject = {
      method: req.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: req.headers,
      ...(body === undefined ? {} : { payload: body }),
    };
    if (!req.stream) return h.tandem.http.inject(inject);
    // A stream does not end: read up to its first event, then hang up.
    const controller = new AbortController();
    const res = await h.tandem.http.inject({ ...inject, payloadAsStream: true, signal: controller.signal });
    let text = '';
    for await (const chunk of res.stream()) {
      text += String(chunk);
      if (/\nevent: \w+\ndata: .*\n\n/.test(text)) break;
    }
    controller.abort();
    return { statusCode: res.statusCode, headers: res.headers, body: text };
  }

  it('has examples to run', () => {
    expect(EXAMPLES.length).toBeGreaterThan(20);
  });

  for (const example of EXAMPLES) {
    it(`${PAGE}:${example.line}: ${example.command.slice(0, 110)}`, async () => {
      const req = curlRequest(shellWords(example.command, vars));
      const res = await send(req);
      const path = new URL(req.url).pathname;
      expect(res.statusCode, res.body.slice(0, 500)).toBeLessThan(500);
      expect(problems(doc, validator, req.method, path, res)).toEqual([]);
      // The calendar feed example uses a feed URL the schedules listing gave.
      if (path === '/api/v1/schedules' && res.statusCode === 200) {
        const url = (JSON.parse(res.body) as { schedules: Array<{ calendar_url?: string }> }).schedules[0]?.calendar_url;
        if (url) vars['CALENDAR_URL'] = url;
      }
      // Time passes between commands, and the engine applies what they sent before the next one reads.
      h.clock.advance(2_000);
      await h.settle();
    });
  }
});
