/**
 * The heartbeat endpoint as the OpenAPI document shows it: `POST` and `GET
 * /integrations/heartbeat/{key}`, each request a beat (docs/ingest.md,
 * "Heartbeats"). No body is read (a POST's is size-limited, then ignored),
 * so a cron line with `curl -fsS` is enough.
 */
import { z } from 'zod';
import { InvalidEvent } from './schema.js';
import type { IngestOperation } from './schema.js';

export const HeartbeatBody = z.string().meta({
  description: 'Ignored, whatever its content type (under the body size limit): any request to the key is a beat.',
});

export const HeartbeatAccepted = z
  .object({
    status: z.literal('success'),
    message: z.literal('Beat recorded'),
    due_at: z.string().meta({
      format: 'date-time',
      description: 'When silence from now on opens an incident: this beat + every + grace, with the file as it is now.',
    }),
    every: z.string().meta({ description: "The integration's `every`, as the file writes it." }),
    grace: z.string().meta({ description: "The integration's `grace` (or its default), as the file writes it." }),
    resolved: z.boolean().meta({ description: 'The heartbeat had gone silent: its incident is resolved by this beat.' }),
  })
  .meta({ id: 'HeartbeatAccepted', description: 'The beat is on disk; the next deadline is due_at.' });

const description =
  'Authenticated by the key of a `heartbeat` integration in the path. Watching starts at the first beat; no beat within `every + grace` of the last one opens one incident on the service ("No heartbeat from <service> (<name>) for 6m"), and the next beat resolves it. Costs one token of the rate limit.';

const errors = {
  400: InvalidEvent.describe('The key belongs to an integration of another type; `errors` names the endpoint it works with.'),
};

export const HEARTBEAT_POST: IngestOperation = {
  operationId: 'postHeartbeat',
  summary: 'Heartbeat: record a beat of a dead-man switch (POST)',
  description,
  body: HeartbeatBody,
  accepted: HeartbeatAccepted,
  keyInPath: true,
  integration: 'heartbeat',
  consumes: ['application/json', 'text/plain', 'application/x-www-form-urlencoded'],
  errors,
};

export const HEARTBEAT_GET: IngestOperation = {
  operationId: 'getHeartbeat',
  summary: 'Heartbeat: record a beat of a dead-man switch (GET, for tools that can only fetch a URL)',
  description: `${description} A GET changes state on purpose: uptime probes and \`curl\` in a cron line often cannot POST.`,
  accepted: HeartbeatAccepted,
  keyInPath: true,
  integration: 'heartbeat',
  errors,
};
