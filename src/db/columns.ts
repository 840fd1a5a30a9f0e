/**
 * Many rows into one table in one PostgreSQL statement, sent as one array per
 * column: `INSERT ... SELECT FROM unnest($1::text[], $2::bigint[], ...)`.
 * The engine's largest writes (a batch's timeline entries, its new incidents
 * and alerts) go this way on PostgreSQL: the statement text is the same for
 * any number of rows, the server parses one parameter per column instead of
 * one per value, and nothing is built per value on the way (a Kysely
 * multi-row insert compiles a node per value: about a tenth of the engine's
 * CPU applying an alert storm, issue 14). Rows are inserted in the order
 * given, so ids taken from the table's sequence follow that order.
 */
import { CompiledQuery } from 'kysely';
import type { ValuesColumn } from './dialect.js';
import { executorDialect } from './dialect.js';
import type { Executor } from './executor.js';

/** A column to insert, with its PostgreSQL type (an array of it is sent). */
export interface InsertColumn<R> extends ValuesColumn {
  readonly name: keyof R & string;
}

/** Every column of a row type with its PostgreSQL type: a column the row type gains and this misses does not compile. */
export function columnsOf<R extends object>(types: Record<keyof R & string, ValuesColumn['pgType']>): Array<InsertColumn<R>> {
  return (Object.keys(types) as Array<keyof R & string>).map((name) => ({ name, pgType: types[name] }));
}

/** The statement text, by table and columns: built once. */
const texts = new Map<string, string>();

function insertText(table: string, columns: readonly ValuesColumn[]): string {
  const key = `${table}(${columns.map((c) => `${c.name}:${c.pgType}`).join(',')})`;
  let text = texts.get(key);
  if (text === undefined) {
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const arrays = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    text = `insert into "${table}" (${names}) select ${names} from unnest(${arrays}) with ordinality as u(${names}, ord) order by ord`;
    texts.set(key, text);
  }
  return text;
}

/**
 * Inserts `rows` into `table` in one statement on PostgreSQL and returns
 * true; returns false, writing nothing, on SQLite (whose stores insert
 * through prepared statements or Kysely).
 */
export async function insertColumns<R extends object>(
  ex: Executor,
  table: string,
  columns: ReadonlyArray<InsertColumn<R>>,
  rows: readonly R[],
): Promise<boolean> {
  if (executorDialect(ex) !== 'postgres') return false;
  if (rows.length === 0) return true;
  const arrays = columns.map((c) => rows.map((r) => (r as Record<string, unknown>)[c.name] ?? null));
  await ex.executeQuery(CompiledQuery.raw(insertText(table, columns), arrays));
  return true;
}
