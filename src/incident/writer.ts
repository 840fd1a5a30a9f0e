/**
 * How commands write: through a transaction, with timeline entries either
 * appended at once (API calls) or collected and appended together at the end
 * of an engine batch, in order, as one multi-row insert.
 */
import type { Executor } from '../db/executor.js';
import type { TimelineEntry } from './timeline.js';
import { appendTimeline } from './timeline.js';

export interface IncidentWriter {
  readonly ex: Executor;
  timeline(entries: readonly TimelineEntry[]): Promise<void>;
}

export function directWriter(ex: Executor): IncidentWriter {
  return { ex, timeline: (entries) => appendTimeline(ex, entries) };
}

/** Collects timeline entries; {@link flush} writes them in the order they came. */
export class BufferedWriter implements IncidentWriter {
  readonly ex: Executor;
  #entries: TimelineEntry[] = [];

  constructor(ex: Executor) {
    this.ex = ex;
  }

  async timeline(entries: readonly TimelineEntry[]): Promise<void> {
    for (const e of entries) this.#entries.push(e);
  }

  async flush(): Promise<void> {
    const entries = this.#entries;
    this.#entries = [];
    // 10 columns a row: 300 rows stay far below both databases' parameter limits.
    for (let i = 0; i < entries.length; i += 300) await appendTimeline(this.ex, entries.slice(i, i + 300));
  }
}
