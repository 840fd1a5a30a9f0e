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

const scheduleParams = [
  { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'id', in: 'path', required: true, description: 'Schedule id.', schema: { type: 'string' } },
];
const calendarParams = [
  { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'id', in: 'path', required: true, description: 'Schedule or person id.', schema: { type: 'string' } },
  { name: 'token', in: 'path', required: true, description: 'The feed token from the URL the API gave.', schema: { type: 'string' } },
];

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
      { name: 'performance', description: 'Metrics, credits and the monthly review.' },
      { name: 'risk', description: 'The price of the coverage gap, and simulations of another engagement file over real history (docs/risk-model.md).' },
      { name: 'dashboard', description: 'Sessions and the live stream behind the web dashboard.' },
      { name: 'schedules', description: 'Who is on call now on each side, shifts and gaps, calendar feeds.' },
      { name: 'events', description: 'The event pipeline for admins: the backlog, and accepted events that could not be applied (quarantined) with their error.' },
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
          responses: {
            '202': json(ref('Accepted'), 'Durably stored.'),
            '404': json(ref('InvalidEvent'), 'Unknown key.'),
            ...ingestErrors,
            '413': json(ref('InvalidEvent'), 'Body over 512 KB, or more than 1,000 alerts in one request (`"code": "TOO_MANY_ALERTS"`); nothing was stored. Set `max_alerts: 1000` on the receiver.'),
            '429': { ...ingestErrors['429'], description: 'Too many events for this key (each alert is one event); nothing was stored. Retry after `Retry-After` seconds.' },
          },
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
      '/api/v1/session': {
        post: {
          tags: ['dashboard'],
          security: [],
          summary: 'Sign in: exchange an API token for a session cookie (httpOnly, SameSite=Strict, 12 hours)',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } } } },
          responses: { '200': { description: 'Signed in; Set-Cookie: tandem_session=...' }, ...errorResponses(400, 401) },
        },
        delete: { tags: ['dashboard'], summary: 'Sign out: ends the session and clears the cookie', responses: { '204': { description: 'Signed out' }, ...errorResponses(401) } },
      },
      '/api/v1/stream': {
        get: {
          tags: ['dashboard'],
          summary: 'Live incident changes as server-sent events (`event: incident`, data = an Incident); authenticated by the session cookie or a bearer token',
          parameters: [{ name: 'engagement', in: 'query', description: 'Comma-separated engagement ids (default: all the token sees).', schema: { type: 'string' } }],
          responses: { '200': { description: 'text/event-stream' }, ...errorResponses(401, 404) },
        },
      },
      '/api/v1/me': { get: { tags: ['engagements'], summary: 'The calling token: role, engagements, person (and, with a person, their calendar feed URLs in `calendars`)', responses: { '200': { description: 'The token' }, ...errorResponses(401) } } },
      '/api/v1/engagements': { get: { tags: ['engagements'], summary: 'Engagements this token can see', responses: { '200': { description: 'Engagements' }, ...errorResponses(401) } } },
      '/api/v1/engagements/{engagement}': {
        get: {
          tags: ['engagements'],
          summary: 'One engagement: sides, people, teams, coverage, routing, policies, services',
          parameters: [{ name: 'engagement', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The engagement' }, ...errorResponses(401, 404) },
        },
      },
      '/api/v1/engagements/{engagement}/metrics': {
        get: {
          tags: ['performance'],
          summary: 'MTTA, MTTR (by priority, side, window, service), SLA attainment, pages per person (night pages), noisy services and alerts, for incidents opened in [from, to)',
          parameters: [
            { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'from', in: 'query', description: 'Default: 30 days before `to`.', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', description: 'Default: now. At most 400 days after `from`.', schema: { type: 'string', format: 'date-time' } },
          ],
          responses: { '200': { description: 'Metrics (keys mtta_s, mttr_s, incidents, by_window, by_side, by_priority, by_service, sla_attainment, pages, noisy_services, noisy_alerts)' }, ...errorResponses(400, 401, 404) },
        },
      },
      '/api/v1/engagements/{engagement}/metrics/monthly': {
        get: {
          tags: ['performance'],
          summary: 'Per calendar month (engagement time zone): incidents, MTTA, MTTR, SLA attainment and credits, oldest first',
          parameters: [
            { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'months', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 24, default: 6 } },
          ],
          responses: { '200': { description: 'Monthly figures' }, ...errorResponses(400, 401, 404) },
        },
      },
      '/api/v1/engagements/{engagement}/credits': {
        get: {
          tags: ['performance'],
          summary: "A month's service credits: every credited breach, the percent of the monthly fee (capped per SLA) and the amount",
          parameters: [
            { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'month', in: 'query', description: 'YYYY-MM, from 1970-01 to 9999-12; default: last month.', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'Credits (month, breaches, credit_percent, credit_amount, currency, capped)' }, ...errorResponses(400, 401, 404) },
        },
      },
      '/api/v1/engagements/{engagement}/reports/monthly': {
        get: {
          tags: ['performance'],
          summary: 'The monthly operational review: a self-contained HTML document, or the same as a PDF',
          parameters: [
            { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'month', in: 'query', description: 'YYYY-MM, from 1970-01 to 9999-12; default: last month.', schema: { type: 'string' } },
            { name: 'format', in: 'query', schema: { enum: ['html', 'pdf'], default: 'html' } },
          ],
          responses: {
            '200': { description: 'text/html (with a Content-Security-Policy) or application/pdf' },
            ...errorResponses(400, 401, 404),
            '429': {
              ...json(ref('Error'), 'RATE_LIMITED: `format=pdf` while the server prints as many PDFs as it will at once (`--pdf-renders`, default 2) and its queue (`--pdf-queue`, default 4) is full. Retry after `Retry-After` seconds.'),
              headers: { 'Retry-After': { schema: { type: 'integer' } } },
            },
          },
        },
      },
      '/api/v1/engagements/{engagement}/risk': {
        get: {
          tags: ['risk'],
          summary: 'The price of the gap: for incidents opened in [from, to), response time beyond a first-response time x the service downtime cost per minute, by window and side, the costliest incidents, annualized',
          description: 'An incident nobody acknowledged counts until it resolved (or until `to`). Services without `downtime_cost_per_minute` count 0 and are listed in `unpriced_services`. Any token that sees the engagement may read it.',
          parameters: [
            { name: 'engagement', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'from', in: 'query', required: true, description: 'ISO 8601 instant, or a date (midnight in the engagement time zone).', schema: { type: 'string' } },
            { name: 'to', in: 'query', required: true, description: 'After `from`, at most 800 days later.', schema: { type: 'string' } },
            { name: 'first_response', in: 'query', description: 'A reasonable first-response time; responding within it costs nothing.', schema: { type: 'string', default: '5m', examples: ['5m', '90s'] } },
          ],
          responses: { '200': json(ref('Risk'), 'The exposure over the period.'), ...errorResponses(400, 401, 404) },
        },
      },
      '/api/v1/engagements/{engagement}/simulate': {
        post: {
          tags: ['risk'],
          summary: "Replays the period's real incidents under another engagement file and compares with what happened: expected MTTA, unattended minutes, exposure, the partner's fee, and the verdict (admin)",
          description: 'A bad `config` is a 400 whose message lists every problem as `file:line:col: message` (`file` names it; default "config"). The model and its assumptions: docs/risk-model.md.',
          parameters: [{ name: 'engagement', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['from', 'to', 'config'],
                  properties: {
                    from: { type: 'string', description: 'ISO 8601 instant or date.' },
                    to: { type: 'string', description: 'ISO 8601 instant or date, after `from`.' },
                    config: { type: 'string', description: 'The alternative engagement file (YAML text), e.g. demo/internal-only.yaml.' },
                    first_response: { type: 'string', default: '5m' },
                    file: { type: 'string', description: 'The name diagnostics give the file.', default: 'config' },
                  },
                },
              },
            },
          },
          responses: { '200': json(ref('Simulation'), 'Actual against alternative.'), ...errorResponses(400, 401, 403, 404) },
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
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
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
      '/api/v1/incidents/{id}/priority': {
        post: incidentAction('Change priority', 'SLA targets follow the new priority (elapsed time is kept); the change is on the timeline.', {
          type: 'object',
          required: ['priority'],
          properties: { priority: { type: 'string', examples: ['P1'] } },
        }),
      },
      '/api/v1/incidents/{id}/notes': {
        post: {
          ...incidentAction('Add a note', 'Appends a note to the timeline (201).', { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 10000 } } }),
          responses: { '201': json({ type: 'object', properties: { incident: ref('Incident') } }, 'Added.'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      '/api/v1/on-call': {
        get: {
          tags: ['schedules'],
          summary: 'Who answers now: per engagement, the coverage window, which side owns each function, and who is on call in every schedule',
          parameters: [
            { name: 'engagement', in: 'query', description: 'Comma-separated engagement ids (default: all the token sees).', schema: { type: 'string' } },
            { name: 'at', in: 'query', description: 'The instant to answer for (default: now).', schema: { type: 'string', format: 'date-time' } },
          ],
          responses: {
            '200': json({ type: 'object', properties: { at: { type: 'string', format: 'date-time' }, engagements: { type: 'array', items: ref('EngagementOnCall') } } }, 'On call now.'),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      '/api/v1/schedules': {
        get: {
          tags: ['schedules'],
          summary: 'Schedules with their layers, overrides, members, who is on call now, and calendar feed URLs',
          parameters: [{ name: 'engagement', in: 'query', description: 'Comma-separated engagement ids (default: all the token sees).', schema: { type: 'string' } }],
          responses: {
            '200': json({ type: 'object', properties: { at: { type: 'string', format: 'date-time' }, schedules: { type: 'array', items: ref('Schedule') } } }, 'Schedules.'),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      '/api/v1/schedules/{engagement}/{id}/shifts': {
        get: {
          tags: ['schedules'],
          summary: 'Shifts and gaps of a schedule over a range (at most 92 days)',
          parameters: [
            ...scheduleParams,
            { name: 'from', in: 'query', description: 'Start of the range (default: now).', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', description: 'End of the range, after `from` and at most 92 days later (default: `from` + 7 days).', schema: { type: 'string', format: 'date-time' } },
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  schedule: ref('ScheduleRef'),
                  from: { type: 'string', format: 'date-time' },
                  to: { type: 'string', format: 'date-time' },
                  shifts: { type: 'array', items: ref('Shift') },
                  gaps: { type: 'array', description: 'When nobody is on call.', items: { type: 'object', properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } } } },
                },
              },
              'Shifts clipped to the range, by start; gaps merged.',
            ),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      '/api/v1/schedules/{engagement}/{id}/on-call': {
        get: {
          tags: ['schedules'],
          summary: 'Who is on call in a schedule at an instant',
          parameters: [...scheduleParams, { name: 'at', in: 'query', description: 'Default: now.', schema: { type: 'string', format: 'date-time' } }],
          responses: {
            '200': json({ allOf: [{ type: 'object', properties: { schedule: ref('ScheduleRef'), at: { type: 'string', format: 'date-time' } } }, ref('ScheduleOnCall')] }, 'On call at `at`.'),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      '/calendars/{engagement}/schedule/{id}/{token}.ics': {
        get: {
          tags: ['schedules'],
          security: [],
          summary: 'iCalendar feed of a schedule (30 days back, 90 ahead); the URL is the credential',
          description: 'For calendar apps, which cannot send a bearer token. Take the URL from `calendar_url` in GET /api/v1/schedules. A wrong token or unknown id is 404.',
          parameters: calendarParams,
          responses: { '200': { description: 'text/calendar; charset=utf-8 (RFC 5545), `Cache-Control: private, max-age=300`' }, '404': { $ref: '#/components/responses/E404' } },
        },
      },
      '/calendars/{engagement}/person/{id}/{token}.ics': {
        get: {
          tags: ['schedules'],
          security: [],
          summary: "iCalendar feed of one person's shifts across the engagement's schedules; the URL is the credential",
          description: 'Take the URL from `members[].calendar_url` in GET /api/v1/schedules or `calendars` in GET /api/v1/me. Each SUMMARY names the schedule. A wrong token or unknown id is 404.',
          parameters: calendarParams,
          responses: { '200': { description: 'text/calendar; charset=utf-8 (RFC 5545), `Cache-Control: private, max-age=300`' }, '404': { $ref: '#/components/responses/E404' } },
        },
      },
      '/api/v1/events/quarantined': {
        get: {
          tags: ['events'],
          summary: 'Quarantined events: accepted, but they could not be applied even alone (admin)',
          description: 'Newest first. Each was set aside with its error so the events after it could go on; `raw` is the body as received (its first 4,096 characters).',
          parameters: [
            { name: 'engagement', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': json(
              { type: 'object', required: ['events', 'next_cursor'], properties: { events: { type: 'array', items: ref('QuarantinedEvent') }, next_cursor: { type: ['string', 'null'] } } },
              'Quarantined events',
            ),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      '/api/v1/events/quarantined/retry': {
        post: {
          tags: ['events'],
          summary: 'Put quarantined events back in the queue (admin)',
          description: 'The engine applies them at once; one that fails again is quarantined again with its new error. `not_quarantined` lists the ids asked for that were not quarantined in the engagements this token can see.',
          parameters: [{ name: 'engagement', in: 'query', schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { type: 'object', required: ['ids'], properties: { ids: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 1000 } } },
                    { type: 'object', required: ['all'], properties: { all: { const: true } } },
                  ],
                },
              },
            },
          },
          responses: {
            '200': json(
              { type: 'object', required: ['retried', 'not_quarantined'], properties: { retried: { type: 'array', items: { type: 'integer' } }, not_quarantined: { type: 'array', items: { type: 'integer' } } } },
              'What was put back',
            ),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      '/api/v1/events/backlog': {
        get: {
          tags: ['events'],
          summary: 'Events waiting to be applied and quarantined, in the engagements this token can see (admin)',
          parameters: [{ name: 'engagement', in: 'query', schema: { type: 'string' } }],
          responses: {
            '200': json(
              {
                type: 'object',
                required: ['waiting', 'oldest_waiting_at', 'oldest_waiting_age_seconds', 'quarantined'],
                properties: { waiting: { type: 'integer' }, oldest_waiting_at: { type: ['string', 'null'], format: 'date-time' }, oldest_waiting_age_seconds: { type: 'number' }, quarantined: { type: 'integer' } },
              },
              'The backlog',
            ),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      '/healthz': { get: { tags: ['operations'], security: [], summary: 'Liveness: the process answers', responses: { '200': { description: 'ok' } } } },
      '/readyz': {
        get: {
          tags: ['operations'],
          security: [],
          summary: 'Readiness: the database answers and events are being applied',
          description: 'Not ready (503) when the database does not answer (`database: "unreachable"`), or when the oldest accepted event not yet applied is older than `--max-event-lag` (default 300 s; `events` says how old).',
          responses: {
            '200': json({ type: 'object', required: ['status', 'database'], properties: { status: { const: 'ready' }, database: { const: 'ok' } } }, 'ready'),
            '503': json({ type: 'object', required: ['status', 'database'], properties: { status: { const: 'not ready' }, database: { enum: ['ok', 'unreachable'] }, events: { type: 'string' } } }, 'not ready'),
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['operations'],
          security: [{}, { metrics: [] }],
          summary: 'Prometheus metrics',
          description: 'Open unless the server is started with `--metrics-token` (`TANDEM_METRICS_TOKEN`); then it needs `Authorization: Bearer <that token>`.',
          responses: { '200': { description: 'text/plain; version=0.0.4' }, '401': json(ref('Error'), 'AUTH_REQUIRED or AUTH_INVALID: the metrics token is missing or wrong.') },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from `tandem token create`.' },
        metrics: { type: 'http', scheme: 'bearer', description: 'The `--metrics-token` the server was started with (for `/metrics` only).' },
      },
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
        QuarantinedEvent: {
          type: 'object',
          required: ['id', 'engagement', 'service', 'integration', 'kind', 'received_at', 'request_id', 'quarantined_at', 'error', 'raw', 'raw_truncated'],
          properties: {
            id: { type: 'integer' },
            engagement: { type: 'string' },
            service: { type: 'string' },
            integration: { type: 'string', enum: ['pagerduty', 'alertmanager', 'generic'] },
            kind: { type: 'string', enum: ['alert', 'change'] },
            received_at: { type: 'string', format: 'date-time' },
            request_id: { type: ['string', 'null'] },
            quarantined_at: { type: 'string', format: 'date-time' },
            error: { type: 'string', description: 'Why it could not be applied.' },
            raw: { type: 'string', description: 'The body as received, cut at 4,096 characters.' },
            raw_truncated: { type: 'boolean' },
          },
        },
        InvalidEvent: {
          type: 'object',
          properties: {
            status: { type: 'string', examples: ['invalid event'] },
            message: { type: 'string' },
            errors: { type: 'array', items: { type: 'string' } },
            code: { const: 'TOO_MANY_ALERTS', description: 'Only on a 413 for an Alertmanager request of more than 1,000 alerts.' },
          },
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
            sla: { type: 'array', items: ref('SlaClock') },
          },
        },
        SlaClock: {
          type: 'object',
          description: 'One SLA clock of an incident, as of the response. `deadline` is the last instant that still meets the target.',
          properties: {
            sla: { type: 'string' },
            kind: { enum: ['respond', 'resolve'] },
            priority: { type: 'string' },
            clock: { enum: ['24x7', 'business_hours', null] },
            status: { enum: ['running', 'paused', 'met', 'breached', 'not_applicable'] },
            target_s: { type: ['number', 'null'] },
            elapsed_s: { type: 'number' },
            remaining_s: { type: ['number', 'null'], description: 'Negative once breached (the overrun). Clock time: business seconds on a business-hours clock.' },
            percent_used: { type: ['number', 'null'] },
            paused: { type: 'boolean' },
            deadline: { type: ['string', 'null'], format: 'date-time' },
            breached_at: { type: ['string', 'null'], format: 'date-time' },
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
        ...scheduleSchemas(ts),
        ...riskSchemas(),
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

/** Schemas of the schedules API (src/api/schedules.ts presenters). */
function scheduleSchemas(ts: object): Record<string, object> {
  const instant = { type: 'string', format: 'date-time' };
  const person = { person: { type: 'string' }, name: { type: 'string' }, side: { type: ['string', 'null'], enum: ['internal', 'partner', null] } };
  return {
    ScheduleRef: { type: 'object', properties: { id: { type: 'string' }, engagement: { type: 'string' }, timezone: { type: 'string' } } },
    OnCallPerson: {
      type: 'object',
      properties: { ...person, until: { ...ts, description: 'End of their current on-call stretch; null when it does not end within about a year.' } },
    },
    ScheduleOnCall: {
      type: 'object',
      properties: {
        on_call: { type: 'array', items: ref('OnCallPerson'), description: 'Empty in a gap; several people when overrides overlap.' },
        next_change: { ...ts, description: 'When the people on call next change.' },
      },
    },
    Schedule: {
      allOf: [
        ref('ScheduleRef'),
        ref('ScheduleOnCall'),
        {
          type: 'object',
          properties: {
            layers: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  layer: { type: 'integer', description: '1 = first; a later layer wins where it has someone.' },
                  rotation: {
                    type: 'object',
                    properties: { every: { type: 'string', examples: ['1w'] }, handoff: { type: 'string', examples: ['mon 09:00'] }, start: { type: 'string', format: 'date' }, members: { type: 'array', items: { type: 'object', properties: person } } },
                  },
                  only: { type: ['array', 'null'], items: { type: 'object', properties: { days: { type: 'array', items: { type: 'string' } }, from: { type: 'string' }, to: { type: 'string' } } } },
                },
              },
            },
            overrides: {
              type: 'array',
              items: { type: 'object', properties: { ...person, from: { type: 'string', description: 'Local to the schedule, as written.' }, to: { type: 'string' }, start: instant, end: instant } },
            },
            members: { type: 'array', items: { type: 'object', properties: { ...person, calendar_url: { type: 'string', format: 'uri', description: "This person's feed across the engagement." } } } },
            calendar_url: { type: 'string', format: 'uri', description: "This schedule's iCalendar feed; the URL is the credential." },
          },
        },
      ],
    },
    Shift: {
      type: 'object',
      properties: { ...person, start: instant, end: instant, source: { enum: ['layer', 'override'] }, layer: { type: ['integer', 'null'], description: 'Which layer (1 = first) for layer shifts.' } },
    },
    EngagementOnCall: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        timezone: { type: 'string' },
        coverage: {
          type: 'object',
          properties: {
            window: { enum: ['business_hours', 'after_hours', 'weekend', 'holiday'] },
            label: { type: 'string', examples: ['after hours'] },
            holiday: { type: ['string', 'null'], examples: ['Thanksgiving Day'] },
            until: { ...ts, description: 'When the window next changes.' },
            owners: { type: 'object', additionalProperties: { enum: ['internal', 'partner'] }, description: 'function -> side that owns it now.' },
          },
        },
        sides: {
          type: 'object',
          description: 'internal and partner: name, functions owned now, who is on call in each schedule, and whom its policies would page first.',
          additionalProperties: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              functions: { type: 'array', items: { type: 'string' } },
              on_call: { type: 'array', items: { allOf: [{ type: 'object', properties: { schedule: { type: 'string' } } }, ref('OnCallPerson')] } },
              pages: {
                type: 'array',
                description: "Per function the side owns: its policy and the first tier that would page someone for an incident opened now (a tier in a schedule gap is skipped). A side may page a team or a person with nobody on call in any schedule.",
                items: {
                  type: 'object',
                  properties: {
                    function: { type: 'string' },
                    policy: { type: ['string', 'null'], description: 'null when routing names no policy for the function.' },
                    tier: { type: ['integer', 'null'], description: '1 = first; null when nobody would be paged.' },
                    targets: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          target: { type: 'string', examples: ['team:acme-it'] },
                          people: { type: 'array', items: { type: 'object', properties: person } },
                          email: { type: ['string', 'null'], description: "A team's own address, paged besides its members." },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        schedules: { type: 'array', items: { allOf: [{ type: 'object', properties: { id: { type: 'string' }, timezone: { type: 'string' } } }, ref('ScheduleOnCall')] } },
      },
    },
  };
}

/** Schemas of the risk API (src/risk/present.ts presenters). */
function riskSchemas(): Record<string, object> {
  const instant = { type: 'string', format: 'date-time' };
  const tally = { type: 'object', properties: { incidents: { type: 'integer' }, excess_minutes: { type: 'number' }, exposure: { type: 'number' } } };
  const figures = {
    type: 'object',
    properties: {
      mtta_s: { type: ['integer', 'null'], description: 'Mean trigger-to-acknowledge over the incidents acknowledged in the history (expected, for the alternative).' },
      unattended_minutes: { type: 'number', description: 'Time incidents waited with nobody on call who could answer.' },
      exposure: { type: 'number', description: 'The risk rule in money (observed for `actual`, expected for the alternative).' },
      fee: { type: 'number', description: "The file's monthly fee pro-rated to the period." },
    },
  };
  return {
    Risk: {
      type: 'object',
      properties: {
        engagement: { type: 'string' },
        from: instant,
        to: instant,
        first_response_s: { type: 'number' },
        currency: { type: 'string' },
        incidents: { type: 'integer' },
        priced_incidents: { type: 'integer' },
        excess_minutes: { type: 'number' },
        exposure: { type: 'number', description: 'Sum over incidents of excess minutes x cost per minute.' },
        annualized: { type: 'number', description: 'exposure x 365 days / the period.' },
        by_window: { type: 'object', description: 'business_hours, after_hours, weekend, holiday (window at opening).', additionalProperties: tally },
        by_side: { type: 'object', description: 'internal, partner (and unknown).', additionalProperties: tally },
        top: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              number: { type: 'string' },
              service: { type: 'string' },
              title: { type: 'string' },
              opened_at: instant,
              window: { enum: ['business_hours', 'after_hours', 'weekend', 'holiday'] },
              side: { type: ['string', 'null'] },
              acknowledged: { type: 'boolean' },
              waited_s: { type: 'integer' },
              excess_minutes: { type: 'number' },
              cost_per_minute: { type: ['number', 'null'] },
              exposure: { type: 'number' },
            },
          },
        },
        unpriced_services: { type: 'array', items: { type: 'object', properties: { service: { type: 'string' }, name: { type: 'string' }, incidents: { type: 'integer' }, excess_minutes: { type: 'number' } } } },
      },
    },
    Simulation: {
      type: 'object',
      properties: {
        engagement: { type: 'string' },
        alternative_file: { type: 'object', properties: { engagement: { type: 'string' }, name: { type: 'string' } } },
        from: instant,
        to: instant,
        first_response_s: { type: 'number' },
        currency: { type: 'string' },
        incidents: { type: 'integer' },
        actual: figures,
        alternative: figures,
        difference: { ...figures, description: 'alternative - actual.' },
        net: { type: 'object', properties: { exposure_avoided: { type: 'number' }, extra_fee: { type: 'number' }, net: { type: 'number' }, annualized_net: { type: 'number' } } },
        verdict: { type: 'string', examples: ['Co-managed coverage pays for itself: on this history it avoided $1,234,000 of downtime exposure for $54,000 in fees, net $1,180,000 ($4,733,000 a year).'] },
        model_check: { ...figures, description: 'The actual file replayed through the model: its distance from `actual` is the model error on this history.' },
        never_attended: { type: 'object', properties: { actual: { type: 'integer' }, alternative: { type: 'integer' } } },
        model: {
          type: 'object',
          properties: {
            samples: { type: 'integer' },
            response_delays: { type: 'array', items: { type: 'object', properties: { side: { type: 'string' }, window: { type: 'string' }, n: { type: 'integer' }, median_s: { type: 'integer' }, mean_s: { type: 'integer' } } } },
            tier_shares: { type: 'array', items: { type: 'object', properties: { side: { type: 'string' }, tier: { type: 'integer' }, n: { type: 'integer' }, share: { type: 'number' } } } },
            basis: { type: 'object', description: 'How many incidents drew their response samples from each fallback level: side_window, side, window, all, none.' },
          },
        },
        top_changes: { type: 'array', description: 'The incidents whose exposure changes most.', items: { type: 'object' } },
      },
    },
  };
}
