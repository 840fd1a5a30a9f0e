/**
 * 0003: dashboard sessions. Signing in with an API token gives a session
 * cookie (httpOnly, SameSite=Strict); the database keeps only a hash of the
 * session id and which token it stands for, so revoking the token ends it.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
