/**
 * The ingest contract as the OpenAPI document shows it: the PagerDuty Events
 * API v2 bodies (alert and change), the Alertmanager webhook (version 4), the
 * generic JSON event, the 202 answers and PagerDuty's error bodies. These
 * schemas describe; they do not validate: the parsers (pagerduty.ts,
 * alertmanager.ts, generic.ts) read every body and report every bad field at
 * once in PagerDuty's `errors` list, which a schema validator would not.
 * Keep the two in step when a format changes.
 */
import { z } from 'zod';
import { SEVERITIES } from '../engagement/model.js';
import { MAX_ALERTS_PER_REQUEST } from './alertmanager.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';

const Timestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601 with an offset, e.g. 2015-07-17T08:42:58.315+0000.' });
const Severity = z.enum(SEVERITIES);
const Details = z.record(z.string(), z.unknown()).meta({ description: 'Any JSON object; kept on the alert.' });
const RoutingKey = z.string().max(255).meta({ description: 'The integration key of a service (type pagerduty).' });
const Links = z.array(z.object({ href: z.string(), text: z.string().optional() })).meta({ description: 'Links shown with the alert.' });

export const PagerDutyEvent = z
  .object({
    routing_key: RoutingKey,
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().max(DEDUP_KEY_MAX).optional().meta({
      description:
        'Identifies the alert; required to acknowledge or resolve. A trigger without one gets a new key, returned in the answer.',
    }),
    payload: z
      .object({
        summary: z.string().max(SUMMARY_MAX),
        source: z.string().max(1024).meta({ description: 'The affected system, e.g. a host name.' }),
        severity: Severity,
        timestamp: Timestamp.optional(),
        component: z.string().max(1024).optional(),
        group: z.string().max(1024).optional(),
        class: z.string().max(1024).optional(),
        custom_details: Details.optional(),
      })
      .optional()
      .meta({ description: 'Required for a trigger.' }),
    images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() })).optional(),
    links: Links.optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
  })
  .meta({ id: 'PagerDutyEvent', description: 'A PagerDuty Events API v2 alert event.' });

export const PagerDutyChange = z
  .object({
    routing_key: RoutingKey,
    payload: z.object({
      summary: z.string().max(SUMMARY_MAX),
      source: z.string().max(1024).optional(),
      timestamp: Timestamp.optional(),
      custom_details: Details.optional(),
    }),
    links: Links.optional(),
    images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() })).optional(),
  })
  .meta({ id: 'PagerDutyChange', description: 'A PagerDuty change event: a deploy or config change on the service.' });

const Labels = z.record(z.string(), z.string());

export const AlertmanagerWebhook = z
  .object({
    version: z.literal('4'),
    groupKey: z.string().optional().meta({ description: 'Alerts of one group share one open incident.' }),
    truncatedAlerts: z.number().int().optional(),
    status: z.enum(['firing', 'resolved']).optional(),
    receiver: z.string().optional(),
    groupLabels: Labels.optional(),
    commonLabels: Labels.optional(),
    commonAnnotations: Labels.optional(),
    externalURL: z.string().optional(),
    alerts: z
      .array(
        z.object({
          status: z.enum(['firing', 'resolved']),
          fingerprint: z.string().max(255).meta({ description: 'Identifies the alert (its dedup key).' }),
          labels: Labels.optional().meta({
            description:
              '`severity` sets the severity (critical, error, warning, info and common synonyms); `alertname` and `instance` make the summary.',
          }),
          annotations: Labels.optional().meta({ description: '`summary` (or `description`) is the alert summary.' }),
          startsAt: Timestamp.optional(),
          endsAt: Timestamp.optional(),
          generatorURL: z.string().max(4096).optional(),
        }),
      )
      .min(1)
      .max(MAX_ALERTS_PER_REQUEST)
      .meta({ description: `At most ${MAX_ALERTS_PER_REQUEST} alerts a request (set max_alerts on the receiver); more is a 413.` }),
  })
  .meta({ id: 'AlertmanagerWebhook', description: "Alertmanager's webhook payload, version 4: one alert per fingerprint." });

export const GenericEvent = z
  .object({
    summary: z.string().max(SUMMARY_MAX).optional().meta({ description: 'Required for a trigger.' }),
    details: z.union([z.string(), Details]).optional(),
    dedup_key: z
      .string()
      .max(DEDUP_KEY_MAX)
      .optional()
      .meta({ description: 'Default: a hash of summary and details, so a re-sent alert is the same alert. `dedup` is read too.' }),
    severity: Severity.default('error'),
    action: z.enum(['trigger', 'acknowledge', 'resolve', 'close']).default('trigger').meta({ description: '`close` is a resolve.' }),
    source: z.string().max(1024).optional(),
    timestamp: Timestamp.optional(),
    group: z.string().max(1024).optional().meta({ description: 'Alerts with the same group share one open incident.' }),
  })
  // No field is required whatever the action: the parser asks for a summary on a trigger and a dedup_key (or the summary) otherwise.
  .meta({ id: 'GenericEvent', description: 'A generic JSON event (docs/ingest.md).', required: [] });

export const IntegrationKeyParams = z.object({ key: z.string().meta({ description: 'An integration key of the type this path takes.' }) });

const Success = { status: z.literal('success'), message: z.literal('Event processed') };

export const EventAccepted = z
  .object({
    ...Success,
    dedup_key: z.string().meta({ description: 'The alert this event is about (generated when the sender gave none).' }),
  })
  .meta({ id: 'EventAccepted', description: 'Durably stored; the engine applies it next.' });
export const ChangeAccepted = z.object(Success).meta({ id: 'ChangeAccepted', description: 'Durably stored.' });
export const AlertsAccepted = z
  .object({ ...Success, alerts: z.number().int().meta({ description: 'How many alerts the request carried.' }) })
  .meta({ id: 'AlertsAccepted', description: 'Durably stored; each alert is one action.' });

export const InvalidEvent = z
  .object({
    status: z.literal('invalid event'),
    message: z.string(),
    errors: z.array(z.string()).meta({ description: 'Every problem found, each naming its field.' }),
    code: z
      .literal('TOO_MANY_ALERTS')
      .optional()
      .meta({ description: 'Only on a 413 for an Alertmanager request of more than 1,000 alerts.' }),
  })
  .meta({ id: 'InvalidEvent', description: "PagerDuty's error body. Senders do not retry it." });

export const ThrottledEvent = z
  .object({ status: z.literal('throttle event'), message: z.string(), errors: z.array(z.string()) })
  .meta({ id: 'ThrottledEvent', description: 'Too many events for this integration key; the event was not stored.' });

export const EventNotStored = z
  .object({ status: z.literal('error'), message: z.string(), errors: z.array(z.string()) })
  .meta({ id: 'EventNotStored', description: 'The server could not store the event; it was not accepted. Retry.' });

export type IntegrationKeyParams = z.output<typeof IntegrationKeyParams>;
export type InvalidEvent = z.output<typeof InvalidEvent>;
