/**
 * bench:ingest's `during_load`: whether application kept pace with acceptance, from the event counts it sampled
 * in the database while the load ran (bench/rates.js). Synthetic samples, every 0.5 s over a 10 s load.
 */
import { describe, expect, it } from 'vitest';
import { ratesDuringLoad } from '../../bench/rates.js';
import type { EventCountSample } from '../../bench/rates.js';

/** Samples every 0.5 s from 0 to 10 s: `total` events stored and `waiting` at second s. */
function samples(total: (s: number) => number, waiting: (s: number, i: number) => number): EventCountSample[] {
  return Array.from({ length: 21 }, (_, i) => ({ s: i / 2, total: total(i / 2), waiting: waiting(i / 2, i) }));
}

describe("bench:ingest's rates during the load", () => {
  it('reads a backlog that swings by the batches in flight around a steady level as application keeping pace', () => {
    // 4,000 events/s accepted and applied; the backlog alternates between 200 and 1,800 from one sample to the next.
    const rates = ratesDuringLoad(
      samples(
        (s) => 2000 + 4000 * s,
        (_, i) => (i % 2 ? 1800 : 200),
      ),
    );
    expect(rates).not.toBeNull();
    expect(rates?.accepted_events_per_s).toBe(4000);
    expect(Math.abs((rates?.applied_of_accepted ?? 0) - 1)).toBeLessThan(0.02);
    expect(Math.abs(rates?.backlog_growth_events_per_s ?? Infinity)).toBeLessThan(60);
    expect([rates?.backlog_min, rates?.backlog_max]).toEqual([200, 1800]);
  });

  it('reads a backlog that grows as application falling behind, by how much', () => {
    // Accepted at 4,000 events/s, applied at 3,000: the backlog grows by 1,000 a second.
    const rates = ratesDuringLoad(
      samples(
        (s) => 4000 * s,
        (s) => 1000 * s,
      ),
    );
    expect(rates).toMatchObject({ accepted_events_per_s: 4000, applied_events_per_s: 3000, applied_of_accepted: 0.75 });
    expect(rates?.backlog_growth_events_per_s).toBe(1000);
    expect([rates?.backlog_min, rates?.backlog_max]).toEqual([2500, 10000]);
  });

  it('leaves out the first quarter of the load, in which the first batches fill the pipeline', () => {
    // The backlog climbs to 2,000 in the first 2 s, then holds: a latency, not a rate application lacks.
    const rates = ratesDuringLoad(
      samples(
        (s) => 3500 * s,
        (s) => Math.min(2000, 1000 * s),
      ),
    );
    expect(rates?.from_s).toBe(2.5);
    expect(rates?.to_s).toBe(10);
    expect(rates?.samples).toBe(16);
    expect(rates?.applied_of_accepted).toBe(1);
  });

  it('gives no rates without enough samples to fit', () => {
    expect(ratesDuringLoad([])).toBeNull();
    expect(ratesDuringLoad([{ s: 0, total: 0, waiting: 0 }])).toBeNull();
    expect(
      ratesDuringLoad([
        { s: 0, total: 0, waiting: 0 },
        { s: 1, total: 100, waiting: 0 },
      ]),
    ).toBeNull();
  });
});
