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

  it('shares partitions out among workers in runs of neighbours, as even as can be, never an empty share', () => {
    expect(shareOut([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(shareOut([9, 4], 4)).toEqual([[9], [4]]);
    expect(shareOut([], 4)).toEqual([]);
    expect(shareOut([1, 2, 3], 0)).toEqual([[1, 2, 3]]);
    const all = Array.from({ length: 64 }, (_, i) => i);
    const shares = shareOut(all, 4);
    expect(shares.map((s) => s.length)).toEqual([16, 16, 16, 16]);
    expect(shares.flat()).toEqual(all);
  });
});
