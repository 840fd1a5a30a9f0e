/**
 * What the JSON importers share: parsing the document (a syntax error is one
 * problem naming its position), and reading fields by path so that every
 * problem names the field at fault (`Results[0].Vulnerabilities[2].Severity`).
 */
import type { ScanProblem } from '../finding.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The document, or a problem saying why it is not JSON. */
export function parseJson(text: string): { ok: true; value: Json } | { ok: false; problem: ScanProblem } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) as Json };
  } catch (err) {
    return {
      ok: false,
      problem: { line: 0, field: '(document)', message: `not JSON: ${err instanceof Error ? err.message : String(err)}` },
    };
  }
}

/** Collects problems while reading fields of one document. */
export class JsonReader {
  readonly problems: ScanProblem[] = [];

  problem(field: string, message: string): void {
    this.problems.push({ line: 0, field, message });
  }

  /** A list at `path` (absent or null: empty; anything else: a problem and empty). */
  list(o: JsonObject, key: string, path: string): Json[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.problem(path, 'must be a list');
    return [];
  }

  /** A string at `path`; a problem when it is required and missing or not a string. */
  text(o: JsonObject, key: string, path: string, required: true): string | undefined;
  text(o: JsonObject, key: string, path: string, required?: false): string | null;
  text(o: JsonObject, key: string, path: string, required = false): string | null | undefined {
    const v = o[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number') return String(v);
    if (required) {
      this.problem(path, v === undefined || v === null || v === '' ? 'is missing' : 'must be a string');
      return undefined;
    }
    return null;
  }
}
