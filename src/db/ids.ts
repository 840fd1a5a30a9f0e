/**
 * Row ids taken ahead of the insert, so a batch can refer to rows it has not
 * written yet (an alert to its incident, a timeline entry to both) and write
 * them together, one multi-row INSERT per table, instead of one round trip
 * per row (issue 14: applying an alert storm on PostgreSQL was bound by
 * round trips). PostgreSQL hands out ids from the table's identity sequence,
 * many in one statement; ids taken and not used leave gaps, as a rolled-back
 * insert would. SQLite has one writer at a time: inside the write transaction
 * the next ids are the table's AUTOINCREMENT counter plus one, counted on in
 * memory, and an insert with an explicit id moves the counter past it.
 */
import { sql } from 'kysely';
import type { Executor } from './executor.js';
import { executorDialect } from './dialect.js';

/** Tables whose ids can be taken ahead. */
export type IdTable = 'incidents' | 'alerts';

/** Ids of one transaction's new rows, taken ahead in blocks. */
export class RowIds {
  readonly #ex: Executor;
  readonly #free = new Map<IdTable, number[]>();
  /** SQLite: the next id to hand out, per table, once read. */
  readonly #next = new Map<IdTable, number>();

  /** `ex`: the transaction the rows are inserted in (on SQLite, the write transaction). */
  constructor(ex: Executor) {
    this.#ex = ex;
  }

  /** The next id for `table`; when none is left, takes `ahead` more at once (at least 1). */
  async take(table: IdTable, ahead: number): Promise<number> {
    let free = this.#free.get(table);
    if (!free || free.length === 0) {
      free = await this.#block(table, Math.max(1, Math.floor(ahead)));
      this.#free.set(table, free);
    }
    const id = free.shift();
    if (id === undefined) throw new Error(`no ${table} id was handed out`);
    return id;
  }

  async #block(table: IdTable, n: number): Promise<number[]> {
    if (executorDialect(this.#ex) === 'postgres') {
      const rows = await sql<{ id: string | number }>`select nextval(pg_get_serial_sequence(${table}, 'id')) as id
        from generate_series(1, ${n})`.execute(this.#ex);
      return rows.rows.map((r) => Number(r.id));
    }
    let next = this.#next.get(table);
    if (next === undefined) {
      const row = await sql<{ last: number | null }>`select max(
          coalesce((select seq from sqlite_sequence where name = ${table}), 0),
          coalesce((select max(id) from ${sql.table(table)}), 0)) as last`.execute(this.#ex);
      next = Number(row.rows[0]?.last ?? 0) + 1;
    }
    this.#next.set(table, next + n);
    return Array.from({ length: n }, (_, i) => next + i);
  }
}
