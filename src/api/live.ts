/**
 * Dashboard endpoints: signing in (an API token exchanged for a session
 * cookie), signing out, and the live stream of incident changes as
 * server-sent events.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { TandemError } from '../errors/catalog.js';
import type { LiveFeed } from '../live/feed.js';
import { SESSION_COOKIE, SESSION_TTL_MS, createSession, deleteSession, readCookie, sessionCookie } from '../token/session.js';
import { verifyToken } from '../token/token.js';
import { principalOf, scopeEngagements } from './auth.js';
import { listParam, objectBody } from './params.js';

export interface LiveDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly feed: LiveFeed;
  /** Whether the public URL is https (the cookie is then Secure). */
  readonly secureCookies: boolean;
}

export async function liveRoutes(app: FastifyInstance, deps: LiveDeps): Promise<void> {
  const { database, clock, feed } = deps;

  app.post('/session', async (req, reply) => {
    const body = objectBody(req.body);
    const token = body['token'];
    if (typeof token !== 'string' || token.trim() === '') throw new TandemError('INVALID_BODY', 'token is required: the API token to sign in with', 'token');
    const principal = await verifyToken(database.db, token.trim());
    if (!principal) throw new TandemError('AUTH_INVALID', 'that API token is unknown or revoked', 'token');
    const session = await createSession(database.db, principal.tokenId, clock.now());
    reply.header('set-cookie', sessionCookie(session.id, Math.floor(SESSION_TTL_MS / 1000), deps.secureCookies));
    return { session: { expires_at: new Date(session.expiresAt).toISOString() }, token: { id: principal.tokenId, role: principal.role, engagements: principal.engagements, person: principal.personId, label: principal.label } };
  });

  app.delete('/session', async (req, reply) => {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) await deleteSession(database.db, id);
    reply.header('set-cookie', sessionCookie('', 0, deps.secureCookies));
    return reply.code(204).send();
  });

  app.get('/stream', async (req, reply) => {
    const engagements = new Set(scopeEngagements(principalOf(req), listParam(req.query as Record<string, unknown>, 'engagement')));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': req.id,
    });
    res.write('retry: 2000\n\n');
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (event === 'bye') res.end();
    };
    send('hello', { engagements: [...engagements], at: new Date(clock.now()).toISOString() });
    const unsubscribe = feed.subscribe({ engagements, send });
    // A comment line every 15 s keeps proxies from closing an idle stream.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
