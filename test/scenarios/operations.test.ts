/**
 * Operating Tandem: health, readiness, Prometheus metrics, request ids, the
 * error catalog matching its docs. (The OpenAPI document: openapi.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/api/schema/common.js';
import { ERROR_CATALOG } from '../../src/errors/catalog.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { ROOT } from '../support/paths.js';

// Prometheus's own linter (Debian package `prometheus`; CI installs it).
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const NO_PROMTOOL_REASON = 'SKIPPED: promtool not found (apt-get install prometheus)';

describe.each(databaseKinds())('operations, on $name', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => h.close());

  it('healthz and readyz answer', async () => {
    expect((await h.tandem.http.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.tandem.http.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', database: 'ok' });
  });

  it('metrics count accepted and rejected events per integration, incidents opened, and ingest latency', async () => {
    await h.ingest('/v2/enqueue', {
      routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
      event_action: 'trigger',
      payload: { summary: 'x', source: 's', severity: 'info' },
    });
    await h.ingest('/integrations/generic/edr-generic-77d2', { summary: 'y' });
    await h.ingest('/v2/enqueue', { routing_key: 'nope', event_action: 'trigger' });
    await h.settle();
    const res = await h.tandem.http.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/tandem_events_accepted_total\{integration="pagerduty"\} 1/);
    expect(text).toMatch(/tandem_events_accepted_total\{integration="generic"\} 1/);
    expect(text).toMatch(/tandem_events_rejected_total\{integration="pagerduty",reason="invalid"\} 1/);
    expect(text).toMatch(/tandem_incidents_opened_total\{engagement="acme"\} 2/);
    // Observed once (the count, not a bucket: how fast it was depends on the machine, and speed lives in benchmarks).
    expect(text).toMatch(/tandem_ingest_duration_seconds_count\{integration="pagerduty"\} 1/);
    // The standard process and Node.js series keep their standard names, so stock dashboards find them.
    expect(text).toContain('\nprocess_resident_memory_bytes ');
    expect(text).toContain('\nnodejs_eventloop_lag_seconds ');
    expect(text).not.toContain('tandem_process_');
    expect(text).not.toContain('tandem_nodejs_');
  });

  it.skipIf(!PROMTOOL)(
    PROMTOOL
      ? 'the /metrics output passes promtool check metrics'
      : `the /metrics output passes promtool check metrics (${NO_PROMTOOL_REASON})`,
    async () => {
      await h.ingest('/v2/enqueue', {
        routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
        event_action: 'trigger',
        payload: { summary: 'lint me', source: 's', severity: 'info' },
      });
      await h.settle();
      const text = (await h.tandem.http.inject({ url: '/metrics' })).body;
      const run = spawnSync(PROMTOOL ?? 'promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: run.status, problems: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
    },
  );

  it('every response carries a request id, and a caller-given one is kept', async () => {
    const given = await h.tandem.http.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    const made = await h.tandem.http.inject({ url: '/healthz' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a wrong method is 405 with Allow', async () => {
    const res = await h.tandem.http.inject({ method: 'GET', url: '/v2/enqueue' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('docs/errors.md lists every error code with its status', () => {
    const doc = readFileSync(`${ROOT}docs/errors.md`, 'utf8');
    for (const [code, { status }] of Object.entries(ERROR_CATALOG)) expect(doc).toContain(`| \`${code}\` | ${status} |`);
  });

  it('the API contract names exactly the error catalog codes', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERROR_CATALOG).sort());
  });
});
