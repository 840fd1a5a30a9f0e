/**
 * Operational metrics of an engagement over a period, with PagerDuty's
 * definitions: MTTA is trigger to first acknowledge (over incidents that
 * were acknowledged), MTTR trigger to resolve (over incidents resolved).
 * Broken down by priority, owning side, coverage window at open, and
 * service; SLA attainment per SLA, priority and kind; pages per person with
 * the night pages (22:00-07:00 in the person's own zone: the burnout
 * figure); the noisiest services and alerts.
 */
import { windowAt } from '../coverage/index.js';
import { toLocal } from '../time/local-time.js';
import type { Executor } from '../db/executor.js';
import type { CoverageWindow, Engagement } from '../engagement/model.js';
import { WINDOWS, lookup } from '../engagement/model.js';
import type { IncidentFact } from './store.js';
import { alertCountsByService, eventCountsByService, incidentsOpened, noisiestAlerts, pagesDelivered, slaOutcomes } from './store.js';

export interface ResponseFigures {
  incidents: number;
  mtta_s: number | null;
  mttr_s: number | null;
}

export interface SlaAttainment {
  sla: string;
  priority: string;
  kind: 'respond' | 'resolve';
  total: number;
  met: number;
  breached: number;
  pct: number | null;
}

export interface Metrics extends ResponseFigures {
  engagement: string;
  from: string;
  to: string;
  acknowledged: number;
  resolved: number;
  by_priority: Array<ResponseFigures & { priority: string }>;
  by_side: Array<ResponseFigures & { side: 'internal' | 'partner'; name: string }>;
  by_window: Array<ResponseFigures & { window: CoverageWindow }>;
  by_service: Array<ResponseFigures & { service: string; name: string }>;
  sla_attainment: SlaAttainment[];
  /** Over every SLA clock that finished (met or breached); null when none did. */
  sla_attainment_pct: number | null;
  pages: Array<{
    person: string;
    name: string;
    side: 'internal' | 'partner';
    pages: number;
    night_pages: number;
    after_hours_pages: number;
  }>;
  noisy_services: Array<{ service: string; name: string; incidents: number; alerts: number; events: number }>;
  noisy_alerts: Array<{ service: string; dedup_key: string; summary: string; alerts: number; events: number }>;
}

/** Running sums for one group. */
class Acc {
  incidents = 0;
  ackSum = 0;
  acks = 0;
  resolveSum = 0;
  resolves = 0;

  add(i: IncidentFact): void {
    this.incidents++;
    if (i.acknowledgedAt !== null) {
      this.ackSum += i.acknowledgedAt - i.createdAt;
      this.acks++;
    }
    if (i.resolvedAt !== null) {
      this.resolveSum += i.resolvedAt - i.createdAt;
      this.resolves++;
    }
  }

  figures(): ResponseFigures {
    return {
      incidents: this.incidents,
      mtta_s: this.acks ? Math.round(this.ackSum / this.acks / 1000) : null,
      mttr_s: this.resolves ? Math.round(this.resolveSum / this.resolves / 1000) : null,
    };
  }
}

function group<K extends string>(keys: readonly K[]): Map<K, Acc> {
  return new Map(keys.map((k) => [k, new Acc()]));
}

function bump<K>(map: Map<K, Acc>, key: K, i: IncidentFact): void {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = new Acc()));
  acc.add(i);
}

/** Whether a local time of day (ms after midnight) is in the night 22:00-07:00. */
export function isNight(msOfDay: number): boolean {
  const h = msOfDay / 3_600_000;
  return h >= 22 || h < 7;
}

export async function computeMetrics(
  ex: Executor,
  engagement: Engagement,
  from: number,
  to: number,
  incidents?: readonly IncidentFact[],
): Promise<Metrics> {
  const list = incidents ?? (await incidentsOpened(ex, engagement.id, from, to));
  const all = new Acc();
  const byPriority = group(engagement.priorities.order);
  const bySide = group(['internal', 'partner'] as const);
  const byWindow = group(WINDOWS);
  const byService = group(engagement.services.map((s) => s.id));
  for (const i of list) {
    all.add(i);
    bump(byPriority, i.priority, i);
    if (i.side === 'internal' || i.side === 'partner') bump(bySide, i.side, i);
    bump(byWindow, windowAt(engagement, i.createdAt), i);
    bump(byService, i.serviceId, i);
  }
  const attainment = await slaAttainment(ex, engagement.id, from, to);
  const finished = attainment.reduce((n, a) => n + a.met + a.breached, 0);
  const met = attainment.reduce((n, a) => n + a.met, 0);
  const serviceName = lookup(engagement).serviceName;
  const totals = all.figures();
  return {
    engagement: engagement.id,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ...totals,
    acknowledged: all.acks,
    resolved: all.resolves,
    by_priority: [...byPriority].filter(([, a]) => a.incidents > 0).map(([priority, a]) => ({ priority, ...a.figures() })),
    by_side: [...bySide].map(([side, a]) => ({ side, name: engagement.sides[side].name, ...a.figures() })),
    by_window: [...byWindow].map(([window, a]) => ({ window, ...a.figures() })),
    by_service: [...byService]
      .filter(([, a]) => a.incidents > 0)
      .map(([service, a]) => ({ service, name: serviceName(service), ...a.figures() }))
      .sort((a, b) => b.incidents - a.incidents),
    sla_attainment: attainment,
    sla_attainment_pct: finished ? Math.round((met * 1000) / finished) / 10 : null,
    pages: await pagesByPerson(ex, engagement, from, to),
    ...(await noise(ex, engagement, from, to, byService)),
  };
}

/** SLA clocks of incidents opened in the period that finished: met or breached, per SLA, priority and kind. */
export async function slaAttainment(ex: Executor, engagementId: string, from: number, to: number): Promise<SlaAttainment[]> {
  const out = new Map<string, SlaAttainment>();
  for (const r of await slaOutcomes(ex, engagementId, from, to)) {
    const breached = r.breachedAt !== null;
    if (!breached && r.status !== 'met') continue;
    const priority = breached ? (r.breachPriority ?? r.priority) : r.priority;
    const key = `${r.slaId}\u0000${priority}\u0000${r.kind}`;
    let a = out.get(key);
    if (!a)
      out.set(
        key,
        (a = { sla: r.slaId, priority, kind: r.kind === 'resolve' ? 'resolve' : 'respond', total: 0, met: 0, breached: 0, pct: null }),
      );
    a.total++;
    if (breached) a.breached++;
    else a.met++;
  }
  return [...out.values()]
    .map((a) => ({ ...a, pct: a.total ? Math.round((a.met * 1000) / a.total) / 10 : null }))
    .sort(
      (a, b) =>
        a.sla.localeCompare(b.sla) || a.priority.localeCompare(b.priority, undefined, { numeric: true }) || a.kind.localeCompare(b.kind),
    );
}

/**
 * Pages per person: each time a person was paged for an incident (a tier
 * reaching them), however many channels their rules used, counted at the
 * first delivery; night pages are those between 22:00 and 07:00 in the
 * person's own time zone.
 */
export async function pagesByPerson(ex: Executor, engagement: Engagement, from: number, to: number): Promise<Metrics['pages']> {
  const counts = new Map<string, { pages: number; night: number; afterHours: number }>();
  const people = lookup(engagement);
  for (const page of await pagesDelivered(ex, engagement.id, from, to)) {
    const person = people.person(page.personId);
    const c = counts.get(page.personId) ?? { pages: 0, night: 0, afterHours: 0 };
    c.pages++;
    const first = page.firstDeliveredAt;
    if (person && isNight(toLocal(person.timezone, first).msOfDay)) c.night++;
    if (windowAt(engagement, first) !== 'business_hours') c.afterHours++;
    counts.set(page.personId, c);
  }
  return engagement.people
    .filter((p) => counts.has(p.id))
    .map((p) => ({
      person: p.id,
      name: p.name,
      side: p.side,
      pages: counts.get(p.id)?.pages ?? 0,
      night_pages: counts.get(p.id)?.night ?? 0,
      after_hours_pages: counts.get(p.id)?.afterHours ?? 0,
    }))
    .sort((a, b) => b.night_pages - a.night_pages || b.pages - a.pages);
}

async function noise(
  ex: Executor,
  engagement: Engagement,
  from: number,
  to: number,
  byService: Map<string, Acc>,
): Promise<Pick<Metrics, 'noisy_services' | 'noisy_alerts'>> {
  const eventsOf = await eventCountsByService(ex, engagement.id, from, to);
  const alertsOf = await alertCountsByService(ex, engagement.id, from, to);
  const top = await noisiestAlerts(ex, engagement.id, from, to, 10);
  const ids = new Set([...byService.keys(), ...eventsOf.keys(), ...alertsOf.keys()]);
  const name = lookup(engagement).serviceName;
  return {
    noisy_services: [...ids]
      .map((service) => ({
        service,
        name: name(service),
        incidents: byService.get(service)?.incidents ?? 0,
        alerts: alertsOf.get(service) ?? 0,
        events: eventsOf.get(service) ?? 0,
      }))
      .filter((s) => s.incidents + s.alerts + s.events > 0)
      .sort((a, b) => b.incidents - a.incidents || b.events - a.events)
      .slice(0, 10),
    noisy_alerts: top.map((t) => ({ service: t.serviceId, dedup_key: t.dedupKey, summary: t.summary, alerts: t.alerts, events: t.events })),
  };
}
