/**
 * The rows behind API tokens and dashboard sessions. Only hashes of secrets
 * are stored; the engagements a token may see are a JSON array, parsed and
 * checked here once so callers get a string list.
 */
import { z } from 'zod';
import type { Executor } from '../db/executor.js';
import { jsonColumn } from '../db/json-column.js';

const engagementsColumn = jsonColumn(z.array(z.string()), 'tokens.engagements');

/** A token as stored, its engagements parsed. */
export interface TokenRow {
  readonly id: string;
  readonly role: string;
  readonly engagements: string[];
  readonly person_id: string | null;
  readonly label: string | null;
  readonly created_at: number;
  readonly revoked_at: number | null;
}

/** A new token: its id, the hash of its secret, who it is for. */
export interface NewTokenRow {
  readonly id: string;
  readonly secretHash: string;
  readonly role: string;
  readonly engagements: readonly string[];
  readonly personId: string | null;
  readonly label: string | null;
  readonly createdAt: number;
}

const TOKEN_COLUMNS = ['id', 'role', 'engagements', 'person_id', 'label', 'created_at', 'revoked_at'] as const;

function tokenRow(r: Omit<TokenRow, 'engagements'> & { engagements: string }): TokenRow {
  return { ...r, engagements: engagementsColumn.parse(r.engagements) };
}

export async function insertToken(ex: Executor, t: NewTokenRow): Promise<void> {
  await ex
    .insertInto('tokens')
    .values({
      id: t.id,
      secret_hash: t.secretHash,
      role: t.role,
      engagements: engagementsColumn.stringify([...t.engagements]),
      person_id: t.personId,
      label: t.label,
      created_at: t.createdAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
}

/** The token whose secret hashes to `secretHash`, revoked or not. */
export async function tokenBySecretHash(ex: Executor, secretHash: string): Promise<TokenRow | undefined> {
  const row = await ex.selectFrom('tokens').select(TOKEN_COLUMNS).where('secret_hash', '=', secretHash).executeTakeFirst();
  return row && tokenRow(row);
}

/** The token with this id, revoked or not. */
export async function tokenById(ex: Executor, id: string): Promise<TokenRow | undefined> {
  const row = await ex.selectFrom('tokens').select(TOKEN_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && tokenRow(row);
}

/** The active tokens with this label, oldest first (single sign-on keeps one per person). */
export async function activeTokensByLabel(ex: Executor, label: string): Promise<TokenRow[]> {
  const rows = await ex
    .selectFrom('tokens')
    .select(TOKEN_COLUMNS)
    .where('label', '=', label)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
  return rows.map(tokenRow);
}

/** Every token, oldest first. */
export async function allTokens(ex: Executor): Promise<TokenRow[]> {
  return (await ex.selectFrom('tokens').select(TOKEN_COLUMNS).orderBy('created_at').execute()).map(tokenRow);
}

/** Marks an active token revoked; false when there is no active token with this id. */
export async function markTokenRevoked(ex: Executor, id: string, at: number): Promise<boolean> {
  const r = await ex.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Stores a session and drops the expired ones (housekeeping: they are useless rows). */
export async function insertSession(
  ex: Executor,
  s: { idHash: string; tokenId: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await ex
    .insertInto('sessions')
    .values({ id_hash: s.idHash, token_id: s.tokenId, created_at: s.createdAt, expires_at: s.expiresAt })
    .execute();
  await ex.deleteFrom('sessions').where('expires_at', '<', s.createdAt).execute();
}

/** The token and expiry of the session whose id hashes to `idHash`. */
export async function sessionByHash(ex: Executor, idHash: string): Promise<{ token_id: string; expires_at: number } | undefined> {
  return ex.selectFrom('sessions').select(['token_id', 'expires_at']).where('id_hash', '=', idHash).executeTakeFirst();
}

export async function deleteSessionByHash(ex: Executor, idHash: string): Promise<void> {
  await ex.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}
