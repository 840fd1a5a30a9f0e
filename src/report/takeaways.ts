/**
 * The one-sentence takeaways and month-over-month deltas of the monthly
 * review, computed from the data. Kept apart from the HTML so the words a
 * client reads can be tested as plain sentences. Results are plain text;
 * the renderer escapes them.
 */
import { CHANGE_FOLLOW_WINDOW_MINUTES, DEFAULT_NIGHT_PAGE_THRESHOLD } from './model.js';
import type { MonthlyReview, ReviewSummary } from './model.js';
import {
  SYSTEM_LABELS,
  WINDOW_LABELS,
  formatDuration,
  formatInstant,
  formatLocalDate,
  formatMoney,
  formatMonthLong,
  formatMonthShort,
  formatNumber,
  formatPct,
  plural,
  previousMonth,
} from './format.js';

/** Whether a change in a figure is good news, bad news, or neither. */
export type Tone = 'good' | 'bad' | 'neutral';

/** A month-over-month change, ready to print on a KPI tile. */
export interface Delta {
  /** "▼ 21% vs Oct", "▲ 1.3 pts vs Oct", "no change vs Oct", or "no data for Oct". */
  readonly text: string;
  readonly tone: Tone;
  /** Words for screen readers and colour-blind readers: "better", "worse", "unchanged". */
  readonly verdict: string;
}

/** How a KPI compares across months: which direction is better and how to express the difference. */
export interface DeltaRule {
  readonly lowerIsBetter: boolean;
  /** `relative`: percent change; `points`: percentage points; `absolute`: count; `money`: currency. */
  readonly mode: 'relative' | 'points' | 'absolute' | 'money';
}

/** The comparison rules of each KPI tile: for every figure but SLA attainment, less is better. */
export const KPI_RULES: Readonly<Record<keyof ReviewSummary, DeltaRule>> = Object.freeze({
  incidents: { lowerIsBetter: true, mode: 'relative' },
  mtta_s: { lowerIsBetter: true, mode: 'relative' },
  mttr_s: { lowerIsBetter: true, mode: 'relative' },
  sla_attainment_pct: { lowerIsBetter: false, mode: 'points' },
  credit_amount: { lowerIsBetter: true, mode: 'money' },
  // Page counts are small; "+3" says more than "+27%".
  after_hours_pages: { lowerIsBetter: true, mode: 'absolute' },
  night_pages: { lowerIsBetter: true, mode: 'absolute' },
});

/**
 * Compares this month's figure with last month's. Null on either side means
 * there is nothing to compare; a zero change is neutral.
 */
export function computeDelta(
  current: number | null,
  previous: number | null,
  rule: DeltaRule,
  previousLabel: string,
  currency = 'USD',
): Delta {
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return { text: `no data for ${previousLabel}`, tone: 'neutral', verdict: 'not comparable' };
  }
  const diff = current - previous;
  const epsilon = rule.mode === 'points' ? 0.05 : rule.mode === 'relative' && previous !== 0 ? Math.abs(previous) * 0.005 : 1e-9;
  if (Math.abs(diff) < epsilon) return { text: `no change vs ${previousLabel}`, tone: 'neutral', verdict: 'unchanged' };
  const arrow = diff > 0 ? '▲' : '▼';
  let amount: string;
  switch (rule.mode) {
    case 'relative':
      amount = previous === 0 ? formatNumber(Math.abs(diff)) : `${formatNumber(Math.abs((diff / previous) * 100))}%`;
      break;
    case 'points':
      amount = `${formatNumber(Math.abs(diff), 1)} pts`;
      break;
    case 'money':
      amount = formatMoney(Math.abs(diff), currency);
      break;
    default:
      amount = formatNumber(Math.abs(diff));
  }
  const better = rule.lowerIsBetter ? diff < 0 : diff > 0;
  return { text: `${arrow} ${amount} vs ${previousLabel}`, tone: better ? 'good' : 'bad', verdict: better ? 'better' : 'worse' };
}

/** Last month's name without the year ("October"), for sentences. */
export function previousLabelLong(review: MonthlyReview): string {
  const prev = previousMonth(review.month);
  return prev ? formatMonthLong(prev).replace(/ \d{4}$/, '') : 'last month';
}

/** Short label of last month ("Oct"), for deltas. */
export function previousLabel(review: MonthlyReview): string {
  const prev = previousMonth(review.month);
  return prev ? formatMonthShort(prev) : 'last month';
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}

/** Incidents per priority over the whole month, in the review's priority order (plus any unlisted). */
export function priorityTotals(review: MonthlyReview): Array<{ priority: string; count: number }> {
  const totals = new Map<string, number>(review.priorities.map((p) => [p, 0]));
  for (const day of review.volumeByDay) for (const [p, n] of Object.entries(day.byPriority)) totals.set(p, (totals.get(p) ?? 0) + n);
  return [...totals].map(([priority, count]) => ({ priority, count }));
}

/** The headline under the KPI tiles: how this month compares with the last. */
export function summaryTakeaway(review: MonthlyReview): string {
  const s = review.summary;
  const month = formatMonthLong(review.month);
  const p = review.previous;
  if (!p) {
    if (s.incidents === 0) return `${month} is the first month on record for ${review.engagement.name}, and no incidents were opened.`;
    const sla = s.sla_attainment_pct === null ? '' : ` and SLA attainment of ${formatPct(s.sla_attainment_pct)}`;
    return `${month} is the first month on record for ${review.engagement.name}: ${plural(s.incidents, 'incident')}${sla}.`;
  }
  const parts: string[] = [];
  const label = previousLabelLong(review);
  if (p.incidents > 0) {
    const change = ((s.incidents - p.incidents) / p.incidents) * 100;
    if (Math.abs(change) >= 0.5) parts.push(`incidents ${change < 0 ? 'down' : 'up'} ${formatNumber(Math.abs(change))}%`);
  }
  if (s.mtta_s !== null && p.mtta_s !== null && p.mtta_s > 0) {
    const change = ((s.mtta_s - p.mtta_s) / p.mtta_s) * 100;
    if (Math.abs(change) >= 0.5) parts.push(`acknowledgement ${formatNumber(Math.abs(change))}% ${change < 0 ? 'faster' : 'slower'}`);
  }
  if (s.sla_attainment_pct !== null && p.sla_attainment_pct !== null) {
    const d = s.sla_attainment_pct - p.sla_attainment_pct;
    if (Math.abs(d) >= 0.05)
      parts.push(`SLA attainment ${d > 0 ? 'up' : 'down'} ${formatNumber(Math.abs(d), 1)} pts to ${formatPct(s.sla_attainment_pct)}`);
  }
  if (s.night_pages !== p.night_pages)
    parts.push(
      `night pages ${s.night_pages > p.night_pages ? 'up' : 'down'} from ${formatNumber(p.night_pages)} to ${formatNumber(s.night_pages)}`,
    );
  if (!parts.length)
    return `${month} looked much like ${label}: ${plural(s.incidents, 'incident')}, SLA attainment ${formatPct(s.sla_attainment_pct)}.`;
  return `Compared with ${label}: ${joinList(parts)}.`;
}

/** "a", "a and b", "a, b and c". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Incident volume: how many, how many a day, and the busiest day. */
export function volumeTakeaway(review: MonthlyReview): string {
  const month = formatMonthLong(review.month);
  const totals = review.volumeByDay.map((d) => ({ date: d.date, total: sumValues(d.byPriority), byPriority: d.byPriority }));
  const total = totals.reduce((s, d) => s + d.total, 0);
  if (total === 0) return `No incidents were opened in ${month}.`;
  const days = Math.max(1, totals.length);
  let busiest = totals[0];
  for (const d of totals) if (busiest === undefined || d.total > busiest.total) busiest = d;
  const urgent = review.priorities[0];
  let sentence = `${plural(total, 'incident')} in ${month}, ${formatNumber(total / days, 1)} a day on average`;
  if (busiest) {
    sentence += `; the busiest day was ${formatLocalDate(busiest.date)} with ${formatNumber(busiest.total)}`;
    const urgentCount = urgent ? (busiest.byPriority[urgent] ?? 0) : 0;
    if (urgent && urgentCount > 0) sentence += `, including ${formatNumber(urgentCount)} ${urgent}`;
  }
  return `${sentence}.`;
}

/** Response times: the slowest coverage window against the fastest, and the two sides. */
export function responseTakeaway(review: MonthlyReview): string {
  const windows = review.responseByWindow.filter((w): w is typeof w & { mtta_s: number } => w.mtta_s !== null && w.incidents > 0);
  const sides = review.responseBySide.filter((s): s is typeof s & { mtta_s: number } => s.mtta_s !== null && s.incidents > 0);
  if (!windows.length && !sides.length) return 'No incident was acknowledged this month, so there are no response times to compare.';
  const parts: string[] = [];
  if (windows.length === 1 && windows[0]) {
    const w = windows[0];
    parts.push(
      `every acknowledged incident fell in ${(WINDOW_LABELS[w.window] ?? w.window).toLowerCase()} (MTTA ${formatDuration(w.mtta_s)})`,
    );
  } else if (windows.length > 1) {
    const sorted = [...windows].sort((a, b) => a.mtta_s - b.mtta_s);
    const fast = sorted[0];
    const slow = sorted[sorted.length - 1];
    if (fast && slow) {
      const ratio = fast.mtta_s > 0 ? slow.mtta_s / fast.mtta_s : 0;
      parts.push(
        `acknowledgement took ${formatDuration(slow.mtta_s)} on average ${windowPhrase(slow.window)}` +
          `${ratio >= 1.2 ? `, ${formatNumber(ratio, 1)}× the ${formatDuration(fast.mtta_s)} ${windowPhrase(fast.window)}` : `, against ${formatDuration(fast.mtta_s)} ${windowPhrase(fast.window)}`}`,
      );
    }
  }
  if (sides.length > 1) {
    const [a, b] = [...sides].sort((x, y) => x.mtta_s - y.mtta_s);
    if (a && b) parts.push(`${a.name} acknowledged in ${formatDuration(a.mtta_s)} and ${b.name} in ${formatDuration(b.mtta_s)}`);
  } else if (sides[0]) parts.push(`${sides[0].name} acknowledged in ${formatDuration(sides[0].mtta_s)} on average`);
  return `${capitalize(parts.join('; '))}.`;
}

function windowPhrase(window: string): string {
  switch (window) {
    case 'business_hours':
      return 'in business hours';
    case 'after_hours':
      return 'after hours';
    case 'weekend':
      return 'at weekends';
    case 'holiday':
      return 'on holidays';
    default:
      return `in ${window}`;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** SLA attainment overall, and the weakest target if any was breached. */
export function slaTakeaway(review: MonthlyReview): string {
  const met = review.slaAttainment.reduce((s, r) => s + r.met, 0);
  const breached = review.slaAttainment.reduce((s, r) => s + r.breached, 0);
  const decided = met + breached;
  if (decided === 0) return 'No SLA clock ran to completion this month.';
  const pct = (met / decided) * 100;
  if (breached === 0) return `All ${formatNumber(decided)} SLA targets that ran to completion were met.`;
  const weakest = [...review.slaAttainment]
    .filter((r) => r.breached > 0)
    .sort((a, b) => a.met / (a.met + a.breached) - b.met / (b.met + b.breached) || b.breached - a.breached)[0];
  const worst = weakest
    ? `; the weakest was ${weakest.sla} ${weakest.priority} ${weakest.kind} at ${formatPct((weakest.met / (weakest.met + weakest.breached)) * 100)}`
    : '';
  return `${formatPct(pct)} of ${formatNumber(decided)} SLA targets were met and ${formatNumber(breached)} breached${worst}.`;
}

/** Breaches and what they cost the partner. */
export function breachTakeaway(review: MonthlyReview): string {
  const n = review.breaches.length;
  const fee = review.engagement.monthlyFee;
  const currency = review.credits.currency || review.engagement.currency;
  if (n === 0) return 'No breaches this month, so no service credits are due.';
  const credited = review.breaches.filter((b) => b.credit_amount > 0).length;
  if (review.credits.amount <= 0) return `${plural(n, 'breach', 'breaches')} this month, none of them under an SLA with service credits.`;
  const lead =
    credited === n
      ? `${plural(n, 'breach', 'breaches')} earned`
      : `${plural(n, 'breach', 'breaches')} (${formatNumber(credited)} with credits) earned`;
  if (review.credits.capped) {
    const uncapped = review.breaches.reduce((sum, b) => sum + b.credit_amount, 0);
    return `${lead} ${formatMoney(uncapped, currency)} in service credits, capped at ${formatNumber(review.credits.capPercent)}% of the ${formatMoney(fee, currency)} monthly fee: ${formatMoney(review.credits.amount, currency)} is due.`;
  }
  const share = fee > 0 ? `, ${formatPct((review.credits.amount / fee) * 100)} of the ${formatMoney(fee, currency)} monthly fee` : '';
  return `${lead} ${formatMoney(review.credits.amount, currency)} in service credits${share}.`;
}

/** The night-page threshold in force for this review. */
export function nightPageThreshold(review: MonthlyReview): number {
  return review.nightPageThreshold ?? DEFAULT_NIGHT_PAGE_THRESHOLD;
}

/** Who carries the pager at night, and who is over the burnout threshold. */
export function pagesTakeaway(review: MonthlyReview): string {
  const people = review.pagesByPerson.filter((p) => p.pages > 0 || p.night_pages > 0);
  if (!people.length) return 'No one was paged this month.';
  const threshold = nightPageThreshold(review);
  const over = people.filter((p) => p.night_pages > threshold).sort((a, b) => b.night_pages - a.night_pages);
  if (over.length) {
    const names = joinList(over.map((p) => `${p.name} (${formatNumber(p.night_pages)})`));
    return `${names} ${over.length === 1 ? 'was' : 'were'} paged at night more than ${formatNumber(threshold)} times; consider spreading night cover more evenly.`;
  }
  const heaviest = [...people].sort((a, b) => b.pages - a.pages || b.night_pages - a.night_pages)[0];
  const load = heaviest
    ? `; the heaviest load was ${heaviest.name} with ${plural(heaviest.pages, 'page')} (${formatNumber(heaviest.night_pages)} at night)`
    : '';
  return `No one was paged at night more than ${formatNumber(threshold)} times${load}.`;
}

/** The noisiest service's share of incidents. */
export function noisyTakeaway(review: MonthlyReview): string {
  const sorted = [...review.noisyServices].sort((a, b) => b.incidents - a.incidents || b.alerts - a.alerts);
  const top = sorted[0];
  if (!top || top.incidents === 0) return 'No service raised an incident this month.';
  const total = Math.max(
    review.summary.incidents,
    sorted.reduce((s, r) => s + r.incidents, 0),
  );
  const share = total > 0 ? ` (${formatPct((top.incidents / total) * 100, 0)})` : '';
  return `${top.name} was the noisiest service: ${formatNumber(top.incidents)} of ${plural(total, 'incident')}${share}, from ${plural(top.alerts, 'alert')}.`;
}

/** Incidents that followed a change within the follow window (2 hours), soonest first. */
export function followers(change: MonthlyReview['changes'][number]): MonthlyReview['changes'][number]['followedBy'] {
  return change.followedBy
    .filter((f) => f.minutesAfter >= 0 && f.minutesAfter <= CHANGE_FOLLOW_WINDOW_MINUTES)
    .sort((a, b) => a.minutesAfter - b.minutesAfter);
}

/** How many changes were followed by incidents. */
export function changesTakeaway(review: MonthlyReview): string {
  const n = review.changes.length;
  if (n === 0) return 'No changes were recorded this month.';
  const followed = review.changes.filter((c) => followers(c).length > 0);
  const incidents = new Set(followed.flatMap((c) => followers(c).map((f) => f.incident))).size;
  if (!followed.length) return `None of the ${plural(n, 'change')} was followed by an incident within 2 hours.`;
  return `${formatNumber(followed.length)} of ${plural(n, 'change')} ${followed.length === 1 ? 'was' : 'were'} followed by an incident within 2 hours (${plural(incidents, 'incident')} in all).`;
}

/** On-call gaps: how many, how long, and the longest. */
export function gapsTakeaway(review: MonthlyReview): string {
  const gaps = review.coverageGaps;
  if (!gaps.length) return 'No coverage gaps: every schedule had someone on call for the whole month.';
  const hours = gaps.reduce((s, g) => s + g.hours, 0);
  const longest = [...gaps].sort((a, b) => b.hours - a.hours)[0];
  const schedules = new Set(gaps.map((g) => g.schedule)).size;
  const longestText = longest
    ? `; the longest was ${formatHours(longest.hours)} in ${longest.schedule} from ${formatInstant(longest.start, review.engagement.timezone)}`
    : '';
  return `${plural(gaps.length, 'gap')} in ${plural(schedules, 'schedule')} left ${formatHours(hours)} with no one on call${longestText}.`;
}

/**
 * The names of an engagement's ticketing entries for sentences: the system
 * ("Jira"), with the entry's id when two entries use the same system.
 */
export function ticketingNames(review: MonthlyReview): Map<string, string> {
  const entries = review.tickets ?? [];
  const label = (system: string): string => SYSTEM_LABELS[system] ?? system;
  return new Map(
    entries.map((e) => [
      e.ticketing,
      entries.filter((x) => x.system === e.system).length > 1 ? `${label(e.system)} (${e.ticketing})` : label(e.system),
    ]),
  );
}

/** Tickets: how many of the month's incidents got one, in which system, and whether every operation got through. */
export function ticketsTakeaway(review: MonthlyReview): string {
  const entries = review.tickets ?? [];
  const month = formatMonthLong(review.month);
  const names = ticketingNames(review);
  const givenUp = entries.reduce((n, e) => n + e.opsGivenUp, 0);
  const retried = entries.reduce((n, e) => n + e.opsRetried, 0);
  const got = entries.filter((e) => e.incidents > 0);
  const tail =
    givenUp > 0
      ? `; ${plural(givenUp, 'ticket operation')} ${givenUp === 1 ? 'was' : 'were'} given up, listed below.`
      : retried > 0
        ? `; every ticket operation got through, ${formatNumber(retried)} after a retry.`
        : '; every ticket operation got through at the first attempt.';
  if (!got.length) {
    if (givenUp > 0) return `No incident opened in ${month} got a ticket${tail}`;
    return review.summary.incidents === 0
      ? `No incidents were opened in ${month}, so no tickets.`
      : `No incident opened in ${month} got a ticket.`;
  }
  const list = joinList(
    got.map((e, i) => `${formatNumber(e.incidents)}${i === 0 ? ' got a ticket' : ''} in ${names.get(e.ticketing) ?? e.ticketing}`),
  );
  return `Of ${plural(review.summary.incidents, 'incident')} opened in ${month}, ${list}${tail}`;
}

/** "6 hours", "1 hour", "1.5 hours". */
export function formatHours(hours: number): string {
  const digits = Number.isInteger(hours) ? 0 : 1;
  return `${formatNumber(hours, digits)} ${hours === 1 ? 'hour' : 'hours'}`;
}

/** The six-month direction of the headline figures. */
export function trendTakeaway(review: MonthlyReview): string {
  const t = review.trend;
  const first = t[0];
  const last = t[t.length - 1];
  if (!first || !last || t.length < 2) return 'This is the first month on record; trends appear from next month.';
  const span = `Over ${plural(t.length, 'month')}`;
  const parts: string[] = [];
  const change =
    first.incidents > 0
      ? ` (${last.incidents >= first.incidents ? '+' : '−'}${formatNumber(Math.abs(((last.incidents - first.incidents) / first.incidents) * 100))}%)`
      : '';
  parts.push(`incidents went from ${formatNumber(first.incidents)} to ${formatNumber(last.incidents)}${change}`);
  const firstMtta = t.find((m) => m.mtta_s !== null)?.mtta_s ?? null;
  if (firstMtta !== null && last.mtta_s !== null) parts.push(`MTTA from ${formatDuration(firstMtta)} to ${formatDuration(last.mtta_s)}`);
  const firstSla = t.find((m) => m.sla_attainment_pct !== null)?.sla_attainment_pct ?? null;
  if (firstSla !== null && last.sla_attainment_pct !== null)
    parts.push(`SLA attainment from ${formatPct(firstSla)} to ${formatPct(last.sla_attainment_pct)}`);
  return `${span} ${joinList(parts)}.`;
}

/** One point the review meeting should discuss, and the section that has the detail. */
export interface DiscussionPoint {
  readonly text: string;
  readonly section: 'sla' | 'breaches' | 'pages' | 'changes' | 'gaps' | 'tickets';
}

/**
 * What needs a decision this month, most costly first: credits owed,
 * people over the night-page threshold, coverage gaps, risky changes.
 * Empty when the month needs nothing beyond the figures.
 */
export function discussionPoints(review: MonthlyReview): DiscussionPoint[] {
  const points: DiscussionPoint[] = [];
  const currency = review.credits.currency || review.engagement.currency;
  const n = review.breaches.length;
  if (n > 0) {
    const credit =
      review.credits.amount > 0
        ? `: ${formatMoney(review.credits.amount, currency)} in service credits${review.credits.capped ? ` (capped at ${formatNumber(review.credits.capPercent)}%)` : ''} due to ${review.engagement.name}`
        : ', none with service credits';
    points.push({ text: `${plural(n, 'SLA breach', 'SLA breaches')}${credit}`, section: 'breaches' });
  }
  const threshold = nightPageThreshold(review);
  const over = review.pagesByPerson.filter((p) => p.night_pages > threshold);
  if (over.length) {
    points.push({
      text: `${joinList(over.map((p) => p.name))} ${over.length === 1 ? 'is' : 'are'} over the night-page threshold (more than ${formatNumber(threshold)} a month)`,
      section: 'pages',
    });
  }
  if (review.coverageGaps.length) {
    const hours = review.coverageGaps.reduce((s, g) => s + g.hours, 0);
    points.push({
      text: `${plural(review.coverageGaps.length, 'on-call coverage gap')}, ${formatHours(hours)} with no one on call`,
      section: 'gaps',
    });
  }
  const risky = review.changes.filter((c) => followers(c).length > 0);
  if (risky.length) points.push({ text: `${plural(risky.length, 'change')} followed by incidents within 2 hours`, section: 'changes' });
  const givenUp = (review.tickets ?? []).filter((e) => e.opsGivenUp > 0);
  if (givenUp.length) {
    const n = givenUp.reduce((s, e) => s + e.opsGivenUp, 0);
    const names = ticketingNames(review);
    const where = joinList(givenUp.map((e) => names.get(e.ticketing) ?? e.ticketing));
    points.push({
      text: `${plural(n, 'ticket operation')} given up in ${where}: those tickets do not show what happened`,
      section: 'tickets',
    });
  }
  return points;
}
