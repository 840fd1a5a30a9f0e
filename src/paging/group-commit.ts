/**
 * Group commit for delivery results: a storm of fast answers should not be
 * one transaction per message. The first result is written at once; every
 * result that arrives while a write is in flight rides in the next one.
 */

/**
 * Writes items as they come: the first is written at once, and every item
 * submitted while a write is in flight is written with the others in the next
 * one. Each submitter waits for the write that carries its item.
 */
export class GroupCommit<T, R> {
  readonly #write: (batch: T[]) => Promise<R>;
  #queue: Array<{ item: T; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];
  #writing = false;

  constructor(write: (batch: T[]) => Promise<R>) {
    this.#write = write;
  }

  /** Queues `item`; resolves with the result of the write that carried it. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          const r = await this.#write(batch.map((b) => b.item));
          for (const b of batch) b.resolve(r);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
