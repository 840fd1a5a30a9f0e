import { describe, expect, it } from 'vitest';
import { collectGarbage } from './heap.js';

describe('collectGarbage', () => {
  it('frees a large structure that was just dropped, without --expose-gc', () => {
    let big: number[][] | undefined = Array.from({ length: 200 }, (_, i) => Array.from({ length: 5000 }, (_, j) => i * j + 0.5));
    collectGarbage();
    const holding = process.memoryUsage().heapUsed;
    expect(big.length).toBe(200);
    big = undefined;
    const ms = collectGarbage();
    expect(ms).toBeGreaterThanOrEqual(0);
    // 200 × 5,000 doubles is about 8 MB: at least most of it is gone after one call.
    expect(holding - process.memoryUsage().heapUsed).toBeGreaterThan(5_000_000);
  });
});
