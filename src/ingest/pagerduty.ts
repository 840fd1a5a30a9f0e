/**
 * PagerDuty Events API v2, as the contract (shared/spec/ingest-contract.md)
 * and PagerDuty's published OpenAPI define it: `/v2/enqueue` alert events and
 * `/v2/change/enqueue` change events. Parsing checks every field and reports
 * every problem at once, each naming its field.
 */
import { randomBytes } from 'node:crypto';
import { SEVERITIES } from '../engagement/model.js';
import type { AlertAction, AlertActionName, ChangeAction, ParseResult } from '../events/event.js';
import { FieldErrors, describe, isObject } from './fields.js';
import type { JsonObject } from './fields.js';
import { parseIsoInstant } from '../time/iso.js';

export const SUMMARY_MAX = 1024;
export const DEDUP_KEY_MAX = 255;
const ACTIONS: readonly AlertActionName[] = ['trigger', 'acknowledge', 'resolve'];

export interface PagerDutyAlert {
  readonly routingKey: string;
  readonly action: AlertAction;
  /** True when the sender gave no dedup_key and we made one (it is returned in the 202). */
  readonly generatedDedupKey: boolean;
}

/** A dedup key like PagerDuty's: 32 hex characters. */
export function newDedupKey(): string {
  return randomBytes(16).toString('hex');
}

function readRoutingKey(body: JsonObject, errors: FieldErrors): string | undefined {
  return errors.requiredString(body, 'routing_key', 'routing_key', 255);
}

function readTimestamp(obj: JsonObject, path: string, errors: FieldErrors): number | undefined {
  const v = obj['timestamp'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    errors.add(`'${path}' must be an ISO 8601 string, got ${describe(v)}`);
    return undefined;
  }
  const t = parseIsoInstant(v);
  if (t === undefined) errors.add(`'${path}' is not a valid ISO 8601 timestamp: "${v.slice(0, 64)}" (e.g. 2015-07-17T08:42:58.315+0000)`);
  return t;
}

function readLinksAndImages(body: JsonObject, errors: FieldErrors): { links?: unknown[]; images?: unknown[] } {
  const out: { links?: unknown[]; images?: unknown[] } = {};
  for (const [key, required] of [
    ['links', 'href'],
    ['images', 'src'],
  ] as const) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) {
      errors.add(`'${key}' must be an array, got ${describe(v)}`);
      continue;
    }
    v.forEach((item, i) => {
      if (!isObject(item)) errors.add(`'${key}[${i}]' must be an object, got ${describe(item)}`);
      else if (typeof item[required] !== 'string' || item[required] === '')
        errors.add(`'${key}[${i}].${required}' is missing or not a string`);
    });
    out[key] = v;
  }
  return out;
}

/** Parses a `/v2/enqueue` body. */
export function parsePagerDutyAlert(body: unknown): ParseResult<PagerDutyAlert> {
  if (!isObject(body)) return { ok: false, errors: [`the body must be a JSON object, got ${describe(body)}`] };
  const errors = new FieldErrors();
  const routingKey = readRoutingKey(body, errors);
  const action = errors.oneOf(body, 'event_action', 'event_action', ACTIONS, true);
  let dedupKey = errors.optionalString(body, 'dedup_key', 'dedup_key', DEDUP_KEY_MAX);
  if (dedupKey === '') dedupKey = undefined;
  if (action !== undefined && action !== 'trigger' && dedupKey === undefined && !errors.list.some((e) => e.startsWith("'dedup_key'"))) {
    errors.add(`'dedup_key' is required for event_action ${action}`);
  }
  const extras = readLinksAndImages(body, errors);
  errors.optionalString(body, 'client', 'client');
  errors.optionalString(body, 'client_url', 'client_url');

  let summary: string | undefined;
  let source: string | undefined;
  let severity: AlertAction['severity'];
  let occurredAt: number | undefined;
  let details: Record<string, unknown> | undefined;
  const payload = body['payload'];
  if (action === 'trigger' || (payload !== undefined && payload !== null)) {
    if (payload === undefined || payload === null) {
      errors.add(`'payload' is missing; a trigger needs payload.summary, payload.source and payload.severity`);
    } else if (!isObject(payload)) {
      errors.add(`'payload' must be a JSON object, got ${describe(payload)}`);
    } else if (action === 'trigger') {
      summary = errors.requiredString(payload, 'summary', 'payload.summary', SUMMARY_MAX);
      source = errors.requiredString(payload, 'source', 'payload.source', 1024);
      severity = errors.oneOf(payload, 'severity', 'payload.severity', SEVERITIES, true);
      occurredAt = readTimestamp(payload, 'payload.timestamp', errors);
      for (const k of ['component', 'group', 'class'] as const) errors.optionalString(payload, k, `payload.${k}`, 1024);
      const custom = errors.optionalObject(payload, 'custom_details', 'payload.custom_details');
      details = {
        ...(custom === undefined ? {} : { custom_details: custom }),
        ...pick(payload, ['component', 'group', 'class']),
        ...pick(body, ['client', 'client_url']),
        ...extras,
      };
    }
  }
  if (errors.list.length > 0 || routingKey === undefined || action === undefined) return { ok: false, errors: errors.list };
  const generated = dedupKey === undefined;
  const key = dedupKey ?? newDedupKey();
  return {
    ok: true,
    value: {
      routingKey,
      generatedDedupKey: generated,
      action: {
        type: 'alert',
        action,
        dedupKey: key,
        ...(summary === undefined ? {} : { summary }),
        ...(severity === undefined ? {} : { severity }),
        ...(source === undefined ? {} : { source }),
        ...(occurredAt === undefined ? {} : { occurredAt }),
        ...(details === undefined || Object.keys(details).length === 0 ? {} : { details }),
      },
    },
  };
}

/** Parses a `/v2/change/enqueue` body. */
export function parsePagerDutyChange(body: unknown): ParseResult<{ routingKey: string; change: ChangeAction }> {
  if (!isObject(body)) return { ok: false, errors: [`the body must be a JSON object, got ${describe(body)}`] };
  const errors = new FieldErrors();
  const routingKey = readRoutingKey(body, errors);
  const extras = readLinksAndImages(body, errors);
  const payload = body['payload'];
  let change: ChangeAction | undefined;
  if (payload === undefined || payload === null) errors.add(`'payload' is missing; a change event needs payload.summary`);
  else if (!isObject(payload)) errors.add(`'payload' must be a JSON object, got ${describe(payload)}`);
  else {
    const summary = errors.requiredString(payload, 'summary', 'payload.summary', SUMMARY_MAX);
    const source = errors.optionalString(payload, 'source', 'payload.source', 1024);
    const occurredAt = readTimestamp(payload, 'payload.timestamp', errors);
    const custom = errors.optionalObject(payload, 'custom_details', 'payload.custom_details');
    if (summary !== undefined) {
      const details = { ...(custom === undefined ? {} : { custom_details: custom }), ...extras };
      change = {
        type: 'change',
        summary,
        ...(source === undefined ? {} : { source }),
        ...(occurredAt === undefined ? {} : { occurredAt }),
        ...(Object.keys(details).length === 0 ? {} : { details }),
      };
    }
  }
  if (errors.list.length > 0 || routingKey === undefined || change === undefined) return { ok: false, errors: errors.list };
  return { ok: true, value: { routingKey, change } };
}

function pick(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) out[k] = obj[k];
  return out;
}
