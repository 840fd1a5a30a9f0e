/**
 * Dashboard sessions: a person signs in with an API token and gets a random
 * session id in an httpOnly, SameSite=Strict cookie. The database keeps the
 * id's hash and the token it stands for; the token's role and engagements
 * apply, and revoking the token ends its sessions.
 */
import { randomBytes } from 'node:crypto';
import type { Executor } from '../db/executor.js';
import { deleteSessionByHash, insertSession, sessionByHash } from './store.js';
import type { TokenPrincipal } from './token.js';
import { hashSecret, principalById } from './token.js';

export const SESSION_COOKIE = 'tandem_session';
/** A working day and a night shift. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Starts a session for a token; returns the cookie value (shown once) and its expiry. */
export async function createSession(ex: Executor, tokenId: string, at: number): Promise<{ id: string; expiresAt: number }> {
  const id = randomBytes(32).toString('base64url');
  const expiresAt = at + SESSION_TTL_MS;
  await insertSession(ex, { idHash: hashSecret(id), tokenId, createdAt: at, expiresAt });
  return { id, expiresAt };
}

/** The principal of a live session, or undefined when it is unknown or expired. */
export async function sessionPrincipal(ex: Executor, id: string, now: number): Promise<TokenPrincipal | undefined> {
  if (id.length > 100) return undefined;
  const row = await sessionByHash(ex, hashSecret(id));
  if (!row || row.expires_at < now) return undefined;
  return principalById(ex, row.token_id);
}

/** Ends a session (sign out). */
export async function deleteSession(ex: Executor, id: string): Promise<void> {
  await deleteSessionByHash(ex, hashSecret(id));
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        // Badly %-encoded: not a value this server set; it matches no session.
        return raw;
      }
    }
  }
  return undefined;
}

/** The Set-Cookie value of a session. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
