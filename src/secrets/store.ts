/**
 * The server_secrets table: named secrets generated once and shared by every
 * instance. The first insert wins; later ones change nothing.
 */
import type { Executor } from '../db/executor.js';

/** Stores `value` under `name` unless a value is already there. */
export async function insertSecretIfAbsent(ex: Executor, name: string, value: string, at: number): Promise<void> {
  await ex
    .insertInto('server_secrets')
    .values({ name, value, created_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/** The stored value of a secret; throws when there is none. */
export async function secretValue(ex: Executor, name: string): Promise<string> {
  return (await ex.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow()).value;
}
