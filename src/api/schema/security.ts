/**
 * The security summary behind the dashboard's Security view (issue 11): the
 * open Sigma detections with their incident, rule and ATT&CK techniques,
 * findings counted by severity and status, how many are overdue, and the
 * findings due next. One read for the whole view, scoped to the token's
 * engagements like every list.
 */
import { z } from 'zod';
import { Instant } from './common.js';
import { ScopeQuery } from './engagements.js';
import { INCIDENT_STATUSES } from './incidents.js';
import { Finding } from './vulnerabilities.js';

export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export const FINDING_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** The most open detections one answer lists (the most recently hit); `detections_total` counts them all. */
export const MAX_DETECTIONS = 200;
/** How many of the findings due next the summary lists. */
export const NEXT_DUE = 20;

export const SecurityQuery = ScopeQuery;

export const Detection = z
  .object({
    alert_id: z.number().int(),
    engagement: z.string(),
    incident: z
      .object({
        id: z.number().int(),
        number: z.string().meta({ description: 'e.g. ACME-42.' }),
        status: z.enum(INCIDENT_STATUSES),
        priority: z.string(),
      })
      .meta({ description: 'The incident the detection opened or joined.' }),
    service: z.object({ id: z.string(), name: z.string() }),
    rule: z
      .object({
        id: z.string(),
        title: z.string(),
        level: z.enum(SIGMA_LEVELS),
      })
      .meta({ description: 'The Sigma rule that matched.' }),
    tactics: z.array(z.string()).meta({ description: "ATT&CK tactics of the rule's tags, e.g. Persistence." }),
    techniques: z
      .array(
        z.object({
          id: z.string().meta({ description: 'e.g. T1505.003.' }),
          name: z.string().nullable().meta({ description: "ATT&CK Enterprise's name; null for an id it does not have." }),
        }),
      )
      .meta({ description: "ATT&CK techniques of the rule's tags." }),
    host: z.string().nullable().meta({ description: 'The host the matching event named, when it named one.' }),
    first_hit: Instant.meta({ description: 'When the rule first matched (the detection opened).' }),
    last_hit: Instant.meta({ description: 'The latest hit that joined it.' }),
    hits: z.number().int().meta({ description: 'Events that matched: the first and every one that joined.' }),
  })
  .meta({ id: 'Detection', description: 'An open Sigma detection: an alert with dedup key sigma:<rule id>:<group key>.' });

export const FindingCounts = z
  .object({
    severity: z.enum(FINDING_SEVERITIES),
    open: z.number().int().meta({ description: 'Open and not yet due.' }),
    overdue: z.number().int().meta({ description: 'Open past due_at (an expired exception counts as open again).' }),
    excepted: z.number().int().meta({ description: 'Under a risk exception that still holds.' }),
  })
  .meta({ id: 'FindingCounts' });

export const SecuritySummary = z
  .object({
    as_of: Instant.meta({ description: 'The instant the statuses are derived at.' }),
    overdue: z.number().int().meta({ description: 'Findings past due (all severities).' }),
    detections: z.array(Detection).meta({
      description: `Open detections, highest priority first, then the most recently hit (up to ${MAX_DETECTIONS}).`,
    }),
    detections_total: z.number().int().meta({ description: 'Every open detection, also those beyond the list.' }),
    findings: z.object({
      by_severity: z.array(FindingCounts).meta({ description: 'One entry per severity, critical first, zeros included.' }),
      next_due: z.array(Finding).meta({
        description: `The ${NEXT_DUE} findings due soonest (overdue ones first), excepted ones left out.`,
      }),
    }),
  })
  .meta({ id: 'SecuritySummary' });

export type Detection = z.output<typeof Detection>;
export type FindingCounts = z.output<typeof FindingCounts>;
export type SecuritySummary = z.output<typeof SecuritySummary>;
