/**
 * Single sign-on for the dashboard: GET /auth/login sends the browser to the
 * identity provider, GET /auth/callback brings it back. A sign-in that maps
 * to an engagement gets the ordinary dashboard session cookie (see
 * src/token/session.ts) and lands on the dashboard; any other outcome is a
 * plain page saying why, with no session.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { html } from '../html/html.js';
import { page, securePages } from '../pages/layout.js';
import type { OidcSettings } from '../settings/settings.js';
import { SESSION_TTL_MS, readCookie, sessionCookie } from '../token/session.js';
import { ssoDecision } from './mapping.js';
import type { PendingSignIn } from './oidc.js';
import { OidcRelyingParty, SignInRefused } from './oidc.js';
import { ssoSession } from './session.js';

export interface SsoDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly settings: OidcSettings;
  readonly publicUrl: string;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** The cookie that carries state, nonce and PKCE verifier from /auth/login to /auth/callback. */
export const PENDING_COOKIE = 'tandem_sso';
/** Ten minutes to get through the identity provider's sign-in. */
const PENDING_TTL_SECONDS = 600;

/** A dashboard path to return to: same-origin paths only (not `//host`), else the dashboard's home. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length <= 500 ? next : '/';
}

function pendingCookie(value: string, maxAge: number, secure: boolean): string {
  // Lax, not Strict: the browser comes back from the identity provider's site with a top-level GET.
  return `${PENDING_COOKIE}=${value}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

function readPending(header: string | undefined): PendingSignIn | undefined {
  const raw = readCookie(header, PENDING_COOKIE);
  if (!raw) return undefined;
  try {
    const p = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { state, nonce, verifier, next } = p;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string') return undefined;
    return { state, nonce, verifier, next: safeNext(next) };
  } catch {
    return undefined;
  }
}

function refusedPage(reply: FastifyReply, status: number, title: string, why: string, secure: boolean) {
  return reply
    .code(status)
    .header('set-cookie', pendingCookie('', 0, secure))
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      page(
        title,
        html`<div class="card"><h1>${title}</h1><p>${why}</p><p class="meta">No session was started. <a href="/auth/login">Try again</a>, or ask the engagement's administrator to add your email to its people or your group to Tandem's sign-in mapping.</p></div>`,
      ),
    );
}

export async function ssoRoutes(app: FastifyInstance, deps: SsoDeps): Promise<void> {
  securePages(app);
  const secure = deps.publicUrl.startsWith('https:');
  const party = new OidcRelyingParty(deps.settings, `${deps.publicUrl}/auth/callback`, deps.clock);

  // The dashboard's sign-in page asks this to offer the organization's sign-in (404 when the server has none).
  app.get('/auth/sso', async (_req, reply) => reply.header('cache-control', 'no-store').send({ sso: true, login: '/auth/login' }));

  app.get('/auth/login', async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>)['next']);
    let start;
    try {
      start = await party.start(next);
    } catch (err) {
      deps.log.warn({ err, issuer: deps.settings.issuer }, 'single sign-on: the identity provider did not answer discovery');
      return refusedPage(reply, 502, 'Sign-in unavailable', `The identity provider at ${deps.settings.issuer} did not answer.`, secure);
    }
    const value = Buffer.from(JSON.stringify(start.pending)).toString('base64url');
    return reply
      .header('set-cookie', pendingCookie(value, PENDING_TTL_SECONDS, secure))
      .header('cache-control', 'no-store')
      .redirect(start.url);
  });

  app.get('/auth/callback', async (req, reply) => {
    const pending = readPending(req.headers.cookie);
    if (!pending)
      return refusedPage(reply, 400, 'Sign-in expired', 'This sign-in was not started here or took longer than ten minutes.', secure);
    const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    let claims;
    try {
      claims = await party.finish(search, pending);
    } catch (err) {
      if (!(err instanceof SignInRefused)) throw err;
      deps.log.warn({ reason: err.message }, 'single sign-on refused');
      return refusedPage(reply, 401, 'Sign-in refused', `${err.message}.`, secure);
    }
    const decision = ssoDecision(claims, deps.deployment.all(), deps.settings.mapping);
    if (!decision.ok) {
      deps.log.info({ subject: claims.subject, reason: decision.reason }, 'single sign-on: no engagement');
      return refusedPage(reply, 403, 'No engagement for this account', `You signed in, but ${decision.reason}.`, secure);
    }
    const session = await ssoSession(deps.database.db, decision, deps.clock.now());
    deps.log.info({ label: decision.label, role: decision.role, engagements: decision.engagements }, 'single sign-on');
    return reply
      .header('set-cookie', [pendingCookie('', 0, secure), sessionCookie(session.id, Math.floor(SESSION_TTL_MS / 1000), secure)])
      .header('cache-control', 'no-store')
      .redirect(pending.next);
  });
}
