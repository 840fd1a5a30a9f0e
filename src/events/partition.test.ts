import { describe, expect, it } from 'vitest';
import { APPLY_PARTITIONS, PARTITION_EXPRESSION, partitionOrder } from './partition.js';

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
});
