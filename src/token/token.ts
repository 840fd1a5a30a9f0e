/**
 * API tokens. A token is 32 random bytes shown once; the database keeps only
 * its SHA-256 (a high-entropy secret needs no slow hash: there is nothing to
 * brute-force). A token sees only its engagements, with one role.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../db/executor.js';

export const ROLES = ['admin', 'responder', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a role may do. Viewers read; responders also work incidents; admins also manage. */
export function can(role: Role, action: 'read' | 'respond' | 'admin'): boolean {
  if (action === 'read') return true;
  if (action === 'respond') return role === 'admin' || role === 'responder';
  return role === 'admin';
}

export interface TokenPrincipal {
  readonly tokenId: string;
  readonly role: Role;
  readonly engagements: readonly string[];
  readonly personId: string | null;
  readonly label: string | null;
}

const PREFIX = 'tdm_';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface CreatedToken {
  readonly id: string;
  /** The bearer secret, shown once. */
  readonly secret: string;
}

export async function createToken(
  ex: Executor,
  t: { role: Role; engagements: readonly string[]; personId?: string | null; label?: string | null; at: number },
): Promise<CreatedToken> {
  const secret = PREFIX + randomBytes(32).toString('base64url');
  const id = randomBytes(6).toString('hex');
  await ex
    .insertInto('tokens')
    .values({
      id,
      secret_hash: hashSecret(secret),
      role: t.role,
      engagements: JSON.stringify([...t.engagements]),
      person_id: t.personId ?? null,
      label: t.label ?? null,
      created_at: t.at,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return { id, secret };
}

/** The principal a bearer secret stands for, or undefined when it is unknown or revoked. */
export async function verifyToken(ex: Executor, secret: string): Promise<TokenPrincipal | undefined> {
  if (!secret.startsWith(PREFIX) || secret.length > 200) return undefined;
  const row = await ex.selectFrom('tokens').selectAll().where('secret_hash', '=', hashSecret(secret)).executeTakeFirst();
  return principalOfRow(row);
}

/** The principal of a token by id (sessions), or undefined when it is unknown or revoked. */
export async function principalById(ex: Executor, id: string): Promise<TokenPrincipal | undefined> {
  return principalOfRow(await ex.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst());
}

function principalOfRow(row: { id: string; role: string; engagements: string; person_id: string | null; label: string | null; revoked_at: number | null } | undefined): TokenPrincipal | undefined {
  if (!row || row.revoked_at !== null) return undefined;
  return {
    tokenId: row.id,
    role: row.role as Role,
    engagements: JSON.parse(row.engagements) as string[],
    personId: row.person_id,
    label: row.label,
  };
}

export async function listTokens(ex: Executor): Promise<Array<{ id: string; role: string; engagements: string[]; person_id: string | null; label: string | null; created_at: number; revoked_at: number | null }>> {
  const rows = await ex.selectFrom('tokens').select(['id', 'role', 'engagements', 'person_id', 'label', 'created_at', 'revoked_at']).orderBy('created_at').execute();
  return rows.map((r) => ({ ...r, engagements: JSON.parse(r.engagements) as string[] }));
}

export async function revokeToken(ex: Executor, id: string, at: number): Promise<boolean> {
  const r = await ex.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
