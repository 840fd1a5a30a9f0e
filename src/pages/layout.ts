/**
 * Small server-rendered pages (respond links, the demo inbox): one layout,
 * HTML-escaped values (through the html template, src/html/html.ts), light
 * and dark colour schemes, no scripts needed.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { html, raw } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';

const STYLE = `
:root { color-scheme: light dark; --bg:#f6f7f9; --card:#fff; --text:#15171a; --muted:#5b6470; --line:#dfe3e8; --accent:#2557d6; --danger:#b42318; --ok:#1f7a3f; }
@media (prefers-color-scheme: dark) { :root { --bg:#0f1216; --card:#171b21; --text:#e8eaed; --muted:#9aa3ad; --line:#2a3038; --accent:#6d9bff; --danger:#ff7a6b; --ok:#5fd08a; } }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--text); }
header { padding:14px 24px; border-bottom:1px solid var(--line); background:var(--card); display:flex; gap:12px; align-items:baseline; }
header strong { font-size:17px; } header span { color:var(--muted); }
main { max-width:860px; margin:24px auto; padding:0 16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin-bottom:14px; }
.meta { color:var(--muted); font-size:13px; }
.pill { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; border:1px solid var(--line); }
.p1 { background:#fde7e5; color:#912018; border-color:#f5b5ae; } .p2 { background:#fff1dc; color:#8a4b00; border-color:#f5cf99; }
@media (prefers-color-scheme: dark) { .p1 { background:#3a1512; color:#ffb4ab; border-color:#6b2520; } .p2 { background:#33240c; color:#ffcf8a; border-color:#5c4016; } }
h1 { font-size:22px; margin:0 0 6px; } h2 { font-size:16px; margin:0 0 4px; }
pre { white-space:pre-wrap; font:13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:10px; margin:10px 0; }
form { display:inline; }
button, .button { font:inherit; font-weight:600; border-radius:8px; padding:8px 16px; border:1px solid transparent; cursor:pointer; text-decoration:none; display:inline-block; }
.primary { background:var(--accent); color:#fff; } .danger { background:transparent; color:var(--danger); border-color:var(--danger); }
button:focus-visible, a:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
.actions { display:flex; gap:10px; flex-wrap:wrap; margin-top:10px; }
.ok { color:var(--ok); font-weight:600; } .bad { color:var(--danger); font-weight:600; }
`;

/** A complete page: the layout around `body`, titled "`title` · Tandem"; `refreshSeconds` reloads it (the demo inbox). */
export function page(title: string, body: SafeHtml, options: { refreshSeconds?: number } = {}): string {
  const refresh = options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${refresh}
<title>${title} · Tandem</title><style>${raw(STYLE)}</style></head>
<body><header><strong>Tandem</strong><span>${title}</span></header><main>${body}</main></body></html>`.value;
}

/**
 * The Content-Security-Policy of a self-contained HTML document (these pages,
 * the monthly review): nothing is loaded and no script runs; only the
 * document's own `<style>` blocks and `style` attributes apply, each allowed
 * by its hash (so an injected style or script would not run even if escaping
 * ever failed); forms post only to this server; no other site may frame it.
 */
export function documentCsp(document: string): string {
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const blocks = [...document.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1] ?? ''));
  // The review's charts size themselves with style attributes; 'unsafe-hashes' allows exactly those values.
  const attributes = [...new Set([...document.matchAll(/\sstyle="([^"&]*)"/g)].map((m) => m[1] ?? ''))].map(hash);
  const styles = [...blocks, ...(attributes.length ? [`'unsafe-hashes'`, ...attributes] : [])];
  return [
    `default-src 'none'`,
    `style-src ${styles.length ? styles.join(' ') : `'none'`}`,
    `img-src data:`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
    `base-uri 'none'`,
  ].join('; ');
}

/** Gives every HTML answer of the routes in `app`'s scope its {@link documentCsp} and the usual hardening headers. */
export function securePages(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && typeof payload === 'string' && !reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', documentCsp(payload));
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });
}
