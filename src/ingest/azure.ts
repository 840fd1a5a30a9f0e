/**
 * Azure Monitor alerts through an action group's webhook, in the common alert
 * schema (`schemaId: "azureMonitorCommonAlertSchema"`): `data.essentials`
 * says which alert (`alertId`, the same when it fires and when it resolves),
 * whether it fired or resolved (`monitorCondition`), its severity
 * (`Sev0`..`Sev4`) and rule; `data.alertContext` (which varies by signal
 * type) and `data.customProperties` are kept as details.
 */
import type { Severity } from '../engagement/model.js';
import type { AlertAction, ParseResult } from '../events/event.js';
import { FieldErrors, describe, isObject } from './fields.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';
import { parseIsoInstant } from '../time/iso.js';

export const AZURE_COMMON_SCHEMA = 'azureMonitorCommonAlertSchema';

/**
 * Azure's severities, mapped to the four PagerDuty severities (docs/ingest.md):
 * Sev0 Critical, Sev1 Error, Sev2 Warning, Sev3 Informational, Sev4 Verbose.
 */
export const AZURE_SEVERITIES: Readonly<Record<string, Severity>> = {
  Sev0: 'critical',
  Sev1: 'error',
  Sev2: 'warning',
  Sev3: 'info',
  Sev4: 'info',
};

const CONDITIONS = ['Fired', 'Resolved'] as const;

/** Why a body is not the common alert schema, with how to turn it on. */
function notCommonSchema(got: unknown): string {
  return (
    `'schemaId' must be "${AZURE_COMMON_SCHEMA}", got ${describe(got)}: Tandem reads Azure Monitor's common alert schema; ` +
    `in the action group, edit the webhook action and set "Enable the common alert schema" to Yes`
  );
}

/** The last segment of an Azure resource id (`/subscriptions/.../virtualmachines/vm-1` -> `vm-1`). */
function resourceName(id: string): string {
  const parts = id.split('/').filter((p) => p !== '');
  return parts[parts.length - 1] ?? id;
}

/** The first string of an optional array of strings, checked. */
function firstString(obj: Record<string, unknown>, key: string, path: string, errors: FieldErrors): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    errors.add(`'${path}' must be an array of strings, got ${describe(v)}`);
    return undefined;
  }
  const bad = v.findIndex((x) => typeof x !== 'string');
  if (bad >= 0) {
    errors.add(`'${path}[${bad}]' must be a string, got ${describe(v[bad])}`);
    return undefined;
  }
  const first = (v as string[]).find((x) => x.trim() !== '');
  return first;
}

/** Parses an Azure Monitor common alert schema body into one alert action. */
export function parseAzureAlert(body: unknown): ParseResult<AlertAction> {
  if (!isObject(body)) return { ok: false, errors: [`the body must be a JSON object, got ${describe(body)}`] };
  if (body['schemaId'] !== AZURE_COMMON_SCHEMA) return { ok: false, errors: [notCommonSchema(body['schemaId'])] };
  const errors = new FieldErrors();
  const data = body['data'];
  if (!isObject(data)) return { ok: false, errors: [`'data' must be an object, got ${describe(data)}`] };
  const essentials = data['essentials'];
  if (!isObject(essentials)) return { ok: false, errors: [`'data.essentials' must be an object, got ${describe(essentials)}`] };
  const at = (field: string) => `data.essentials.${field}`;
  const alertId = errors.requiredString(essentials, 'alertId', at('alertId'), DEDUP_KEY_MAX);
  const condition = errors.oneOf(essentials, 'monitorCondition', at('monitorCondition'), CONDITIONS, true);
  const severityWord = errors.oneOf(essentials, 'severity', at('severity'), Object.keys(AZURE_SEVERITIES), false);
  const alertRule = errors.optionalString(essentials, 'alertRule', at('alertRule'), SUMMARY_MAX);
  const description = errors.optionalString(essentials, 'description', at('description'), 65_536);
  const monitoringService = errors.optionalString(essentials, 'monitoringService', at('monitoringService'), 1024);
  const target = firstString(essentials, 'alertTargetIDs', at('alertTargetIDs'), errors);
  const item = firstString(essentials, 'configurationItems', at('configurationItems'), errors);
  const timeField = condition === 'Resolved' ? 'resolvedDateTime' : 'firedDateTime';
  const timeText = errors.optionalString(essentials, timeField, at(timeField), 64);
  const occurredAt = timeText === undefined ? undefined : parseIsoInstant(timeText);
  if (timeText !== undefined && occurredAt === undefined) errors.add(`'${at(timeField)}' is not an ISO 8601 timestamp: "${timeText}"`);
  const context = data['alertContext'];
  const custom = data['customProperties'];
  if (custom !== undefined && custom !== null && !isObject(custom))
    errors.add(`'data.customProperties' must be an object, got ${describe(custom)}`);
  if (errors.list.length > 0 || alertId === undefined || condition === undefined) return { ok: false, errors: errors.list };

  const rule = alertRule?.trim() || undefined;
  const said = description?.trim() || undefined;
  const summary = (rule && said ? `${rule}: ${said}` : (rule ?? said ?? 'Azure Monitor alert')).slice(0, SUMMARY_MAX);
  const source = (item ?? (target === undefined ? undefined : resourceName(target)) ?? monitoringService ?? 'Azure Monitor').slice(0, 1024);
  return {
    ok: true,
    value: {
      type: 'alert',
      action: condition === 'Fired' ? 'trigger' : 'resolve',
      dedupKey: alertId,
      summary,
      severity: severityWord === undefined ? 'error' : (AZURE_SEVERITIES[severityWord] ?? 'error'),
      source,
      ...(occurredAt === undefined ? {} : { occurredAt }),
      details: {
        essentials,
        ...(context === undefined ? {} : { alertContext: context }),
        ...(isObject(custom) ? { customProperties: custom } : {}),
      },
    },
  };
}
