/**
 * Serves the web dashboard (built by `npm run build:web` into dist/web) at /.
 * Hashed files under /assets are cached for good; index.html is revalidated
 * on every load so a new build is picked up at once. Any other GET path that
 * is not the API or another server endpoint gets index.html: the app routes
 * in the browser (/incidents/ACME-42 is what notifications link to).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface DashboardOptions {
  /** The built app: a directory path or a file: URL (dist/web). */
  readonly root: string | URL;
}

/** Server paths the app never answers for: unknown paths under them stay JSON 404s (or 405s). */
export const SERVER_PREFIXES = [
  '/api',
  '/v2',
  '/integrations',
  '/respond',
  '/inbox',
  '/calendars',
  '/metrics',
  '/healthz',
  '/readyz',
  '/auth',
] as const;

/** The app's security headers: nothing but this origin, no framing, no referrer. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tandem: dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b2330}code{background:#eef1f5;padding:.1rem .35rem;border-radius:4px}</style></head>
<body><h1>The dashboard is not built</h1>
<p>This Tandem server is running, but the web dashboard has not been built yet. Run <code>npm run build</code> (or <code>npm install</code>, which builds it) and reload this page.</p>
<p>The API works meanwhile: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>
`;

interface CachedFile {
  readonly mtimeMs: number;
  readonly size: number;
  readonly body: Buffer;
  readonly etag: string;
  gzip?: Buffer;
  br?: Buffer;
}

export function isServerPath(path: string): boolean {
  return SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`));
}

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const root = normalize(typeof options.root === 'string' ? options.root : fileURLToPath(options.root));
  const cache = new Map<string, CachedFile>();

  /** A file under root (never outside it), read once per build and kept with its compressed forms. */
  async function load(relative: string): Promise<CachedFile | undefined> {
    const file = normalize(join(root, relative));
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) return undefined;
    let info;
    try {
      info = await stat(file);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const had = cache.get(file);
    if (had && had.mtimeMs === info.mtimeMs && had.size === info.size) return had;
    const body = await readFile(file);
    const entry: CachedFile = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      body,
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`,
    };
    cache.set(file, entry);
    return entry;
  }

  function send(req: FastifyRequest, reply: FastifyReply, file: CachedFile, ext: string, cacheControl: string) {
    reply.headers(DASHBOARD_HEADERS);
    reply.header('content-type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
    reply.header('cache-control', cacheControl);
    reply.header('etag', file.etag);
    reply.header('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (COMPRESSIBLE.has(ext) && file.body.length > 1024) {
      if (/\bbr\b/.test(accept)) {
        file.br ??= brotliCompressSync(file.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } });
        return reply.header('content-encoding', 'br').send(file.br);
      }
      if (/\bgzip\b/.test(accept)) {
        file.gzip ??= gzipSync(file.body, { level: 9 });
        return reply.header('content-encoding', 'gzip').send(file.gzip);
      }
    }
    return reply.send(file.body);
  }

  async function index(req: FastifyRequest, reply: FastifyReply) {
    const file = await load('index.html');
    if (!file) {
      reply.headers(DASHBOARD_HEADERS);
      return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(MISSING_BUILD);
    }
    return send(req, reply, file, '.html', 'no-cache');
  }

  app.get('/', { schema: { hide: true } }, index);

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = decodePath(req.url);
    if (path === undefined || isServerPath(path)) return reply.callNotFound();
    const ext = extname(path).toLowerCase();
    if (path !== '/index.html') {
      const file = await load(path.slice(1));
      if (file) return send(req, reply, file, ext, path.startsWith('/assets/') ? IMMUTABLE : 'public, max-age=3600');
    }
    // A missing file (a stale hashed asset, a typo) is a 404, not the app.
    if (ext !== '' && ext !== '.html') return reply.callNotFound();
    return index(req, reply);
  });
}

function decodePath(url: string): string | undefined {
  const raw = url.split('?')[0] ?? '/';
  try {
    const path = decodeURIComponent(raw);
    return path.includes('\0') ? undefined : path;
  } catch {
    return undefined;
  }
}
