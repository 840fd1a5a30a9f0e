/**
 * How commands write: through a transaction, with timeline entries and other
 * rows (escalation steps, SLA clocks) collected and written together when
 * the writer flushes, in order, as multi-row inserts. Engine batches and
 * single API commands write the same way: there is one write path.
 */
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { ChangeHooks, IncidentChange } from './changes.js';
import { appendTimeline } from './store.js';
import type { TimelineEntry } from './timeline.js';

export interface IncidentWriter {
  readonly ex: Executor;
  timeline(entries: readonly TimelineEntry[]): Promise<void>;
  /**
   * A per-batch collector of rows to write together when the batch flushes
   * (one multi-row insert instead of one per incident).
   */
  collector<T extends Collector>(key: string, create: () => T): T;
  /** Tells the subscribers (SLA clocks) that a command changed the incident's status or priority. */
  changed(change: IncidentChange, at: number): Promise<void>;
  /**
   * Writes the rows collected so far (the new incidents and alerts of an
   * event batch, escalations, SLA clocks), timeline entries excepted: called
   * before a statement that reads those rows or refers to them by foreign
   * key (a ticket row, a silence's look at an alert, an update of a new
   * incident). Nothing to write costs nothing.
   */
  written(): Promise<void>;
}

/** Rows gathered during a batch and written in bulk at its end. */
export interface Collector {
  flush(ex: Executor): Promise<void>;
  /** A per-batch cache with nothing to write: kept when the writer writes what it collected before the end ({@link IncidentWriter.written}). */
  readonly cache?: boolean;
  /** Rows the other collectors' rows refer to (new incidents and alerts): written before them. */
  readonly referenced?: boolean;
}

/** Collects timeline entries; {@link flush} writes them in the order they came. */
export class BufferedWriter implements IncidentWriter {
  readonly ex: Executor;
  readonly #database: Database | undefined;
  #entries: TimelineEntry[] = [];
  #collectors = new Map<string, Collector>();
  readonly #hooks: ChangeHooks;

  /**
   * `database`: where `ex` runs; on SQLite the timeline store then writes through a prepared statement (same connection, same transaction).
   * `hooks`: who is told about incident changes (the engine's hooks).
   */
  constructor(ex: Executor, database: Database | undefined, hooks: ChangeHooks) {
    this.ex = ex;
    this.#database = database;
    this.#hooks = hooks;
  }

  async timeline(entries: readonly TimelineEntry[]): Promise<void> {
    for (const e of entries) this.#entries.push(e);
  }

  collector<T extends Collector>(key: string, create: () => T): T {
    let c = this.#collectors.get(key);
    if (!c) this.#collectors.set(key, (c = create()));
    return c as T;
  }

  async changed(change: IncidentChange, at: number): Promise<void> {
    for (const hook of this.#hooks.changed) await hook(this, change, at);
  }

  async written(): Promise<void> {
    const collectors = [...this.#collectors.entries()]
      .filter(([, c]) => !c.cache)
      .sort(([, a], [, b]) => Number(b.referenced ?? false) - Number(a.referenced ?? false));
    // Dropped before they write: a collector asked for again while (or after) they do starts empty.
    for (const [key] of collectors) this.#collectors.delete(key);
    for (const [, c] of collectors) await c.flush(this.ex);
  }

  async flush(): Promise<void> {
    await this.written();
    this.#collectors.clear();
    const entries = this.#entries;
    this.#entries = [];
    await appendTimeline(this.ex, entries, this.#database);
  }
}

/** Runs `fn` with a writer on `ex` and flushes what it collected: one command's writes. */
export async function withWriter<T>(
  ex: Executor,
  database: Database | undefined,
  hooks: ChangeHooks,
  fn: (w: IncidentWriter) => Promise<T>,
): Promise<T> {
  const w = new BufferedWriter(ex, database, hooks);
  const result = await fn(w);
  await w.flush();
  return result;
}
