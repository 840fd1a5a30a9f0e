/**
 * SLAs on incidents, in the engine. When an incident opens, it gets a row per
 * SLA of the owning side and kind (respond, resolve), each with the next
 * instant something can happen to it: a warning threshold or the breach.
 * The engine module claims rows that are due, re-derives the clock from the
 * incident's status history (src/sla/clock.ts, pure), sends each warning
 * once to the incident's current responders, records a breach for good
 * (credits are owed on what happened, whatever the priority becomes later),
 * and schedules the next look. Any status or priority change makes the
 * incident's rows due at once (incident store), so pauses, stops and
 * re-targeting take effect on the next pass.
 */
import type { Executor } from '../db/executor.js';
import type { IncidentRow, IncidentSlaRow } from '../db/schema.js';
import type { Engagement, Sla } from '../engagement/model.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { OpenedIncident } from '../engine/hooks.js';
import type { IncidentChange } from '../incident/changes.js';
import { SYSTEM } from '../incident/actor.js';
import type { IncidentStatus } from '../incident/store.js';
import type { TimelineEntry } from '../incident/timeline.js';
import { BufferedWriter } from '../incident/writer.js';
import type { Collector, IncidentWriter } from '../incident/writer.js';
import type { Insertable } from 'kysely';
import type { IncidentSlasTable } from '../db/schema.js';
import { enqueuePage } from '../paging/page.js';
import type { Recipient } from '../paging/recipient.js';
import { businessMsBetween } from '../coverage/index.js';
import type { SlaKind, SlaState, StatusChange } from './clock.js';
import { slaState, slasFor, thresholdInstants } from './clock.js';

export const SLA_KINDS: readonly SlaKind[] = ['respond', 'resolve'];
const BATCH = 200;

/** The statuses an incident went through, from its timeline (the evidence, so a clock can always be recomputed). */
export async function statusHistories(ex: Executor, incidentIds: readonly number[]): Promise<Map<number, StatusChange[]>> {
  const out = new Map<number, StatusChange[]>();
  for (let i = 0; i < incidentIds.length; i += 500) {
    const rows = await ex
      .selectFrom('timeline')
      .select(['incident_id', 'at', 'kind', 'data'])
      .where('incident_id', 'in', incidentIds.slice(i, i + 500))
      .where('kind', 'in', ['incident.triggered', 'incident.acknowledged', 'incident.status', 'incident.resolved', 'incident.imported'])
      .orderBy('incident_id')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      let list = out.get(r.incident_id);
      if (!list) out.set(r.incident_id, (list = []));
      const to = r.kind === 'incident.triggered' ? 'triggered' : ((r.data ? (JSON.parse(r.data) as { to?: string }).to : undefined) ?? null);
      if (!to) continue;
      const last = list[list.length - 1];
      // The timeline is append-only and in order; guard against equal-instant reordering only.
      list.push({ at: last && r.at < last.at ? last.at : r.at, status: to as IncidentStatus });
    }
  }
  return out;
}

function inputFor(engagement: Engagement, sla: Sla, kind: SlaKind, incident: IncidentRow, history: readonly StatusChange[]) {
  return {
    engagement,
    sla,
    kind,
    priority: incident.priority,
    openedAt: incident.created_at,
    history: history.length ? history : [{ at: incident.created_at, status: 'triggered' as const }],
    stoppedAt: kind === 'respond' ? (incident.acknowledged_at ?? incident.resolved_at) : incident.resolved_at,
  };
}

export interface Evaluation {
  readonly state: SlaState;
  readonly patch: Omit<IncidentSlaRow, 'id' | 'engagement_id' | 'incident_id' | 'sla_id' | 'kind'>;
  /** Warning thresholds crossed since the last look, to send now. */
  readonly warn: number[];
  /** True when this look found the breach. */
  readonly breached: boolean;
}

/** Re-derives one SLA row at `now`. Pure. */
export function evaluate(row: Pick<IncidentSlaRow, 'warned' | 'breached_at' | 'breach_priority'> | undefined, engagement: Engagement, sla: Sla, kind: SlaKind, incident: IncidentRow, history: readonly StatusChange[], now: number): Evaluation {
  const input = inputFor(engagement, sla, kind, incident, history);
  const state = slaState(input, now);
  const warned = new Set<number>(row ? (JSON.parse(row.warned) as number[]) : []);
  const running = state.status === 'running' || state.status === 'paused';
  const warn = running ? state.warnings.filter((w) => w.at !== null && !warned.has(w.threshold)).map((w) => w.threshold) : [];
  // Thresholds crossed while stopped or not applicable are settled, not sent.
  for (const w of state.warnings) if (w.at !== null) warned.add(w.threshold);
  const breachedAt = row?.breached_at ?? state.breachedAt;
  const breached = row?.breached_at == null && state.breachedAt !== null;
  let next: number | null = null;
  if (running && breachedAt === null) {
    for (const t of thresholdInstants(input)) {
      if (t.at === null || t.at <= now) continue;
      if (t.kind === 'warning' && warned.has(t.threshold)) continue;
      // The breach is the instant after the deadline: look then.
      const at = t.kind === 'breach' ? t.at + 1 : t.at;
      next = next === null ? at : Math.min(next, at);
    }
  }
  return {
    state,
    warn,
    breached,
    patch: {
      status: breachedAt !== null ? 'breached' : state.status,
      priority: incident.priority,
      target_ms: state.targetMs,
      deadline: state.deadline,
      next_check_at: next,
      warned: JSON.stringify([...warned].sort()),
      breached_at: breachedAt,
      breach_priority: row?.breach_priority ?? (breachedAt !== null ? incident.priority : null),
      stopped_at: input.stoppedAt ?? (incident.status === 'resolved' ? incident.resolved_at : null),
      elapsed_ms: state.elapsedMs,
      updated_at: now,
    },
  };
}

/** Hook run when an incident opens (after routing decided its side): its SLA rows. */
export async function slaOnOpen(w: IncidentWriter, opened: OpenedIncident, at: number): Promise<void> {
  const { incident, engagement } = opened;
  if (!incident.side) return;
  const slas = slasFor(engagement, incident.side === 'internal' ? 'internal' : 'partner');
  if (slas.length === 0) return;
  const history: StatusChange[] = [{ at: incident.created_at, status: 'triggered' }];
  const rows = slas.flatMap((sla) =>
    SLA_KINDS.map((kind) => {
      const e = evaluate(undefined, engagement, sla, kind, incident, history, at);
      return { engagement_id: engagement.id, incident_id: incident.id, sla_id: sla.id, kind, ...e.patch };
    }),
  );
  const collect = w.collector?.('incident_slas', () => new SlaRows());
  if (collect) collect.rows.push(...rows);
  else await w.ex.insertInto('incident_slas').values(rows).execute();
}

/** Hook run when a command changes an incident's status or priority: its clocks pause, stop or re-target, so the engine looks again now. */
export async function slaOnChange(w: IncidentWriter, change: IncidentChange, at: number): Promise<void> {
  await w.ex.updateTable('incident_slas').set({ next_check_at: at }).where('incident_id', '=', change.incident.id).execute();
}

/** SLA rows of the incidents a batch opened, written in one insert per 300. */
class SlaRows implements Collector {
  readonly rows: Array<Insertable<IncidentSlasTable>> = [];
  async flush(ex: Executor): Promise<void> {
    for (let i = 0; i < this.rows.length; i += 300) await ex.insertInto('incident_slas').values(this.rows.slice(i, i + 300)).execute();
  }
}

/** The people paged most recently for an incident: who an SLA warning goes to. */
async function currentResponders(ex: Executor, incidentId: number): Promise<Recipient[]> {
  const rows = await ex.selectFrom('notifications').select(['step_id', 'recipient_kind', 'recipient_id', 'address']).where('incident_id', '=', incidentId).where('kind', '=', 'page').orderBy('id', 'desc').limit(50).execute();
  const step = rows[0]?.step_id;
  const out: Recipient[] = [];
  for (const r of rows) {
    if (r.step_id !== step) break;
    if (r.recipient_kind === 'person' && !out.some((o) => o.id === r.recipient_id)) out.push({ kind: 'person', id: r.recipient_id });
  }
  // Newest first above; back to the order they were paged in.
  return out.reverse();
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 ? ` ${String(m % 60).padStart(2, '0')}m` : ''}`;
}

/** The engine module: fires SLA warnings and breaches when due. */
export function slaModule(onBreach: (engagementId: string, sla: string, kind: string) => void = () => {}): EngineModule {
  return {
    name: 'sla',
    async step(ctx: EngineContext) {
      const now = ctx.clock.now();
      const breaches: Array<[string, string, string]> = [];
      const more = await engineTransaction(ctx.database, async (trx) => {
        const rows = await trx
          .selectFrom('incident_slas')
          .selectAll()
          .where('next_check_at', '<=', now)
          .orderBy('next_check_at')
          .limit(BATCH)
          .$if(ctx.database.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
          .execute();
        if (rows.length === 0) return false;
        const ids = [...new Set(rows.map((r) => r.incident_id))];
        const incidents = new Map((await trx.selectFrom('incidents').selectAll().where('id', 'in', ids).execute()).map((i) => [i.id, i]));
        const histories = await statusHistories(trx, ids);
        const w = new BufferedWriter(trx, ctx.database, ctx.hooks);
        for (const row of rows) {
          const incident = incidents.get(row.incident_id);
          const engagement = ctx.deployment.engagement(row.engagement_id);
          const sla = engagement?.slas.find((s) => s.id === row.sla_id);
          if (!incident || !engagement || !sla) {
            await trx.updateTable('incident_slas').set({ next_check_at: null, updated_at: now }).where('id', '=', row.id).execute();
            continue;
          }
          const e = evaluate(row, engagement, sla, row.kind as SlaKind, incident, histories.get(incident.id) ?? [], now);
          await trx.updateTable('incident_slas').set(e.patch).where('id', '=', row.id).execute();
          const label = `${sla.id} ${row.kind} target for ${incident.priority}`;
          const entries: TimelineEntry[] = [];
          for (const threshold of e.warn) {
            const left = (e.state.targetMs ?? 0) - e.state.elapsedMs;
            const note = `SLA warning: ${label} (${e.state.targetMs === null ? '' : duration(e.state.targetMs)}) is ${Math.round(threshold * 100)}% used; ${duration(left)} left${e.state.deadline ? `, due by ${new Date(e.state.deadline).toISOString()}` : ''}.`;
            const recipients = await currentResponders(trx, incident.id);
            const planned = recipients.length ? await enqueuePage(w, { engagement, incidentId: incident.id, stepId: null, recipients, reason: `SLA ${sla.id}: ${Math.round(threshold * 100)}% of the ${row.kind} target used`, kind: 'sla_warning', note, at: now }) : [];
            entries.push({ engagementId: engagement.id, incidentId: incident.id, at: now, actor: SYSTEM, kind: 'sla.warning', message: `${note}${planned.length ? ` Notifying ${recipients.map((r) => engagement.people.find((p) => p.id === r.id)?.name ?? r.id).join(', ')}.` : ' Nobody has been paged to notify.'}`, data: { sla: sla.id, kind: row.kind, threshold, priority: incident.priority } });
          }
          if (e.breached) {
            breaches.push([engagement.id, sla.id, row.kind]);
            const credit = sla.credits?.perBreach[incident.priority];
            entries.push({
              engagementId: engagement.id,
              incidentId: incident.id,
              at: now,
              actor: SYSTEM,
              kind: 'sla.breached',
              message: `SLA breached: ${label} (${e.state.targetMs === null ? '' : duration(e.state.targetMs)}) was due by ${new Date(e.patch.breached_at ?? now).toISOString()}.${credit ? ` Service credit: ${Math.round(credit * 1000) / 10}% of the monthly fee.` : ''}`,
              data: { sla: sla.id, kind: row.kind, priority: incident.priority, breached_at: e.patch.breached_at, credit_fraction: credit ?? 0 },
            });
          }
          await w.timeline(entries);
        }
        await w.flush();
        return rows.length === BATCH;
      });
      for (const [e, s, k] of breaches) onBreach(e, s, k);
      return more;
    },
    nextDue: async (ctx) => {
      const row = await ctx.database.db.selectFrom('incident_slas').select((eb) => eb.fn.min('next_check_at').as('next')).where('next_check_at', 'is not', null).executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },
  };
}

/**
 * Present SLA rows as of `now`, without re-reading history: elapsed time is
 * brought forward from the engine's last look, and a stop or pause the
 * engine has not looked at yet (an acknowledgement a moment ago) is applied
 * from the incident row, so an action's response already shows its effect.
 */
export function presentSlaRows(rows: readonly IncidentSlaRow[], engagement: Engagement | undefined, now: number, incident?: Pick<IncidentRow, 'status' | 'acknowledged_at' | 'resolved_at'>) {
  return rows.map((r) => {
    const sla = engagement?.slas.find((s) => s.id === r.sla_id);
    const stop = !incident ? null : r.kind === 'respond' ? (incident.acknowledged_at ?? incident.resolved_at) : incident.resolved_at;
    const pausedNow = !!incident && !!sla && (sla.pauseWhile as readonly string[]).includes(incident.status);
    const live = r.status === 'running' || r.status === 'paused';
    // Clock time since the engine last looked, up to the stop (if any) and only while not paused.
    const until = stop !== null && live ? Math.max(r.updated_at, stop) : now;
    const counting = r.status === 'running' && !(pausedNow && stop === null);
    const gained = !counting || !sla || !engagement ? 0 : sla.clock === '24x7' ? Math.max(0, until - r.updated_at) : businessMsBetween(engagement, r.updated_at, Math.max(until, r.updated_at));
    const elapsed = r.elapsed_ms + gained;
    let status = r.status;
    if (live && r.breached_at === null) {
      if (stop !== null) status = r.deadline !== null && stop > r.deadline ? 'breached' : 'met';
      else if (r.status === 'running' && r.deadline !== null && now > r.deadline) status = 'breached';
      else if (pausedNow) status = 'paused';
      else if (r.status === 'paused') status = 'running';
    }
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

/**
 * SLA rows for an incident whose whole history is already known (a history
 * import): evaluated once at `now`, breaches recorded, nothing sent.
 */
export async function settleSlas(ex: Executor, engagement: Engagement, incident: IncidentRow, history: readonly StatusChange[], now: number): Promise<void> {
  if (!incident.side) return;
  const slas = slasFor(engagement, incident.side === 'internal' ? 'internal' : 'partner');
  const rows = slas.flatMap((sla) =>
    SLA_KINDS.map((kind) => {
      const e = evaluate(undefined, engagement, sla, kind, incident, history, now);
      return { engagement_id: engagement.id, incident_id: incident.id, sla_id: sla.id, kind, ...e.patch };
    }),
  );
  if (rows.length) await ex.insertInto('incident_slas').values(rows).execute();
}
