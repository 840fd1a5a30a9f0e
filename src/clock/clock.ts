/**
 * Where domain code gets the time. Nothing in Tandem's core calls `Date.now()`:
 * the server passes the system clock, tests pass a {@link VirtualClock} and
 * fast-forward a night in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that only moves when told to. */
export class VirtualClock implements Clock {
  #now: number;

  constructor(start: number | string | Date) {
    this.#now = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.#now)) throw new Error(`VirtualClock: bad start ${String(start)}`);
  }

  now(): number {
    return this.#now;
  }

  /** Move forward by `ms` milliseconds. */
  advance(ms: number): number {
    if (ms < 0) throw new Error('VirtualClock cannot go backwards');
    this.#now += ms;
    return this.#now;
  }

  /** Jump to an instant at or after the current one. */
  set(to: number | string | Date): number {
    const t = typeof to === 'number' ? to : new Date(to).getTime();
    if (t < this.#now) throw new Error('VirtualClock cannot go backwards');
    this.#now = t;
    return this.#now;
  }
}
