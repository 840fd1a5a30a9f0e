/**
 * The ingest contract of the monitors that post their own formats (Azure
 * Monitor, Google Cloud Monitoring, Grafana alerting), as the OpenAPI
 * document shows it. Like schema.ts, these describe; the parsers (azure.ts,
 * gcp.ts, grafana.ts) validate, naming every bad field at once. Only the
 * fields Tandem reads are listed; the rest of each body is kept as sent.
 */
import { z } from 'zod';
import { MAX_ALERTS_PER_REQUEST } from './alertmanager.js';
import { DEDUP_KEY_MAX } from './pagerduty.js';
import { AlertsAccepted, EventAccepted, InvalidEvent } from './schema.js';
import type { IngestOperation } from './schema.js';

const Labels = z.record(z.string(), z.string());
const Timestamp = z.string().meta({ format: 'date-time' });

export const AzureCommonAlert = z
  .object({
    schemaId: z.literal('azureMonitorCommonAlertSchema').meta({
      description: 'Only the common alert schema is read: turn on "Enable the common alert schema" on the action group\'s webhook action.',
    }),
    data: z.object({
      essentials: z.object({
        alertId: z
          .string()
          .max(DEDUP_KEY_MAX)
          .meta({ description: 'Identifies the alert (its dedup key), the same when it fires and resolves.' }),
        monitorCondition: z.enum(['Fired', 'Resolved']).meta({ description: 'Fired triggers, Resolved resolves.' }),
        severity: z
          .enum(['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'])
          .optional()
          .meta({ description: 'Sev0 critical, Sev1 error, Sev2 warning, Sev3 and Sev4 info; default error.' }),
        alertRule: z.string().optional().meta({ description: 'With `description`, the summary.' }),
        description: z.string().optional(),
        alertTargetIDs: z.array(z.string()).optional(),
        configurationItems: z.array(z.string()).optional().meta({ description: 'The first is the source (else the target resource).' }),
        firedDateTime: Timestamp.optional(),
        resolvedDateTime: Timestamp.optional(),
      }),
      alertContext: z.unknown().optional().meta({ description: 'Varies by signal type; kept as details.' }),
      customProperties: z.record(z.string(), z.unknown()).nullable().optional(),
    }),
  })
  .meta({ id: 'AzureCommonAlert', description: "An Azure Monitor action group's webhook, in the common alert schema." });

export const GcpIncident = z
  .object({
    version: z.enum(['1.2', 'test']),
    incident: z.object({
      incident_id: z.string().max(DEDUP_KEY_MAX).meta({ description: 'Identifies the alert (its dedup key).' }),
      state: z.string().meta({ description: '`open` triggers, `closed` resolves (any case).' }),
      summary: z.string().optional().meta({ description: 'The summary (else `policy_name`).' }),
      policy_name: z.string().optional(),
      severity: z.string().optional().meta({ description: 'Critical, Error or Warning; anything else (No severity) is error.' }),
      resource_display_name: z.string().optional().meta({ description: 'The source.' }),
      started_at: z.number().nullable().optional().meta({ description: 'Seconds since 1970.' }),
      ended_at: z.number().nullable().optional(),
    }),
  })
  .meta({ id: 'GcpIncident', description: "A Google Cloud Monitoring webhook notification channel's body (schema version 1.2)." });

export const GrafanaWebhook = z
  .object({
    version: z.literal('1'),
    groupKey: z.string().optional().meta({ description: 'Alerts of one group share one open incident.' }),
    status: z.enum(['firing', 'resolved']).optional(),
    receiver: z.string().optional(),
    orgId: z.number().optional(),
    alerts: z
      .array(
        z.object({
          status: z.enum(['firing', 'resolved']),
          fingerprint: z.string().max(255).meta({ description: 'Identifies the alert (its dedup key).' }),
          labels: Labels.optional().meta({ description: '`severity` sets the severity; `alertname` and `instance` make a summary.' }),
          annotations: Labels.optional().meta({ description: '`summary` (or `description`) is the alert summary.' }),
          startsAt: Timestamp.optional(),
          endsAt: Timestamp.optional(),
          generatorURL: z.string().max(4096).optional(),
          silenceURL: z.string().max(4096).optional(),
          dashboardURL: z.string().max(4096).optional(),
          panelURL: z.string().max(4096).optional(),
          imageURL: z.string().max(4096).optional(),
          values: z.record(z.string(), z.unknown()).nullable().optional(),
        }),
      )
      .min(1)
      .max(MAX_ALERTS_PER_REQUEST),
  })
  .meta({ id: 'GrafanaWebhook', description: "Grafana alerting's webhook contact point (payload version 1): one alert per fingerprint." });

export const AZURE_WEBHOOK: IngestOperation = {
  operationId: 'receiveAzureMonitorAlert',
  summary: 'Azure Monitor alert (action group webhook, common alert schema)',
  description:
    "Point an action group's webhook action here with the common alert schema enabled. Authenticated by the key in the path. A body in another schema is a 400 naming `schemaId`.",
  body: AzureCommonAlert,
  accepted: EventAccepted,
  keyInPath: true,
  integration: 'azure',
};

export const GCP_WEBHOOK: IngestOperation = {
  operationId: 'receiveGcpMonitoringIncident',
  summary: 'Google Cloud Monitoring incident (webhook notification channel)',
  description: 'Point a webhook notification channel here. Authenticated by the key in the path.',
  body: GcpIncident,
  accepted: EventAccepted,
  keyInPath: true,
  integration: 'gcp',
};

export const GRAFANA_WEBHOOK: IngestOperation = {
  operationId: 'receiveGrafanaWebhook',
  summary: 'Grafana alerting webhook (payload version 1): one alert per fingerprint',
  description: 'Point a Grafana webhook contact point here. Authenticated by the key in the path.',
  body: GrafanaWebhook,
  accepted: AlertsAccepted,
  keyInPath: true,
  integration: 'grafana',
  errors: {
    413: InvalidEvent.describe(
      `The body is over the size limit, or carries more than ${MAX_ALERTS_PER_REQUEST} alerts (\`"code": "TOO_MANY_ALERTS"\`); nothing was stored.`,
    ),
  },
};
