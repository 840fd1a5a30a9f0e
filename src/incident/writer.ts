/**
 * How commands write: through a transaction, with timeline entries either
 * appended at once (API calls) or collected and appended together at the end
 * of an engine batch, in order, as one multi-row insert.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { TimelineEntry } from './timeline.js';
import { appendTimeline } from './timeline.js';

export interface IncidentWriter {
  readonly ex: Executor;
  timeline(entries: readonly TimelineEntry[]): Promise<void>;
  /**
   * A per-batch collector of rows to write together when the batch flushes
   * (one multi-row insert instead of one per incident), or undefined when
   * writes should happen at once (API calls).
   */
  collector?<T extends Collector>(key: string, create: () => T): T;
}

/** Rows gathered during a batch and written in bulk at its end. */
export interface Collector {
  flush(ex: Executor): Promise<void>;
}

export function directWriter(ex: Executor): IncidentWriter {
  return { ex, timeline: (entries) => appendTimeline(ex, entries) };
}

/** Collects timeline entries; {@link flush} writes them in the order they came. */
export class BufferedWriter implements IncidentWriter {
  readonly ex: Executor;
  readonly #sqlite: BetterSqlite3.Database | undefined;
  #entries: TimelineEntry[] = [];
  #collectors = new Map<string, Collector>();

  /** `database`: where `ex` runs; on SQLite the flush writes through the raw handle (same connection, same transaction). */
  constructor(ex: Executor, database?: Database) {
    this.ex = ex;
    this.#sqlite = database?.sqlite;
  }

  async timeline(entries: readonly TimelineEntry[]): Promise<void> {
    for (const e of entries) this.#entries.push(e);
  }

  collector<T extends Collector>(key: string, create: () => T): T {
    let c = this.#collectors.get(key);
    if (!c) this.#collectors.set(key, (c = create()));
    return c as T;
  }

  async flush(): Promise<void> {
    const collectors = [...this.#collectors.values()];
    this.#collectors.clear();
    for (const c of collectors) await c.flush(this.ex);
    const entries = this.#entries;
    this.#entries = [];
    await appendTimeline(this.ex, entries, this.#sqlite);
  }
}
