import { describe, expect, it } from 'vitest';
import { MAX_PARAMS_PER_STATEMENT, chunked } from './dialect.js';

describe('chunked', () => {
  it.each([
    { items: 0, per: 1, max: 1000, sizes: [] },
    { items: 2500, per: 1, max: 1000, sizes: [1000, 1000, 500] },
    { items: 1200, per: 10, max: 1000, sizes: [500, 500, 200] },
    { items: 3, per: MAX_PARAMS_PER_STATEMENT * 2, max: 1000, sizes: [1, 1, 1] },
    { items: 7, per: 0, max: 3, sizes: [3, 3, 1] },
  ])('$items items of $per values, at most $max rows: $sizes', ({ items, per, max, sizes }) => {
    const rows = Array.from({ length: items }, (_, i) => i);
    const chunks = chunked(rows, per, max);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(rows);
  });
});
