/**
 * The engagements as last applied to a database: what offline commands
 * (`tandem metrics`, `credits`, `report`, `import`...) work from when they
 * are given only --db, so their figures match what the server did.
 */
import type { Executor } from '../db/executor.js';
import type { Engagement } from '../engagement/model.js';

export async function engagementFromDb(ex: Executor, id: string): Promise<Engagement | undefined> {
  const row = await ex.selectFrom('engagements').select(['config']).where('id', '=', id).executeTakeFirst();
  return row ? (JSON.parse(row.config) as Engagement) : undefined;
}

export async function engagementIdsInDb(ex: Executor): Promise<string[]> {
  return (await ex.selectFrom('engagements').select('id').orderBy('id').execute()).map((r) => r.id);
}
