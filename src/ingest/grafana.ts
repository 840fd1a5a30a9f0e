/**
 * Grafana alerting's webhook contact point (payload `version: "1"`). Its
 * alerts are Alertmanager's (Grafana runs an embedded Alertmanager): one
 * Tandem alert per `fingerprint`, alerts of one `groupKey` sharing an
 * incident, severity from the `severity` label. Grafana's own fields
 * (`silenceURL`, `dashboardURL`, `panelURL`, `imageURL`, `values`,
 * `valueString`) are kept as details.
 */
import type { AlertAction, ParseResult } from '../events/event.js';
import { parseAlertList } from './alertmanager.js';
import type { AlertListFormat } from './alertmanager.js';
import { describe, isObject } from './fields.js';
import type { FieldErrors, JsonObject } from './fields.js';

const URL_FIELDS = ['silenceURL', 'dashboardURL', 'panelURL', 'imageURL'] as const;

/** Grafana's fields of one alert, checked. Empty URLs (Grafana sends `""` for a rule without a dashboard) are left out. */
function grafanaDetails(alert: JsonObject, path: string, errors: FieldErrors): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of URL_FIELDS) {
    const v = errors.optionalString(alert, field, `${path}.${field}`, 4096);
    if (v !== undefined && v !== '') out[field] = v;
  }
  const values = alert['values'];
  if (values !== undefined && values !== null) {
    if (isObject(values)) out['values'] = values;
    else errors.add(`'${path}.values' must be an object (query ref id -> value), got ${describe(values)}`);
  }
  const valueString = errors.optionalString(alert, 'valueString', `${path}.valueString`, 4096);
  if (valueString !== undefined && valueString !== '') out['valueString'] = valueString;
  return out;
}

const GRAFANA: AlertListFormat = {
  version: '1',
  name: 'Grafana alerting webhook payload version 1',
  source: 'Grafana',
  details: grafanaDetails,
};

/** Parses a Grafana alerting webhook body into one action per alert. */
export function parseGrafanaWebhook(body: unknown): ParseResult<AlertAction[]> {
  return parseAlertList(body, GRAFANA);
}
