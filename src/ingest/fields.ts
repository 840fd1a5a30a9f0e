/**
 * Small checks shared by the ingest formats. Each returns an error sentence
 * that names the field (PagerDuty's `errors[]` style) or undefined.
 */
import { createHash } from 'node:crypto';

export type JsonObject = Record<string, unknown>;

/**
 * The longest group key stored as sent, in UTF-8 bytes. Open incidents are
 * indexed by group key, and a PostgreSQL index row holds at most 2,704 bytes:
 * a longer key (an Alertmanager `groupKey` grouping by many labels, a generic
 * `group` in a non-Latin script) would be accepted and then fail to apply.
 */
export const GROUP_KEY_MAX_BYTES = 1024;

/** A group key as stored: one over {@link GROUP_KEY_MAX_BYTES} becomes its SHA-256 digest, so the same long key still groups. */
export function storedGroupKey(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= GROUP_KEY_MAX_BYTES) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : `"${v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Collects field errors while a body is read. */
export class FieldErrors {
  readonly list: string[] = [];

  add(message: string): void {
    this.list.push(message);
  }

  /** A required non-blank string of at most `max` characters. */
  requiredString(obj: JsonObject, key: string, path: string, max?: number): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      this.add(`'${path}' is missing or blank`);
      return undefined;
    }
    return this.checkString(v, path, max);
  }

  optionalString(obj: JsonObject, key: string, path: string, max?: number): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    return this.checkString(v, path, max);
  }

  optionalObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) {
      this.add(`'${path}' must be a JSON object, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  oneOf<T extends string>(obj: JsonObject, key: string, path: string, allowed: readonly T[], required: boolean): T | undefined {
    const v = obj[key];
    if (v === undefined || v === null || v === '') {
      if (required) this.add(`'${path}' is missing; expected one of ${allowed.join(', ')}`);
      return undefined;
    }
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.add(`'${path}' is invalid: got ${describe(v)}, expected one of ${allowed.join(', ')}`);
      return undefined;
    }
    return v as T;
  }

  private checkString(v: unknown, path: string, max?: number): string | undefined {
    if (typeof v !== 'string') {
      this.add(`'${path}' must be a string, got ${describe(v)}`);
      return undefined;
    }
    if (max !== undefined && v.length > max) {
      this.add(`'${path}' is ${v.length} characters long; the maximum is ${max}`);
      return undefined;
    }
    return v;
  }
}
