/**
 * Apply partitions (PostgreSQL): accepted events split by a stable hash of
 * their (engagement, service) into a fixed number of parts. Everything that
 * applying an event reads or decides is per service — open alerts by dedup
 * key, Alertmanager groups, the incidents they open — so one applier per
 * partition keeps dedup and per-service order exact while different
 * partitions are applied at once, by several workers of one instance and by
 * several instances. What partitions share is taken in one order at the end
 * of a batch (an engagement's incident numbers, the chain heads), so two
 * batches never wait on each other for long and never deadlock.
 *
 * The hash is PostgreSQL's own `hashtext`, computed in SQL where events are
 * read (migration 0020 indexes the same expression), so nothing that appends
 * events has to know partitions. The number of partitions is part of the
 * index: changing it is a new migration.
 */

/** How many partitions events are applied in. */
export const APPLY_PARTITIONS = 64;

/**
 * The partition of an event row, in SQL (PostgreSQL). `& 63` keeps the low
 * six bits, 0 to 63 whatever the hash's sign. It must stay exactly the text
 * migration 0020 indexed, or the planner no longer uses that index.
 */
export const PARTITION_EXPRESSION = "hashtext(engagement_id || '/' || service_id) & 63";

/**
 * The order a worker tries partitions in: from `start`, wrapping around, so
 * workers that start at different places rarely try the same one first and
 * every partition with work gets its turn (a storm on one service does not
 * starve the others).
 */
export function partitionOrder(waiting: readonly number[], start: number): number[] {
  const sorted = [...waiting].sort((a, b) => a - b);
  const from = sorted.findIndex((p) => p >= start);
  return from <= 0 ? sorted : [...sorted.slice(from), ...sorted.slice(0, from)];
}

/**
 * The waiting partitions (in the order to try them) shared out among at most
 * `workers` transactions, in runs of neighbours with about as many events
 * each, and no more transactions than batches of `batch` events need: under
 * a steady storm a few events wait in each partition at a time, and a
 * transaction's fixed round trips would then cost more than its events.
 */
export function shareOut(
  waiting: ReadonlyArray<{ readonly part: number; readonly events: number }>,
  workers: number,
  batch: number,
): number[][] {
  const total = waiting.reduce((n, w) => n + w.events, 0);
  const n = Math.min(Math.max(1, workers), waiting.length, Math.max(1, Math.ceil(total / Math.max(1, batch))));
  const shares: number[][] = [];
  let share: number[] = [];
  let sum = 0;
  for (const [i, w] of waiting.entries()) {
    share.push(w.part);
    sum += w.events;
    // Close this share at its fair part of the events, leaving at least one partition for each share still to come.
    const left = waiting.length - i - 1;
    if (shares.length < n - 1 && (sum >= (total * (shares.length + 1)) / n || left === n - 1 - shares.length)) {
      shares.push(share);
      share = [];
    }
  }
  if (share.length > 0) shares.push(share);
  return shares;
}
