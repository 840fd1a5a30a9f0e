/**
 * Heartbeat integrations (issue 13): `{ type: heartbeat, key, every, grace }`.
 * The rules that span keys (`every` is required on a heartbeat and at least
 * 10s; `every` and `grace` mean nothing on other types) and the default grace.
 * What a beat and a silence do is in src/heartbeat/.
 */
import type { Duration } from './model.js';
import type { Path } from './source.js';
import type { ServiceOut } from './schema.js';

/** The shortest `every`: beats more often than this are a load test, not a dead-man switch. */
export const MIN_EVERY_MS = 10_000;
/** The default grace is a fifth of `every`, kept between these (5m -> 1m, 10s -> 10s, 1d -> 1h). */
export const MIN_DEFAULT_GRACE_MS = 10_000;
export const MAX_DEFAULT_GRACE_MS = 3_600_000;

/**
 * The grace when the file gives none: a fifth of `every`, rounded up to a
 * whole second, at least 10s (a beat sent by cron a few seconds late is not a
 * silence) and at most 1h (a daily job's silence is still noticed the same
 * morning). Written as the file would write it ("1m", "84s", "1h").
 */
export function defaultGrace(every: Duration): Duration {
  const seconds = Math.min(MAX_DEFAULT_GRACE_MS, Math.max(MIN_DEFAULT_GRACE_MS, Math.ceil(every.ms / 5 / 1000) * 1000)) / 1000;
  if (seconds % 3600 === 0) return Object.freeze({ text: `${seconds / 3600}h`, n: seconds / 3600, unit: 'h', ms: seconds * 1000 });
  if (seconds % 60 === 0) return Object.freeze({ text: `${seconds / 60}m`, n: seconds / 60, unit: 'm', ms: seconds * 1000 });
  return Object.freeze({ text: `${seconds}s`, n: seconds, unit: 's', ms: seconds * 1000 });
}

/** The model's heartbeat keys of an integration: `every` and the grace (defaulted) on heartbeats, nothing on others. */
export function normalizeHeartbeat(i: {
  readonly type: string;
  readonly every?: Duration | undefined;
  readonly grace?: Duration | undefined;
}): { every?: Duration; grace?: Duration } {
  if (i.type !== 'heartbeat' || i.every === undefined) return {};
  return { every: i.every, grace: i.grace ?? defaultGrace(i.every) };
}

/** What the heartbeat checks need from the rest of the file. */
export interface HeartbeatContext {
  readonly report: (path: Path, message: string, at?: 'key' | 'value') => void;
}

/** Checks every integration's heartbeat keys. */
export function checkHeartbeats(services: ReadonlyArray<{ index: number; value: Partial<ServiceOut> }>, ctx: HeartbeatContext): void {
  for (const { index, value } of services) {
    (value.integrations ?? []).forEach((integration, i) => {
      const path = ['services', index, 'integrations', i];
      if (integration.type !== 'heartbeat') {
        for (const key of ['every', 'grace'] as const) {
          if (integration[key] !== undefined)
            ctx.report(
              [...path, key],
              `${key} is a heartbeat's interval; integration of type ${integration.type} takes alerts when they happen: remove it or use type: heartbeat`,
              'key',
            );
        }
        return;
      }
      if (integration.every === undefined) {
        ctx.report(
          path,
          `a heartbeat integration needs 'every', how often a beat is expected, e.g. { type: heartbeat, key: "${integration.key}", every: 5m }`,
        );
        return;
      }
      if (integration.every.ms < MIN_EVERY_MS)
        ctx.report(
          [...path, 'every'],
          `every ${integration.every.text} is too short for a heartbeat; expected at least 10s (a beat every 10 seconds or less often)`,
        );
    });
  }
}
