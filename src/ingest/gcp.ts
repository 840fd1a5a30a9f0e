/**
 * Google Cloud Monitoring's webhook notification channel (schema version
 * 1.2): one body per incident state change. `incident.incident_id` is the
 * same when the incident opens and when it closes; `incident.state` is `open`
 * or `closed` (the console's test notification says `OPEN`, so any case is
 * read). The incident object is kept as details.
 */
import type { Severity } from '../engagement/model.js';
import type { AlertAction, ParseResult } from '../events/event.js';
import { FieldErrors, describe, isObject } from './fields.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';

/** The schema versions read: 1.2, and `test` (what "Send test notification" posts, in the same shape). */
export const GCP_VERSIONS = ['1.2', 'test'] as const;

/** Alerting policy severities (CRITICAL, ERROR, WARNING); a policy without one ("No severity") is an error. */
const SEVERITIES: Readonly<Record<string, Severity>> = { critical: 'critical', error: 'error', warning: 'warning' };

function stateOf(v: unknown, errors: FieldErrors): 'open' | 'closed' | undefined {
  if (typeof v === 'string' && ['open', 'closed'].includes(v.trim().toLowerCase())) return v.trim().toLowerCase() as 'open' | 'closed';
  errors.add(
    v === undefined || v === null || v === ''
      ? `'incident.state' is missing; expected open or closed`
      : `'incident.state' is invalid: got ${describe(v)}, expected open or closed`,
  );
  return undefined;
}

/** A time in epoch seconds (Cloud Monitoring's `started_at`, `ended_at`), as epoch ms; null and 0 are "not yet". */
function epochSeconds(obj: Record<string, unknown>, key: string, errors: FieldErrors): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 32_503_680_000) {
    errors.add(`'incident.${key}' must be a time in seconds since 1970 (a number), got ${describe(v)}`);
    return undefined;
  }
  return Math.round(v * 1000);
}

/** Parses a Cloud Monitoring webhook body into one alert action. */
export function parseGcpIncident(body: unknown): ParseResult<AlertAction> {
  if (!isObject(body)) return { ok: false, errors: [`the body must be a JSON object, got ${describe(body)}`] };
  const errors = new FieldErrors();
  const version = body['version'];
  if (typeof version !== 'string' || !(GCP_VERSIONS as readonly string[]).includes(version))
    errors.add(`'version' must be "1.2" (Cloud Monitoring webhook schema version 1.2), got ${describe(version)}`);
  const incident = body['incident'];
  if (!isObject(incident)) {
    errors.add(`'incident' must be an object, got ${describe(incident)}`);
    return { ok: false, errors: errors.list };
  }
  const incidentId = errors.requiredString(incident, 'incident_id', 'incident.incident_id', DEDUP_KEY_MAX);
  const state = stateOf(incident['state'], errors);
  const summaryText = errors.optionalString(incident, 'summary', 'incident.summary', 65_536);
  const policy = errors.optionalString(incident, 'policy_name', 'incident.policy_name', 4096);
  const conditionName = errors.optionalString(incident, 'condition_name', 'incident.condition_name', 4096);
  const severityText = errors.optionalString(incident, 'severity', 'incident.severity', 64);
  const resource = errors.optionalString(incident, 'resource_display_name', 'incident.resource_display_name', 4096);
  const resourceName = errors.optionalString(incident, 'resource_name', 'incident.resource_name', 4096);
  const project = errors.optionalString(incident, 'scoping_project_id', 'incident.scoping_project_id', 1024);
  const startedAt = epochSeconds(incident, 'started_at', errors);
  const endedAt = epochSeconds(incident, 'ended_at', errors);
  if (errors.list.length > 0 || incidentId === undefined || state === undefined) return { ok: false, errors: errors.list };

  const text = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
  const summary = (text(summaryText) ?? text(policy) ?? text(conditionName) ?? 'Cloud Monitoring incident').slice(0, SUMMARY_MAX);
  const occurredAt = state === 'closed' ? (endedAt ?? startedAt) : startedAt;
  return {
    ok: true,
    value: {
      type: 'alert',
      action: state === 'open' ? 'trigger' : 'resolve',
      dedupKey: incidentId,
      summary,
      severity: SEVERITIES[(severityText ?? '').trim().toLowerCase()] ?? 'error',
      source: (text(resource) ?? text(resourceName) ?? text(project) ?? 'Google Cloud Monitoring').slice(0, 1024),
      ...(occurredAt === undefined ? {} : { occurredAt }),
      details: { incident },
    },
  };
}
