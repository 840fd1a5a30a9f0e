/**
 * API tokens. A token is 32 random bytes shown once; the database keeps only
 * its SHA-256 (a high-entropy secret needs no slow hash: there is nothing to
 * brute-force). A token sees only its engagements, with one role.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../db/executor.js';
import type { TokenRow } from './store.js';
import { allTokens, insertToken, markTokenRevoked, tokenById, tokenBySecretHash } from './store.js';

export const ROLES = ['admin', 'responder', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a role may do. Viewers read; responders also work incidents; admins also manage. */
export function can(role: Role, action: 'read' | 'respond' | 'admin'): boolean {
  if (action === 'read') return true;
  if (action === 'respond') return role === 'admin' || role === 'responder';
  return role === 'admin';
}

/** Who a request acts as: the token, its role and the engagements it may see. */
export interface TokenPrincipal {
  readonly tokenId: string;
  readonly role: Role;
  readonly engagements: readonly string[];
  readonly personId: string | null;
  readonly label: string | null;
}

const PREFIX = 'tdm_';

/** SHA-256 hex of a secret: what the database keeps of tokens and session ids. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface CreatedToken {
  readonly id: string;
  /** The bearer secret, shown once. */
  readonly secret: string;
}

/** Creates a token; its secret is returned once and only its hash is stored. */
export async function createToken(
  ex: Executor,
  t: { role: Role; engagements: readonly string[]; personId?: string | null; label?: string | null; at: number },
): Promise<CreatedToken> {
  const secret = PREFIX + randomBytes(32).toString('base64url');
  const id = randomBytes(6).toString('hex');
  await insertToken(ex, {
    id,
    secretHash: hashSecret(secret),
    role: t.role,
    engagements: t.engagements,
    personId: t.personId ?? null,
    label: t.label ?? null,
    createdAt: t.at,
  });
  return { id, secret };
}

/** The principal a bearer secret stands for, or undefined when it is unknown or revoked. */
export async function verifyToken(ex: Executor, secret: string): Promise<TokenPrincipal | undefined> {
  if (!secret.startsWith(PREFIX) || secret.length > 200) return undefined;
  return principalOfRow(await tokenBySecretHash(ex, hashSecret(secret)));
}

/** The principal of a token by id (sessions), or undefined when it is unknown or revoked. */
export async function principalById(ex: Executor, id: string): Promise<TokenPrincipal | undefined> {
  return principalOfRow(await tokenById(ex, id));
}

function isRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}

function principalOfRow(row: TokenRow | undefined): TokenPrincipal | undefined {
  // A role this version does not know grants nothing.
  if (!row || row.revoked_at !== null || !isRole(row.role)) return undefined;
  return { tokenId: row.id, role: row.role, engagements: row.engagements, personId: row.person_id, label: row.label };
}

/** Every token, oldest first, revoked ones included (`tandem token list`). */
export async function listTokens(ex: Executor): Promise<TokenRow[]> {
  return allTokens(ex);
}

/** Revokes an active token; false when there is none with this id. */
export async function revokeToken(ex: Executor, id: string, at: number): Promise<boolean> {
  return markTokenRevoked(ex, id, at);
}
