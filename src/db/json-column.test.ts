/** The JSON column codec: a round trip, and errors that name the column. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonColumnError, jsonColumn } from './json-column.js';

const column = jsonColumn(z.array(z.string()), 'tokens.engagements');

describe('jsonColumn', () => {
  it('reads back what it wrote', () => {
    expect(column.parse(column.stringify(['acme', 'globex']))).toEqual(['acme', 'globex']);
  });

  it('names the column when the text is not JSON', () => {
    expect(() => column.parse('[acme')).toThrow(JsonColumnError);
    expect(() => column.parse('[acme')).toThrow(/^tokens\.engagements: stored value is not valid/);
  });

  it('names the column and the place when the shape is wrong', () => {
    expect(() => column.parse('["acme", 3]')).toThrow(/^tokens\.engagements: stored value is not valid: .* at 1$/);
  });
});
