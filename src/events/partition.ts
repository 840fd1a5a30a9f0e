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

/** `parts` in at most `workers` shares of consecutive ones, as even as can be. */
export function shareOut(parts: readonly number[], workers: number): number[][] {
  const n = Math.min(Math.max(1, workers), parts.length);
  const shares: number[][] = [];
  for (let i = 0, from = 0; i < n; i++) {
    const size = Math.ceil((parts.length - from) / (n - i));
    shares.push(parts.slice(from, from + size));
    from += size;
  }
  return shares;
}
