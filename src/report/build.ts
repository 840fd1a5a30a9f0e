/**
 * Assembling the monthly operational review from the database: this month's
 * figures, last month's for the deltas, the six-month trend, every breach
 * with its credit, pages per person, the noisiest services, the change
 * events and the incidents that followed them, and the on-call gaps in the
 * month's schedules that left a side's function uncovered, and, with
 * ticketing, the tickets of the month's incidents.
 */
import { ownerAt } from '../coverage/index.js';
import { formatLocalDate, toLocal } from '../time/local-time.js';
import type { Executor } from '../db/executor.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement, Schedule, Side } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { computeCredits } from '../metrics/credits.js';
import type { Credits } from '../metrics/credits.js';
import { computeMetrics, slaAttainment } from '../metrics/metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import { monthPeriod, shiftMonth } from '../metrics/period.js';
import { changesIn, incidentsOpened } from '../metrics/store.js';
import type { IncidentFact } from '../metrics/store.js';
import { gaps } from '../schedule/index.js';
import { ticketsOfIncidentsOpened, troubledOpsOfIncidentsOpened } from '../ticketing/store.js';
import type { MonthlyReview, ReviewSummary } from './model.js';
import { CHANGE_FOLLOW_WINDOW_MINUTES } from './model.js';
import { reviewTickets } from './tickets.js';

const TREND_MONTHS = 6;

function summaryOf(
  m: Pick<Metrics, 'incidents' | 'mtta_s' | 'mttr_s' | 'sla_attainment_pct' | 'pages'>,
  creditAmount: number,
): ReviewSummary {
  return {
    incidents: m.incidents,
    mtta_s: m.mtta_s,
    mttr_s: m.mttr_s,
    sla_attainment_pct: m.sla_attainment_pct,
    credit_amount: creditAmount,
    after_hours_pages: m.pages.reduce((n, p) => n + p.after_hours_pages, 0),
    night_pages: m.pages.reduce((n, p) => n + p.night_pages, 0),
  };
}

/** The few figures a trend point needs, without the per-service breakdowns. */
async function monthPoint(ex: Executor, engagement: Engagement, month: string, now: number) {
  const { from, to } = monthPeriod(month, engagement.timezone);
  const incidents = await incidentsOpened(ex, engagement.id, from, to);
  let ack = 0;
  let acks = 0;
  let res = 0;
  let ress = 0;
  for (const i of incidents) {
    if (i.acknowledgedAt !== null) {
      ack += i.acknowledgedAt - i.createdAt;
      acks++;
    }
    if (i.resolvedAt !== null) {
      res += i.resolvedAt - i.createdAt;
      ress++;
    }
  }
  const attainment = await slaAttainment(ex, engagement.id, from, to);
  const finished = attainment.reduce((n, a) => n + a.total, 0);
  const met = attainment.reduce((n, a) => n + a.met, 0);
  const credits = await computeCredits(ex, engagement, month, now);
  return {
    month,
    incidents: incidents.length,
    mtta_s: acks ? Math.round(ack / acks / 1000) : null,
    mttr_s: ress ? Math.round(res / ress / 1000) : null,
    sla_attainment_pct: finished ? Math.round((met * 1000) / finished) / 10 : null,
    credits_amount: credits.credit_amount,
  };
}

/** Stretches of a schedule's gaps during which a function that pages that schedule first was owned by the schedule's side. */
function uncoveredGaps(engagement: Engagement, from: number, to: number): MonthlyReview['coverageGaps'] {
  const STEP = 15 * 60_000;
  const out: MonthlyReview['coverageGaps'] = [];
  const usedBy = new Map<string, Array<{ side: Side; fn: string }>>();
  for (const side of ['internal', 'partner'] as const) {
    for (const [fn, policyId] of Object.entries(engagement.routing[side])) {
      const first = lookup(engagement).policy(policyId)?.tiers[0];
      for (const t of first?.targets ?? []) {
        if (t.kind !== 'schedule') continue;
        const list = usedBy.get(t.id) ?? [];
        list.push({ side, fn });
        usedBy.set(t.id, list);
      }
    }
  }
  for (const schedule of engagement.schedules as readonly Schedule[]) {
    const users = usedBy.get(schedule.id);
    if (!users) continue;
    for (const gap of gaps(schedule, from, to)) {
      let start: number | null = null;
      const flush = (end: number) => {
        if (start !== null && end > start)
          out.push({
            schedule: schedule.id,
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            hours: Math.round(((end - start) / 3_600_000) * 10) / 10,
          });
        start = null;
      };
      for (let t = gap.start; t < gap.end; t += STEP) {
        const owned = users.some((u) => ownerAt(engagement, u.fn, t).side === u.side);
        if (owned && start === null) start = t;
        if (!owned) flush(t);
      }
      flush(gap.end);
    }
  }
  return out.sort((a, b) => a.start.localeCompare(b.start));
}

/** Incidents opened per local day of the period, by priority (every day present, oldest first). */
function volumeByDay(engagement: Engagement, from: number, to: number, incidents: readonly IncidentFact[]): MonthlyReview['volumeByDay'] {
  const days = new Map<string, Record<string, number>>();
  for (let t = from; t < to; t += 86_400_000) days.set(formatLocalDate(toLocal(engagement.timezone, t).day), {});
  for (const i of incidents) {
    const day = formatLocalDate(toLocal(engagement.timezone, i.createdAt).day);
    const counts = days.get(day) ?? {};
    counts[i.priority] = (counts[i.priority] ?? 0) + 1;
    days.set(day, counts);
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([date, byPriority]) => ({ date, byPriority }));
}

/** The period's change events, each with the incidents on its service that opened within the follow window after it. */
async function changesWithFollowers(
  ex: Executor,
  engagement: Engagement,
  from: number,
  to: number,
  incidents: readonly IncidentFact[],
): Promise<MonthlyReview['changes']> {
  const changes = await changesIn(ex, engagement.id, from, to, 200);
  const prefix = incidentPrefix(engagement.id);
  const followWindow = CHANGE_FOLLOW_WINDOW_MINUTES * 60_000;
  return changes.map((c) => ({
    at: new Date(c.at).toISOString(),
    service: lookup(engagement).serviceName(c.serviceId),
    summary: c.summary,
    followedBy: incidents
      .filter((i) => i.serviceId === c.serviceId && i.createdAt >= c.at && i.createdAt - c.at <= followWindow)
      .map((i) => ({ incident: `${prefix}-${i.number}`, title: i.title, minutesAfter: Math.round((i.createdAt - c.at) / 60_000) })),
  }));
}

function breachesOf(engagement: Engagement, credits: Credits): MonthlyReview['breaches'] {
  return credits.breaches.map((b) => ({
    incident: b.incident,
    title: b.title,
    service: lookup(engagement).serviceName(b.service),
    sla: b.sla,
    priority: b.priority,
    kind: b.kind,
    target_s: b.target_s ?? 0,
    actual_s: b.actual_s ?? 0,
    openedAt: b.opened_at,
    credit_percent: b.credit_percent,
    credit_amount: b.credit_amount,
  }));
}

/** Last month's summary, for the deltas; null when it had no incident. */
async function previousSummary(ex: Executor, engagement: Engagement, month: string, now: number): Promise<ReviewSummary | null> {
  const prevMonth = shiftMonth(month, -1);
  const prev = monthPeriod(prevMonth, engagement.timezone);
  const prevIncidents = await incidentsOpened(ex, engagement.id, prev.from, prev.to);
  if (!prevIncidents.length) return null;
  const metrics = await computeMetrics(ex, engagement, prev.from, prev.to, prevIncidents);
  return summaryOf(metrics, (await computeCredits(ex, engagement, prevMonth, now)).credit_amount);
}

/** The tickets of the period's incidents per ticketing entry; none (and no query) without ticketing. */
async function ticketsOfPeriod(ex: Executor, engagement: Engagement, from: number, to: number): Promise<MonthlyReview['tickets']> {
  if (engagement.ticketing.length === 0) return [];
  const tickets = await ticketsOfIncidentsOpened(ex, engagement.id, from, to);
  const ops = await troubledOpsOfIncidentsOpened(ex, engagement.id, from, to);
  return reviewTickets(engagement, incidentPrefix(engagement.id), tickets, ops);
}

/** The monthly operational review of an engagement, from the database. */
export async function buildMonthlyReview(ex: Executor, engagement: Engagement, month: string, now: number): Promise<MonthlyReview> {
  const { from, to } = monthPeriod(month, engagement.timezone);
  const incidents = await incidentsOpened(ex, engagement.id, from, to);
  const metrics = await computeMetrics(ex, engagement, from, to, incidents);
  const credits = await computeCredits(ex, engagement, month, now);
  const previous = await previousSummary(ex, engagement, month, now);
  const changes = await changesWithFollowers(ex, engagement, from, to, incidents);

  const trend = [];
  for (let k = TREND_MONTHS - 1; k >= 1; k--) trend.push(await monthPoint(ex, engagement, shiftMonth(month, -k), now));
  const { mtta_s, mttr_s, sla_attainment_pct } = metrics;
  trend.push({ month, incidents: metrics.incidents, mtta_s, mttr_s, sla_attainment_pct, credits_amount: credits.credit_amount });

  const cap = Object.values(credits.caps).reduce((a, b) => Math.max(a, b), 0);
  return {
    engagement: {
      id: engagement.id,
      name: engagement.name,
      timezone: engagement.timezone,
      sides: { internal: engagement.sides.internal.name, partner: engagement.sides.partner.name },
      currency: engagement.contract.currency,
      monthlyFee: engagement.contract.monthlyFee,
    },
    month,
    generatedAt: new Date(now).toISOString(),
    priorities: [...engagement.priorities.order],
    summary: summaryOf(metrics, credits.credit_amount),
    previous,
    volumeByDay: volumeByDay(engagement, from, to, incidents),
    responseByWindow: metrics.by_window,
    responseBySide: metrics.by_side,
    slaAttainment: metrics.sla_attainment,
    breaches: breachesOf(engagement, credits),
    credits: {
      percent: credits.credit_percent,
      amount: credits.credit_amount,
      currency: credits.currency,
      capped: credits.capped,
      capPercent: cap,
    },
    pagesByPerson: metrics.pages.map(({ person, name, side, pages, night_pages }) => ({ person, name, side, pages, night_pages })),
    noisyServices: metrics.noisy_services,
    changes,
    coverageGaps: uncoveredGaps(engagement, from, to),
    trend,
    tickets: await ticketsOfPeriod(ex, engagement, from, to),
  };
}
