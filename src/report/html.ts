/**
 * The monthly operational review as one self-contained HTML document: inline
 * CSS and SVG, no scripts, fonts, images or links to fetch, so it opens
 * offline, prints to the same PDF everywhere and can be mailed as one file.
 * Every piece of data is escaped; the takeaways come from takeaways.ts.
 */
import { horizontalBarChart, lineChart, meter, stackedBarChart } from './charts.js';
import type { ChartSeries, HBarRow } from './charts.js';
import {
  WINDOW_LABELS,
  cssString,
  escapeHtml,
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
import type { MonthlyReview, ReviewSummary } from './model.js';
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
});

type SectionId = keyof typeof SECTION_TITLES;

const e = escapeHtml;

/**
 * Renders the monthly operational review of one engagement as a single,
 * self-contained HTML document (inline CSS and SVG, no external resources,
 * no scripts), laid out for screen and for A4 print with page numbers.
 */
export function renderMonthlyReviewHtml(review: MonthlyReview): string {
  const month = formatMonthLong(review.month);
  const name = review.engagement.name;
  const title = `${name} — Monthly operational review, ${month}`;
  const body = [
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
    definitions(review),
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="Tandem">
<title>${e(title)}</title>
<style>${styles(review)}</style>
</head>
<body>
<main class="report">
${body}
</main>
</body>
</html>
`;
}

function styles(review: MonthlyReview): string {
  const header = cssString(`${review.engagement.name} · Monthly operational review · ${formatMonthLong(review.month)}`);
  const footer = cssString(`${review.engagement.sides.internal} and ${review.engagement.sides.partner} · Confidential`);
  const c = REPORT_COLORS;
  return `
@page {
  size: A4;
  margin: 17mm 14mm 16mm 14mm;
  @top-left { content: ${header}; font: 7.5pt/1 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: ${c.muted}; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-left { content: ${footer}; font: 7.5pt/1 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: ${c.muted}; vertical-align: top; padding-top: 3mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7.5pt/1 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: ${c.muted}; vertical-align: top; padding-top: 3mm; }
}
@page :first { @top-left { content: none; } }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e9edf1; color: ${c.ink}; font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 12.5px; line-height: 1.45; font-variant-numeric: tabular-nums; }
.report { width: 210mm; max-width: 100%; margin: 24px auto; padding: 16mm 14mm; background: #fff; box-shadow: 0 1px 3px rgba(15, 23, 42, .12), 0 8px 24px rgba(15, 23, 42, .06); }
h1, h2, h3 { color: ${c.accent}; margin: 0; font-weight: 700; letter-spacing: -0.01em; }
h1 { font-size: 26px; line-height: 1.15; }
h2 { font-size: 16px; line-height: 1.25; display: flex; align-items: baseline; gap: 8px; }
h2 .num { color: ${c.muted}; font-weight: 600; font-size: 12px; min-width: 16px; }
h3 { font-size: 12px; color: ${c.ink}; margin: 10px 0 4px; }
p { margin: 0; }
.title-block { border-bottom: 3px solid ${c.accent}; padding-bottom: 12px; margin-bottom: 16px; display: grid; grid-template-columns: 1fr auto; gap: 4px 24px; align-items: end; }
.eyebrow { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .08em; color: ${c.muted}; }
.period { font-size: 18px; color: ${c.ink}; margin-top: 2px; }
.meta { margin: 0; display: grid; grid-template-columns: auto auto; gap: 2px 12px; font-size: 11px; }
.meta dt { color: ${c.muted}; text-align: right; }
.meta dd { margin: 0; font-weight: 600; }
.side { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 5px; vertical-align: 0; }
section { margin: 0 0 18px; padding-top: 12px; border-top: 1px solid ${c.rule}; break-inside: avoid; page-break-inside: avoid; }
section.summary { border-top: 0; padding-top: 0; }
.takeaway { margin: 4px 0 10px; font-size: 12.5px; color: ${c.ink}; max-width: 170mm; }
.takeaway::before { content: ""; display: inline-block; width: 3px; height: 0.9em; background: ${c.accent}; margin-right: 7px; vertical-align: -1px; }
.takeaway.empty { margin: 6px 0 2px; padding: 12px 14px; background: ${c.panel}; border-radius: 4px; color: ${c.muted}; }
.takeaway.empty::before { display: none; }
.kpis { display: grid; grid-template-columns: repeat(12, 1fr); gap: 8px; margin-top: 8px; }
.kpi { grid-column: span 3; background: ${c.panel}; border-radius: 4px; padding: 8px 10px 9px; border-top: 3px solid ${c.accent}; }
.kpi.wide { grid-column: span 4; }
.kpi-label { font-size: 10.5px; font-weight: 600; color: ${c.muted}; text-transform: uppercase; letter-spacing: .05em; }
.kpi-value { font-size: 22px; font-weight: 700; line-height: 1.2; margin: 2px 0 1px; color: ${c.ink}; white-space: nowrap; }
.kpi-delta { font-size: 11px; font-weight: 600; white-space: nowrap; }
.kpi-note { font-size: 10px; color: ${c.muted}; margin-top: 1px; }
.discuss { margin-top: 10px; padding: 8px 12px 9px; border: 1px solid ${c.rule}; border-left: 3px solid #c77700; border-radius: 4px; }
.discuss-title { font-size: 10.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: #8a5a00; margin-bottom: 2px; }
.discuss ul { margin: 0; padding-left: 16px; }
.discuss li { margin: 1px 0; }
a.ref { color: ${c.muted}; text-decoration: none; font-size: 10.5px; }
.good { color: ${c.good}; }
.bad { color: ${c.bad}; }
.neutral { color: ${c.muted}; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
figure { margin: 0; }
figcaption { font-size: 10.5px; color: ${c.muted}; margin-top: 4px; }
.chart-title { font-size: 11px; font-weight: 700; color: ${c.ink}; margin: 8px 0 2px; }
.grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 22px; }
svg text { font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; font-size: 11.5px; margin-top: 4px; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 5px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid ${c.rule}; }
thead th { font-size: 10px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: ${c.muted}; border-bottom: 1.5px solid ${c.ink}; vertical-align: bottom; }
tbody th { font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.bar { width: 128px; vertical-align: middle; }
tfoot td, tfoot th { font-weight: 700; border-bottom: 0; border-top: 1.5px solid ${c.ink}; }
tfoot tr.note td, tfoot tr.note th { font-weight: 400; border-top: 0; color: ${c.muted}; padding-top: 2px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 10px; font-weight: 700; line-height: 16px; white-space: nowrap; }
.badge.bad { background: #fde8e7; color: ${c.bad}; }
.badge.warn { background: #fff4dd; color: #8a5a00; }
.badge.ok { background: #e6f4ea; color: ${c.good}; }
.muted { color: ${c.muted}; }
.nowrap { white-space: nowrap; }
.regular { font-weight: 400; }
.swatch-met { color: ${c.met}; } .swatch-breached { color: ${c.breached}; } .swatch-running { color: ${c.running}; }
.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 10.5px; }
.followed { margin: 0; padding: 0; list-style: none; }
.followed li + li { margin-top: 2px; }
.capnote { margin-top: 6px; font-size: 11px; color: ${c.muted}; }
.definitions { margin-top: 8px; padding-top: 10px; border-top: 1px solid ${c.rule}; font-size: 10.5px; color: ${c.muted}; break-inside: avoid; }
.definitions dl { margin: 4px 0 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; }
.definitions dt { font-weight: 700; color: ${c.ink}; }
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
}

/**
 * One numbered section: heading, takeaway, content. Without content (no
 * data this month) the takeaway alone says so, in a quiet panel, rather
 * than an empty chart or a table of nothing.
 */
function section(id: SectionId, index: number | null, takeaway: string, content: string | null): string {
  // The no-break space fits in the number's min-width (nothing moves on the page) and keeps number and
  // title apart in the PDF outline, in copied text and for screen readers ("1 Incident volume by day").
  const num = index === null ? '' : `<span class="num">${index}&nbsp;</span>`;
  const body = content === null ? `<p class="takeaway empty">${e(takeaway)}</p>` : `<p class="takeaway">${e(takeaway)}</p>\n${content}`;
  return `<section id="${id}" class="${id}${content === null ? ' is-empty' : ''}" aria-labelledby="${id}-h">
<h2 id="${id}-h">${num}${e(SECTION_TITLES[id])}</h2>
${body}
</section>`;
}

function titleBlock(review: MonthlyReview): string {
  const eng = review.engagement;
  const tz = eng.timezone;
  const generated = formatInstant(review.generatedAt, tz, { year: true, zone: true, weekday: false });
  return `<header class="title-block">
<div>
<div class="eyebrow">Monthly operational review</div>
<h1>${e(eng.name)}</h1>
<div class="period">${e(formatMonthLong(review.month))}</div>
</div>
<dl class="meta">
<dt>Internal IT</dt><dd>${e(eng.sides.internal)}</dd>
<dt>Partner</dt><dd>${e(eng.sides.partner)}</dd>
<dt>Monthly fee</dt><dd>${e(formatMoney(eng.monthlyFee, eng.currency))}</dd>
<dt>Time zone</dt><dd>${e(tz)}</dd>
<dt>Generated</dt><dd><time datetime="${e(review.generatedAt)}">${e(generated)}</time></dd>
</dl>
</header>`;
}

interface Tile {
  key: keyof ReviewSummary;
  label: string;
  value: string;
  note: string;
}

function summarySection(review: MonthlyReview): string {
  const s = review.summary;
  const currency = review.credits.currency || review.engagement.currency;
  const fee = review.engagement.monthlyFee;
  const tiles: Tile[] = [
    { key: 'incidents', label: 'Incidents', value: formatNumber(s.incidents), note: 'opened this month' },
    { key: 'mtta_s', label: 'MTTA', value: formatDuration(s.mtta_s), note: 'mean time to acknowledge' },
    { key: 'mttr_s', label: 'MTTR', value: formatDuration(s.mttr_s), note: 'mean time to resolve' },
    { key: 'sla_attainment_pct', label: 'SLA attainment', value: formatPct(s.sla_attainment_pct), note: 'targets met' },
    { key: 'credit_amount', label: 'Service credits', value: formatMoney(s.credit_amount, currency), note: fee > 0 ? `${formatPct((s.credit_amount / fee) * 100)} of the monthly fee` : 'owed by the partner' },
    { key: 'after_hours_pages', label: 'After-hours pages', value: formatNumber(s.after_hours_pages), note: 'outside business hours' },
    { key: 'night_pages', label: 'Night pages', value: formatNumber(s.night_pages), note: '22:00–07:00, local to each person' },
  ];
  const prevLabel = previousLabel(review);
  const html = tiles
    .map((t, i) => {
      const delta = review.previous
        ? computeDelta(s[t.key], review.previous[t.key], KPI_RULES[t.key], prevLabel, currency)
        : { text: 'first month on record', tone: 'neutral' as const, verdict: 'no comparison' };
      // The first row holds four tiles, the second three wider ones, so seven KPIs fill two even rows.
      return `<div class="kpi${i >= 4 ? ' wide' : ''}" role="group" aria-label="${e(t.label)}">
<div class="kpi-label">${e(t.label)}</div>
<div class="kpi-value">${e(t.value)}</div>
<div class="kpi-delta ${delta.tone}">${e(delta.text)}<span class="sr"> (${e(delta.verdict)})</span></div>
<div class="kpi-note">${e(t.note)}</div>
</div>`;
    })
    .join('\n');
  return section('summary', null, summaryTakeaway(review), `<div class="kpis">\n${html}\n</div>\n${discussion(review)}`);
}

/** The short agenda under the KPI tiles: what the meeting should decide, with where to read more. */
function discussion(review: MonthlyReview): string {
  const points = discussionPoints(review);
  const number: Record<DiscussionPoint['section'], number> = { sla: 3, breaches: 4, pages: 5, changes: 7, gaps: 8 };
  const items = points.length
    ? points.map((p) => `<li>${e(p.text)} <a class="ref" href="#${p.section}">§${number[p.section]}</a></li>`).join('')
    : `<li>Nothing needs a decision this month: no breaches, no coverage gaps and no one over the night-page threshold.</li>`;
  return `<div class="discuss" role="note" aria-label="For discussion"><div class="discuss-title">For discussion</div><ul>${items}</ul></div>`;
}

function volumeSection(review: MonthlyReview): string {
  const takeaway = volumeTakeaway(review);
  const totals = priorityTotals(review);
  const grand = totals.reduce((sum, t) => sum + t.count, 0);
  if (grand === 0) return section('volume', 1, takeaway, null);
  const series: ChartSeries[] = totals.map((t, i) => ({ key: t.priority, label: t.priority, color: priorityColor(i) }));
  const days = [...review.volumeByDay].sort((a, b) => (localDateUtc(a.date) ?? 0) - (localDateUtc(b.date) ?? 0));
  const chart = stackedBarChart({
    title: `Incidents per day, ${formatMonthLong(review.month)}, stacked by priority`,
    description: `${plural(grand, 'incident')}: ${totals.map((t) => `${t.priority} ${t.count}`).join(', ')}.`,
    categories: days.map((d) => ({ label: String(Number(d.date.slice(8, 10)) || d.date), name: formatLocalDate(d.date), shade: isWeekendDate(d.date), values: d.byPriority })),
    series,
    yLabel: 'Incidents',
    shadeLabel: 'Weekend',
    height: 290,
  });
  const mix = totals.map((t) => `${t.priority} ${formatNumber(t.count)} (${formatPct(grand > 0 ? (t.count / grand) * 100 : 0, 0)})`).join(' · ');
  return section('volume', 1, takeaway, `<figure>${chart}<figcaption>By priority: ${e(mix)}. Days are calendar days in ${e(review.engagement.timezone)}.</figcaption></figure>`);
}

function responseSection(review: MonthlyReview): string {
  const takeaway = responseTakeaway(review);
  const windows = review.responseByWindow.filter((w) => w.incidents > 0 || w.mtta_s !== null || w.mttr_s !== null);
  const sides = review.responseBySide.filter((s) => s.incidents > 0 || s.mtta_s !== null || s.mttr_s !== null);
  if (!windows.length && !sides.length) return section('response', 2, takeaway, null);
  const measures = [
    { label: 'MTTA (trigger → acknowledge)', color: REPORT_COLORS.mtta, kind: 'duration' as const, format: (v: number) => formatDuration(v) },
    { label: 'MTTR (trigger → resolve)', color: REPORT_COLORS.mttr, kind: 'duration' as const, format: (v: number) => formatDuration(v) },
  ];
  const order = ['business_hours', 'after_hours', 'weekend', 'holiday'];
  const windowRows: HBarRow[] = [...windows]
    .sort((a, b) => order.indexOf(a.window) - order.indexOf(b.window))
    .map((w) => ({ label: WINDOW_LABELS[w.window] ?? w.window, sublabel: plural(w.incidents, 'incident'), values: [w.mtta_s, w.mttr_s] }));
  const sideRows: HBarRow[] = [...sides]
    .sort((a, b) => (a.side === b.side ? 0 : a.side === 'internal' ? -1 : 1))
    .map((s) => ({ label: s.name, sublabel: `${s.side === 'internal' ? 'Internal' : 'Partner'} · ${plural(s.incidents, 'incident')}`, values: [s.mtta_s, s.mttr_s] }));
  const describe = (rows: HBarRow[]): string => rows.map((r) => `${r.label}: MTTA ${formatDuration(r.values[0] ?? null)}, MTTR ${formatDuration(r.values[1] ?? null)}`).join('; ');
  const parts: string[] = [];
  if (windowRows.length) {
    parts.push(
      `<h3>By coverage window</h3>${horizontalBarChart({ title: 'MTTA and MTTR by coverage window', description: describe(windowRows), rows: windowRows, measures, layout: 'panels' })}`,
    );
  }
  if (sideRows.length) {
    parts.push(`<h3>By side</h3>${horizontalBarChart({ title: 'MTTA and MTTR by side', description: describe(sideRows), rows: sideRows, measures, layout: 'panels' })}`);
  }
  return section('response', 2, takeaway, `${parts.join('\n')}<p class="capnote">MTTA and MTTR have separate scales. Windows follow the engagement's coverage calendar; a side is the one that owned the incident when it opened.</p>`);
}

function slaSection(review: MonthlyReview): string {
  const takeaway = slaTakeaway(review);
  const rows = review.slaAttainment;
  if (!rows.length) return section('sla', 3, takeaway, null);
  const rank = (p: string): number => {
    const i = review.priorities.indexOf(p);
    return i < 0 ? review.priorities.length : i;
  };
  // SLAs keep the order the figures came in (the contract's order, partner SLA usually first); rows within one go by urgency.
  const slaOrder = [...new Set(rows.map((r) => r.sla))];
  const sorted = [...rows].sort((a, b) => slaOrder.indexOf(a.sla) - slaOrder.indexOf(b.sla) || rank(a.priority) - rank(b.priority) || (a.kind === b.kind ? 0 : a.kind === 'respond' ? -1 : 1));
  const body = sorted
    .map((r) => {
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
      return `<tr>
<th scope="row">${e(r.sla)}</th>
<td>${e(r.priority)}</td>
<td>${e(r.kind === 'respond' ? 'Respond' : 'Resolve')}</td>
<td class="num">${formatNumber(r.total)}</td>
<td class="num">${formatNumber(r.met)}</td>
<td class="num${r.breached > 0 ? ' bad' : ''}">${formatNumber(r.breached)}</td>
<td class="num${r.breached > 0 ? ' bad' : ''}"><strong>${e(formatPct(pct))}</strong></td>
<td class="bar">${bar}</td>
</tr>`;
    })
    .join('\n');
  const met = rows.reduce((s, r) => s + r.met, 0);
  const breached = rows.reduce((s, r) => s + r.breached, 0);
  const total = rows.reduce((s, r) => s + r.total, 0);
  const overall = met + breached > 0 ? (met / (met + breached)) * 100 : null;
  const table = `<table>
<caption class="sr">SLA attainment per SLA, priority and target</caption>
<thead><tr><th scope="col">SLA</th><th scope="col">Priority</th><th scope="col">Target</th><th scope="col" class="num">Clocks</th><th scope="col" class="num">Met</th><th scope="col" class="num">Breached</th><th scope="col" class="num">Attainment</th><th scope="col"><span class="sr">Proportion met, breached, running</span></th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row" colspan="3">All targets</th><td class="num">${formatNumber(total)}</td><td class="num">${formatNumber(met)}</td><td class="num">${formatNumber(breached)}</td><td class="num">${e(formatPct(overall))}</td><td></td></tr></tfoot>
</table>
<p class="capnote">Attainment is met ÷ (met + breached); clocks still running at month end count in neither. Bar: <span class="swatch-met">■</span> met <span class="swatch-breached">■</span> breached <span class="swatch-running">■</span> running.</p>`;
  return section('sla', 3, takeaway, table);
}

/** Breach rows shown in full; the rest are counted. */
export const MAX_BREACH_ROWS = 200;

function breachesSection(review: MonthlyReview): string {
  const takeaway = breachTakeaway(review);
  const currency = review.credits.currency || review.engagement.currency;
  const tz = review.engagement.timezone;
  if (!review.breaches.length) return section('breaches', 4, takeaway, null);
  const names = serviceNames(review);
  const sorted = [...review.breaches].sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
  // A month of thousands of breaches (an alert storm) still makes a readable document: the
  // first rows in full, the rest counted; every breach is in `tandem credits --json` and the API.
  const shown = sorted.slice(0, MAX_BREACH_ROWS);
  const hidden = sorted.length - shown.length;
  const body = shown
    .map((b) => {
      const over = b.actual_s - b.target_s;
      return `<tr>
<th scope="row"><span class="mono">${e(b.incident)}</span><br><span class="muted regular">${e(b.title)}</span></th>
<td class="nowrap">${e(formatInstant(b.openedAt, tz))}</td>
<td>${e(names.get(b.service) ?? b.service)}</td>
<td><span class="nowrap">${e(b.sla)}</span><br><span class="muted nowrap">${e(b.priority)} ${e(b.kind)}</span></td>
<td class="num">${e(formatDuration(b.target_s))}</td>
<td class="num bad">${e(formatDuration(b.actual_s))}<br><span class="muted">+${e(formatDuration(Math.max(0, over)))}</span></td>
<td class="num">${b.credit_percent > 0 ? e(formatPct(b.credit_percent, b.credit_percent % 1 === 0 ? 0 : 1)) : '<span class="muted">—</span>'}</td>
<td class="num">${b.credit_amount > 0 ? e(formatMoney(b.credit_amount, currency)) : '<span class="muted">no credit</span>'}</td>
</tr>`;
    })
    .join('\n') + (hidden > 0 ? `\n<tr><td colspan="8" class="muted">… and ${e(formatNumber(hidden))} more ${hidden === 1 ? 'breach' : 'breaches'} this month, in the totals below; the full list is in <span class="mono">tandem credits --json</span> and the credits API.</td></tr>` : '');
  const sumPct = review.breaches.reduce((s, b) => s + b.credit_percent, 0);
  const sumAmount = review.breaches.reduce((s, b) => s + b.credit_amount, 0);
  const pctText = (p: number): string => formatPct(p, p % 1 === 0 ? 0 : 1);
  const foot = review.credits.capped
    ? `<tr><th scope="row" colspan="6">Sum of breach credits (${plural(review.breaches.length, 'breach', 'breaches')})</th><td class="num">${e(pctText(sumPct))}</td><td class="num">${e(formatMoney(sumAmount, currency))}</td></tr>
<tr><th scope="row" colspan="6">Credits due, capped at ${e(formatNumber(review.credits.capPercent))}% of the monthly fee <span class="badge warn">capped</span></th><td class="num">${e(pctText(review.credits.percent))}</td><td class="num">${e(formatMoney(review.credits.amount, currency))}</td></tr>`
    : `<tr><th scope="row" colspan="6">Total (${plural(review.breaches.length, 'breach', 'breaches')})</th><td class="num">${e(pctText(review.credits.percent))}</td><td class="num">${e(formatMoney(review.credits.amount, currency))}</td></tr>`;
  const note = review.credits.capped
    ? `Credits are capped at ${formatNumber(review.credits.capPercent)}% of the ${formatMoney(review.engagement.monthlyFee, currency)} monthly fee; breaches beyond the cap are listed but earn nothing more.`
    : `Credits are a share of the ${formatMoney(review.engagement.monthlyFee, currency)} monthly fee, capped at ${formatNumber(review.credits.capPercent)}%; this month stayed under the cap.`;
  const table = `<table>
<caption class="sr">Every SLA breach of the month with its service credit</caption>
<thead><tr><th scope="col">Incident</th><th scope="col">Opened</th><th scope="col">Service</th><th scope="col">SLA</th><th scope="col" class="num">Target</th><th scope="col" class="num">Actual</th><th scope="col" class="num">Credit %</th><th scope="col" class="num">Credit</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot>
${foot}
</tfoot>
</table>
<p class="capnote">${e(note)}</p>`;
  return section('breaches', 4, takeaway, table);
}

function serviceNames(review: MonthlyReview): Map<string, string> {
  return new Map(review.noisyServices.map((s) => [s.service, s.name]));
}

function pagesSection(review: MonthlyReview): string {
  const takeaway = pagesTakeaway(review);
  const threshold = nightPageThreshold(review);
  const people = review.pagesByPerson.filter((p) => p.pages > 0 || p.night_pages > 0);
  if (!people.length) return section('pages', 5, takeaway, null);
  const sorted = [...people].sort((a, b) => b.night_pages - a.night_pages || b.pages - a.pages || a.name.localeCompare(b.name));
  const sideName = (side: 'internal' | 'partner'): string => (side === 'internal' ? review.engagement.sides.internal : review.engagement.sides.partner);
  const rows: HBarRow[] = sorted.map((p) => ({
    label: p.name,
    sublabel: p.night_pages > threshold ? `${sideName(p.side)} · over threshold` : sideName(p.side),
    values: [p.pages, p.night_pages],
    highlight: p.night_pages > threshold,
  }));
  const chart = horizontalBarChart({
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
  const note = `${plural(s.after_hours_pages, 'page')} went out after hours this month and ${formatNumber(s.night_pages)} at night. Night is 22:00–07:00 in each person's own time zone; more than ${formatNumber(threshold)} night pages a month is flagged as a burnout risk.`;
  return section('pages', 5, takeaway, `<figure>${chart}<figcaption>${e(note)}</figcaption></figure>`);
}

function noisySection(review: MonthlyReview): string {
  const takeaway = noisyTakeaway(review);
  const services = [...review.noisyServices].filter((s) => s.incidents > 0 || s.alerts > 0 || s.events > 0).sort((a, b) => b.incidents - a.incidents || b.alerts - a.alerts);
  if (!services.length) return section('noisy', 6, takeaway, null);
  const total = Math.max(review.summary.incidents, services.reduce((s, r) => s + r.incidents, 0));
  const top = services.slice(0, 8);
  const body = top
    .map((s) => {
      const share = total > 0 ? (s.incidents / total) * 100 : 0;
      const bar = meter({ title: `${s.name}: share of incidents`, total: 100, segments: [{ value: share, color: REPORT_COLORS.accent, label: 'percent of incidents' }] });
      return `<tr>
<th scope="row">${e(s.name)}<br><span class="muted mono regular">${e(s.service)}</span></th>
<td class="num">${formatNumber(s.incidents)}</td>
<td class="num">${formatNumber(s.alerts)}</td>
<td class="num">${formatNumber(s.events)}</td>
<td class="num">${s.incidents > 0 ? formatNumber(s.alerts / s.incidents, 1) : '—'}</td>
<td class="num">${e(formatPct(share, 0))}</td>
<td class="bar">${bar}</td>
</tr>`;
    })
    .join('\n');
  const more = services.length > top.length ? `<p class="capnote">${e(`${plural(services.length - top.length, 'quieter service')} not shown.`)}</p>` : '';
  const table = `<table>
<caption class="sr">Services ranked by incidents</caption>
<thead><tr><th scope="col">Service</th><th scope="col" class="num">Incidents</th><th scope="col" class="num">Alerts</th><th scope="col" class="num">Events</th><th scope="col" class="num">Alerts / incident</th><th scope="col" class="num">Share</th><th scope="col"><span class="sr">Share of incidents</span></th></tr></thead>
<tbody>
${body}
</tbody>
</table>${more}
<p class="capnote">Events are raw signals from monitoring; alerts are events after de-duplication; incidents are what people respond to.</p>`;
  return section('noisy', 6, takeaway, table);
}

function changesSection(review: MonthlyReview): string {
  const takeaway = changesTakeaway(review);
  if (!review.changes.length) return section('changes', 7, takeaway, null);
  const tz = review.engagement.timezone;
  const names = serviceNames(review);
  const sorted = [...review.changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const body = sorted
    .map((c) => {
      const f = followers(c);
      const after = f.length
        ? `<ul class="followed">${f.map((x) => `<li><span class="badge bad">${e(`+${formatNumber(x.minutesAfter)} min`)}</span> <span class="mono">${e(x.incident)}</span> ${e(x.title)}</li>`).join('')}</ul>`
        : '<span class="badge ok">none</span>';
      return `<tr>
<td class="nowrap">${e(formatInstant(c.at, tz))}</td>
<td>${e(names.get(c.service) ?? c.service)}</td>
<th scope="row" class="regular">${e(c.summary)}</th>
<td>${after}</td>
</tr>`;
    })
    .join('\n');
  const table = `<table>
<caption class="sr">Change events and the incidents opened within ${CHANGE_FOLLOW_WINDOW_MINUTES / 60} hours after them</caption>
<thead><tr><th scope="col">When</th><th scope="col">Service</th><th scope="col">Change</th><th scope="col">Incidents within 2 hours</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<p class="capnote">An incident “follows” a change when it opened on the same service within 2 hours after it; that suggests, but does not prove, a cause.</p>`;
  return section('changes', 7, takeaway, table);
}

function gapsSection(review: MonthlyReview): string {
  const takeaway = gapsTakeaway(review);
  if (!review.coverageGaps.length) return section('gaps', 8, takeaway, null);
  const tz = review.engagement.timezone;
  const sorted = [...review.coverageGaps].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const body = sorted
    .map(
      (g) => `<tr>
<th scope="row" class="mono regular">${e(g.schedule)}</th>
<td>${e(formatInstant(g.start, tz))}</td>
<td>${e(formatInstant(g.end, tz))}</td>
<td class="num">${e(formatHours(g.hours))}</td>
</tr>`,
    )
    .join('\n');
  const total = review.coverageGaps.reduce((s, g) => s + g.hours, 0);
  const table = `<table>
<caption class="sr">Periods when a schedule had no one on call</caption>
<thead><tr><th scope="col">Schedule</th><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row" colspan="3">Total</th><td class="num">${e(formatHours(total))}</td></tr></tfoot>
</table>
<p class="capnote">A gap is time inside a schedule's coverage when no layer or override put anyone on call. Times in ${e(tz)}.</p>`;
  return section('gaps', 8, takeaway, table);
}

function trendSection(review: MonthlyReview): string {
  const takeaway = trendTakeaway(review);
  const t = review.trend.slice(-6);
  if (!t.length) return section('trend', 9, takeaway, null);
  const currency = review.credits.currency || review.engagement.currency;
  const labels = t.map((m) => formatMonthShort(m.month));
  const range = t.length > 1 ? `${formatMonthLong(t[0]?.month ?? '')} to ${formatMonthLong(t[t.length - 1]?.month ?? '')}` : formatMonthLong(t[0]?.month ?? '');
  const panel = (heading: string, chart: string): string => `<figure><div class="chart-title">${e(heading)}</div>${chart}</figure>`;
  const describe = (values: Array<number | null>, f: (v: number) => string): string => t.map((m, i) => `${formatMonthShort(m.month)} ${values[i] === null || values[i] === undefined ? 'no data' : f(values[i] ?? 0)}`).join(', ');
  const incidents = t.map((m) => m.incidents);
  const mtta = t.map((m) => m.mtta_s);
  const sla = t.map((m) => m.sla_attainment_pct);
  const credits = t.map((m) => m.credits_amount);
  const money = (v: number): string => formatMoney(Math.round(v), currency);
  const charts = [
    panel('Incidents', lineChart({ title: `Incidents per month, ${range}`, description: describe(incidents, (v) => formatNumber(v)), labels, values: incidents, color: REPORT_COLORS.accent, kind: 'count', format: (v) => formatNumber(v) })),
    panel('MTTA', lineChart({ title: `Mean time to acknowledge per month, ${range}`, description: describe(mtta, formatDuration), labels, values: mtta, color: REPORT_COLORS.mtta, kind: 'duration', format: formatDuration, tickFormat: formatDurationTick })),
    panel(
      'SLA attainment',
      lineChart({ title: `SLA attainment per month, ${range}`, description: describe(sla, (v) => formatPct(v)), labels, values: sla, color: REPORT_COLORS.met, kind: 'percent', format: (v) => formatPct(v), tickFormat: (v) => `${formatNumber(v, v % 1 === 0 ? 0 : 1)}%` }),
    ),
    panel('Service credits', lineChart({ title: `Service credits per month, ${range}`, description: describe(credits, money), labels, values: credits, color: REPORT_COLORS.bad, kind: 'money', format: money })),
  ];
  return section('trend', 9, takeaway, `<div class="grid-2">${charts.join('\n')}</div>`);
}

function definitions(review: MonthlyReview): string {
  const eng = review.engagement;
  return `<aside class="definitions" aria-label="Definitions">
<strong>How to read this review.</strong> Figures cover ${e(formatMonthLong(review.month))} in ${e(eng.timezone)}; deltas compare with the month before.
<dl>
<dt>MTTA</dt><dd>Mean time from an incident's trigger to its first acknowledgement.</dd>
<dt>MTTR</dt><dd>Mean time from trigger to resolution.</dd>
<dt>Breach</dt><dd>An SLA target missed; partner SLA breaches earn the client a service credit, a share of the monthly fee.</dd>
<dt>Night page</dt><dd>A page delivered between 22:00 and 07:00 in the recipient's own time zone.</dd>
</dl>
</aside>`;
}
