/**
 * Reading JSON text columns back. What was stored is shown, but never in a
 * shape that breaks the response: parts nested deeper than the ingest limit
 * (stored before the limit existed) are replaced by a note, since
 * serializing them overflows the stack and the incident could never be
 * opened again. Text that is not JSON is shown as the text.
 */
import { JSON_LIMITS, jsonDepth } from '../events/json-shape.js';

export const TOO_DEEP = `[nested deeper than ${JSON_LIMITS.depth} levels; the raw event keeps it]`;

export function readStoredJson(text: string | null): unknown {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return text;
  }
  return jsonDepth(value) > JSON_LIMITS.depth ? prune(value, 1) : value;
}

function prune(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > JSON_LIMITS.depth) return TOO_DEEP;
  if (Array.isArray(v)) return v.map((item) => prune(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, item] of Object.entries(v))
    Object.defineProperty(out, k, { value: prune(item, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}
