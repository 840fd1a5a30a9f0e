/**
 * One-click respond links: acknowledge or resolve an incident from a page,
 * without logging in. Each link is signed (HMAC-SHA256 with the server's
 * key), expires, and is bound to one incident and one responder, so using it
 * is recorded as that person's action. The token is the capability; there is
 * nothing else to steal.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/connect.js';

export type RespondAction = 'acknowledge' | 'resolve';

export interface LinkClaims {
  /** Incident id. */
  readonly incident: number;
  readonly engagement: string;
  /** Who the link is for: "person:kim" or "team:nightowl-noc". */
  readonly responder: string;
  readonly action: RespondAction;
  /** Expiry, epoch ms. */
  readonly expires: number;
  /** The channel the link went out on, for the timeline ("sms"). */
  readonly via: string;
}

/** How long a respond link works. A page is about now; a day covers a slow morning. */
export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

export class LinkSigner {
  readonly #key: Buffer;
  readonly #baseUrl: string;

  constructor(key: Buffer, baseUrl: string) {
    this.#key = key;
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }

  token(claims: LinkClaims): string {
    const payload = Buffer.from(JSON.stringify([1, claims.incident, claims.engagement, claims.responder, claims.action === 'acknowledge' ? 'a' : 'r', claims.expires, claims.via])).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }

  url(claims: LinkClaims): string {
    return `${this.#baseUrl}/respond/${this.token(claims)}`;
  }

  /** The claims of a genuine token (expired or not), or undefined for anything forged or malformed. */
  verify(token: string): LinkClaims | undefined {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined || payload.length > 2000) return undefined;
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
      if (!Array.isArray(v) || v[0] !== 1) return undefined;
      const [, incident, engagement, responder, action, expires, via] = v as [number, number, string, string, string, number, string];
      if (typeof incident !== 'number' || typeof engagement !== 'string' || typeof responder !== 'string' || typeof expires !== 'number') return undefined;
      return { incident, engagement, responder, action: action === 'a' ? 'acknowledge' : 'resolve', expires, via: typeof via === 'string' ? via : 'link' };
    } catch {
      return undefined;
    }
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}

/**
 * The server's signing key, shared by every instance through the database:
 * created once (the first instance to start wins the insert), read by all.
 * TANDEM_SECRET, when set, is used instead (settings pass it in).
 */
export async function signingKey(database: Database, configured: string | undefined, at: number): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  await database.db
    .insertInto('server_secrets')
    .values({ name: 'link-signing-key', value: randomBytes(32).toString('base64'), created_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await database.db.selectFrom('server_secrets').select('value').where('name', '=', 'link-signing-key').executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
