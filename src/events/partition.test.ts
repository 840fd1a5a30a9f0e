import { describe, expect, it } from 'vitest';
import { APPLY_PARTITIONS, PARTITION_EXPRESSION, partitionOrder, shareOut } from './partition.js';

describe('apply partitions', () => {
  it('tries the waiting partitions from the start given, wrapping around, each once', () => {
    expect(partitionOrder([40, 3, 17, 63], 17)).toEqual([17, 40, 63, 3]);
    expect(partitionOrder([40, 3, 17, 63], 41)).toEqual([63, 3, 17, 40]);
    expect(partitionOrder([40, 3, 17, 63], 0)).toEqual([3, 17, 40, 63]);
  });

  it('starts over from the lowest when the start is past every waiting partition', () => {
    expect(partitionOrder([5, 9], 60)).toEqual([5, 9]);
    expect(partitionOrder([], 12)).toEqual([]);
  });

  it('the SQL expression keeps as many low bits as there are partitions (a power of two)', () => {
    expect(APPLY_PARTITIONS & (APPLY_PARTITIONS - 1)).toBe(0);
    expect(PARTITION_EXPRESSION).toContain(`& ${APPLY_PARTITIONS - 1}`);
  });

  const w = (parts: ReadonlyArray<readonly [number, number]>) => parts.map(([part, events]) => ({ part, events }));

  it('shares a backlog out among the workers in runs of neighbours with about as many events each', () => {
    const all = Array.from({ length: 64 }, (_, i) => [i, 500] as const);
    const shares = shareOut(w(all), 4, 500);
    expect(shares.map((s) => s.length)).toEqual([16, 16, 16, 16]);
    expect(shares.flat()).toEqual(all.map(([p]) => p));
    expect(
      shareOut(
        w([
          [1, 400],
          [2, 100],
          [3, 400],
          [4, 100],
        ]),
        2,
        100,
      ),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('takes no more transactions than batches need: a few events in many partitions go in one', () => {
    const trickle = Array.from({ length: 40 }, (_, i) => [i, 3] as const);
    expect(shareOut(w(trickle), 8, 500)).toEqual([trickle.map(([p]) => p)]);
    expect(shareOut(w(trickle), 8, 50).length).toBe(3);
  });

  it('never makes an empty share, and keeps every partition once', () => {
    expect(
      shareOut(
        w([
          [9, 1000],
          [4, 1],
        ]),
        4,
        500,
      ),
    ).toEqual([[9], [4]]);
    expect(shareOut([], 4, 500)).toEqual([]);
    expect(
      shareOut(
        w([
          [1, 5],
          [2, 5],
          [3, 5],
        ]),
        0,
        1,
      ),
    ).toEqual([[1, 2, 3]]);
    const skewed = w([
      [0, 2000],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    const shares = shareOut(skewed, 3, 500);
    expect(shares).toHaveLength(3);
    expect(shares.every((s) => s.length > 0)).toBe(true);
    expect(shares.flat()).toEqual([0, 1, 2, 3, 4]);
  });
});
