/**
 * The assessment as one self-contained HTML document, in the monthly
 * review's visual language (its palette and style sheet, src/report/html.ts):
 * a one-page summary a CIO can take to a budget meeting, then the coverage
 * gaps by hour of week, the windows, the price of the gap line by line and
 * the what-if. Every money figure shows its formula and inputs beside it.
 */
import { windowLabel } from '../coverage/index.js';
import { WINDOWS } from '../engagement/model.js';
import { html, joinHtml, raw } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';
import { REPORT_COLORS, STYLE_RULES } from '../report/html.js';
import { cssString, formatDuration, formatInstant, formatMoney, formatNumber, formatPct } from '../report/format.js';
import { formulaLines, shareText } from '../risk/present.js';
import { annualize } from '../risk/exposure.js';
import { MINUTE_MS } from '../time/duration.js';
import { pricedWaitCapOf } from '../engagement/impact.js';
import type { Assessment } from './assess.js';
import { periodDays } from './assess.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const C = REPORT_COLORS;

/** The page's extra rules: page breaks, the hour-of-week grid and the formula boxes. */
const ASSESS_RULES = `
section.page { break-before: page; page-break-before: always; border-top: 0; }
.formula { margin-top: 8px; padding: 8px 12px; background: ${C.panel}; border-left: 3px solid ${C.accent}; border-radius: 4px; font-size: 10.5px; }
.formula p + p { margin-top: 3px; }
.formula .rule { font-weight: 700; }
table.how td.f, table.how th.f { font-size: 10px; color: ${C.muted}; }
table.heat { table-layout: fixed; font-size: 8.5px; }
table.heat th, table.heat td { padding: 2px 0; text-align: center; border-bottom: 1px solid #fff; border-right: 1px solid #fff; }
table.heat tbody th { text-align: right; padding-right: 4px; width: 30px; }
`;

const money = (a: Assessment, x: number) => formatMoney(Math.round(x), a.proposed.contract.currency);
const minutes = (ms: number) => `${formatNumber(Math.round(ms / MINUTE_MS))} min`;
const dur = (ms: number | null) => formatDuration(ms === null ? null : Math.round(ms / 1000));

function styles(a: Assessment): string {
  const header = cssString(`${a.proposed.name} · Operational assessment`);
  const footer = cssString(`Prepared with ${a.proposed.sides.partner.name} · Confidential`);
  const font = `font: 7.5pt/1 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: ${C.muted}`;
  return `
@page {
  size: A4;
  margin: 17mm 14mm 16mm 14mm;
  @top-left { content: ${header}; ${font}; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-left { content: ${footer}; ${font}; vertical-align: top; padding-top: 3mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); ${font}; vertical-align: top; padding-top: 3mm; }
}
${STYLE_RULES}${ASSESS_RULES}`;
}

function tile(label: string, value: string, note: string): SafeHtml {
  return html`<div class="kpi"><div class="kpi-label">${label}</div><div class="kpi-value">${value}</div><div class="kpi-note">${note}</div></div>`;
}

/** What the proposal buys: price avoided minus the fee it adds, at the expected shares and the range's ends. */
export function netOfProposal(a: Assessment): { avoided: number; fee: number; net: number; low: number; high: number } {
  const s = a.simulation;
  const fee = s.alternative.fee - s.actual.fee;
  const avoided = s.actual.exposure - s.alternative.exposure;
  return {
    avoided,
    fee,
    net: avoided - fee,
    low: s.actual.exposureLow - s.alternative.exposureLow - fee,
    high: s.actual.exposureHigh - s.alternative.exposureHigh - fee,
  };
}

/** The summary's one-sentence conclusion. */
function verdict(a: Assessment): string {
  const n = netOfProposal(a);
  const m = (x: number) => money(a, Math.abs(x));
  return n.net >= 0
    ? `On this history the proposed co-managed coverage pays for itself: it avoids ${m(n.avoided)} of downtime exposure for ${m(n.fee)} in fees, net ${m(n.net)} (${m(n.low)} to ${m(n.high)} across the impact range).`
    : `On this history the proposed co-managed coverage does not pay for itself in avoided downtime alone: it avoids ${m(n.avoided)} for ${m(n.fee)} in fees, net -${m(n.net)}.`;
}

/** Page 1: the one-page summary. */
function summary(a: Assessment): SafeHtml {
  const s = a.simulation;
  const net = netOfProposal(a);
  const off = WINDOWS.filter((w) => w !== 'business_hours');
  const offIncidents = off.reduce((n, w) => n + a.byWindow[w].incidents, 0);
  const offWaited = off.reduce((n, w) => n + a.byWindow[w].waitedMs, 0);
  const total = a.risk.total;
  const zone = a.proposed.timezone;
  return html`<header class="title-block">
<div>
<div class="eyebrow">Operational assessment</div>
<h1>${a.proposed.name}</h1>
<div class="period">${formatInstant(new Date(a.options.from).toISOString(), zone, { year: true, weekday: false })} to ${formatInstant(new Date(a.options.to).toISOString(), zone, { year: true, weekday: false })} (${periodDays(a)} days)</div>
</div>
<dl class="meta">
<dt>Internal IT</dt><dd>${a.proposed.sides.internal.name}</dd>
<dt>Proposed partner</dt><dd>${a.proposed.sides.partner.name}</dd>
<dt>Proposed fee</dt><dd>${formatMoney(a.proposed.contract.monthlyFee, a.proposed.contract.currency)} a month</dd>
<dt>Time zone</dt><dd>${zone}</dd>
</dl>
</header>
<section class="summary" id="summary" aria-labelledby="summary-h">
<h2 id="summary-h">At a glance</h2>
<p class="takeaway">${a.incidents.length} incidents in the history; ${offIncidents} (${formatPct(a.incidents.length ? (100 * offIncidents) / a.incidents.length : null, 0)}) opened outside business hours and waited ${minutes(offWaited)} for someone to acknowledge them.</p>
<div class="kpis">
${tile('Incidents', formatNumber(a.incidents.length), `${offIncidents} outside business hours`)}
${tile('Waited after hours', minutes(offWaited), 'trigger to acknowledgement, nights, weekends, holidays')}
${tile('Price of the gap', money(a, total.exposure), `range ${money(a, total.low)} to ${money(a, total.high)}`)}
${tile('Net with the partner', money(a, net.net), `over the period; range ${money(a, net.low)} to ${money(a, net.high)}`)}
</div>
<p class="takeaway" style="margin-top:12px">${verdict(a)}</p>
<div class="formula">
<p class="rule">How the price of the gap is made: late minutes x downtime cost per minute x impact share of the priority. Late = past the ${dur(a.options.firstResponseMs)} first response, until acknowledged, at most ${dur(pricedWaitCapOf(a.proposed))} per incident.</p>
${joinHtml(formulaLines(a.risk).map((l) => html`<p>${l}</p>`))}
<p>Total ${money(a, total.exposure)} over ${periodDays(a)} days (low ${money(a, total.low)}, high ${money(a, total.high)}); a year at this rate ${money(a, a.risk.annualized)}.</p>
<p class="rule">How the net is made: (price today ${money(a, s.actual.exposure)} - price with the proposed coverage ${money(a, s.alternative.exposure)}) - proposed fee ${money(a, net.fee)} = ${money(a, net.net)}.</p>
<p>Today's price is the history as it ran; the proposed one replays the same incidents under the proposed file. Low and high repeat it at the impact shares' ends: ${money(a, net.low)} to ${money(a, net.high)}. A year at this rate ${money(a, annualize(net.net, a.options.from, a.options.to))}.</p>
</div>
</section>`;
}

function heatColor(share: number): string {
  // From the panel grey to the accent as the share of late minutes grows.
  const mix = (x: number, y: number) => Math.round(x + (y - x) * share);
  const [r, g, b] = [mix(0xf5, 0xb4), mix(0xf7, 0x23), mix(0xf9, 0x18)];
  return `rgb(${r},${g},${b})`;
}

/** Page 2: coverage gaps by hour of week, and the windows. */
function gaps(a: Assessment): SafeHtml {
  const max = Math.max(1, ...a.hourOfWeek.map((h) => h.lateMs));
  const rows = DAYS.map((d, day) => {
    const cells = Array.from({ length: 24 }, (_, hour) => {
      const h = a.hourOfWeek[day * 24 + hour] ?? { incidents: 0, lateMs: 0 };
      const title = `${d} ${String(hour).padStart(2, '0')}:00: ${h.incidents} incidents, ${minutes(h.lateMs)} late`;
      return html`<td style="background:${heatColor(h.lateMs / max)}" title="${title}">${h.incidents || ''}</td>`;
    });
    return html`<tr><th>${d}</th>${joinHtml(cells)}</tr>`;
  });
  const hours = Array.from({ length: 24 }, (_, h) => html`<th>${h % 3 === 0 ? String(h).padStart(2, '0') : ''}</th>`);
  const windowRows = WINDOWS.map((w) => {
    const f = a.byWindow[w];
    const t = a.risk.byWindow[w];
    return html`<tr><th>${windowLabel(w)}</th><td class="num">${f.incidents}</td><td class="num">${minutes(f.waitedMs)}</td><td class="num">${minutes(f.lateMs)}</td><td class="num">${dur(f.mttaMs)}</td><td class="num">${dur(f.mttrMs)}</td><td class="num">${money(a, t.exposure)}</td><td class="num">${money(a, t.low)} to ${money(a, t.high)}</td></tr>`;
  });
  return html`<section class="page" id="gaps" aria-labelledby="gaps-h">
<h2 id="gaps-h"><span class="num">1&nbsp;</span>Coverage gaps by hour of week</h2>
<p class="takeaway">Each cell counts the incidents opened in that hour (${a.proposed.timezone}); the redder, the more minutes they waited past the first response.</p>
<table class="heat"><thead><tr><th></th>${joinHtml(hours)}</tr></thead><tbody>${joinHtml(rows)}</tbody></table>
<h2 id="windows-h" style="margin-top:18px"><span class="num">2&nbsp;</span>After-hours exposure by window</h2>
<p class="takeaway">Waited: trigger to acknowledgement (or resolve). Late: the part past ${dur(a.options.firstResponseMs)}. Price: late minutes x cost per minute x impact share.</p>
<table class="how"><thead><tr><th>Window</th><th class="num">Incidents</th><th class="num">Waited</th><th class="num">Late</th><th class="num">MTTA</th><th class="num">MTTR</th><th class="num">Price</th><th class="num">Range</th></tr></thead>
<tbody>${joinHtml(windowRows)}</tbody></table>
</section>`;
}

/** Page 3: the price line by line, and the what-if. */
function price(a: Assessment): SafeHtml {
  const s = a.simulation;
  const lines = a.risk.formula.map(
    (l) =>
      html`<tr><th>${l.serviceId}</th><td>${l.priority}</td><td class="num">${l.incidents}</td><td class="num">${formatNumber(Math.round((l.pricedMs / MINUTE_MS) * 10) / 10, 1)}</td><td class="num">${formatMoney(l.costPerMinute, a.proposed.contract.currency)}</td><td class="num">${shareText(l.share)}</td><td class="num">${money(a, l.exposure)}</td><td class="num">${money(a, l.low)} to ${money(a, l.high)}</td></tr>`,
  );
  const row = (label: string, x: string, y: string) => html`<tr><th>${label}</th><td class="num">${x}</td><td class="num">${y}</td></tr>`;
  return html`<section class="page" id="price" aria-labelledby="price-h">
<h2 id="price-h"><span class="num">3&nbsp;</span>The price of the gap, line by line</h2>
<p class="takeaway">Late minutes x downtime cost per minute (the engagement file's <span class="mono">downtime_cost_per_minute</span>) x impact share of the priority (<span class="mono">impact_share</span>; low to high in the range).</p>
<table class="how"><thead><tr><th>Service</th><th>Priority</th><th class="num">Incidents</th><th class="num">Late min</th><th class="num">Cost/min</th><th class="num">Share</th><th class="num">Price</th><th class="num">Range</th></tr></thead>
<tbody>${joinHtml(lines)}</tbody>
<tfoot><tr><th>Total</th><td></td><td class="num">${a.risk.formula.reduce((n, l) => n + l.incidents, 0)}</td><td class="num">${formatNumber(Math.round(a.risk.formula.reduce((n, l) => n + l.pricedMs, 0) / MINUTE_MS))}</td><td></td><td></td><td class="num">${money(a, a.risk.total.exposure)}</td><td class="num">${money(a, a.risk.total.low)} to ${money(a, a.risk.total.high)}</td></tr></tfoot></table>
${a.risk.unpriced.length ? html`<p class="capnote">Not priced (no downtime cost in the file, counted 0): ${a.risk.unpriced.map((u) => `${u.serviceId} (${u.incidents} incidents)`).join(', ')}.</p>` : ''}
<h2 id="whatif-h" style="margin-top:18px"><span class="num">4&nbsp;</span>What the proposed coverage would change</h2>
<p class="takeaway">The same incidents replayed under the proposed file (who would be on call, how fast each side answers as this history shows); today's column is what happened.</p>
<table class="how"><thead><tr><th></th><th class="num">Today</th><th class="num">Proposed</th></tr></thead><tbody>
${row('MTTA', dur(s.actual.mttaMs), dur(s.alternative.mttaMs))}
${row('Unattended', minutes(s.actual.unattendedMs), minutes(s.alternative.unattendedMs))}
${row('Price of the gap', money(a, s.actual.exposure), money(a, s.alternative.exposure))}
${row('Range', `${money(a, s.actual.exposureLow)} to ${money(a, s.actual.exposureHigh)}`, `${money(a, s.alternative.exposureLow)} to ${money(a, s.alternative.exposureHigh)}`)}
${row('Partner fee', money(a, s.actual.fee), money(a, s.alternative.fee))}
</tbody></table>
<div class="formula"><p class="rule">Net = (price today - price proposed) - (proposed fee - today's fee) = (${money(a, s.actual.exposure)} - ${money(a, s.alternative.exposure)}) - (${money(a, s.alternative.fee)} - ${money(a, s.actual.fee)}) = ${money(a, netOfProposal(a).net)}.</p>
<p>Fee: ${formatMoney(a.proposed.contract.monthlyFee, a.proposed.contract.currency)} a month pro-rated to the period. The model and its limits: docs/risk-model.md.</p></div>
</section>`;
}

/** The whole document. */
export function renderAssessmentHtml(a: Assessment): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="Tandem">
<title>${a.proposed.name} — Operational assessment</title>
<style>${raw(styles(a))}</style>
</head>
<body>
<main class="report">
${summary(a)}
${gaps(a)}
${price(a)}
</main>
</body>
</html>
`.value;
}
