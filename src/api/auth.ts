/**
 * Authentication and authorization for /api/v1: a bearer token, its role and
 * the engagements it may see. Routes call {@link requireRole} before acting.
 */
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement, Raci, Side } from '../engagement/model.js';
import type { IncidentAction } from '../scope/scope.js';
import {
  functionOfService,
  governingActivities,
  incidentActionDecision,
  incidentScope,
  refusalMessage,
  sideOfPerson,
} from '../scope/scope.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import type { Actor } from '../incident/actor.js';
import type { TokenPrincipal } from '../token/token.js';
import { SESSION_COOKIE, readCookie, sessionPrincipal } from '../token/session.js';
import { can, verifyToken } from '../token/token.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: TokenPrincipal;
  }
}

/**
 * Resolves the request's bearer token, or its dashboard session cookie.
 * Throws AUTH_REQUIRED / AUTH_INVALID, and FORBIDDEN for a cookie-borne
 * change sent from another origin (SameSite=Strict already stops browsers
 * from sending it; this also covers old ones).
 */
export async function authenticate(database: Database, req: FastifyRequest, now: number): Promise<TokenPrincipal> {
  const header = req.headers.authorization;
  if (!header) {
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session) {
      const principal = await sessionPrincipal(database.db, session, now);
      if (!principal) throw new TandemError('AUTH_INVALID', 'the session has expired or its token was revoked; sign in again', 'Cookie');
      const origin = req.headers.origin;
      if (req.method !== 'GET' && req.method !== 'HEAD' && origin && originHost(origin) !== req.headers.host) {
        throw new TandemError('FORBIDDEN', `a request from ${origin} cannot use this session`);
      }
      req.principal = principal;
      return principal;
    }
    throw new TandemError(
      'AUTH_REQUIRED',
      'send an API token as "Authorization: Bearer <token>" (create one with `tandem token create`)',
      'Authorization',
    );
  }
  const token = bearerToken(header);
  if (!token) throw new TandemError('AUTH_INVALID', 'the Authorization header must be "Bearer <token>"', 'Authorization');
  const principal = await verifyToken(database.db, token);
  if (!principal) throw new TandemError('AUTH_INVALID', 'the token is unknown or revoked', 'Authorization');
  req.principal = principal;
  return principal;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** The host of an Origin header; undefined for "null" (sandboxed frames, file: pages) or anything unparseable. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

export function principalOf(req: FastifyRequest): TokenPrincipal {
  if (!req.principal) throw new TandemError('AUTH_REQUIRED', 'authentication required', 'Authorization');
  return req.principal;
}

export function requireRole(p: TokenPrincipal, action: 'respond' | 'admin'): void {
  if (!can(p.role, action)) {
    throw new TandemError(
      'FORBIDDEN',
      action === 'respond'
        ? `a ${p.role} token cannot change incidents; use a responder or admin token`
        : `this needs an admin token; this one is ${p.role}`,
    );
  }
}

/**
 * Refuses an incident action the engagement's scope does not give the
 * token's side (403 OUT_OF_SCOPE). A token bound to a person acts for that
 * person's side; a token bound to no person (automation, an admin's) has no
 * side and is not restricted by scope, only by its role.
 */
export function requireScope(
  engagement: Engagement | undefined,
  p: TokenPrincipal,
  incident: { readonly service_id: string },
  action: IncidentAction,
): void {
  if (engagement === undefined) return;
  const side = sideOfPerson(engagement, p.personId);
  const fn = functionOfService(engagement, incident.service_id);
  const decision = incidentActionDecision(engagement, side, action, fn);
  if (!decision.allowed && side !== undefined) throw new TandemError('OUT_OF_SCOPE', refusalMessage(side, decision, fn));
}

/** What the principal may do to an incident, action by action (null = allowed, else why not), and its side. */
export function scopeOfIncident(
  engagement: Engagement | undefined,
  p: TokenPrincipal,
  incident: { readonly service_id: string },
): IncidentScopeView {
  const none = { acknowledge: null, resolve: null, status: null, priority: null, note: null };
  if (engagement === undefined) return { side: null, actions: none, activities: [] };
  const side = sideOfPerson(engagement, p.personId);
  const fn = functionOfService(engagement, incident.service_id);
  const activities = governingActivities(engagement, fn).map((a) => ({ id: a.id, internal: a.internal, partner: a.partner }));
  return { side: side ?? null, actions: incidentScope(engagement, side, fn), activities };
}

/** The `scope` of an incident in the API: the caller's side, what it may do, and the entries that apply. */
export interface IncidentScopeView {
  readonly side: Side | null;
  readonly actions: Readonly<Record<IncidentAction, string | null>>;
  readonly activities: Array<{ readonly id: string; readonly internal: Raci; readonly partner: Raci }>;
}

/** The actor an API call acts as: the token's person when it has one. */
export function actorOf(p: TokenPrincipal, engagement: Engagement | undefined): Actor {
  if (p.personId) {
    const person = engagement && lookup(engagement).person(p.personId);
    return { type: 'person', id: p.personId, ...(person ? { name: person.name } : {}) };
  }
  return { type: 'token', id: p.tokenId, name: p.label ? `token ${p.label}` : `token ${p.tokenId}` };
}

/** Narrows the token's engagements to a requested list; an engagement it cannot see is a 404. */
export function scopeEngagements(p: TokenPrincipal, requested: readonly string[] | undefined): string[] {
  if (!requested || requested.length === 0) return [...p.engagements];
  for (const e of requested) {
    if (!p.engagements.includes(e)) throw new TandemError('NOT_FOUND', `engagement "${e}" not found`, 'engagement');
  }
  return [...requested];
}

/** The engagement a path names, when the token sees it; otherwise 404, exactly like one that does not exist. */
export function visibleEngagement(deployment: Deployment, p: TokenPrincipal, ref: string): Engagement {
  const [id] = scopeEngagements(p, [ref]);
  const engagement = id === undefined ? undefined : deployment.engagement(id);
  if (engagement === undefined) throw new TandemError('NOT_FOUND', `engagement "${ref}" not found`, 'engagement');
  return engagement;
}
