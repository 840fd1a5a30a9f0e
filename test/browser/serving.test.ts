/**
 * Serving the built dashboard (src/dashboard/routes.ts) without a browser:
 * content types, caching, compression, the SPA fallback and its limits, the
 * security headers, and the page that says to build when dist/web is missing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../src/dashboard/routes.js';

async function app(root: string): Promise<FastifyInstance> {
  const a = Fastify();
  a.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no endpoint ${req.method} ${req.url}` } }),
  );
  a.get('/api/v1/me', async () => ({ ok: true }));
  await a.register((scope) => dashboardRoutes(scope, { root }));
  return a;
}

describe('serving the dashboard', () => {
  let dir: string;
  let built: FastifyInstance;
  let missing: FastifyInstance;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>Tandem</title><script type="module" src="/assets/index-abc123.js"></script>',
    );
    writeFileSync(join(dir, 'assets/index-abc123.js'), script);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    built = await app(dir);
    missing = await app(join(dir, 'nope'));
  });

  afterAll(async () => {
    await built.close();
    await missing.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and at app paths, never cached without revalidation, with the security headers', async () => {
    for (const url of ['/', '/incidents/ACME-42', '/schedules?week=2026-11-23', '/index.html']) {
      const res = await built.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.body).toContain('<title>Tandem</title>');
    }
  });

  it('serves hashed assets as immutable, compressed when asked, with ETags', async () => {
    const plain = await built.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe(script);
    const gz = await built.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(script);
    const etag = String(plain.headers.etag);
    const again = await built.inject({ url: '/assets/index-abc123.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    const icon = await built.inject({ url: '/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('leaves server paths, missing files and paths outside the build alone', async () => {
    expect((await built.inject({ url: '/api/v1/me' })).json()).toEqual({ ok: true });
    for (const url of [
      '/api/v1/nope',
      '/v2/nope',
      '/integrations/generic/x/y',
      '/respond/abc',
      '/inbox/x',
      '/calendars/a/b',
      '/metrics/x',
      '/healthz/x',
      '/readyz/x',
      '/assets/missing-0000.js',
      '/robots.txt',
    ]) {
      const res = await built.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    }
    const escape = await built.inject({ url: '/..%2f..%2f..%2fetc%2fpasswd' });
    expect(escape.body).not.toContain('root:');
  });

  it('says to build the app when dist/web is missing', async () => {
    const res = await missing.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('npm run build');
    expect((await missing.inject({ url: '/incidents/ACME-1' })).body).toContain('npm run build');
  });
});
