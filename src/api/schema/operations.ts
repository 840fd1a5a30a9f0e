/**
 * The operations endpoints: liveness, readiness (with the reason when not
 * ready) and the Prometheus metrics text.
 */
import { z } from 'zod';

export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

/** A ticketing integration that is failing, as /readyz lists it. */
export const TicketingReadiness = z
  .object({
    engagement: z.string(),
    ticketing: z.string().meta({ description: "The ticketing entry's id in the engagement file." }),
    system: z.string().meta({ description: 'jira, servicenow or connectwise.' }),
    failed_ops: z.number().int().meta({ description: 'Operations given up on in the last 24 hours.' }),
    retrying_ops: z.number().int().meta({ description: 'Operations still waiting after more than 3 attempts.' }),
    oldest_pending_age_s: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Seconds since the oldest operation not yet done was queued; null when none waits.' }),
    last_error: z.string().nullable().meta({ description: 'The latest error of those operations, as the system answered.' }),
  })
  .meta({ id: 'TicketingReadiness' });

export const Readiness = z
  .object({
    status: z.enum(['ready', 'not ready']),
    database: z.enum(['ok', 'unreachable']),
    events: z
      .string()
      .optional()
      .meta({ description: 'Present when not ready because the oldest accepted event waits longer than --max-event-lag: how long.' }),
    ticketing: z.array(TicketingReadiness).optional().meta({
      description:
        'Present when a ticketing integration is failing (an operation given up on in the last 24 hours, or operations waiting after more than 3 attempts): one item each. Detail only: it does not make the server not ready.',
    }),
  })
  .meta({
    id: 'Readiness',
    description:
      'When not ready, `database` or `events` says why. `ticketing` lists failing ticketing integrations whether or not the server is ready.',
  });

export const MetricsText = z.string().meta({ description: 'Prometheus text exposition format.' });
