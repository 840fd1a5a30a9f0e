/**
 * The `imports` table: which incidents came from which source row, so a
 * second import of the same file finds them and skips them.
 */
import { chunked } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';

/** The source ids among `sourceIds` already imported into the engagement from `source`. */
export async function importedSourceIds(
  ex: Executor,
  engagementId: string,
  source: string,
  sourceIds: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  // Chunked: both databases limit the parameters of one statement.
  for (const ids of chunked(sourceIds, 1, 500)) {
    const rows = await ex
      .selectFrom('imports')
      .select('source_id')
      .where('engagement_id', '=', engagementId)
      .where('source', '=', source)
      .where('source_id', 'in', ids)
      .execute();
    for (const r of rows) found.add(r.source_id);
  }
  return found;
}

export interface NewImport {
  readonly engagementId: string;
  readonly source: string;
  readonly sourceId: string;
  readonly incidentId: number;
  readonly file: string;
  readonly line: number;
  readonly at: number;
}

/** Records that an incident came from a source row. The unique index refuses the same row twice, even from two imports at once. */
export async function recordImport(ex: Executor, i: NewImport): Promise<void> {
  await ex
    .insertInto('imports')
    .values({
      engagement_id: i.engagementId,
      source: i.source,
      source_id: i.sourceId,
      incident_id: i.incidentId,
      file: i.file,
      line: i.line,
      imported_at: i.at,
    })
    .execute();
}

/** How many SLA breaches the given incidents of an engagement carry (an import's summary). */
export async function countBreaches(ex: Executor, engagementId: string, incidentIds: readonly number[]): Promise<number> {
  let n = 0;
  for (const ids of chunked(incidentIds, 1, 500)) {
    const row = await ex
      .selectFrom('incident_slas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('engagement_id', '=', engagementId)
      .where('incident_id', 'in', ids)
      .where('breached_at', 'is not', null)
      .executeTakeFirst();
    n += Number(row?.n ?? 0);
  }
  return n;
}
