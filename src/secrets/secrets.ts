/**
 * The server's own secrets (the key that signs respond links, the HMAC key of
 * outbound webhooks). Configured through the environment, or generated once
 * and kept in the database so every instance shares them: the first instance
 * to start wins the insert, the others read it.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../db/connect.js';

export type SecretName = 'link-signing-key' | 'webhook-signing-secret';

export async function serverSecret(database: Database, name: SecretName, configured: string | undefined, at: number): Promise<string> {
  if (configured) return configured;
  await database.db
    .insertInto('server_secrets')
    .values({ name, value: randomBytes(32).toString('base64url'), created_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await database.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
