/**
 * The ingest contract as the OpenAPI document shows it: the PagerDuty Events
 * API v2 bodies (alert and change), the Alertmanager webhook (version 4), the
 * generic JSON event, the 202 answers and PagerDuty's error bodies, and each
 * route's declaration (ingestRouteOptions). These schemas describe; they do
 * not validate: the parsers (pagerduty.ts,
 * alertmanager.ts, generic.ts) read every body and report every bad field at
 * once in PagerDuty's `errors` list, which a schema validator would not.
 * Keep the two in step when a format changes.
 */
import type { SwaggerTransform } from '@fastify/swagger';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ZodType } from 'zod';
import { SEVERITIES } from '../engagement/model.js';
import type { IntegrationType } from '../engagement/model.js';
import { MAX_ALERTS_PER_REQUEST } from './alertmanager.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';
import { MAX_EVENTS_PER_REQUEST } from '../security/body.js';

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
    code: z.enum(['TOO_MANY_ALERTS', 'TOO_MANY_EVENTS']).optional().meta({
      description: 'Only on a 413 for an Alertmanager request of more than 1,000 alerts, or a security request of more than 1,000 events.',
    }),
  })
  .meta({ id: 'InvalidEvent', description: "PagerDuty's error body. Senders do not retry it." });

export const ThrottledEvent = z
  .object({ status: z.literal('throttle event'), message: z.string(), errors: z.array(z.string()) })
  .meta({ id: 'ThrottledEvent', description: 'Too many events for this integration key; the event was not stored.' });

export const EventNotStored = z
  .object({ status: z.literal('error'), message: z.string(), errors: z.array(z.string()) })
  .meta({ id: 'EventNotStored', description: 'The server could not store the event; it was not accepted. Retry.' });

/**
 * The route schemas document the bodies; the parsers validate them. A schema
 * validator would stop at the first bad field and word it its own way, where
 * senders get every bad field in PagerDuty's `errors` list (and the fuzz and
 * bad-input tests hold the parsers to it); it would also parse every body a
 * second time on the hot path. So these routes pass the body (raw text) and
 * the key through untouched.
 */
const documentOnly: FastifySchemaCompiler<unknown> = () => () => true;

/** The 429 answer carries Retry-After; the zod transform has no place for response headers, so they are added here. */
const withRetryAfter: SwaggerTransform = (input) => {
  const out = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
  const response = out.schema.response as Record<string, Record<string, unknown>> | undefined;
  const throttled = response?.['429'];
  if (response && throttled) {
    response['429'] = {
      ...throttled,
      headers: { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds until this key may send again.' } },
    };
  }
  return out as { schema: FastifySchema; url: string };
};

/** The errors every ingest route can answer. */
function ingestErrors(keyInPath: boolean): Record<number, ZodType> {
  const unknownKey: Record<number, ZodType> = keyInPath
    ? { 404: InvalidEvent.describe('The key in the URL is not an integration key of this server.') }
    : {};
  return {
    400: InvalidEvent.describe(
      `Invalid event: \`errors\` names each bad field${keyInPath ? '' : ' (an unknown routing_key is one)'}. Senders do not retry a 400.`,
    ),
    ...unknownKey,
    413: InvalidEvent.describe('The body is over the size limit (512 KB by default, --ingest-body-limit).'),
    429: ThrottledEvent.describe(
      'Too many events for this integration key (an Alertmanager request costs one per alert); nothing was stored. Retry after `Retry-After` seconds.',
    ),
    503: EventNotStored.describe('The event could not be stored; it was not accepted. Retry.'),
  };
}

/** One ingest operation, as the document shows it. */
export interface IngestOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  /** Absent on a route that reads no body (a GET). */
  readonly body?: ZodType;
  readonly accepted: ZodType;
  readonly keyInPath: boolean;
  /** For the metrics of refused requests: the integration type, or `ticketing` for ticketing systems' webhooks. */
  readonly integration: IntegrationType | 'ticketing';
  /** Answers that differ from every ingest route's. */
  readonly errors?: Record<number, ZodType>;
  /** Successful answers besides the 202. */
  readonly answers?: Record<number, ZodType>;
  /** Content types the body may come in, when not only JSON. */
  readonly consumes?: readonly string[];
}

/** The route options of one ingest endpoint: its document entry, its integration (for metrics) and its body limit. */
export function ingestRouteOptions(r: IngestOperation, bodyLimit: number) {
  const errors = { ...ingestErrors(r.keyInPath), ...r.errors };
  return {
    bodyLimit,
    validatorCompiler: documentOnly,
    config: { integration: r.integration, swaggerTransform: withRetryAfter },
    schema: {
      operationId: r.operationId,
      summary: r.summary,
      description: r.description,
      tags: ['ingest'],
      security: [],
      ...(r.keyInPath ? { params: IntegrationKeyParams } : {}),
      ...(r.consumes ? { consumes: [...r.consumes] } : {}),
      ...(r.body === undefined ? {} : { body: r.body }),
      response: { ...r.answers, 202: r.accepted.describe('Durably stored: the engine applies it next.'), ...errors },
    },
  };
}

export const PAGERDUTY_EVENT: IngestOperation = {
  operationId: 'enqueueEvent',
  summary: 'PagerDuty Events API v2: trigger, acknowledge or resolve an alert',
  description: 'Authenticated by the `routing_key` in the body. Read as JSON whatever the content type.',
  body: PagerDutyEvent,
  accepted: EventAccepted,
  keyInPath: false,
  integration: 'pagerduty',
};

export const PAGERDUTY_CHANGE: IngestOperation = {
  operationId: 'enqueueChange',
  summary: 'PagerDuty change event: record a deploy or config change on the service',
  description: 'Authenticated by the `routing_key` in the body. Change events open no incident; they are listed under GET /api/v1/changes.',
  body: PagerDutyChange,
  accepted: ChangeAccepted,
  keyInPath: false,
  integration: 'pagerduty',
};

export const ALERTMANAGER_WEBHOOK: IngestOperation = {
  operationId: 'receiveAlertmanagerWebhook',
  summary: 'Alertmanager webhook (payload version 4): one alert per fingerprint',
  description: 'Point an Alertmanager webhook receiver here, with `max_alerts: 1000`. Authenticated by the key in the path.',
  body: AlertmanagerWebhook,
  accepted: AlertsAccepted,
  keyInPath: true,
  integration: 'alertmanager',
  errors: {
    413: InvalidEvent.describe(
      `The body is over the size limit, or carries more than ${MAX_ALERTS_PER_REQUEST} alerts (\`"code": "TOO_MANY_ALERTS"\`); nothing was stored. Set \`max_alerts: ${MAX_ALERTS_PER_REQUEST}\` on the receiver.`,
    ),
  },
};

export const GENERIC_EVENT: IngestOperation = {
  operationId: 'enqueueGenericEvent',
  summary: 'Generic JSON event, for scripts, EDR consoles and forms (docs/ingest.md)',
  description: 'Authenticated by the key in the path. Without a dedup_key, the same summary and details are the same alert.',
  body: GenericEvent,
  accepted: EventAccepted,
  keyInPath: true,
  integration: 'generic',
};

export const TicketingWebhook = z.record(z.string(), z.unknown()).meta({
  id: 'TicketingWebhook',
  description:
    "What the entry's system posts (docs/ticketing.md): a Jira admin webhook (`jira:issue_updated`, `comment_created`; `X-Atlassian-Webhook-Identifier` drops a repeated delivery), the Tandem business rule's post from ServiceNow (`sys_id`, `number`, `state`, `work_notes`, `sys_updated_by`), or a ConnectWise ticket callback (`Type`, `Action`, `ID`, `Entity` as a JSON string).",
});

const WebhookAnswer = {
  message: z.string().meta({ description: 'What happened to the delivery, in words.' }),
};

export const WebhookAccepted = z
  .object({ status: z.literal('accepted'), ...WebhookAnswer })
  .meta({ id: 'WebhookAccepted', description: 'Durably stored; the sync applies it to the incident next.' });

export const WebhookNotStored = z.object({ status: z.enum(['duplicate', 'ignored']), ...WebhookAnswer }).meta({
  id: 'WebhookNotStored',
  description: '`duplicate`: this delivery was accepted before and acts once; `ignored`: well-formed, but about nothing Tandem follows.',
});

export const TICKETING_WEBHOOK: IngestOperation = {
  operationId: 'receiveTicketingWebhook',
  summary: 'A ticketing system reports a change on a ticket (Jira, ServiceNow, ConnectWise)',
  description:
    "Authenticated by the ticketing entry's `inbound_key` in the path. A status change or a note on a ticket Tandem opened reaches the incident (acknowledge, resolve, a timeline note naming the system and the person) and the engagement's other systems, never back to the one it came from.",
  body: TicketingWebhook,
  accepted: WebhookAccepted,
  answers: { 200: WebhookNotStored },
  keyInPath: true,
  integration: 'ticketing',
  errors: {
    401: InvalidEvent.describe(
      'The entry signs its webhooks (`inbound_secret_env`) and `X-Hub-Signature` is missing or does not match the body; nothing was stored.',
    ),
    404: InvalidEvent.describe('The key in the URL is not the inbound key of a ticketing entry of this server.'),
  },
};

const SecurityEventObject = z.record(z.string(), z.unknown()).meta({
  id: 'SecurityEvent',
  description:
    'One event: its fields as Sigma rules read them (dotted names reach nested objects). As `{"logsource": {...}, "event": {...}}` (exactly these keys) it carries its own log source, which replaces the integration\'s.',
});

export const SecurityEvents = z
  .union([
    SecurityEventObject,
    z.array(SecurityEventObject).min(1).max(MAX_EVENTS_PER_REQUEST),
    z.string().meta({
      description:
        'application/x-ndjson: one event object per line. text/plain: one CEF (`CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|ext`) or syslog (RFC 5424 or RFC 3164) line per line.',
    }),
  ])
  .meta({ description: `At most ${MAX_EVENTS_PER_REQUEST} events a request; more is a 413.` });

export const SecurityAccepted = z
  .object({
    ...Success,
    events: z.number().int().meta({ description: 'Events the request carried, all stored (the raw body is kept as evidence).' }),
    detections: z.number().int().meta({ description: 'Sigma rule matches that became triggers (informational rules never do).' }),
  })
  .meta({ id: 'SecurityAccepted', description: 'Durably stored; the engine opens or joins a detection for each trigger next.' });

export const SECURITY_EVENTS: IngestOperation = {
  operationId: 'enqueueSecurityEvents',
  summary: 'Security events: JSON, NDJSON, CEF or syslog lines, matched against the Sigma rules (docs/security.md)',
  description:
    "Authenticated by the key of a `security` integration in the path. The integration's `logsource` tags the events. Each rule that matches (level low and up) opens or joins the alert `sigma:<rule id>:<group key>` on the service. A bad line is a 400 naming it (`line 3: ...`); each event costs one token of the rate limit.",
  body: SecurityEvents,
  accepted: SecurityAccepted,
  keyInPath: true,
  integration: 'security',
  consumes: ['application/json', 'application/x-ndjson', 'text/plain'],
  errors: {
    413: InvalidEvent.describe(
      `The body is over the size limit, or carries more than ${MAX_EVENTS_PER_REQUEST} events (\`"code": "TOO_MANY_EVENTS"\`); nothing was stored.`,
    ),
  },
};

export type IntegrationKeyParams = z.output<typeof IntegrationKeyParams>;
export type InvalidEvent = z.output<typeof InvalidEvent>;
