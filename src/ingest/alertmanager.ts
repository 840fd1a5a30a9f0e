/**
 * Alertmanager's webhook receiver (payload version 4). One alert per
 * `fingerprint`; alerts of one notification share the group's incident.
 * Grafana alerting's webhook (grafana.ts) carries the same alerts and is read
 * by the same parser (parseAlertList).
 */
import type { Severity } from '../engagement/model.js';
import type { AlertAction, ParseResult } from '../events/event.js';
import { FieldErrors, describe, isObject, storedGroupKey } from './fields.js';
import type { JsonObject } from './fields.js';
import { SUMMARY_MAX } from './pagerduty.js';
import { parseIsoInstant } from '../time/iso.js';

/** Values seen in `severity` labels in the wild, mapped to the four PagerDuty severities. */
const SEVERITY_LABELS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  page: 'critical',
  high: 'critical',
  p1: 'critical',
  error: 'error',
  err: 'error',
  major: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  minor: 'warning',
  medium: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  debug: 'info',
  p4: 'info',
  p5: 'info',
};

/**
 * The most alerts one webhook request may carry (413 TOO_MANY_ALERTS beyond). Alertmanager's
 * `max_alerts` on the webhook receiver keeps a notification under it; each alert also costs
 * one token of the integration key's rate limit.
 */
export const MAX_ALERTS_PER_REQUEST = 1000;

/** How many alerts a body carries, when it is an object with an `alerts` array. */
export function alertCount(body: unknown): number {
  return isObject(body) && Array.isArray(body['alerts']) ? body['alerts'].length : 0;
}

/** Alertmanager's default PagerDuty severity, used when an alert has no `severity` label. */
export const DEFAULT_ALERTMANAGER_SEVERITY: Severity = 'error';

export function severityFromLabel(label: unknown): Severity {
  if (typeof label !== 'string') return DEFAULT_ALERTMANAGER_SEVERITY;
  return SEVERITY_LABELS[label.trim().toLowerCase()] ?? DEFAULT_ALERTMANAGER_SEVERITY;
}

function stringMap(v: unknown, path: string, errors: FieldErrors): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    errors.add(`'${path}' must be an object of strings, got ${describe(v)}`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') errors.add(`'${path}.${k}' must be a string, got ${describe(val)}`);
    else out[k] = val;
  }
  return out;
}

/**
 * A webhook format that carries Alertmanager's alerts (Alertmanager's own, and
 * Grafana alerting's, which adds fields): what differs between them.
 */
export interface AlertListFormat {
  /** The `version` the body must carry. */
  readonly version: string;
  /** How the version error names the format, e.g. "Alertmanager webhook payload version 4". */
  readonly name: string;
  /** The source of an alert with neither an `instance` nor a `job` label. */
  readonly source: string;
  /** Details the format adds to labels, annotations and generatorURL, each field checked (errors name it under `path`). */
  readonly details?: (alert: JsonObject, path: string, errors: FieldErrors) => Record<string, unknown>;
}

const ALERTMANAGER: AlertListFormat = { version: '4', name: 'Alertmanager webhook payload version 4', source: 'Alertmanager' };

/** Parses an Alertmanager webhook body into one action per alert. */
export function parseAlertmanagerWebhook(body: unknown): ParseResult<AlertAction[]> {
  return parseAlertList(body, ALERTMANAGER);
}

/**
 * Parses a body of Alertmanager-style alerts (`version`, `groupKey`,
 * `alerts[]` of `status`, `fingerprint`, `labels`, `annotations`) into one
 * action per alert: dedup key the fingerprint, severity from the `severity`
 * label, alerts of one group sharing the group's incident.
 */
export function parseAlertList(body: unknown, format: AlertListFormat): ParseResult<AlertAction[]> {
  if (!isObject(body)) return { ok: false, errors: [`the body must be a JSON object, got ${describe(body)}`] };
  const errors = new FieldErrors();
  const version = body['version'];
  if (version !== format.version) errors.add(`'version' must be "${format.version}" (${format.name}), got ${describe(version)}`);
  const groupKey = errors.optionalString(body, 'groupKey', 'groupKey', 4096);
  const alerts = body['alerts'];
  const actions: AlertAction[] = [];
  if (!Array.isArray(alerts)) errors.add(`'alerts' must be an array of alerts, got ${describe(alerts)}`);
  else if (alerts.length === 0) errors.add(`'alerts' is empty`);
  else {
    alerts.forEach((alert, i) => {
      const path = `alerts[${i}]`;
      if (!isObject(alert)) {
        errors.add(`'${path}' must be an object, got ${describe(alert)}`);
        return;
      }
      const before = errors.list.length;
      const status = errors.oneOf(alert, 'status', `${path}.status`, ['firing', 'resolved'] as const, true);
      const fingerprint = errors.requiredString(alert, 'fingerprint', `${path}.fingerprint`, 255);
      const labels = stringMap(alert['labels'], `${path}.labels`, errors);
      const annotations = stringMap(alert['annotations'], `${path}.annotations`, errors);
      const startsAtText = errors.optionalString(alert, 'startsAt', `${path}.startsAt`);
      const startsAt = startsAtText === undefined ? undefined : parseIsoInstant(startsAtText);
      if (startsAtText !== undefined && startsAt === undefined)
        errors.add(`'${path}.startsAt' is not an RFC 3339 timestamp: "${startsAtText.slice(0, 64)}"`);
      const endsAtText = errors.optionalString(alert, 'endsAt', `${path}.endsAt`);
      if (endsAtText !== undefined && parseIsoInstant(endsAtText) === undefined)
        errors.add(`'${path}.endsAt' is not an RFC 3339 timestamp: "${endsAtText.slice(0, 64)}"`);
      const generatorURL = errors.optionalString(alert, 'generatorURL', `${path}.generatorURL`, 4096);
      const extra = format.details?.(alert, path, errors) ?? {};
      if (errors.list.length > before || status === undefined || fingerprint === undefined) return;
      const name = labels['alertname'] ?? 'Alert';
      const summary = (
        annotations['summary'] ??
        annotations['description'] ??
        `${name}${labels['instance'] ? ` on ${labels['instance']}` : ''}`
      ).slice(0, SUMMARY_MAX);
      actions.push({
        type: 'alert',
        action: status === 'firing' ? 'trigger' : 'resolve',
        dedupKey: fingerprint,
        summary,
        severity: severityFromLabel(labels['severity']),
        source: labels['instance'] ?? labels['job'] ?? format.source,
        ...(startsAt === undefined ? {} : { occurredAt: startsAt }),
        details: { labels, annotations, ...(generatorURL === undefined ? {} : { generatorURL }), ...extra },
        ...(groupKey === undefined ? {} : { groupKey: storedGroupKey(groupKey) }),
      });
    });
  }
  if (errors.list.length > 0) return { ok: false, errors: errors.list };
  return { ok: true, value: actions };
}
