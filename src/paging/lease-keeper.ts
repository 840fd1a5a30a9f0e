/**
 * A claim must never outlive its lease while it is being worked, or another
 * instance would send the same messages again. The keeper renews the lease of
 * the messages still open (with the result records, or by a timer when no
 * result comes in) and remembers the ones another instance took over.
 */
import type { EngineContext } from '../engine/engine.js';
import { extendLease } from './store.js';

/** A lease renewal to write: these messages, held until `until`. */
export interface Renewal {
  readonly ids: number[];
  readonly until: number;
}

/**
 * Keeps a claim's lease alive while it is worked: renewed with the result
 * records once a quarter of it is used, and by a timer when no result comes
 * in (every send hanging to its timeout). Records and renewals run one at a
 * time, so a renewal that finds a message no longer held means another
 * instance took it over; that message is then not sent here.
 */
export class LeaseKeeper {
  readonly #ctx: EngineContext;
  readonly #leaseMs: number;
  readonly #open: Set<number>;
  readonly #lost = new Set<number>();
  #renewedAt: number;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(ctx: EngineContext, leaseMs: number, ids: readonly number[]) {
    this.#ctx = ctx;
    this.#leaseMs = leaseMs;
    this.#open = new Set(ids);
    this.#renewedAt = ctx.clock.now();
    if (ids.length > 0) {
      this.#timer = setInterval(() => void this.serial(() => this.#heartbeat()), Math.max(1000, Math.floor(leaseMs / 3)));
      this.#timer.unref();
    }
  }

  /** Whether this claim still holds the message (no renewal found it taken over). */
  holds(id: number): boolean {
    return !this.#lost.has(id);
  }

  /** These messages have their result: no more renewals for them. */
  done(ids: readonly number[]): void {
    for (const id of ids) this.#open.delete(id);
  }

  /** The renewal to write with the next record: once a quarter of the lease is used, every message still open. */
  renewal(): Renewal | undefined {
    const now = this.#ctx.clock.now();
    if (this.#open.size === 0 || now - this.#renewedAt < this.#leaseMs / 4) return undefined;
    this.#renewedAt = now;
    return { ids: [...this.#open], until: now + this.#leaseMs };
  }

  /** A renewal asked for `asked` and still held `held`: the rest were taken over. */
  update(asked: readonly number[], held: ReadonlySet<number>): void {
    const lost = asked.filter((id) => !held.has(id));
    for (const id of lost) this.#lost.add(id);
    if (lost.length > 0) this.#ctx.log.warn({ notifications: lost }, 'delivery lease lost: another instance took these messages over');
  }

  /** Runs database work for this claim one piece at a time. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #heartbeat(): Promise<void> {
    const renew = this.renewal();
    if (!renew) return;
    try {
      this.update(renew.ids, await extendLease(this.#ctx.database.db, this.#ctx.instanceId, renew.ids, renew.until));
    } catch (err) {
      this.#ctx.log.error({ err }, 'delivery lease renewal failed; will retry');
    }
  }

  /** Stops the timer and waits for the claim's database work in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#chain;
  }
}
