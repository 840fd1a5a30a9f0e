/**
 * A security ingest body as events (POST /integrations/security/{key}):
 *
 * - JSON (`application/json`): one event object, or an array of them;
 * - NDJSON (`application/x-ndjson`): one event object per line;
 * - `text/plain`: one CEF or syslog (RFC 5424 / RFC 3164) line per line.
 *
 * Without one of these content types the body is read by its first
 * character: `{` or `[` is JSON (NDJSON when it holds several lines of
 * objects), anything else is lines. Blank lines are skipped everywhere.
 *
 * An event is its fields as rules see them. A JSON event may carry its own
 * Sigma log source as an envelope, `{"logsource": {...}, "event": {...}}`
 * (exactly these keys, `event` an object: the line format of `tandem sigma
 * test`); that log source then replaces the integration's for this event.
 * Every problem names where it is: `line 3: ...` for line formats, `[2]: ...`
 * for an array's items.
 */
import type { Logsource } from '../engagement/model.js';
import { describe, isObject } from '../ingest/fields.js';
import { normalizeJson, storableText } from '../events/json-shape.js';
import { isCef, parseCef } from './cef.js';
import { isSyslog, parseSyslog } from './syslog.js';

/** Most events one request may carry; more is a 413 (send several requests). */
export const MAX_EVENTS_PER_REQUEST = 1000;

export interface SecurityEvent {
  /** The event's fields as rules see them. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The event's own log source, when it carried one (it replaces the integration's). */
  readonly logsource?: Logsource;
}

export type BodyFormat = 'json' | 'ndjson' | 'lines';

export type BodyResult = { ok: true; format: BodyFormat; events: SecurityEvent[] } | { ok: false; errors: string[]; tooMany?: number };

/** Problems reported at most, so a body of 10,000 bad lines does not make a 10,000-line answer. */
const MAX_ERRORS = 20;

/** Which format a body is in, by its content type, else by its first character. */
export function bodyFormat(contentType: string | undefined, body: string): BodyFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/x-jsonlines') return 'ndjson';
  if (type === 'text/plain') return 'lines';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  const first = body.trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return looksLikeNdjson(body) ? 'ndjson' : 'json';
  return 'lines';
}

/** Several non-blank lines, each starting with `{`: NDJSON sent without its content type. */
function looksLikeNdjson(body: string): boolean {
  const lines = body.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{') && l.trimEnd().endsWith('}'));
}

/** Reads a body in `format` as events, or every problem found (each naming its line or item). */
export function parseSecurityBody(body: string, format: BodyFormat): BodyResult {
  if (body.trim() === '') return { ok: false, errors: ['the body is empty; expected security events (JSON, NDJSON, CEF or syslog lines)'] };
  if (format === 'json') return parseJsonBody(body);
  return parseLines(body, format);
}

function parseJsonBody(body: string): BodyResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return { ok: false, errors: [`the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const shaped = normalizeJson(value);
  if (!shaped.ok) return { ok: false, errors: [shaped.error] };
  value = shaped.value;
  if (!Array.isArray(value)) {
    const one = jsonEvent(value);
    return typeof one === 'string' ? { ok: false, errors: [one] } : { ok: true, format: 'json', events: [one] };
  }
  if (value.length === 0) return { ok: false, errors: ['the array holds no events'] };
  if (value.length > MAX_EVENTS_PER_REQUEST) return tooMany(value.length);
  const events: SecurityEvent[] = [];
  const errors: string[] = [];
  value.forEach((item, i) => {
    const one = jsonEvent(item);
    if (typeof one === 'string') errors.push(`[${i}]: ${one}`);
    else events.push(one);
  });
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_ERRORS) } : { ok: true, format: 'json', events };
}

function tooMany(count: number): BodyResult {
  return {
    ok: false,
    tooMany: count,
    errors: [`the body has ${count} events; one request may carry at most ${MAX_EVENTS_PER_REQUEST} (send the rest in further requests)`],
  };
}

/** NDJSON, CEF or syslog: one event per non-blank line. */
function parseLines(body: string, format: 'ndjson' | 'lines'): BodyResult {
  const lines = body.split('\n');
  const count = lines.reduce((n, l) => (l.trim() === '' ? n : n + 1), 0);
  if (count > MAX_EVENTS_PER_REQUEST) return tooMany(count);
  const events: SecurityEvent[] = [];
  const errors: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const one = format === 'ndjson' ? ndjsonEvent(line) : textEvent(line);
    if (typeof one === 'string') errors.push(`line ${i + 1}: ${one}`);
    else events.push(one);
  });
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_ERRORS) } : { ok: true, format, events };
}

function ndjsonEvent(line: string): SecurityEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  const shaped = normalizeJson(value);
  if (!shaped.ok) return shaped.error;
  return jsonEvent(shaped.value);
}

/** One CEF or syslog line as an event (after the text is made storable). */
export function textEvent(line: string): SecurityEvent | string {
  const text = storableText(line);
  const parsed = isCef(text) ? parseCef(text) : isSyslog(text) ? parseSyslog(text) : undefined;
  if (parsed === undefined) return `not a CEF line (CEF:0|Vendor|Product|...) or a syslog line (<PRI>...): "${clip(text)}"`;
  return parsed.ok ? { fields: parsed.fields } : parsed.error;
}

/** A JSON value as an event: an object, or the envelope `{"logsource": {...}, "event": {...}}`. */
export function jsonEvent(value: unknown): SecurityEvent | string {
  if (!isObject(value)) return `an event must be a JSON object, got ${describe(value)}`;
  const keys = Object.keys(value);
  const envelope = isObject(value['event']) && keys.every((k) => k === 'event' || k === 'logsource');
  if (!envelope) return { fields: value };
  const event = value['event'] as Record<string, unknown>;
  if (value['logsource'] === undefined || value['logsource'] === null) return { fields: event };
  const logsource = readLogsource(value['logsource']);
  return typeof logsource === 'string' ? logsource : { fields: event, logsource };
}

const LOGSOURCE_KEYS = ['product', 'category', 'service'] as const;

/** `{product?, category?, service?}`, each a non-empty string, or why not. */
export function readLogsource(value: unknown): Logsource | string {
  if (!isObject(value))
    return `'logsource' must be an object like {"product": "linux", "category": "process_creation"}, got ${describe(value)}`;
  const out: { product?: string; category?: string; service?: string } = {};
  for (const key of Object.keys(value)) {
    if (!(LOGSOURCE_KEYS as readonly string[]).includes(key))
      return `'logsource.${clip(key)}' is not a log source key; use product, category, service`;
    const v = value[key];
    if (typeof v !== 'string' || v.trim() === '' || v.length > 100)
      return `'logsource.${key}' must be a string of 1..100 characters, got ${describe(v)}`;
    out[key as (typeof LOGSOURCE_KEYS)[number]] = v;
  }
  return out;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
