/**
 * Maintenance windows and silences over HTTP (issue 13): admins create and
 * end them; every token lists those of its engagements, with the file's
 * windows coming up. Each has a timeline of its own (created, ended early,
 * expired) with reason and author.
 */
import { z } from 'zod';
import { Instant, NullableInstant, listQuery, requiredText } from './common.js';

/** The longest window or silence the API takes (a year: anything longer is a change to the engagement file). */
export const MAX_MAINTENANCE_MS = 366 * 86_400_000;

const when = (description: string) =>
  z
    .string()
    .max(64, 'is over the maximum of 64 characters')
    .meta({ format: 'date-time', description: `${description} ISO 8601 with Z or an offset, e.g. 2026-12-06T01:00:00+01:00.` });

const engagementRef = () => requiredText(200).meta({ description: 'Engagement id.' });
const reason = () =>
  requiredText(500).meta({ description: 'Why: shown on the timeline of incidents it holds ("in maintenance: <reason>").' });

export const MaintenanceWindowCreate = z
  .object({
    engagement: engagementRef(),
    services: z
      .array(requiredText(200))
      .min(1, 'list at least one service of the engagement')
      .max(100, 'is over the maximum of 100 services')
      .meta({ description: 'Service ids of the engagement.' }),
    from: when('Start; default now.').optional(),
    to: when('End, after from and in the future.'),
    reason: reason(),
  })
  .meta({ id: 'MaintenanceWindowCreate' });

export const MatcherSchema = z
  .object({
    name: z.string().max(1024).meta({
      description:
        'service, severity, summary, source or dedup_key, or a label: details.labels.<name> (Alertmanager, Grafana), details.custom_details.<name> (PagerDuty), details.<name> (generic).',
    }),
    value: z.string().max(1024).meta({ description: 'The value, or with isRegex a regular expression matching the whole value.' }),
    isRegex: z.boolean().default(false).meta({ description: 'value is a regular expression (anchored: it must match the whole value).' }),
    isEqual: z.boolean().default(true).meta({ description: 'false negates the matcher (Alertmanager != and !~).' }),
  })
  .meta({ id: 'Matcher', description: 'An Alertmanager API v2 matcher.' });

export const SilenceCreate = z
  .object({
    engagement: engagementRef(),
    matchers: z.array(MatcherSchema).meta({ description: 'Every matcher must match an alert for the silence to hold its incident.' }),
    starts_at: when('Start; default now.').optional(),
    ends_at: when('Expiry, after starts_at and in the future.'),
    reason: reason(),
  })
  .meta({ id: 'SilenceCreate' });

export const MaintenanceEndBody = z
  .object({ reason: requiredText(500).optional().meta({ description: 'Why it ends early (on its timeline).' }) })
  .meta({ id: 'MaintenanceEndBody', required: [] });

export const MaintenanceParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, 'must be an id (a whole number)')
    .transform(Number),
});

export const MaintenanceQuery = z.object({
  engagement: listQuery().meta({ description: 'Engagement ids, comma-separated (default: every engagement of the token).' }),
});

const State = z
  .enum(['scheduled', 'active', 'ended', 'expired'])
  .meta({ description: 'scheduled (starts later), active, ended (early, through the API) or expired (its end passed).' });

const LogEntry = z
  .object({
    at: Instant,
    kind: z.enum(['created', 'ended', 'expired']),
    actor: z.string().meta({ description: 'Who: person:dana, token:ab12cd, or system (an expiry).' }),
    reason: z.string(),
  })
  .meta({ id: 'MaintenanceLogEntry' });

const common = {
  id: z.number().int(),
  engagement: z.string(),
  reason: z.string(),
  state: State,
  created_by: z.string(),
  created_at: Instant,
  ended_at: NullableInstant.meta({ description: 'When it was ended early.' }),
  ended_by: z.string().nullable(),
  timeline: z.array(LogEntry).meta({ description: 'Its own timeline, oldest first.' }),
};

export const MaintenanceWindow = z
  .object({ ...common, services: z.array(z.string()), from: Instant, to: Instant })
  .meta({ id: 'MaintenanceWindow' });

export const Silence = z
  .object({
    ...common,
    matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean() })),
    starts_at: Instant,
    ends_at: Instant,
  })
  .meta({ id: 'Silence' });

export const FileWindow = z
  .object({
    engagement: z.string(),
    services: z.array(z.string()),
    from: Instant,
    to: Instant,
    reason: z.string(),
    rrule: z.string().nullable().meta({ description: 'The rule it repeats by, when it does.' }),
  })
  .meta({
    id: 'FileMaintenanceWindow',
    description: "An occurrence of a window of the engagement file's maintenance section (read-only here).",
  });

export const MaintenanceWindowList = z
  .object({
    windows: z.array(MaintenanceWindow).meta({ description: 'Made through the API: not ended, or ended in the last 30 days; by start.' }),
    file: z.array(FileWindow).meta({ description: "The engagement file's windows in force now or starting in the next 14 days." }),
  })
  .meta({ id: 'MaintenanceWindowList' });

export const MaintenanceWindowResponse = z.object({ window: MaintenanceWindow }).meta({ id: 'MaintenanceWindowResponse' });

export const SilenceList = z
  .object({ silences: z.array(Silence).meta({ description: 'Not ended, or ended in the last 30 days; by start.' }) })
  .meta({ id: 'SilenceList' });

export const SilenceResponse = z.object({ silence: Silence }).meta({ id: 'SilenceResponse' });
