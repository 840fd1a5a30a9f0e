/**
 * Dashboard endpoints: signing in (an API token exchanged for a session
 * cookie), signing out, and the live stream of incident changes as
 * server-sent events. The contract is src/api/schema/session.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { TandemError } from '../errors/catalog.js';
import type { LiveFeed } from '../live/feed.js';
import { SESSION_COOKIE, SESSION_TTL_MS, createSession, deleteSession, readCookie, sessionCookie } from '../token/session.js';
import { verifyToken } from '../token/token.js';
import { principalOf, scopeEngagements } from './auth.js';
import { isoInstant } from './presenters.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import { ScopeQuery } from './schema/engagements.js';
import { EventStream, Session, SessionBody, SignedOut } from './schema/session.js';

export interface LiveDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly feed: LiveFeed;
  /** Whether the public URL is https (the cookie is then Secure). */
  readonly secureCookies: boolean;
}

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** The operations: their documentation, parameters and answers (src/api/schema/session.ts). */
const routes = {
  signIn: {
    schema: {
      operationId: 'signIn',
      summary: 'Sign in: exchange an API token for a session cookie (httpOnly, SameSite=Strict, 12 hours)',
      description:
        'The dashboard signs in here; the cookie then stands for the token on every /api/v1 request. An unknown or revoked token is 401.',
      tags: ['dashboard' as const],
      security: [],
      body: SessionBody,
      response: { 200: Session, ...errorResponses(400, 401) },
    },
  },
  signOut: {
    schema: {
      operationId: 'signOut',
      summary: 'Sign out: end the session and clear the cookie',
      description:
        'Needs no token: the session cookie names the session. Without one (or with one that already ended) it still clears the cookie.',
      tags: ['dashboard' as const],
      security: [],
      response: { 204: SignedOut, ...errorResponses(408) },
    },
  },
  stream: {
    schema: {
      operationId: 'streamIncidents',
      summary: 'Live incident changes as server-sent events; authenticated by the session cookie or a bearer token',
      tags: ['dashboard' as const],
      querystring: ScopeQuery,
      response: { 200: EventStream, ...errorResponses(...AUTH_ERRORS, 404) },
    },
  },
};

/** Takes over the response and streams `hello`, then the feed's events for `engagements`, until the client goes. */
function openStream(req: FastifyRequest, reply: FastifyReply, engagements: ReadonlySet<string>, feed: LiveFeed, now: number): void {
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
  send('hello', { engagements: [...engagements], at: isoInstant(now) });
  const unsubscribe = feed.subscribe({ engagements, send });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.raw.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

export async function liveRoutes(scope: FastifyInstance, deps: LiveDeps): Promise<void> {
  const { database, clock, feed } = deps;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.post('/session', routes.signIn, async (req, reply) => {
    const principal = await verifyToken(database.db, req.body.token.trim());
    if (!principal) throw new TandemError('AUTH_INVALID', 'that API token is unknown or revoked', 'token');
    const session = await createSession(database.db, principal.tokenId, clock.now());
    reply.header('set-cookie', sessionCookie(session.id, Math.floor(SESSION_TTL_MS / 1000), deps.secureCookies));
    return {
      session: { expires_at: isoInstant(session.expiresAt) },
      token: {
        id: principal.tokenId,
        role: principal.role,
        engagements: [...principal.engagements],
        person: principal.personId,
        label: principal.label,
      },
    };
  });

  app.delete('/session', routes.signOut, async (req, reply) => {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) await deleteSession(database.db, id);
    reply.header('set-cookie', sessionCookie('', 0, deps.secureCookies));
    return reply.code(204).send(null);
  });

  app.get('/stream', routes.stream, async (req, reply) => {
    openStream(req, reply, new Set(scopeEngagements(principalOf(req), req.query.engagement)), feed, clock.now());
  });
}
