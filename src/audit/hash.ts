/**
 * The tamper-evident timeline's hash (issue 12): each entry's SHA-256 covers
 * the previous entry's hash of the same incident (or {@link GENESIS} for the
 * first) and the entry itself, in a canonical encoding, so a row changed or
 * removed behind the product's back breaks the chain from that point on.
 * Pure and shared by the append path (incident/store.ts), the migration that
 * chained the rows written before (0011) and `tandem verify` (audit/chain.ts):
 * changing the encoding would break every chain already written, so it is
 * versioned by {@link CHAIN_VERSION} and never edited in place.
 */
import { createHash } from 'node:crypto';

/** The encoding's version, the first element of what is hashed. */
export const CHAIN_VERSION = 'tandem-timeline-v1';

/** What the first entry of an incident chains to. */
export const GENESIS = '0'.repeat(64);

/** The columns of a timeline row the hash covers, as stored. */
export interface ChainedFields {
  engagement_id: string;
  incident_id: number | string;
  at: number | string;
  kind: string;
  actor_type: string;
  actor_id: string | null;
  message: string;
  event_id: number | string | null;
  alert_id: number | string | null;
}

/** Plain objects with their keys in sorted order (a copy only when they are not already); everything else as it is. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (sorted) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = (value as Record<string, unknown>)[k];
  return out;
}

/**
 * JSON with every object's keys sorted, otherwise as JSON.stringify writes it
 * (so a value and its JSON.parse(JSON.stringify()) round trip encode alike).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/**
 * The hash of one entry chained to `prev`. `data` is the entry's data as
 * canonical JSON ({@link canonicalJson}), or null when it has none.
 */
export function entryHash(prev: string, f: ChainedFields, data: string | null): string {
  const encoded = JSON.stringify([
    CHAIN_VERSION,
    prev,
    f.engagement_id,
    num(f.incident_id),
    num(f.at),
    f.kind,
    f.actor_type,
    f.actor_id,
    f.message,
    data,
    num(f.event_id),
    num(f.alert_id),
  ]);
  return createHash('sha256').update(encoded).digest('hex');
}

/** The hash of a row as stored (its `data` column is JSON text, or null). */
export function storedRowHash(prev: string, row: ChainedFields & { data: string | null }): string {
  return entryHash(prev, row, row.data === null ? null : canonicalJson(JSON.parse(row.data)));
}
