/**
 * The monthly operational review as one self-contained HTML document: inline
 * CSS and SVG, no scripts, fonts, images or links to fetch, so it opens
 * offline, prints to the same PDF everywhere and can be mailed as one file.
 * Written with the html template (src/html/html.ts), so every piece of data
 * is escaped; the takeaways come from takeaways.ts.
 */
import { html, joinHtml, raw } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';
import { horizontalBarChart, lineChart, meter, stackedBarChart } from './charts.js';
import type { ChartSeries, HBarMeasure, HBarRow, LineChartOptions } from './charts.js';
import {
  SYSTEM_LABELS,
  TICKET_STATE_LABELS,
  WINDOW_LABELS,
  cssString,
  formatDuration,
  formatDurationTick,
  formatInstant,
  formatLocalDate,
  formatMoney,
  formatMonthLong,
  formatMonthShort,
  formatNumber,
  formatPct,
  isWeekendDate,
  localDateUtc,
  plural,
} from './format.js';
import { CHANGE_FOLLOW_WINDOW_MINUTES } from './model.js';
import type { MonthlyReview, ReviewSummary, ReviewTicketState, ReviewTicketing } from './model.js';
import {
  KPI_RULES,
  breachTakeaway,
  changesTakeaway,
  discussionPoints,
  computeDelta,
  followers,
  formatHours,
  gapsTakeaway,
  nightPageThreshold,
  noisyTakeaway,
  pagesTakeaway,
  previousLabel,
  priorityTotals,
  responseTakeaway,
  slaTakeaway,
  summaryTakeaway,
  ticketingNames,
  ticketsTakeaway,
  trendTakeaway,
  volumeTakeaway,
} from './takeaways.js';
import type { DiscussionPoint } from './takeaways.js';

/** The restrained palette of the document; charts take their data colours from here. */
export const REPORT_COLORS = Object.freeze({
  ink: '#1f2933',
  muted: '#5f6b7a',
  rule: '#d9dee5',
  panel: '#f5f7f9',
  accent: '#1e3a5f',
  good: '#1a7f37',
  bad: '#b42318',
  mtta: '#4a78a8',
  mttr: '#1e3a5f',
  pagesAll: '#a9bcd0',
  pagesNight: '#1e3a5f',
  met: '#4a8f64',
  breached: '#b42318',
  running: '#c9d2dc',
});

/** Priority colours, most urgent first: a warm-to-cool ramp that reads as urgency without a legend. */
const PRIORITY_COLORS = ['#a61b1b', '#e0692b', '#f0b43c', '#7d93ab', '#c2cdd9', '#dde3ea'];

function priorityColor(index: number): string {
  return PRIORITY_COLORS[Math.min(index, PRIORITY_COLORS.length - 1)] ?? '#c2cdd9';
}

/** The section headings, in order; tests and the table of contents read the same list. */
export const SECTION_TITLES = Object.freeze({
  summary: 'At a glance',
  volume: 'Incident volume by day',
  response: 'Response times',
  sla: 'SLA attainment',
  breaches: 'Breaches and service credits',
  pages: 'Pages per person',
  noisy: 'Noisiest services',
  changes: 'Changes and the incidents that followed',
  gaps: 'On-call coverage gaps',
  trend: 'Six-month trend',
  tickets: 'Tickets',
});

type SectionId = keyof typeof SECTION_TITLES;

/**
 * Renders the monthly operational review of one engagement as a single,
 * self-contained HTML document (inline CSS and SVG, no external resources,
 * no scripts), laid out for screen and for A4 print with page numbers.
 */
export function renderMonthlyReviewHtml(review: MonthlyReview): string {
  const title = `${review.engagement.name} — Monthly operational review, ${formatMonthLong(review.month)}`;
  const body = joinHtml(
    [
      titleBlock(review),
      summarySection(review),
      volumeSection(review),
      responseSection(review),
      slaSection(review),
      breachesSection(review),
      pagesSection(review),
      noisySection(review),
      changesSection(review),
      gapsSection(review),
      trendSection(review),
      ...ticketsSection(review),
      definitions(review),
    ],
    '\n',
  );
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="Tandem">
<title>${title}</title>
<style>${raw(styles(review))}</style>
</head>
<body>
<main class="report">
${body}
</main>
</body>
</html>
`.value;
}

/**
 * SVG from charts.ts, which escapes every label and title it writes; the
 * one way markup built outside a template enters the document.
 */
function chart(svg: string): SafeHtml {
  return raw(svg);
}

/** The print margin boxes: running header and footer, whose text comes from the engagement (quoted by cssString). */
function styles(review: MonthlyReview): string {
  const header = cssString(`${review.engagement.name} · Monthly operational review · ${formatMonthLong(review.month)}`);
  const footer = cssString(`${review.engagement.sides.internal} and ${review.engagement.sides.partner} · Confidential`);
  const font = `font: 7.5pt/1 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: ${REPORT_COLORS.muted}`;
  return `
@page {
  size: A4;
  margin: 17mm 14mm 16mm 14mm;
  @top-left { content: ${header}; ${font}; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-left { content: ${footer}; ${font}; vertical-align: top; padding-top: 3mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); ${font}; vertical-align: top; padding-top: 3mm; }
}
${STYLE_RULES}`;
}

const COLOR = REPORT_COLORS;

/** The document's style sheet after the @page rules: the same for every review. */
export const STYLE_RULES = `@page :first { @top-left { content: none; } }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e9edf1; color: ${COLOR.ink}; font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 12.5px; line-height: 1.45; font-variant-numeric: tabular-nums; }
.report { width: 210mm; max-width: 100%; margin: 24px auto; padding: 16mm 14mm; background: #fff; box-shadow: 0 1px 3px rgba(15, 23, 42, .12), 0 8px 24px rgba(15, 23, 42, .06); }
h1, h2, h3 { color: ${COLOR.accent}; margin: 0; font-weight: 700; letter-spacing: -0.01em; }
h1 { font-size: 26px; line-height: 1.15; }
h2 { font-size: 16px; line-height: 1.25; display: flex; align-items: baseline; gap: 8px; }
h2 .num { color: ${COLOR.muted}; font-weight: 600; font-size: 12px; min-width: 16px; }
h3 { font-size: 12px; color: ${COLOR.ink}; margin: 10px 0 4px; }
p { margin: 0; }
.title-block { border-bottom: 3px solid ${COLOR.accent}; padding-bottom: 12px; margin-bottom: 16px; display: grid; grid-template-columns: 1fr auto; gap: 4px 24px; align-items: end; }
.eyebrow { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .08em; color: ${COLOR.muted}; }
.period { font-size: 18px; color: ${COLOR.ink}; margin-top: 2px; }
.meta { margin: 0; display: grid; grid-template-columns: auto auto; gap: 2px 12px; font-size: 11px; }
.meta dt { color: ${COLOR.muted}; text-align: right; }
.meta dd { margin: 0; font-weight: 600; }
.side { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 5px; vertical-align: 0; }
section { margin: 0 0 18px; padding-top: 12px; border-top: 1px solid ${COLOR.rule}; break-inside: avoid; page-break-inside: avoid; }
section.summary { border-top: 0; padding-top: 0; }
.takeaway { margin: 4px 0 10px; font-size: 12.5px; color: ${COLOR.ink}; max-width: 170mm; }
.takeaway::before { content: ""; display: inline-block; width: 3px; height: 0.9em; background: ${COLOR.accent}; margin-right: 7px; vertical-align: -1px; }
.takeaway.empty { margin: 6px 0 2px; padding: 12px 14px; background: ${COLOR.panel}; border-radius: 4px; color: ${COLOR.muted}; }
.takeaway.empty::before { display: none; }
.kpis { display: grid; grid-template-columns: repeat(12, 1fr); gap: 8px; margin-top: 8px; }
.kpi { grid-column: span 3; background: ${COLOR.panel}; border-radius: 4px; padding: 8px 10px 9px; border-top: 3px solid ${COLOR.accent}; }
.kpi.wide { grid-column: span 4; }
.kpi-label { font-size: 10.5px; font-weight: 600; color: ${COLOR.muted}; text-transform: uppercase; letter-spacing: .05em; }
.kpi-value { font-size: 22px; font-weight: 700; line-height: 1.2; margin: 2px 0 1px; color: ${COLOR.ink}; white-space: nowrap; }
.kpi-delta { font-size: 11px; font-weight: 600; white-space: nowrap; }
.kpi-note { font-size: 10px; color: ${COLOR.muted}; margin-top: 1px; }
.discuss { margin-top: 10px; padding: 8px 12px 9px; border: 1px solid ${COLOR.rule}; border-left: 3px solid #c77700; border-radius: 4px; }
.discuss-title { font-size: 10.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: #8a5a00; margin-bottom: 2px; }
.discuss ul { margin: 0; padding-left: 16px; }
.discuss li { margin: 1px 0; }
a.ref { color: ${COLOR.muted}; text-decoration: none; font-size: 10.5px; }
.good { color: ${COLOR.good}; }
.bad { color: ${COLOR.bad}; }
.neutral { color: ${COLOR.muted}; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
figure { margin: 0; }
figcaption { font-size: 10.5px; color: ${COLOR.muted}; margin-top: 4px; }
.chart-title { font-size: 11px; font-weight: 700; color: ${COLOR.ink}; margin: 8px 0 2px; }
.grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 22px; }
svg text { font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; font-size: 11.5px; margin-top: 4px; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 5px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid ${COLOR.rule}; }
thead th { font-size: 10px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: ${COLOR.muted}; border-bottom: 1.5px solid ${COLOR.ink}; vertical-align: bottom; }
tbody th { font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.bar { width: 128px; vertical-align: middle; }
tfoot td, tfoot th { font-weight: 700; border-bottom: 0; border-top: 1.5px solid ${COLOR.ink}; }
tfoot tr.note td, tfoot tr.note th { font-weight: 400; border-top: 0; color: ${COLOR.muted}; padding-top: 2px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 10px; font-weight: 700; line-height: 16px; white-space: nowrap; }
.badge.bad { background: #fde8e7; color: ${COLOR.bad}; }
.badge.warn { background: #fff4dd; color: #8a5a00; }
.badge.ok { background: #e6f4ea; color: ${COLOR.good}; }
.muted { color: ${COLOR.muted}; }
.nowrap { white-space: nowrap; }
.regular { font-weight: 400; }
.swatch-met { color: ${COLOR.met}; } .swatch-breached { color: ${COLOR.breached}; } .swatch-running { color: ${COLOR.running}; }
.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 10.5px; }
.followed { margin: 0; padding: 0; list-style: none; }
.followed li + li { margin-top: 2px; }
.capnote { margin-top: 6px; font-size: 11px; color: ${COLOR.muted}; }
.ticket-keys { margin: 2px 0 8px; font-size: 10.5px; line-height: 1.7; }
.ticket-keys .pair { white-space: nowrap; }
th.num.wrap { white-space: normal; }
.definitions { margin-top: 8px; padding-top: 10px; border-top: 1px solid ${COLOR.rule}; font-size: 10.5px; color: ${COLOR.muted}; break-inside: avoid; }
.definitions dl { margin: 4px 0 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; }
.definitions dt { font-weight: 700; color: ${COLOR.ink}; }
.definitions dd { margin: 0; }
@media screen and (max-width: 640px) {
  .report { margin: 0; padding: 16px 12px; }
  .title-block { grid-template-columns: 1fr; }
  .meta dt { text-align: left; }
  .kpi, .kpi.wide { grid-column: span 6; }
  .grid-2 { grid-template-columns: 1fr; }
  table { font-size: 10.5px; }
}
@media print {
  body { background: #fff; font-size: 12px; }
  .report { width: auto; margin: 0; padding: 0; box-shadow: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
`;

/**
 * One numbered section: heading, takeaway, content. Without content (no
 * data this month) the takeaway alone says so, in a quiet panel, rather
 * than an empty chart or a table of nothing.
 */
function section(id: SectionId, index: number | null, takeaway: string, content: SafeHtml | null): SafeHtml {
  // The no-break space fits in the number's min-width (nothing moves on the page) and keeps number and
  // title apart in the PDF outline, in copied text and for screen readers ("1 Incident volume by day").
  const num = index !== null && html`<span class="num">${index}&nbsp;</span>`;
  const body = content === null ? html`<p class="takeaway empty">${takeaway}</p>` : html`<p class="takeaway">${takeaway}</p>\n${content}`;
  return html`<section id="${id}" class="${id}${content === null ? ' is-empty' : ''}" aria-labelledby="${id}-h">
<h2 id="${id}-h">${num}${SECTION_TITLES[id]}</h2>
${body}
</section>`;
}

function titleBlock(review: MonthlyReview): SafeHtml {
  const eng = review.engagement;
  const tz = eng.timezone;
  const generated = formatInstant(review.generatedAt, tz, { year: true, zone: true, weekday: false });
  return html`<header class="title-block">
<div>
<div class="eyebrow">Monthly operational review</div>
<h1>${eng.name}</h1>
<div class="period">${formatMonthLong(review.month)}</div>
</div>
<dl class="meta">
<dt>Internal IT</dt><dd>${eng.sides.internal}</dd>
<dt>Partner</dt><dd>${eng.sides.partner}</dd>
<dt>Monthly fee</dt><dd>${formatMoney(eng.monthlyFee, eng.currency)}</dd>
<dt>Time zone</dt><dd>${tz}</dd>
<dt>Generated</dt><dd><time datetime="${review.generatedAt}">${generated}</time></dd>
</dl>
</header>`;
}

interface Tile {
  key: keyof ReviewSummary;
  label: string;
  value: string;
  note: string;
}

function summaryTiles(review: MonthlyReview): Tile[] {
  const s = review.summary;
  const currency = review.credits.currency || review.engagement.currency;
  const fee = review.engagement.monthlyFee;
  return [
    { key: 'incidents', label: 'Incidents', value: formatNumber(s.incidents), note: 'opened this month' },
    { key: 'mtta_s', label: 'MTTA', value: formatDuration(s.mtta_s), note: 'mean time to acknowledge' },
    { key: 'mttr_s', label: 'MTTR', value: formatDuration(s.mttr_s), note: 'mean time to resolve' },
    { key: 'sla_attainment_pct', label: 'SLA attainment', value: formatPct(s.sla_attainment_pct), note: 'targets met' },
    {
      key: 'credit_amount',
      label: 'Service credits',
      value: formatMoney(s.credit_amount, currency),
      note: fee > 0 ? `${formatPct((s.credit_amount / fee) * 100)} of the monthly fee` : 'owed by the partner',
    },
    { key: 'after_hours_pages', label: 'After-hours pages', value: formatNumber(s.after_hours_pages), note: 'outside business hours' },
    { key: 'night_pages', label: 'Night pages', value: formatNumber(s.night_pages), note: '22:00–07:00, local to each person' },
  ];
}

function summarySection(review: MonthlyReview): SafeHtml {
  const currency = review.credits.currency || review.engagement.currency;
  const prevLabel = previousLabel(review);
  const tiles = summaryTiles(review).map((t, i) => {
    const delta = review.previous
      ? computeDelta(review.summary[t.key], review.previous[t.key], KPI_RULES[t.key], prevLabel, currency)
      : { text: 'first month on record', tone: 'neutral' as const, verdict: 'no comparison' };
    // The first row holds four tiles, the second three wider ones, so seven KPIs fill two even rows.
    return html`<div class="kpi${i >= 4 ? ' wide' : ''}" role="group" aria-label="${t.label}">
<div class="kpi-label">${t.label}</div>
<div class="kpi-value">${t.value}</div>
<div class="kpi-delta ${delta.tone}">${delta.text}<span class="sr"> (${delta.verdict})</span></div>
<div class="kpi-note">${t.note}</div>
</div>`;
  });
  return section(
    'summary',
    null,
    summaryTakeaway(review),
    html`<div class="kpis">\n${joinHtml(tiles, '\n')}\n</div>\n${discussion(review)}`,
  );
}

/** The short agenda under the KPI tiles: what the meeting should decide, with where to read more. */
function discussion(review: MonthlyReview): SafeHtml {
  const points = discussionPoints(review);
  const number: Record<DiscussionPoint['section'], number> = { sla: 3, breaches: 4, pages: 5, changes: 7, gaps: 8, tickets: 10 };
  const items = points.length
    ? points.map((p) => html`<li>${p.text} <a class="ref" href="#${p.section}">§${number[p.section]}</a></li>`)
    : html`<li>Nothing needs a decision this month: no breaches, no coverage gaps and no one over the night-page threshold.</li>`;
  return html`<div class="discuss" role="note" aria-label="For discussion"><div class="discuss-title">For discussion</div><ul>${items}</ul></div>`;
}

function volumeSection(review: MonthlyReview): SafeHtml {
  const takeaway = volumeTakeaway(review);
  const totals = priorityTotals(review);
  const grand = totals.reduce((sum, t) => sum + t.count, 0);
  if (grand === 0) return section('volume', 1, takeaway, null);
  const series: ChartSeries[] = totals.map((t, i) => ({ key: t.priority, label: t.priority, color: priorityColor(i) }));
  const days = [...review.volumeByDay].sort((a, b) => (localDateUtc(a.date) ?? 0) - (localDateUtc(b.date) ?? 0));
  const bars = stackedBarChart({
    title: `Incidents per day, ${formatMonthLong(review.month)}, stacked by priority`,
    description: `${plural(grand, 'incident')}: ${totals.map((t) => `${t.priority} ${t.count}`).join(', ')}.`,
    categories: days.map((d) => ({
      label: String(Number(d.date.slice(8, 10)) || d.date),
      name: formatLocalDate(d.date),
      shade: isWeekendDate(d.date),
      values: d.byPriority,
    })),
    series,
    yLabel: 'Incidents',
    shadeLabel: 'Weekend',
    height: 290,
  });
  const mix = totals
    .map((t) => `${t.priority} ${formatNumber(t.count)} (${formatPct(grand > 0 ? (t.count / grand) * 100 : 0, 0)})`)
    .join(' · ');
  const caption = html`<figcaption>By priority: ${mix}. Days are calendar days in ${review.engagement.timezone}.</figcaption>`;
  return section('volume', 1, takeaway, html`<figure>${chart(bars)}${caption}</figure>`);
}

const RESPONSE_MEASURES: HBarMeasure[] = [
  { label: 'MTTA (trigger → acknowledge)', color: REPORT_COLORS.mtta, kind: 'duration', format: (v: number) => formatDuration(v) },
  { label: 'MTTR (trigger → resolve)', color: REPORT_COLORS.mttr, kind: 'duration', format: (v: number) => formatDuration(v) },
];

/** One panel of response times: a heading and MTTA and MTTR bars per row. */
function responsePanel(heading: string, what: string, rows: HBarRow[]): SafeHtml {
  const describe = rows
    .map((r) => `${r.label}: MTTA ${formatDuration(r.values[0] ?? null)}, MTTR ${formatDuration(r.values[1] ?? null)}`)
    .join('; ');
  const bars = horizontalBarChart({
    title: `MTTA and MTTR by ${what}`,
    description: describe,
    rows,
    measures: RESPONSE_MEASURES,
    layout: 'panels',
  });
  return html`<h3>${heading}</h3>${chart(bars)}`;
}

function responseSection(review: MonthlyReview): SafeHtml {
  const takeaway = responseTakeaway(review);
  const windows = review.responseByWindow.filter((w) => w.incidents > 0 || w.mtta_s !== null || w.mttr_s !== null);
  const sides = review.responseBySide.filter((s) => s.incidents > 0 || s.mtta_s !== null || s.mttr_s !== null);
  if (!windows.length && !sides.length) return section('response', 2, takeaway, null);
  const order = ['business_hours', 'after_hours', 'weekend', 'holiday'];
  const windowRows: HBarRow[] = [...windows]
    .sort((a, b) => order.indexOf(a.window) - order.indexOf(b.window))
    .map((w) => ({ label: WINDOW_LABELS[w.window] ?? w.window, sublabel: plural(w.incidents, 'incident'), values: [w.mtta_s, w.mttr_s] }));
  const sideRows: HBarRow[] = [...sides]
    .sort((a, b) => (a.side === b.side ? 0 : a.side === 'internal' ? -1 : 1))
    .map((s) => ({
      label: s.name,
      sublabel: `${s.side === 'internal' ? 'Internal' : 'Partner'} · ${plural(s.incidents, 'incident')}`,
      values: [s.mtta_s, s.mttr_s],
    }));
  const parts: SafeHtml[] = [];
  if (windowRows.length) parts.push(responsePanel('By coverage window', 'coverage window', windowRows));
  if (sideRows.length) parts.push(responsePanel('By side', 'side', sideRows));
  const note = html`<p class="capnote">MTTA and MTTR have separate scales. Windows follow the engagement's coverage calendar; a side is the one that owned the incident when it opened.</p>`;
  return section('response', 2, takeaway, html`${joinHtml(parts, '\n')}${note}`);
}

type SlaRow = MonthlyReview['slaAttainment'][number];

function slaRow(r: SlaRow): SafeHtml {
  const running = Math.max(0, r.total - r.met - r.breached);
  const bar = meter({
    title: `${r.sla} ${r.priority} ${r.kind}`,
    total: Math.max(r.total, r.met + r.breached),
    segments: [
      { value: r.met, color: REPORT_COLORS.met, label: 'met' },
      { value: r.breached, color: REPORT_COLORS.breached, label: 'breached' },
      { value: running, color: REPORT_COLORS.running, label: 'still running' },
    ],
  });
  const pct = r.pct ?? (r.met + r.breached > 0 ? (r.met / (r.met + r.breached)) * 100 : null);
  const bad = r.breached > 0 ? ' bad' : '';
  return html`<tr>
<th scope="row">${r.sla}</th>
<td>${r.priority}</td>
<td>${r.kind === 'respond' ? 'Respond' : 'Resolve'}</td>
<td class="num">${formatNumber(r.total)}</td>
<td class="num">${formatNumber(r.met)}</td>
<td class="num${bad}">${formatNumber(r.breached)}</td>
<td class="num${bad}"><strong>${formatPct(pct)}</strong></td>
<td class="bar">${chart(bar)}</td>
</tr>`;
}

function slaSection(review: MonthlyReview): SafeHtml {
  const takeaway = slaTakeaway(review);
  const rows = review.slaAttainment;
  if (!rows.length) return section('sla', 3, takeaway, null);
  const rank = (p: string): number => {
    const i = review.priorities.indexOf(p);
    return i < 0 ? review.priorities.length : i;
  };
  // SLAs keep the order the figures came in (the contract's order, partner SLA usually first); rows within one go by urgency.
  const slaOrder = [...new Set(rows.map((r) => r.sla))];
  const kindRank = (k: SlaRow['kind']): number => (k === 'respond' ? 0 : 1);
  const sorted = [...rows].sort(
    (a, b) =>
      slaOrder.indexOf(a.sla) - slaOrder.indexOf(b.sla) || rank(a.priority) - rank(b.priority) || kindRank(a.kind) - kindRank(b.kind),
  );
  const met = rows.reduce((s, r) => s + r.met, 0);
  const breached = rows.reduce((s, r) => s + r.breached, 0);
  const total = rows.reduce((s, r) => s + r.total, 0);
  const overall = met + breached > 0 ? (met / (met + breached)) * 100 : null;
  const table = html`<table>
<caption class="sr">SLA attainment per SLA, priority and target</caption>
<thead><tr><th scope="col">SLA</th><th scope="col">Priority</th><th scope="col">Target</th><th scope="col" class="num">Clocks</th><th scope="col" class="num">Met</th>\
<th scope="col" class="num">Breached</th><th scope="col" class="num">Attainment</th><th scope="col"><span class="sr">Proportion met, breached, running</span></th></tr></thead>
<tbody>
${joinHtml(sorted.map(slaRow), '\n')}
</tbody>
<tfoot><tr><th scope="row" colspan="3">All targets</th><td class="num">${formatNumber(total)}</td><td class="num">${formatNumber(met)}</td>\
<td class="num">${formatNumber(breached)}</td><td class="num">${formatPct(overall)}</td><td></td></tr></tfoot>
</table>
<p class="capnote">Attainment is met ÷ (met + breached); clocks still running at month end count in neither. \
Bar: <span class="swatch-met">■</span> met <span class="swatch-breached">■</span> breached <span class="swatch-running">■</span> running.</p>`;
  return section('sla', 3, takeaway, table);
}

/** Breach rows shown in full; the rest are counted. */
export const MAX_BREACH_ROWS = 200;

type Breach = MonthlyReview['breaches'][number];

function breachRow(b: Breach, names: Map<string, string>, tz: string, currency: string): SafeHtml {
  const over = b.actual_s - b.target_s;
  const percent =
    b.credit_percent > 0 ? formatPct(b.credit_percent, b.credit_percent % 1 === 0 ? 0 : 1) : html`<span class="muted">—</span>`;
  const amount = b.credit_amount > 0 ? formatMoney(b.credit_amount, currency) : html`<span class="muted">no credit</span>`;
  return html`<tr>
<th scope="row"><span class="mono">${b.incident}</span><br><span class="muted regular">${b.title}</span></th>
<td class="nowrap">${formatInstant(b.openedAt, tz)}</td>
<td>${names.get(b.service) ?? b.service}</td>
<td><span class="nowrap">${b.sla}</span><br><span class="muted nowrap">${b.priority} ${b.kind}</span></td>
<td class="num">${formatDuration(b.target_s)}</td>
<td class="num bad">${formatDuration(b.actual_s)}<br><span class="muted">+${formatDuration(Math.max(0, over))}</span></td>
<td class="num">${percent}</td>
<td class="num">${amount}</td>
</tr>`;
}

/** The breach table's footer: the total, or the sum and the capped amount due. */
function breachFoot(review: MonthlyReview, currency: string): SafeHtml {
  const pctText = (p: number): string => formatPct(p, p % 1 === 0 ? 0 : 1);
  const count = plural(review.breaches.length, 'breach', 'breaches');
  const due = html`<td class="num">${pctText(review.credits.percent)}</td><td class="num">${formatMoney(review.credits.amount, currency)}</td></tr>`;
  if (!review.credits.capped) return html`<tr><th scope="row" colspan="6">Total (${count})</th>${due}`;
  const sumPct = review.breaches.reduce((s, b) => s + b.credit_percent, 0);
  const sumAmount = review.breaches.reduce((s, b) => s + b.credit_amount, 0);
  return html`<tr><th scope="row" colspan="6">Sum of breach credits (${count})</th><td class="num">${pctText(sumPct)}</td><td class="num">${formatMoney(sumAmount, currency)}</td></tr>
<tr><th scope="row" colspan="6">Credits due, capped at ${formatNumber(review.credits.capPercent)}% of the monthly fee <span class="badge warn">capped</span></th>${due}`;
}

function breachesSection(review: MonthlyReview): SafeHtml {
  const takeaway = breachTakeaway(review);
  const currency = review.credits.currency || review.engagement.currency;
  if (!review.breaches.length) return section('breaches', 4, takeaway, null);
  const names = serviceNames(review);
  const sorted = [...review.breaches].sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
  // A month of thousands of breaches (an alert storm) still makes a readable document: the
  // first rows in full, the rest counted; every breach is in `tandem credits --json` and the API.
  const shown = sorted.slice(0, MAX_BREACH_ROWS);
  const hidden = sorted.length - shown.length;
  const rows = shown.map((b) => breachRow(b, names, review.engagement.timezone, currency));
  if (hidden > 0) {
    rows.push(html`<tr><td colspan="8" class="muted">… and ${formatNumber(hidden)} more ${hidden === 1 ? 'breach' : 'breaches'} this month, in the totals below; \
the full list is in <span class="mono">tandem credits --json</span> and the credits API.</td></tr>`);
  }
  const fee = formatMoney(review.engagement.monthlyFee, currency);
  const cap = formatNumber(review.credits.capPercent);
  const note = review.credits.capped
    ? `Credits are capped at ${cap}% of the ${fee} monthly fee; breaches beyond the cap are listed but earn nothing more.`
    : `Credits are a share of the ${fee} monthly fee, capped at ${cap}%; this month stayed under the cap.`;
  const table = html`<table>
<caption class="sr">Every SLA breach of the month with its service credit</caption>
<thead><tr><th scope="col">Incident</th><th scope="col">Opened</th><th scope="col">Service</th><th scope="col">SLA</th><th scope="col" class="num">Target</th>\
<th scope="col" class="num">Actual</th><th scope="col" class="num">Credit %</th><th scope="col" class="num">Credit</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
<tfoot>
${breachFoot(review, currency)}
</tfoot>
</table>
<p class="capnote">${note}</p>`;
  return section('breaches', 4, takeaway, table);
}

function serviceNames(review: MonthlyReview): Map<string, string> {
  return new Map(review.noisyServices.map((s) => [s.service, s.name]));
}

function pagesSection(review: MonthlyReview): SafeHtml {
  const takeaway = pagesTakeaway(review);
  const threshold = nightPageThreshold(review);
  const people = review.pagesByPerson.filter((p) => p.pages > 0 || p.night_pages > 0);
  if (!people.length) return section('pages', 5, takeaway, null);
  const sorted = [...people].sort((a, b) => b.night_pages - a.night_pages || b.pages - a.pages || a.name.localeCompare(b.name));
  const sideName = (side: 'internal' | 'partner'): string =>
    side === 'internal' ? review.engagement.sides.internal : review.engagement.sides.partner;
  const rows: HBarRow[] = sorted.map((p) => ({
    label: p.name,
    sublabel: p.night_pages > threshold ? `${sideName(p.side)} · over threshold` : sideName(p.side),
    values: [p.pages, p.night_pages],
    highlight: p.night_pages > threshold,
  }));
  const bars = horizontalBarChart({
    title: 'Pages and night pages per person',
    description: sorted.map((p) => `${p.name}: ${plural(p.pages, 'page')}, ${formatNumber(p.night_pages)} at night`).join('; '),
    rows,
    measures: [
      { label: 'All pages', color: REPORT_COLORS.pagesAll, kind: 'count', format: (v) => formatNumber(v) },
      { label: 'Night pages (22:00–07:00 local)', color: REPORT_COLORS.pagesNight, kind: 'count', format: (v) => formatNumber(v) },
    ],
    layout: 'grouped',
    labelWidth: 175,
    threshold: { value: threshold, label: `Threshold: ${formatNumber(threshold)} night pages` },
  });
  const s = review.summary;
  const night = `Night is 22:00–07:00 in each person's own time zone; more than ${formatNumber(threshold)} night pages a month is flagged as a burnout risk.`;
  const note = `${plural(s.after_hours_pages, 'page')} went out after hours this month and ${formatNumber(s.night_pages)} at night. ${night}`;
  return section('pages', 5, takeaway, html`<figure>${chart(bars)}<figcaption>${note}</figcaption></figure>`);
}

type NoisyService = MonthlyReview['noisyServices'][number];

function noisyRow(s: NoisyService, total: number): SafeHtml {
  const share = total > 0 ? (s.incidents / total) * 100 : 0;
  const bar = meter({
    title: `${s.name}: share of incidents`,
    total: 100,
    segments: [{ value: share, color: REPORT_COLORS.accent, label: 'percent of incidents' }],
  });
  return html`<tr>
<th scope="row">${s.name}<br><span class="muted mono regular">${s.service}</span></th>
<td class="num">${formatNumber(s.incidents)}</td>
<td class="num">${formatNumber(s.alerts)}</td>
<td class="num">${formatNumber(s.events)}</td>
<td class="num">${s.incidents > 0 ? formatNumber(s.alerts / s.incidents, 1) : '—'}</td>
<td class="num">${formatPct(share, 0)}</td>
<td class="bar">${chart(bar)}</td>
</tr>`;
}

function noisySection(review: MonthlyReview): SafeHtml {
  const takeaway = noisyTakeaway(review);
  const services = [...review.noisyServices]
    .filter((s) => s.incidents > 0 || s.alerts > 0 || s.events > 0)
    .sort((a, b) => b.incidents - a.incidents || b.alerts - a.alerts);
  if (!services.length) return section('noisy', 6, takeaway, null);
  const total = Math.max(
    review.summary.incidents,
    services.reduce((s, r) => s + r.incidents, 0),
  );
  const top = services.slice(0, 8);
  const rows = top.map((s) => noisyRow(s, total));
  const more =
    services.length > top.length && html`<p class="capnote">${plural(services.length - top.length, 'quieter service')} not shown.</p>`;
  const table = html`<table>
<caption class="sr">Services ranked by incidents</caption>
<thead><tr><th scope="col">Service</th><th scope="col" class="num">Incidents</th><th scope="col" class="num">Alerts</th><th scope="col" class="num">Events</th>\
<th scope="col" class="num">Alerts / incident</th><th scope="col" class="num">Share</th><th scope="col"><span class="sr">Share of incidents</span></th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
</table>${more}
<p class="capnote">Events are raw signals from monitoring; alerts are events after de-duplication; incidents are what people respond to.</p>`;
  return section('noisy', 6, takeaway, table);
}

type Change = MonthlyReview['changes'][number];

function changeRow(c: Change, names: Map<string, string>, tz: string): SafeHtml {
  const f = followers(c);
  const item = (x: (typeof f)[number]): SafeHtml =>
    html`<li><span class="badge bad">+${formatNumber(x.minutesAfter)} min</span> <span class="mono">${x.incident}</span> ${x.title}</li>`;
  const after = f.length ? html`<ul class="followed">${f.map(item)}</ul>` : html`<span class="badge ok">none</span>`;
  return html`<tr>
<td class="nowrap">${formatInstant(c.at, tz)}</td>
<td>${names.get(c.service) ?? c.service}</td>
<th scope="row" class="regular">${c.summary}</th>
<td>${after}</td>
</tr>`;
}

function changesSection(review: MonthlyReview): SafeHtml {
  const takeaway = changesTakeaway(review);
  if (!review.changes.length) return section('changes', 7, takeaway, null);
  const names = serviceNames(review);
  const sorted = [...review.changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const rows = sorted.map((c) => changeRow(c, names, review.engagement.timezone));
  const table = html`<table>
<caption class="sr">Change events and the incidents opened within ${CHANGE_FOLLOW_WINDOW_MINUTES / 60} hours after them</caption>
<thead><tr><th scope="col">When</th><th scope="col">Service</th><th scope="col">Change</th><th scope="col">Incidents within 2 hours</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
</table>
<p class="capnote">An incident “follows” a change when it opened on the same service within 2 hours after it; that suggests, but does not prove, a cause.</p>`;
  return section('changes', 7, takeaway, table);
}

function gapsSection(review: MonthlyReview): SafeHtml {
  const takeaway = gapsTakeaway(review);
  if (!review.coverageGaps.length) return section('gaps', 8, takeaway, null);
  const tz = review.engagement.timezone;
  const sorted = [...review.coverageGaps].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const rows = sorted.map(
    (g) => html`<tr>
<th scope="row" class="mono regular">${g.schedule}</th>
<td>${formatInstant(g.start, tz)}</td>
<td>${formatInstant(g.end, tz)}</td>
<td class="num">${formatHours(g.hours)}</td>
</tr>`,
  );
  const total = review.coverageGaps.reduce((s, g) => s + g.hours, 0);
  const table = html`<table>
<caption class="sr">Periods when a schedule had no one on call</caption>
<thead><tr><th scope="col">Schedule</th><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
<tfoot><tr><th scope="row" colspan="3">Total</th><td class="num">${formatHours(total)}</td></tr></tfoot>
</table>
<p class="capnote">A gap is time inside a schedule's coverage when no layer or override put anyone on call. Times in ${tz}.</p>`;
  return section('gaps', 8, takeaway, table);
}

function trendSection(review: MonthlyReview): SafeHtml {
  const takeaway = trendTakeaway(review);
  const t = review.trend.slice(-6);
  if (!t.length) return section('trend', 9, takeaway, null);
  const currency = review.credits.currency || review.engagement.currency;
  const labels = t.map((m) => formatMonthShort(m.month));
  const range =
    t.length > 1
      ? `${formatMonthLong(t[0]?.month ?? '')} to ${formatMonthLong(t[t.length - 1]?.month ?? '')}`
      : formatMonthLong(t[0]?.month ?? '');
  const panel = (heading: string, svg: string): SafeHtml => html`<figure><div class="chart-title">${heading}</div>${chart(svg)}</figure>`;
  const describe = (values: ReadonlyArray<number | null>, f: (v: number) => string): string =>
    t
      .map((m, i) => `${formatMonthShort(m.month)} ${values[i] === null || values[i] === undefined ? 'no data' : f(values[i] ?? 0)}`)
      .join(', ');
  const incidents = t.map((m) => m.incidents);
  const mtta = t.map((m) => m.mtta_s);
  const sla = t.map((m) => m.sla_attainment_pct);
  const credits = t.map((m) => m.credits_amount);
  const money = (v: number): string => formatMoney(Math.round(v), currency);
  const percentTick = (v: number): string => `${formatNumber(v, v % 1 === 0 ? 0 : 1)}%`;
  const count = (v: number): string => formatNumber(v);
  const pct = (v: number): string => formatPct(v);
  type Line = Pick<LineChartOptions, 'values' | 'color' | 'kind' | 'format' | 'tickFormat'>;
  const line = (title: string, o: Line): string =>
    lineChart({ ...o, title: `${title} per month, ${range}`, description: describe(o.values, o.format), labels });
  const charts = [
    panel('Incidents', line('Incidents', { values: incidents, color: REPORT_COLORS.accent, kind: 'count', format: count })),
    panel(
      'MTTA',
      line('Mean time to acknowledge', {
        values: mtta,
        color: REPORT_COLORS.mtta,
        kind: 'duration',
        format: formatDuration,
        tickFormat: formatDurationTick,
      }),
    ),
    panel(
      'SLA attainment',
      line('SLA attainment', { values: sla, color: REPORT_COLORS.met, kind: 'percent', format: pct, tickFormat: percentTick }),
    ),
    panel('Service credits', line('Service credits', { values: credits, color: REPORT_COLORS.bad, kind: 'money', format: money })),
  ];
  return section('trend', 9, takeaway, html`<div class="grid-2">${joinHtml(charts, '\n')}</div>`);
}

/** Ticket keys listed per ticketing entry; the rest are counted. */
export const MAX_TICKET_KEYS = 300;

const TICKET_STATES: readonly ReviewTicketState[] = ['open', 'in_progress', 'done', 'pending', 'failed'];

function ticketCountsRow(e: ReviewTicketing, name: string, sides: MonthlyReview['engagement']['sides']): SafeHtml {
  const cell = (n: number, bad = false): SafeHtml =>
    n > 0 ? html`<td class="num${bad ? ' bad' : ''}">${formatNumber(n)}</td>` : html`<td class="num muted">0</td>`;
  return html`<tr>
<th scope="row">${name}<br><span class="muted mono regular">${e.ticketing}</span> <span class="muted regular">· ${sides[e.side]}</span></th>
<td class="num">${formatNumber(e.incidents)}</td>
${joinHtml(
  TICKET_STATES.map((s) => cell(e.byState[s], s === 'failed')),
  '\n',
)}
${cell(e.opsRetried)}
${cell(e.opsGivenUp, true)}
</tr>`;
}

function ticketFailuresTable(entries: readonly ReviewTicketing[], names: Map<string, string>): SafeHtml | null {
  const rows = entries.flatMap((e) =>
    e.failures.map(
      (f) => html`<tr>
<th scope="row" class="mono regular">${f.incident}</th>
<td>${names.get(e.ticketing) ?? e.ticketing}</td>
<td class="mono">${f.key ?? html`<span class="muted">not created</span>`}</td>
<td>${f.operation}</td>
<td>${f.error ?? html`<span class="muted">no error recorded</span>`}</td>
</tr>`,
    ),
  );
  if (!rows.length) return null;
  return html`<h3>Operations given up</h3>
<table>
<caption class="sr">Ticket operations given up on, with the system's error</caption>
<thead><tr><th scope="col">Incident</th><th scope="col">System</th><th scope="col">Ticket</th><th scope="col">Operation</th><th scope="col">Error</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
</table>`;
}

/** "ACME-42 → OPS-7" for each ticket of an entry, compact, the first {@link MAX_TICKET_KEYS} in full. */
function ticketKeys(e: ReviewTicketing, name: string): SafeHtml | null {
  if (!e.keys.length) return null;
  const shown = e.keys.slice(0, MAX_TICKET_KEYS);
  const pairs = shown.map((k) => {
    const key =
      k.key === null
        ? html`<span class="muted">${TICKET_STATE_LABELS[k.state] ?? k.state}</span>`
        : html`<span class="mono">${k.key}</span>`;
    return html`<span class="pair"><span class="mono">${k.incident}</span> → ${key}</span>`;
  });
  const hidden = e.keys.length - shown.length;
  const more = hidden > 0 && html` … and ${formatNumber(hidden)} more`;
  return html`<h3>${name} tickets</h3>
<p class="ticket-keys">${joinHtml(pairs, ', ')}${more}</p>`;
}

/** The Tickets section: only for an engagement with ticketing. */
function ticketsSection(review: MonthlyReview): SafeHtml[] {
  const entries = review.tickets ?? [];
  if (!entries.length) return [];
  const takeaway = ticketsTakeaway(review);
  if (entries.every((e) => e.keys.length === 0 && e.failures.length === 0)) return [section('tickets', 10, takeaway, null)];
  const names = ticketingNames(review);
  const rows = entries.map((e) =>
    ticketCountsRow(e, names.get(e.ticketing) ?? SYSTEM_LABELS[e.system] ?? e.system, review.engagement.sides),
  );
  const states = TICKET_STATES.map((s) => html`<th scope="col" class="num wrap">${TICKET_STATE_LABELS[s] ?? s}</th>`);
  const table = html`<table>
<caption class="sr">Tickets of the month's incidents, per ticketing system</caption>
<thead><tr><th scope="col">System</th><th scope="col" class="num wrap">Incidents with a ticket</th>${joinHtml(states)}\
<th scope="col" class="num wrap">Operations retried</th><th scope="col" class="num wrap">Operations given up</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
</table>`;
  const parts = [table, ticketFailuresTable(entries, names), ...entries.map((e) => ticketKeys(e, names.get(e.ticketing) ?? e.ticketing))];
  const note = html`<p class="capnote">Tickets of the incidents opened in ${formatMonthLong(review.month)}, as Tandem last saw them. \
An operation (create, transition, comment, priority) is retried with backoff when the system is unavailable or rate-limits, and given up on when it refuses or runs out of attempts.</p>`;
  return [section('tickets', 10, takeaway, joinHtml([...parts.filter((p): p is SafeHtml => p !== null), note], '\n'))];
}

function definitions(review: MonthlyReview): SafeHtml {
  return html`<aside class="definitions" aria-label="Definitions">
<strong>How to read this review.</strong> Figures cover ${formatMonthLong(review.month)} in ${review.engagement.timezone}; deltas compare with the month before.
<dl>
<dt>MTTA</dt><dd>Mean time from an incident's trigger to its first acknowledgement.</dd>
<dt>MTTR</dt><dd>Mean time from trigger to resolution.</dd>
<dt>Breach</dt><dd>An SLA target missed; partner SLA breaches earn the client a service credit, a share of the monthly fee.</dd>
<dt>Night page</dt><dd>A page delivered between 22:00 and 07:00 in the recipient's own time zone.</dd>
</dl>
</aside>`;
}
