/**
 * The durable inbox: where an accepted event is written before its 202 goes
 * out. Writes are group-committed: every event that arrives while a commit is
 * in flight rides in the next one, so throughput grows with load while each
 * request still waits for its own row to be on disk. The rows go to the
 * event log's store (events/store.ts), which on SQLite takes the prepared-
 * statement fast path.
 */
import type { Database } from '../db/connect.js';
import { concurrentWriters } from '../db/dialect.js';
import { appendEvents } from './store.js';
import type { NewEventRow } from './store.js';
import type { IngestEvent } from './event.js';

/** Where accepted events go: resolves once the event is durably stored. */
export interface EventSink {
  append(event: IngestEvent): Promise<void>;
  /** Resolves when nothing is waiting to be stored (graceful shutdown). */
  drained(): Promise<void>;
}

export interface InboxOptions {
  /** Most events in one commit. */
  maxBatch?: number;
  /** Commits in flight at once (PostgreSQL; SQLite commits one at a time). */
  maxInFlight?: number;
  /** Called after each commit, e.g. to wake the engine. */
  onCommit?: (count: number) => void;
}

interface Pending {
  event: IngestEvent;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Inbox implements EventSink {
  readonly #database: Database;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #onCommit: (count: number) => void;
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(database: Database, options: InboxOptions = {}) {
    this.#database = database;
    // SQLite binds at most 32766 variables per statement; 10 columns a row.
    this.#maxBatch = Math.min(options.maxBatch ?? 1000, 3000);
    this.#maxInFlight = concurrentWriters(database.dialect, options.maxInFlight ?? 4);
    this.#onCommit = options.onCommit ?? (() => {});
  }

  /** Resolves once the event is committed to the database. */
  append(event: IngestEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or in flight (graceful shutdown). */
  drained(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate lets every request parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#commit(batch).finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#pump();
        else if (this.#inFlight === 0) for (const done of this.#idle.splice(0)) done();
      });
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    // Nothing that can throw runs outside a try: a throw here would be an unhandled rejection
    // (the pump does not await) and every request in the batch would wait forever.
    const rows: NewEventRow[] = [];
    const stored: Pending[] = [];
    for (const p of batch) {
      try {
        rows.push(toRow(p.event));
        stored.push(p);
      } catch (err) {
        // Only this event fails (its request answers 503); the rest of the batch is stored.
        p.reject(err);
      }
    }
    if (stored.length === 0) return;
    try {
      // All or nothing, and on disk (power loss included) when it resolves.
      await appendEvents(this.#database, rows);
    } catch (err) {
      for (const p of stored) p.reject(err);
      return;
    }
    for (const p of stored) p.resolve();
    this.#onCommit(stored.length);
  }
}

/** Throws when the actions cannot be stored as JSON: only that event fails. */
function toRow(e: IngestEvent): NewEventRow {
  return {
    engagement_id: e.engagementId,
    service_id: e.serviceId,
    integration_type: e.integrationType,
    integration_key: e.integrationKey,
    kind: e.kind,
    received_at: e.receivedAt,
    request_id: e.requestId,
    raw: e.raw,
    actions: JSON.stringify(e.actions),
    processed_at: null,
  };
}
