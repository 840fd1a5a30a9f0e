/**
 * The engine: small modules that each read the current state from the
 * database and move it one step toward the target, inside a transaction
 * (GoAlert's engine). Idempotent, safe to repeat, safe after a crash, safe on
 * several instances at once. Pending work is rows with a due time, never
 * timers in memory: the loop only decides *when* to look again.
 */
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { relaxCommitDurability } from '../db/dialect.js';
import type { Deployment } from '../deployment/deployment.js';

export interface EngineContext {
  readonly database: Database;
  readonly clock: Clock;
  readonly deployment: Deployment;
  readonly log: Logger;
  /** Distinguishes instances in claims and logs. */
  readonly instanceId: string;
}

/**
 * A transaction for engine work. Everything the engine writes is re-derived
 * from durable inputs (accepted events, due rows) if it is lost, so on
 * PostgreSQL its commits do not wait for the WAL flush (synchronous_commit
 * off: never inconsistent, at worst the last few milliseconds of engine work
 * are redone after an operating-system crash). SQLite's engine commits run at
 * synchronous=NORMAL for the same reason (src/db/connect.ts).
 */
export function engineTransaction<T>(database: Database, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return database.db.transaction().execute(async (trx) => {
    await relaxCommitDurability(database.dialect, trx);
    return fn(trx);
  });
}

export interface EngineModule {
  readonly name: string;
  /** Does one bounded step of work. Returns true when more work is ready right now. */
  step(ctx: EngineContext): Promise<boolean>;
  /** When this module's next pending work comes due (epoch ms), so the loop wakes then rather than at the next poll. */
  nextDue?(ctx: EngineContext): Promise<number | null>;
}

export interface EngineOptions {
  /** How often to look for due work when nothing woke the engine. */
  pollMs?: number;
  /**
   * Called after each round of a background pass (every module stepped once), so also at the end of every pass:
   * to wake the next loop for work the round queued (the escalation loop for incidents a batch of events opened,
   * the delivery loop for the pages it queued). A pass runs rounds until no module has more work, which in an
   * alert storm is one round per full batch for as long as the storm lasts; waking the next loop only at the end
   * of the pass would leave the incidents of the first batch waiting for the next loop's poll.
   */
  afterRound?: () => void;
}

export class Engine {
  readonly #ctx: EngineContext;
  readonly #modules: readonly EngineModule[];
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  readonly #afterRound: () => void;

  constructor(ctx: EngineContext, modules: readonly EngineModule[], options: EngineOptions = {}) {
    this.#ctx = ctx;
    this.#modules = modules;
    this.#pollMs = options.pollMs ?? 500;
    this.#afterRound = options.afterRound ?? (() => {});
  }

  get context(): EngineContext {
    return this.#ctx;
  }

  /** Runs every module until none has work left. Tests call this directly on a virtual clock. */
  async runOnce(): Promise<void> {
    await this.#pass(() => {});
  }

  /** Rounds of steps until no module has more work; `afterRound` after each. */
  async #pass(afterRound: () => void): Promise<void> {
    for (let rounds = 0; rounds < 10_000; rounds++) {
      let more = false;
      for (const m of this.#modules) {
        try {
          if (await m.step(this.#ctx)) more = true;
        } catch (err) {
          this.#ctx.log.error({ err, module: m.name }, 'engine module failed; will retry');
        }
      }
      afterRound();
      if (!more) return;
    }
  }

  /** Starts the background loop. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.kick();
  }

  /** Asks for a pass as soon as possible (new events were committed, an incident was acknowledged...). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Started a microtask later, so #running is set before any step runs: a step that kicks at once asks for one
    // more pass after this one rather than starting a second pass beside it.
    this.#running = Promise.resolve()
      .then(() => this.#pass(this.#afterRound))
      .finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          setImmediate(() => this.kick());
        } else {
          void this.#sleep();
        }
      });
  }

  /** Waits until the earliest due work, or the poll interval, whichever comes first. */
  async #sleep(): Promise<void> {
    let wait = this.#pollMs;
    const now = this.#ctx.clock.now();
    for (const m of this.#modules) {
      if (!m.nextDue) continue;
      const due = await m.nextDue(this.#ctx).catch(() => null);
      if (due !== null) wait = Math.min(wait, Math.max(0, due - now));
    }
    if (this.#stopped || this.#running || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.kick();
    }, wait);
    this.#timer.unref();
  }

  /** Stops the loop after the pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
