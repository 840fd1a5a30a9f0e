/**
 * A beat: `POST` or `GET /integrations/heartbeat/{key}` (src/ingest/routes.ts).
 * One transaction reads the watch (locked on PostgreSQL, so a beat and the
 * engine's claim of the same deadline never both win), writes the next
 * deadline and, when the watch was silent, the resolve event of its incident.
 * It is on disk, power loss included, before the 202 (db/dialect.ts
 * `durably`), like an accepted event.
 */
import type { Database } from '../db/connect.js';
import { durably } from '../db/dialect.js';
import type { IntegrationRef } from '../deployment/deployment.js';
import { beatResolve, heartbeatConfig, planBeat } from './plan.js';
import type { HeartbeatConfig } from './plan.js';
import { insertHeartbeatEvent, readWatchForBeat, saveBeat } from './store.js';

/** What a recorded beat tells the sender. */
export interface BeatOutcome {
  /** When silence from now on opens an incident. */
  readonly dueAt: number;
  readonly config: HeartbeatConfig;
  /** The watch was silent: its incident's resolve was written. */
  readonly resolved: boolean;
}

/** Records a beat of a heartbeat integration at `at`; undefined if `ref` is not a heartbeat (the route checked it is). */
export async function recordBeat(
  database: Database,
  beat: { readonly ref: IntegrationRef; readonly at: number; readonly requestId: string | null },
): Promise<BeatOutcome | undefined> {
  const engagementId = beat.ref.engagement.id;
  const config = heartbeatConfig(beat.ref, engagementId);
  if (config === undefined) return undefined;
  return durably(database, (ex) =>
    ex.transaction().execute(async (trx) => {
      const previous = await readWatchForBeat(trx, engagementId, beat.ref.key);
      const plan = planBeat(previous, beat.at, config);
      if (plan.resolveOn !== undefined) {
        await insertHeartbeatEvent(trx, {
          engagementId,
          serviceId: plan.resolveOn,
          key: beat.ref.key,
          at: beat.at,
          requestId: beat.requestId,
          raw: JSON.stringify({ heartbeat: 'beat', at: new Date(beat.at).toISOString() }),
          action: beatResolve(engagementId, beat.ref.key),
        });
      }
      await saveBeat(trx, engagementId, beat.ref.key, plan.next, beat.at);
      return { dueAt: plan.next.dueAt, config, resolved: plan.resolveOn !== undefined };
    }),
  );
}
