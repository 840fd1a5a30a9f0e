/**
 * The durable inbox: where an accepted event is written before its 202 goes
 * out. Writes are group-committed: every event that arrives while a commit is
 * in flight rides in the next one, so throughput grows with load while each
 * request still waits for its own row to be on disk.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import type { Database } from '../db/connect.js';
import type { EventsTable } from '../db/schema.js';
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
  #insert: BetterSqlite3.Statement | undefined;

  constructor(database: Database, options: InboxOptions = {}) {
    this.#database = database;
    // SQLite binds at most 32766 variables per statement; 10 columns a row.
    this.#maxBatch = Math.min(options.maxBatch ?? 1000, 3000);
    this.#maxInFlight = database.dialect === 'sqlite' ? 1 : (options.maxInFlight ?? 4);
    this.#onCommit = options.onCommit ?? (() => {});
  }

  /**
   * SQLite: the hot path of every accepted event, so it skips the query
   * builder for one cached prepared statement. The Kysely connection is held
   * for the duration, so no engine transaction can be open on the handle; the
   * connection normally commits at synchronous=NORMAL (safe from any process
   * crash) and is raised to FULL around this transaction so that a 202 also
   * survives power loss (the pragma cannot change inside a transaction).
   */
  async #commitSqlite(handle: BetterSqlite3.Database, rows: readonly Row[]): Promise<void> {
    await this.#database.db.connection().execute(async () => {
      this.#insert ??= handle.prepare(
        'insert into events (engagement_id, service_id, integration_type, integration_key, kind, received_at, request_id, raw, actions, processed_at) values (@engagement_id, @service_id, @integration_type, @integration_key, @kind, @received_at, @request_id, @raw, @actions, @processed_at)',
      );
      const insert = this.#insert;
      handle.pragma('synchronous = FULL');
      try {
        handle.transaction(() => {
          for (const row of rows) insert.run(row);
        })();
      } finally {
        handle.pragma('synchronous = NORMAL');
      }
    });
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
    const rows: Row[] = [];
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
      const sqlite = this.#database.sqlite;
      if (sqlite) await this.#commitSqlite(sqlite, rows);
      // One multi-row INSERT is one atomic statement: all or nothing, and on PostgreSQL
      // every commit outside the engine is synchronous.
      else await this.#database.db.insertInto('events').values(rows).execute();
    } catch (err) {
      for (const p of stored) p.reject(err);
      return;
    }
    for (const p of stored) p.resolve();
    this.#onCommit(stored.length);
  }
}

type Row = Insertable<EventsTable>;

function toRow(e: IngestEvent): Row {
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
