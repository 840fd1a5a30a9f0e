/**
 * Engagements as the API shows them (the frozen model of the engagement
 * file, with integration keys reduced to a hint), their services, change
 * events, and who the caller is (/me).
 */
import { z } from 'zod';
import { Instant, JsonValue, instantQuery, intQuery, listQuery } from './common.js';
import { SIDES } from './incidents.js';

/** RACI letters of a scope activity (docs/governance.md). */
const RACI = ['R', 'A', 'C', 'I'] as const;

export const ROLES = ['admin', 'responder', 'viewer'] as const;

const Window = z.object({
  days: z.array(z.string()).meta({ description: 'mon ... sun' }),
  from: z.string().meta({ description: 'HH:MM local time' }),
  to: z.string().meta({ description: 'HH:MM local time' }),
});

export const Service = z
  .object({
    id: z.string(),
    engagement: z.string(),
    name: z.string(),
    function: z.string().optional(),
    criticality: z.number().int().optional().meta({ description: '1 (most critical) to 4.' }),
    downtime_cost_per_minute: z.number().nullable().optional(),
    integrations: z
      .array(z.object({ type: z.string(), key_hint: z.string().meta({ description: 'The last four characters; keys are secrets.' }) }))
      .optional(),
    archived: z.literal(true).optional().meta({ description: 'Present when incidents name a service no longer in the engagement file.' }),
  })
  .meta({ id: 'Service' });

export const EngagementSummary = z.object({ id: z.string(), name: z.string(), timezone: z.string() }).meta({ id: 'EngagementSummary' });

export const Engagement = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    incident_prefix: z.string(),
    sides: z.object({ internal: z.object({ name: z.string() }), partner: z.object({ name: z.string() }) }),
    contract: z.object({ monthly_fee: z.number(), currency: z.string() }),
    people: z.array(z.object({ id: z.string(), name: z.string(), side: z.enum(SIDES), timezone: z.string() })),
    teams: z.array(z.object({ id: z.string(), name: z.string(), side: z.enum(SIDES), members: z.array(z.string()) })),
    services: z.array(Service),
    coverage: z.object({
      business_hours: Window,
      functions: z
        .record(z.string(), z.record(z.string(), z.enum(SIDES)))
        .meta({ description: 'function -> window (business_hours, after_hours, weekends, holidays) -> side' }),
      overflow: z.object({ after: z.string(), to: z.enum(SIDES), functions: z.array(z.string()) }).nullable(),
    }),
    routing: z
      .record(z.string(), z.record(z.string(), z.string()))
      .meta({ description: 'side -> function (or default) -> escalation policy id' }),
    escalation_policies: z.array(
      z.object({
        id: z.string(),
        repeat: z.number().int(),
        tiers: z.array(
          z.object({
            tier: z.number().int(),
            after: z.string(),
            targets: z.array(z.string().meta({ description: 'schedule:ID, team:ID or person:ID' })),
          }),
        ),
      }),
    ),
    priorities: z.object({
      matrix: z.record(z.string(), z.array(z.string())).meta({ description: 'severity -> priority per criticality 1..4' }),
      page: z.array(z.string()),
    }),
    scope: z
      .object({
        activities: z.array(
          z.object({
            id: z.string(),
            functions: z.array(z.string()).nullable().meta({ description: 'null: every function (security_response: security).' }),
            internal: z.enum(RACI),
            partner: z.enum(RACI),
            binds: z.boolean().meta({ description: 'Whether the activity binds product actions (docs/governance.md); others document.' }),
          }),
        ),
      })
      .nullable()
      .meta({ description: 'Who may do what (RACI per activity); null without a scope section (nothing restricted).' }),
  })
  .meta({ id: 'Engagement' });

export const EngagementParams = z.object({ engagement: z.string().meta({ description: 'Engagement id.' }) });

export const Me = z
  .object({
    token: z.object({
      id: z.string(),
      role: z.enum(ROLES),
      engagements: z.array(z.string()),
      person: z.string().nullable(),
      label: z.string().nullable(),
    }),
    calendars: z.array(
      z.object({
        engagement: z.string(),
        person: z.string(),
        calendar_url: z.string().meta({ description: 'A capability URL: whoever has it can read the rota.' }),
      }),
    ),
  })
  .meta({ id: 'Me' });

export const EngagementList = z.object({ engagements: z.array(EngagementSummary) });
export const EngagementResponse = z.object({ engagement: Engagement });

export const ScopeQuery = z.object({
  engagement: listQuery().meta({ description: 'Engagement ids, comma-separated (default: every engagement of the token).' }),
});
export const ServiceList = z.object({ services: z.array(Service) });

export const ChangeQuery = ScopeQuery.extend({
  service: listQuery().meta({ description: 'Service ids, comma-separated.' }),
  since: instantQuery(),
  limit: intQuery(50, 1, 500),
});

export const Change = z
  .object({
    id: z.number().int(),
    engagement: z.string(),
    service: z.string(),
    at: Instant,
    summary: z.string(),
    source: z.string().nullable(),
    details: JsonValue,
  })
  .meta({ id: 'Change' });
export const ChangeList = z.object({ changes: z.array(Change) });

export type Engagement = z.output<typeof Engagement>;
export type Service = z.output<typeof Service>;
export type Me = z.output<typeof Me>;
export type Change = z.output<typeof Change>;
