/**
 * Typed JSON text columns. Both databases keep these columns as text (one
 * schema for SQLite and PostgreSQL), so what comes back is a string; a store
 * turns it into a value once, through the column's codec, and checks its
 * shape there instead of trusting a `JSON.parse(...) as T` at every reader.
 * A row that does not match (written by another version, or by hand) fails
 * loudly with the column's name rather than as an undefined deep inside a
 * report.
 */
import type { z } from 'zod';

/** Reads and writes one JSON text column. */
export interface JsonColumn<T> {
  /** The stored text as a checked value; throws {@link JsonColumnError} when it is not JSON or not of the column's shape. */
  parse(text: string): T;
  /** The text to store. */
  stringify(value: T): string;
}

/** A stored JSON value that is not what its column holds. */
export class JsonColumnError extends Error {
  override readonly name = 'JsonColumnError';

  constructor(
    readonly column: string,
    detail: string,
  ) {
    super(`${column}: stored value is not valid: ${detail}`);
  }
}

/**
 * The codec of a JSON text column.
 * @param schema the shape of the stored value
 * @param column "table.column", for error messages
 */
export function jsonColumn<T>(schema: z.ZodType<T>, column: string): JsonColumn<T> {
  return {
    parse(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new JsonColumnError(column, err instanceof Error ? err.message : String(err));
      }
      const checked = schema.safeParse(value);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const where = issue && issue.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
        throw new JsonColumnError(column, `${issue?.message ?? 'unexpected shape'}${where}`);
      }
      return checked.data;
    },
    stringify: (value) => JSON.stringify(value),
  };
}
