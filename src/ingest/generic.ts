/**
 * The generic JSON format (docs/ingest.md), for scripts, EDR consoles and
 * helpdesk forms, in the spirit of GoAlert's generic API:
 * `{"summary","details","dedup_key","severity","action","source","timestamp","group"}`.
 * Without a dedup key, the same summary and details are the same alert, so a
 * script that re-sends its alert does not open a second incident.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES } from '../engagement/model.js';
import type { AlertAction, AlertActionName, ParseResult } from '../events/event.js';
import { FieldErrors, describe, isObject, storedGroupKey } from './fields.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';
import { parseIsoInstant } from '../time/iso.js';

/** Accepted `action` values; `close` is GoAlert's word for resolve. */
const ACTIONS = ['trigger', 'acknowledge', 'resolve', 'close'] as const;

export function parseGeneric(body: unknown): ParseResult<AlertAction> {
  if (!isObject(body)) return { ok: false, errors: [`the body must be a JSON object, got ${describe(body)}`] };
  const errors = new FieldErrors();
  const actionWord =
    errors.oneOf(body, 'action', 'action', ACTIONS, false) ??
    (body['action'] === undefined || body['action'] === null ? 'trigger' : undefined);
  const action: AlertActionName | undefined = actionWord === 'close' ? 'resolve' : actionWord;
  const dedupField = body['dedup_key'] !== undefined ? 'dedup_key' : 'dedup';
  let dedupKey = errors.optionalString(body, dedupField, dedupField, DEDUP_KEY_MAX);
  if (dedupKey === '') dedupKey = undefined;
  const summary =
    action === 'trigger' || body['summary'] !== undefined ? errors.requiredString(body, 'summary', 'summary', SUMMARY_MAX) : undefined;
  const severity =
    errors.oneOf(body, 'severity', 'severity', SEVERITIES, false) ??
    (body['severity'] === undefined || body['severity'] === null ? 'error' : undefined);
  const source = errors.optionalString(body, 'source', 'source', 1024);
  const group = errors.optionalString(body, 'group', 'group', 1024);
  const detailsValue = body['details'];
  let details: Record<string, unknown> | undefined;
  if (detailsValue !== undefined && detailsValue !== null) {
    if (typeof detailsValue === 'string') details = { text: detailsValue };
    else if (isObject(detailsValue)) details = detailsValue;
    else errors.add(`'details' must be a string or a JSON object, got ${describe(detailsValue)}`);
  }
  let occurredAt: number | undefined;
  const ts = body['timestamp'];
  if (ts !== undefined && ts !== null) {
    occurredAt = typeof ts === 'string' ? parseIsoInstant(ts) : undefined;
    if (occurredAt === undefined) errors.add(`'timestamp' must be an ISO 8601 string, got ${describe(ts)}`);
  }
  if (action !== undefined && action !== 'trigger' && dedupKey === undefined && summary === undefined && errors.list.length === 0) {
    errors.add(`'dedup_key' (or 'summary' and 'details' of the alert) is required for action ${actionWord ?? action}`);
  }
  if (errors.list.length > 0 || action === undefined || severity === undefined) return { ok: false, errors: errors.list };
  const key = dedupKey ?? contentKey(summary ?? '', detailsValue);
  return {
    ok: true,
    value: {
      type: 'alert',
      action,
      dedupKey: key,
      ...(summary === undefined ? {} : { summary }),
      ...(action === 'trigger' ? { severity } : {}),
      ...(source === undefined ? {} : { source }),
      ...(occurredAt === undefined ? {} : { occurredAt }),
      ...(details === undefined ? {} : { details }),
      ...(group === undefined ? {} : { groupKey: storedGroupKey(group) }),
    },
  };
}

/** The dedup key of an alert sent without one: its summary and details. */
export function contentKey(summary: string, details: unknown): string {
  return createHash('sha256')
    .update(summary)
    .update('\n')
    .update(details === undefined ? '' : JSON.stringify(details))
    .digest('hex');
}
