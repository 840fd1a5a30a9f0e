/**
 * SLA clocks as the API shows them. Rows are presented as of `now` without
 * re-reading history: elapsed time is brought forward from the engine's
 * last look, and a stop or pause the engine has not looked at yet (an
 * acknowledgement a moment ago) is applied from the incident row, so an
 * action's response already shows its effect.
 */
import { businessMsBetween } from '../coverage/index.js';
import type { IncidentRow } from '../db/schema.js';
import type { Engagement, Sla } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import type { SlaRow } from './store.js';

/** The incident fields a presentation looks at. */
export type PresentedIncident = Pick<IncidentRow, 'status' | 'acknowledged_at' | 'resolved_at'>;

/** Clock time gained since the engine last looked: up to the stop (if any) and only while counting. */
function gainedMs(r: SlaRow, sla: Sla | undefined, engagement: Engagement | undefined, until: number, counting: boolean): number {
  if (!counting || !sla || !engagement) return 0;
  return sla.clock === '24x7'
    ? Math.max(0, until - r.updated_at)
    : businessMsBetween(engagement, r.updated_at, Math.max(until, r.updated_at));
}

/** The status as of now: a stop or pause the engine has not looked at yet already counts. */
function statusNow(r: SlaRow, stop: number | null, pausedNow: boolean, now: number): string {
  const live = r.status === 'running' || r.status === 'paused';
  if (!live || r.breached_at !== null) return r.status;
  if (stop !== null) return r.deadline !== null && stop > r.deadline ? 'breached' : 'met';
  if (r.status === 'running' && r.deadline !== null && now > r.deadline) return 'breached';
  if (pausedNow) return 'paused';
  if (r.status === 'paused') return 'running';
  return r.status;
}

/** One incident's SLA rows as of `now`; `incident` (the row as it is now) applies stops and pauses the engine has not seen yet. */
export function presentSlaRows(rows: readonly SlaRow[], engagement: Engagement | undefined, now: number, incident?: PresentedIncident) {
  return rows.map((r) => {
    const sla = engagement && lookup(engagement).sla(r.sla_id);
    const stop = !incident ? null : r.kind === 'respond' ? (incident.acknowledged_at ?? incident.resolved_at) : incident.resolved_at;
    const pausedNow = !!incident && !!sla && (sla.pauseWhile as readonly string[]).includes(incident.status);
    const live = r.status === 'running' || r.status === 'paused';
    const until = stop !== null && live ? Math.max(r.updated_at, stop) : now;
    const elapsed = r.elapsed_ms + gainedMs(r, sla, engagement, until, r.status === 'running' && !(pausedNow && stop === null));
    const status = statusNow(r, stop, pausedNow, now);
    const breachedAt = r.breached_at ?? (status === 'breached' ? r.deadline : null);
    return {
      sla: r.sla_id,
      kind: r.kind,
      priority: r.priority,
      clock: sla?.clock ?? null,
      status,
      target_s: r.target_ms === null ? null : r.target_ms / 1000,
      elapsed_s: Math.round(elapsed / 1000),
      remaining_s: r.target_ms === null ? null : Math.round((r.target_ms - elapsed) / 1000),
      percent_used: r.target_ms === null || r.target_ms === 0 ? null : Math.round((elapsed * 1000) / r.target_ms) / 10,
      paused: status === 'paused',
      deadline: r.deadline === null || status === 'met' ? null : new Date(r.deadline).toISOString(),
      breached_at: breachedAt === null ? null : new Date(breachedAt).toISOString(),
    };
  });
}
