/**
 * The shape of `engagements.config`: the normalized engagement model as the
 * server applied it, stored as JSON so offline commands work from what the
 * server did rather than from a file that may have changed since. Typed
 * against the model (`z.ZodType<Engagement>`), so a change to the model that
 * this schema does not follow fails the build instead of a report.
 */
import { z } from 'zod';
import { jsonColumn } from '../db/json-column.js';
import { deepFreeze } from '../engagement/freeze.js';
import type { Engagement } from '../engagement/model.js';
import { CHANNELS, INTEGRATION_TYPES, PAUSE_STATUSES, RACI, SIDES, WINDOWS } from '../engagement/model.js';
import { DEFAULT_DEADLINES, DEFAULT_SUPPRESS } from '../engagement/security.js';
import { maintenanceModel } from '../engagement/maintenance.js';

const side = z.enum(SIDES);
const duration = z.object({ text: z.string(), n: z.number(), unit: z.enum(['s', 'm', 'h', 'd', 'w']), ms: z.number() });
const weeklyWindow = z.object({ days: z.array(z.number()), from: z.number(), to: z.number() });
const optionalString = z.string().optional();
const logsource = z.object({ product: optionalString, category: optionalString, service: optionalString });

const person = z.object({
  id: z.string(),
  name: z.string(),
  side,
  timezone: z.string(),
  contact: z.object({
    email: optionalString,
    sms: optionalString,
    voice: optionalString,
    slack: optionalString,
    teams: optionalString,
    webhook: optionalString,
  }),
  notify: z.array(z.object({ channel: z.enum(CHANNELS), after: duration })),
});

const team = z.object({ id: z.string(), name: z.string(), side, members: z.array(z.string()), email: optionalString });

const schedule = z.object({
  id: z.string(),
  timezone: z.string(),
  layers: z.array(
    z.object({
      rotation: z.object({
        every: duration,
        handoffWeekday: z.number().optional(),
        handoffMinute: z.number(),
        members: z.array(z.string()),
        start: z.string(),
      }),
      only: z.array(weeklyWindow).optional(),
    }),
  ),
  overrides: z.array(z.object({ person: z.string(), from: z.string(), to: z.string() })),
});

const coverage = z.object({
  businessHours: weeklyWindow,
  functions: z.record(z.string(), z.record(z.enum(WINDOWS), side)),
  overflow: z.object({ after: duration, to: side, functions: z.array(z.string()) }).optional(),
});

const target = z.object({ kind: z.enum(['schedule', 'team', 'person']), id: z.string() });

const policy = z.object({ id: z.string(), tiers: z.array(z.object({ targets: z.array(target), after: duration })), repeat: z.number() });

const service = z.object({
  id: z.string(),
  name: z.string(),
  function: z.string(),
  criticality: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  downtimeCostPerMinute: z.number().nullable(),
  integrations: z.array(
    z.object({
      type: z.enum(INTEGRATION_TYPES),
      key: z.string(),
      logsource: logsource.optional(),
      snsCertHosts: z.array(z.string()).optional(),
      senders: z.array(z.string()).optional(),
      resolveSubjects: z.array(z.string()).optional(),
      dedupSubject: z.string().optional(),
    }),
  ),
});

const matrixRow = z.tuple([z.string(), z.string(), z.string(), z.string()]);

const sla = z.object({
  id: z.string(),
  appliesTo: side,
  clock: z.enum(['24x7', 'business_hours']),
  targets: z.record(z.string(), z.object({ respond: duration.optional(), resolve: duration.optional() })),
  warnAt: z.array(z.number()),
  pauseWhile: z.array(z.enum(PAUSE_STATUSES)),
  credits: z.object({ perBreach: z.record(z.string(), z.number()), cap: z.number() }).optional(),
});

const ticketingBase = {
  id: z.string(),
  side,
  url: z.string(),
  sync: z.object({ priorities: z.array(z.string()), functions: z.array(z.string()) }),
  priorities: z.record(z.string(), z.string()),
  inboundKey: z.string(),
};

const ticketing = z.discriminatedUnion('system', [
  z.object({
    ...ticketingBase,
    system: z.literal('jira'),
    auth: z.object({ user: z.string(), tokenEnv: z.string() }),
    project: z.string(),
    issueType: z.string(),
  }),
  z.object({
    ...ticketingBase,
    system: z.literal('servicenow'),
    auth: z.object({ user: z.string(), passwordEnv: z.string() }),
    assignmentGroup: z.string(),
  }),
  z.object({
    ...ticketingBase,
    system: z.literal('connectwise'),
    auth: z.object({ company: z.string(), publicKeyEnv: z.string(), privateKeyEnv: z.string(), clientId: z.string() }),
    board: z.string(),
    company: z.string(),
  }),
]);

/** The normalized engagement model. */
export const engagementModel: z.ZodType<Engagement> = z.object({
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  holidays: z.object({ country: optionalString, region: optionalString, extra: z.array(z.string()) }),
  contract: z.object({ monthlyFee: z.number(), currency: z.string() }),
  sides: z.object({ internal: z.object({ name: z.string() }), partner: z.object({ name: z.string() }) }),
  people: z.array(person),
  teams: z.array(team),
  schedules: z.array(schedule),
  coverage,
  routing: z.object({ internal: z.record(z.string(), z.string()), partner: z.record(z.string(), z.string()) }),
  escalationPolicies: z.array(policy),
  services: z.array(service),
  priorities: z.object({
    matrix: z.object({ critical: matrixRow, error: matrixRow, warning: matrixRow, info: matrixRow }),
    page: z.array(z.string()),
    order: z.array(z.string()),
  }),
  slas: z.array(sla),
  // Rows stored before the ticketing section existed have none.
  ticketing: z.array(ticketing).default([]),
  // Rows stored before issue 11 have no security or vulnerabilities: the defaults.
  security: z
    .object({
      rules: z.array(z.string()),
      suppress: duration,
      syslog: z.array(z.object({ from: z.string(), service: z.string(), logsource })),
    })
    .default({ rules: [], suppress: DEFAULT_SUPPRESS, syslog: [] }),
  vulnerabilities: z
    .object({
      deadlines: z.object({ critical: duration, high: duration, medium: duration, low: duration }),
      kev: z.enum(['due_date', 'ignore']),
    })
    .default({ deadlines: DEFAULT_DEADLINES, kev: 'due_date' }),
  // Rows stored before issue 12 have no scope: nothing restricted.
  scope: z
    .object({
      activities: z.array(
        z.object({
          id: z.string(),
          functions: z.array(z.string()).optional(),
          internal: z.enum(RACI),
          partner: z.enum(RACI),
        }),
      ),
    })
    .optional(),
  // Rows stored before impact shares existed have none: the defaults apply (src/engagement/impact.ts).
  impactShares: z.record(z.string(), z.object({ low: z.number(), expected: z.number(), high: z.number() })).optional(),
  pricedWaitCapMs: z.number().optional(),
  // Rows stored before issue 13 have no status page.
  statusPage: z
    .object({
      title: z.string(),
      description: optionalString,
      components: z.array(z.object({ name: z.string(), description: optionalString, services: z.array(z.string()) })),
    })
    .optional(),
  // Rows stored before issue 13 have no maintenance windows.
  maintenance: z.array(maintenanceModel).optional(),
});

const column = jsonColumn(engagementModel, 'engagements.config');

/** The stored text of an engagement model, checked and deep-frozen like a freshly loaded one. */
export const engagementConfig = {
  parse: (text: string): Engagement => deepFreeze(column.parse(text)),
  stringify: (engagement: Engagement): string => column.stringify(engagement),
};
