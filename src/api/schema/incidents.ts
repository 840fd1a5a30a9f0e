/**
 * The incidents resource: an incident with its SLA clocks, its alerts and
 * timeline, the list's filters and paging, and the bodies of what
 * responders do to one (acknowledge, resolve, status, priority, notes).
 */
import { z } from 'zod';
import { CursorQuery, Instant, JsonValue, NullableInstant, instantQuery, intQuery, listQuery, requiredText } from './common.js';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'waiting_on_customer', 'waiting_on_vendor', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const SIDES = ['internal', 'partner'] as const;
export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export const SLA_STATUSES = ['running', 'paused', 'met', 'breached', 'not_applicable'] as const;
export const SLA_KINDS = ['respond', 'resolve'] as const;

export const SlaClock = z
  .object({
    sla: z.string().meta({ description: 'The SLA id in the engagement file.' }),
    kind: z.enum(SLA_KINDS),
    priority: z.string(),
    clock: z.enum(['24x7', 'business_hours']).nullable().meta({ description: 'null when the SLA is no longer in the engagement file.' }),
    status: z.enum(SLA_STATUSES),
    target_s: z.number().nullable().meta({ description: 'The target in seconds; null when the SLA sets none for this kind.' }),
    elapsed_s: z.number().meta({ description: 'Clock time used so far, in seconds (business seconds on a business-hours clock).' }),
    remaining_s: z.number().nullable(),
    percent_used: z.number().nullable(),
    paused: z.boolean(),
    deadline: NullableInstant.meta({ description: 'When it breaches if nothing happens; null once met or without a target.' }),
    breached_at: NullableInstant,
  })
  .meta({ id: 'SlaClock', description: 'One SLA clock of an incident, as of the response.' });

export const Incident = z
  .object({
    id: z.number().int(),
    number: z.string().meta({ description: 'The engagement prefix and its sequence number, e.g. ACME-42.' }),
    engagement: z.string(),
    service: z.object({ id: z.string(), name: z.string() }),
    title: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    priority: z.string(),
    severity: z.string(),
    side: z.enum(SIDES).nullable().meta({ description: 'The side that owned it when it opened (coverage).' }),
    created_at: Instant,
    updated_at: Instant,
    acknowledged_at: NullableInstant,
    acknowledged_by: z.string().nullable(),
    resolved_at: NullableInstant,
    resolved_by: z.string().nullable(),
    alert_count: z.number().int(),
    open_alert_count: z.number().int(),
    sla: z.array(SlaClock),
  })
  .meta({ id: 'Incident' });

export const Alert = z
  .object({
    id: z.number().int(),
    dedup_key: z.string(),
    status: z.enum(ALERT_STATUSES),
    summary: z.string(),
    severity: z.string(),
    source: z.string().nullable(),
    integration: z.string().meta({
      description:
        'How it came: the integration type (pagerduty, alertmanager, generic, security, azure, gcp, grafana, cloudwatch, email, heartbeat), or import.',
    }),
    details: JsonValue,
    event_count: z.number().int(),
    created_at: Instant,
    updated_at: Instant,
    resolved_at: NullableInstant,
  })
  .meta({ id: 'Alert' });

export const TimelineEntry = z
  .object({
    id: z.number().int(),
    at: Instant,
    kind: z.string().meta({ description: 'e.g. incident.opened, page.sent, incident.acknowledged, sla.breached, note.' }),
    actor: z.object({ type: z.string().meta({ description: 'person, team, token, integration or system.' }), id: z.string().nullable() }),
    message: z.string(),
    data: JsonValue,
    alert_id: z.number().int().nullable(),
    event: z.object({ id: z.number().int(), raw: z.string().nullable().meta({ description: 'The body the sender sent.' }) }).nullable(),
  })
  .meta({ id: 'TimelineEntry' });

export const TICKET_STATES = ['pending', 'open', 'in_progress', 'done', 'failed'] as const;

export const Ticket = z
  .object({
    ticketing: z.string().meta({ description: 'The ticketing entry id in the engagement file.' }),
    system: z.string().meta({ description: 'jira, servicenow or connectwise.' }),
    side: z.enum(SIDES).nullable().meta({ description: 'The side of the ticketing entry; null when the entry left the engagement file.' }),
    key: z.string().nullable().meta({ description: 'The key or number in the system (e.g. OPS-42); null until it is created.' }),
    url: z.string().nullable().meta({ description: 'A link to the ticket in the system; null until it is created.' }),
    state: z
      .enum(TICKET_STATES)
      .meta({ description: 'pending until created, then open, in_progress or done; failed when the create gave up.' }),
    last_error: z.string().nullable().meta({ description: 'The last error the system answered, if the last attempt failed.' }),
    updated_at: Instant,
  })
  .meta({ id: 'Ticket', description: "An incident's ticket in an external ticketing system (docs/ticketing.md)." });

const scopeReason = z
  .string()
  .nullable()
  .meta({ description: 'null when the caller may; otherwise why not (the activity and who holds it).' });

/** What the caller may do to the incident under the engagement's scope (issue 12), and the scope entries that apply. */
export const IncidentScope = z
  .object({
    side: z
      .enum(['internal', 'partner'])
      .nullable()
      .meta({ description: "The caller's side: its person's; null for a token bound to no person (not restricted)." }),
    actions: z.object({
      acknowledge: scopeReason,
      resolve: scopeReason,
      status: scopeReason,
      priority: scopeReason,
      note: scopeReason,
    }),
    activities: z
      .array(z.object({ id: z.string(), internal: z.enum(['R', 'A', 'C', 'I']), partner: z.enum(['R', 'A', 'C', 'I']) }))
      .meta({ description: "The scope's entries that govern this incident; empty without a scope section." }),
  })
  .meta({ id: 'IncidentScope' });

export const IncidentDetail = Incident.extend({
  alerts: z.array(Alert),
  timeline: z.array(TimelineEntry),
  tickets: z.array(Ticket),
  scope: IncidentScope,
}).meta({
  id: 'IncidentDetail',
});

export const IncidentParams = z.object({
  id: z.string().meta({ description: 'Incident id (12) or number (ACME-12).' }),
});

export const IncidentListQuery = z.object({
  engagement: listQuery().meta({ description: 'Engagement ids, comma-separated (default: every engagement of the token).' }),
  status: listQuery(INCIDENT_STATUSES),
  priority: listQuery().meta({ description: 'Priorities, comma-separated (P1,P2).' }),
  service: listQuery().meta({ description: 'Service ids, comma-separated.' }),
  since: instantQuery().meta({
    description: 'Only incidents opened at or after this instant (ISO 8601 with an offset).',
  }),
  cursor: CursorQuery,
  limit: intQuery(50, 1, 1000),
});

export const IncidentList = z
  .object({
    incidents: z.array(Incident),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'IncidentList' });

export const IncidentResponse = z
  .object({ incident: Incident })
  .meta({ id: 'IncidentResponse', description: 'The incident as it is now.' });
export const IncidentDetailResponse = z.object({ incident: IncidentDetail }).meta({ id: 'IncidentDetailResponse' });

/** The statuses a responder can set with /status (acknowledge and resolve have their own actions). */
export const SETTABLE_STATUSES = ['acknowledged', 'waiting_on_customer', 'waiting_on_vendor'] as const;

export const StatusBody = z.object({
  status: z.enum(SETTABLE_STATUSES, {
    error: `must be one of ${SETTABLE_STATUSES.join(', ')} (use /acknowledge and /resolve for those actions)`,
  }),
});
export const PriorityBody = z.object({
  priority: z
    .string({ error: "must be one of the engagement's priorities (P1, P2, ...)" })
    .meta({ description: "One of the engagement's priorities, e.g. P1." }),
});
export const NoteBody = z.object({ text: requiredText(10_000).meta({ description: 'The note, up to 10,000 characters.' }) });

export type Incident = z.output<typeof Incident>;
export type SlaClock = z.output<typeof SlaClock>;
export type Alert = z.output<typeof Alert>;
export type TimelineEntry = z.output<typeof TimelineEntry>;
export type IncidentDetail = z.output<typeof IncidentDetail>;
export type Ticket = z.output<typeof Ticket>;
export type IncidentList = z.output<typeof IncidentList>;
