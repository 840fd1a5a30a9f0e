/**
 * A single sign-on becomes an ordinary dashboard session. Sessions stand for
 * a token, so each signed-in identity has one token of its own, labelled
 * `sso <email>`, never shown to anyone (its secret is discarded): it carries
 * the role, engagements and person of the mapping, `tandem token list` shows
 * it, and revoking it ends that identity's sessions. When the mapping changes
 * (a new group, a person removed from a file) the old token is revoked, which
 * ends its sessions, and a new one is made.
 */
import type { Executor } from '../db/executor.js';
import { createSession } from '../token/session.js';
import { activeTokensByLabel, markTokenRevoked } from '../token/store.js';
import { createToken } from '../token/token.js';
import type { SsoDecision } from './mapping.js';

type Granted = Extract<SsoDecision, { ok: true }>;

/** Starts a session for a mapped sign-in; returns the cookie value and expiry. */
export async function ssoSession(ex: Executor, granted: Granted, at: number): Promise<{ id: string; expiresAt: number }> {
  const same = (row: { role: string; engagements: string[]; person_id: string | null }) =>
    row.role === granted.role && row.person_id === granted.personId && row.engagements.join(',') === granted.engagements.join(',');
  let tokenId: string | undefined;
  for (const row of await activeTokensByLabel(ex, granted.label)) {
    if (tokenId === undefined && same(row)) tokenId = row.id;
    else await markTokenRevoked(ex, row.id, at);
  }
  tokenId ??= (
    await createToken(ex, {
      role: granted.role,
      engagements: granted.engagements,
      personId: granted.personId,
      label: granted.label,
      at,
    })
  ).id;
  return createSession(ex, tokenId, at);
}
