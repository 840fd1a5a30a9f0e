/**
 * The live feed behind the dashboard: every change to an incident lands on
 * its timeline, so one poller per server watches the timeline and pushes the
 * changed incidents to subscribers (server-sent events), each seeing only
 * its engagements. Driven by the database, it works the same when the
 * change happened on another instance; the engine also kicks it after each
 * pass so a new incident shows up at once.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/connect.js';
import { chunked } from '../db/dialect.js';
import type { IncidentRow } from '../db/schema.js';
import { incidentsById } from '../incident/store.js';
import { latestTimelineId, timelineSince } from './store.js';

/** One open stream: the engagements it may see, and how to send it an event. */
export interface Subscriber {
  readonly engagements: ReadonlySet<string>;
  send(event: string, data: unknown): void;
}

/** Ids below the newest one seen that are read again, in case a lower id committed late (PostgreSQL). */
const LOOKBACK = 1000;
/** Timeline entries read per poll. */
const READ_LIMIT = 20_000;
/** Ids of entries already pushed that are remembered before the set is trimmed to the lookback. */
const SEEN_LIMIT = 50_000;
/** Incidents presented together. */
const PRESENT_BATCH = 500;

/** One poller per server over the timeline, pushing changed incidents to the subscribers who may see them. */
export class LiveFeed {
  readonly #database: Database;
  readonly #log: Logger;
  readonly #present: (rows: IncidentRow[]) => Promise<unknown[]>;
  readonly #pollMs: number;
  readonly #subscribers = new Set<Subscriber>();
  #cursor = -1;
  #seen = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(database: Database, log: Logger, present: (rows: IncidentRow[]) => Promise<unknown[]>, pollMs = 500) {
    this.#database = database;
    this.#log = log;
    this.#present = present;
    this.#pollMs = pollMs;
  }

  subscribe(s: Subscriber): () => void {
    this.#subscribers.add(s);
    if (this.#subscribers.size === 1) {
      // Nobody was listening: start from now, not from whatever changed while the feed was idle.
      this.#cursor = -1;
      this.#seen.clear();
      this.kick();
    }
    return () => this.#subscribers.delete(s);
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Looks for changes now. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#running = this.#poll()
      .catch((err: unknown) => this.#log.warn({ err }, 'live feed poll failed'))
      .finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          setImmediate(() => this.kick());
        } else if (this.#subscribers.size > 0) {
          this.#timer = setTimeout(() => this.kick(), this.#pollMs);
          this.#timer.unref();
        }
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    for (const s of this.#subscribers) s.send('bye', {});
    this.#subscribers.clear();
  }

  async #poll(): Promise<void> {
    const db = this.#database.db;
    if (this.#cursor < 0) {
      this.#cursor = await latestTimelineId(db);
      return;
    }
    if (this.#subscribers.size === 0) return;
    const changed = new Set<number>();
    for (const r of await timelineSince(db, Math.max(0, this.#cursor - LOOKBACK), READ_LIMIT)) {
      if (this.#seen.has(r.id)) continue;
      this.#seen.add(r.id);
      changed.add(r.incident_id);
      if (r.id > this.#cursor) this.#cursor = r.id;
    }
    if (this.#seen.size > SEEN_LIMIT) this.#seen = new Set([...this.#seen].filter((id) => id > this.#cursor - LOOKBACK));
    for (const ids of chunked([...changed], 1, PRESENT_BATCH)) await this.#push([...(await incidentsById(db, ids)).values()]);
  }

  /** Sends each incident to the subscribers who may see its engagement. */
  async #push(incidents: IncidentRow[]): Promise<void> {
    const presented = await this.#present(incidents);
    incidents.forEach((incident, k) => {
      for (const s of this.#subscribers) if (s.engagements.has(incident.engagement_id)) s.send('incident', presented[k]);
    });
  }
}
