/**
 * The OpenAPI 3.1 document served at /api/v1/openapi.json. A test checks that
 * every route the server registers is described here and the other way round.
 */
import { ERROR_CATALOG } from '../errors/catalog.js';
import { VERSION } from '../settings/version.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ingestErrors = {
  '400': json(ref('InvalidEvent'), 'Invalid event: `errors` names each bad field. Senders do not retry a 400.'),
  '413': json(ref('InvalidEvent'), 'Body over 512 KB.'),
  '429': { ...json(ref('InvalidEvent'), 'Too many events for this key; the event was not stored. Retry after `Retry-After` seconds.'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
};
const incidentParam = { name: 'id', in: 'path', required: true, description: 'Incident id (12) or number (ACME-12).', schema: { type: 'string' } };
const incidentAction = (summary: string, description: string, body?: object) => ({
  summary,
  description,
  tags: ['incidents'],
  parameters: [incidentParam],
  ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
  responses: { '200': json({ type: 'object', properties: { incident: ref('Incident') } }, 'The incident as it is now.'), ...errorResponses(400, 401, 403, 404, 409) },
});

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= build();
  return cached;
}

function build(): object {
  const ts = { type: ['string', 'null'], format: 'date-time' };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tandem API',
      version: VERSION,
      description:
        'The shared operations desk of a co-managed IT engagement. Ingest speaks PagerDuty Events API v2, the Alertmanager webhook and generic JSON (authenticated by integration key). Everything under /api/v1 needs `Authorization: Bearer <token>` and sees only the token\'s engagements. Errors are `{"error":{"code","message","field"}}`; the codes are listed in docs/errors.md.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'ingest', description: 'Events from monitoring tools.' },
      { name: 'incidents', description: 'Incidents, their alerts and timeline.' },
      { name: 'engagements', description: 'Engagements, services and change events.' },
      { name: 'operations', description: 'Health, readiness and metrics.' },
    ],
    paths: {
      '/v2/enqueue': {
        post: {
          tags: ['ingest'],
          security: [],
          summary: 'PagerDuty Events API v2: trigger, acknowledge or resolve an alert',
          requestBody: { required: true, content: { 'application/json': { schema: ref('PagerDutyEvent') } } },
          responses: { '202': json(ref('Accepted'), 'Durably stored.'), ...ingestErrors },
        },
      },
      '/v2/change/enqueue': {
        post: {
          tags: ['ingest'],
          security: [],
          summary: 'PagerDuty change event: record a deploy or config change on the service',
          requestBody: { required: true, content: { 'application/json': { schema: ref('PagerDutyChange') } } },
          responses: { '202': json(ref('Accepted'), 'Durably stored.'), ...ingestErrors },
        },
      },
      '/integrations/alertmanager/{key}': {
        post: {
          tags: ['ingest'],
          security: [],
          summary: 'Alertmanager webhook (payload version 4): one alert per fingerprint',
          parameters: [{ name: 'key', in: 'path', required: true, description: 'An integration key of type alertmanager.', schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['version', 'alerts'] } } } },
          responses: { '202': json(ref('Accepted'), 'Durably stored.'), '404': json(ref('InvalidEvent'), 'Unknown key.'), ...ingestErrors },
        },
      },
      '/integrations/generic/{key}': {
        post: {
          tags: ['ingest'],
          security: [],
          summary: 'Generic JSON event (docs/ingest.md)',
          parameters: [{ name: 'key', in: 'path', required: true, description: 'An integration key of type generic.', schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('GenericEvent') } } },
          responses: { '202': json(ref('Accepted'), 'Durably stored.'), '404': json(ref('InvalidEvent'), 'Unknown key.'), ...ingestErrors },
        },
      },
      '/api/v1/openapi.json': { get: { tags: ['operations'], security: [], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/api/v1/me': { get: { tags: ['engagements'], summary: 'The calling token: role, engagements, person', responses: { '200': { description: 'The token' }, ...errorResponses(401) } } },
      '/api/v1/engagements': { get: { tags: ['engagements'], summary: 'Engagements this token can see', responses: { '200': { description: 'Engagements' }, ...errorResponses(401) } } },
      '/api/v1/engagements/{engagement}': {
        get: {
          tags: ['engagements'],
          summary: 'One engagement: sides, people, teams, coverage, routing, policies, services',
          parameters: [{ name: 'engagement', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The engagement' }, ...errorResponses(401, 404) },
        },
      },
      '/api/v1/services': {
        get: {
          tags: ['engagements'],
          summary: 'Services of the visible engagements (integration keys are never shown)',
          parameters: [{ name: 'engagement', in: 'query', description: 'Comma-separated engagement ids.', schema: { type: 'string' } }],
          responses: { '200': { description: 'Services' }, ...errorResponses(400, 401, 404) },
        },
      },
      '/api/v1/changes': {
        get: {
          tags: ['engagements'],
          summary: 'Change events, newest first',
          parameters: [
            { name: 'engagement', in: 'query', schema: { type: 'string' } },
            { name: 'service', in: 'query', schema: { type: 'string' } },
            { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          ],
          responses: { '200': { description: 'Changes' }, ...errorResponses(400, 401, 404) },
        },
      },
      '/api/v1/incidents': {
        get: {
          tags: ['incidents'],
          summary: 'Incidents, newest first, with cursor paging',
          parameters: [
            { name: 'status', in: 'query', description: 'Comma-separated: triggered, acknowledged, waiting_on_customer, waiting_on_vendor, resolved.', schema: { type: 'string' } },
            { name: 'priority', in: 'query', description: 'Comma-separated, e.g. P1,P2.', schema: { type: 'string' } },
            { name: 'service', in: 'query', description: 'Comma-separated service ids.', schema: { type: 'string' } },
            { name: 'engagement', in: 'query', description: 'Comma-separated engagement ids (default: all the token sees).', schema: { type: 'string' } },
            { name: 'since', in: 'query', description: 'Opened at or after this instant.', schema: { type: 'string', format: 'date-time' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'cursor', in: 'query', description: '`next_cursor` of the previous page.', schema: { type: 'string' } },
          ],
          responses: {
            '200': json({ type: 'object', properties: { incidents: { type: 'array', items: ref('Incident') }, next_cursor: { type: ['string', 'null'] } } }, 'A page of incidents.'),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      '/api/v1/incidents/{id}': {
        get: {
          tags: ['incidents'],
          summary: 'One incident with its alerts and full timeline (raw events included)',
          parameters: [incidentParam],
          responses: { '200': json({ type: 'object', properties: { incident: ref('IncidentDetail') } }, 'The incident.'), ...errorResponses(401, 404) },
        },
      },
      '/api/v1/incidents/{id}/acknowledge': { post: incidentAction('Acknowledge', 'Stops escalation. A no-op when already acknowledged; 409 when resolved.') },
      '/api/v1/incidents/{id}/resolve': { post: incidentAction('Resolve', 'Resolves the incident and its open alerts. A no-op when already resolved.') },
      '/api/v1/incidents/{id}/status': {
        post: incidentAction('Set waiting status', 'Waiting on customer / vendor pauses SLA clocks that list it in `pause_while`; `acknowledged` returns from waiting.', {
          type: 'object',
          required: ['status'],
          properties: { status: { enum: ['acknowledged', 'waiting_on_customer', 'waiting_on_vendor'] } },
        }),
      },
      '/api/v1/incidents/{id}/notes': {
        post: {
          ...incidentAction('Add a note', 'Appends a note to the timeline (201).', { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 10000 } } }),
          responses: { '201': json({ type: 'object', properties: { incident: ref('Incident') } }, 'Added.'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      '/healthz': { get: { tags: ['operations'], security: [], summary: 'Liveness: the process answers', responses: { '200': { description: 'ok' } } } },
      '/readyz': { get: { tags: ['operations'], security: [], summary: 'Readiness: the database answers', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      '/metrics': { get: { tags: ['operations'], security: [], summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain; version=0.0.4' } } } },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `tandem token create`.' } },
      responses: Object.fromEntries(
        [400, 401, 403, 404, 409].map((status) => [
          `E${status}`,
          json(ref('Error'), Object.entries(ERROR_CATALOG).filter(([, v]) => v.status === status).map(([k]) => k).join(', ')),
        ]),
      ),
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { enum: Object.keys(ERROR_CATALOG) }, message: { type: 'string' }, field: { type: 'string' } },
            },
          },
        },
        InvalidEvent: {
          type: 'object',
          properties: { status: { type: 'string', examples: ['invalid event'] }, message: { type: 'string' }, errors: { type: 'array', items: { type: 'string' } } },
        },
        Accepted: {
          type: 'object',
          properties: { status: { const: 'success' }, message: { const: 'Event processed' }, dedup_key: { type: 'string' }, alerts: { type: 'integer' } },
        },
        PagerDutyEvent: {
          type: 'object',
          required: ['routing_key', 'event_action'],
          properties: {
            routing_key: { type: 'string' },
            event_action: { enum: ['trigger', 'acknowledge', 'resolve'] },
            dedup_key: { type: 'string', maxLength: 255 },
            payload: {
              type: 'object',
              required: ['summary', 'source', 'severity'],
              properties: {
                summary: { type: 'string', maxLength: 1024 },
                source: { type: 'string' },
                severity: { enum: ['critical', 'error', 'warning', 'info'] },
                timestamp: { type: 'string', format: 'date-time' },
                component: { type: 'string' },
                group: { type: 'string' },
                class: { type: 'string' },
                custom_details: { type: 'object' },
              },
            },
            images: { type: 'array', items: { type: 'object', required: ['src'] } },
            links: { type: 'array', items: { type: 'object', required: ['href'] } },
            client: { type: 'string' },
            client_url: { type: 'string' },
          },
        },
        PagerDutyChange: {
          type: 'object',
          required: ['routing_key', 'payload'],
          properties: {
            routing_key: { type: 'string' },
            payload: { type: 'object', required: ['summary'], properties: { summary: { type: 'string', maxLength: 1024 }, source: { type: 'string' }, timestamp: { type: 'string' }, custom_details: { type: 'object' } } },
            links: { type: 'array', items: { type: 'object', required: ['href'] } },
          },
        },
        GenericEvent: {
          type: 'object',
          properties: {
            summary: { type: 'string', maxLength: 1024, description: 'Required for trigger.' },
            details: { oneOf: [{ type: 'string' }, { type: 'object' }] },
            dedup_key: { type: 'string', maxLength: 255, description: 'Default: a hash of summary and details.' },
            severity: { enum: ['critical', 'error', 'warning', 'info'], default: 'error' },
            action: { enum: ['trigger', 'acknowledge', 'resolve', 'close'], default: 'trigger' },
            source: { type: 'string' },
            timestamp: { type: 'string', format: 'date-time' },
            group: { type: 'string', description: 'Alerts with the same group share one open incident.' },
          },
        },
        Incident: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            number: { type: 'string', examples: ['ACME-42'] },
            engagement: { type: 'string' },
            service: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
            title: { type: 'string' },
            status: { enum: ['triggered', 'acknowledged', 'waiting_on_customer', 'waiting_on_vendor', 'resolved'] },
            priority: { type: 'string' },
            severity: { type: 'string' },
            side: { type: ['string', 'null'], enum: ['internal', 'partner', null] },
            created_at: ts,
            updated_at: ts,
            acknowledged_at: ts,
            acknowledged_by: { type: ['string', 'null'], examples: ['person:kim'] },
            resolved_at: ts,
            resolved_by: { type: ['string', 'null'] },
            alert_count: { type: 'integer' },
            open_alert_count: { type: 'integer' },
          },
        },
        IncidentDetail: {
          allOf: [
            ref('Incident'),
            {
              type: 'object',
              properties: {
                alerts: { type: 'array', items: ref('Alert') },
                timeline: { type: 'array', items: ref('TimelineEntry') },
              },
            },
          ],
        },
        Alert: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            dedup_key: { type: 'string' },
            status: { enum: ['triggered', 'acknowledged', 'resolved'] },
            summary: { type: 'string' },
            severity: { type: 'string' },
            source: { type: ['string', 'null'] },
            integration: { type: 'string' },
            details: {},
            event_count: { type: 'integer' },
            created_at: ts,
            updated_at: ts,
            resolved_at: ts,
          },
        },
        TimelineEntry: {
          type: 'object',
          description: 'Append-only: no API edits or deletes an entry.',
          properties: {
            id: { type: 'integer' },
            at: ts,
            kind: { type: 'string', examples: ['incident.triggered', 'alert.retriggered', 'incident.acknowledged', 'note'] },
            actor: { type: 'object', properties: { type: { enum: ['person', 'token', 'integration', 'system'] }, id: { type: ['string', 'null'] } } },
            message: { type: 'string' },
            data: {},
            alert_id: { type: ['integer', 'null'] },
            event: { type: ['object', 'null'], properties: { id: { type: 'integer' }, raw: { type: 'string', description: 'The request body exactly as received.' } } },
          },
        },
      },
    },
  };
}
