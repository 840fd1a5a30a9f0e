/**
 * The operations endpoints: liveness, readiness (with the reason when not
 * ready) and the Prometheus metrics text.
 */
import { z } from 'zod';

export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const Readiness = z
  .object({
    status: z.enum(['ready', 'not ready']),
    database: z.enum(['ok', 'unreachable']),
  })
  .catchall(z.string())
  .meta({
    id: 'Readiness',
    description: 'When not ready, further keys say why (e.g. `events`: the oldest accepted event waits longer than --max-event-lag).',
  });

export const MetricsText = z.string().meta({ description: 'Prometheus text exposition format.' });
