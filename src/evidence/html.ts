/**
 * The evidence pack's index as one self-contained HTML document (inline CSS,
 * no scripts or fetches), in the monthly review's visual language: what the
 * pack covers, each control of the framework with the files that support it,
 * the files with their row counts, the headline figures and every coverage
 * gap. Printed to index.pdf by the review's PDF printer.
 */
import { html, joinHtml, raw } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';
import { REPORT_COLORS } from '../report/html.js';
import { cssString, formatInstant, formatNumber, formatPct, plural } from '../report/format.js';
import type { EvidenceIndex } from './build.js';

/** Gaps listed in the document; the rest are in coverage-gaps.csv. */
const GAPS_SHOWN = 40;

const C = REPORT_COLORS;

function styles(index: EvidenceIndex): string {
  const header = cssString(
    `${index.engagement.name} · ${index.framework.name} evidence · ${index.from.slice(0, 10)} to ${index.to.slice(0, 10)}`,
  );
  const footer = cssString(`${index.engagement.sides.internal} and ${index.engagement.sides.partner} · Confidential`);
  const font = `font: 7.5pt/1 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: ${C.muted}`;
  return `
@page {
  size: A4;
  margin: 17mm 14mm 16mm 14mm;
  @top-left { content: ${header}; ${font}; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-left { content: ${footer}; ${font}; vertical-align: top; padding-top: 3mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); ${font}; vertical-align: top; padding-top: 3mm; }
}
@page :first { @top-left { content: none; } }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: ${C.ink}; font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 12px; line-height: 1.45; font-variant-numeric: tabular-nums; }
main { max-width: 182mm; margin: 0 auto; }
h1, h2 { color: ${C.accent}; margin: 0; font-weight: 700; }
h1 { font-size: 26px; line-height: 1.15; }
h2 { font-size: 16px; margin-bottom: 6px; }
.title-block { border-bottom: 3px solid ${C.accent}; padding-bottom: 12px; margin-bottom: 16px; }
.eyebrow { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .08em; color: ${C.muted}; }
.period { font-size: 16px; margin-top: 2px; }
section { margin: 0 0 18px; padding-top: 12px; border-top: 1px solid ${C.rule}; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin-top: 8px; }
.kpi { background: ${C.panel}; border-radius: 4px; padding: 8px 10px 9px; border-top: 3px solid ${C.accent}; break-inside: avoid; }
.kpi.bad { border-top-color: ${C.bad}; }
.kpi-label { font-size: 10.5px; font-weight: 600; color: ${C.muted}; text-transform: uppercase; letter-spacing: .05em; }
.kpi-value { font-size: 20px; font-weight: 700; line-height: 1.2; }
.kpi-note { font-size: 10px; color: ${C.muted}; }
table { width: 100%; border-collapse: collapse; font-size: 11px; }
th { text-align: left; color: ${C.muted}; font-weight: 600; border-bottom: 1px solid ${C.rule}; padding: 4px 6px; }
td { border-bottom: 1px solid ${C.rule}; padding: 4px 6px; vertical-align: top; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; }
code { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 10.5px; }
td.file { white-space: nowrap; }
.control-id { font-weight: 700; white-space: nowrap; color: ${C.accent}; }
.note { color: ${C.muted}; margin: 4px 0; }
.ok { color: ${C.good}; font-weight: 700; }
.bad { color: ${C.bad}; font-weight: 700; }
`;
}

function kpi(label: string, value: string, note: string, bad = false): SafeHtml {
  return html`<div class="kpi${bad ? ' bad' : ''}"><div class="kpi-label">${label}</div><div class="kpi-value">${value}</div><div class="kpi-note">${note}</div></div>`;
}

function summary(index: EvidenceIndex): SafeHtml {
  const s = index.summary;
  const tiles = [
    kpi(
      'Incidents',
      formatNumber(s.incidents),
      `${formatNumber(s.acknowledged)} acknowledged, ${formatNumber(s.escalated)} escalated, ${formatNumber(s.resolved)} resolved`,
    ),
    kpi('SLA met', formatPct(s.sla.pct), `${formatNumber(s.sla.met)} of ${plural(s.sla.total, 'finished clock')}`, s.sla.breached > 0),
    kpi(
      'Coverage gaps',
      plural(index.gaps.length, 'gap'),
      `${formatNumber(s.coverage.gapMinutes)} of ${formatNumber(s.coverage.minutes)} owned function-minutes`,
      index.gaps.length > 0,
    ),
    s.verify
      ? kpi(
          'Timelines',
          s.verify.ok ? 'Intact' : `${formatNumber(s.verify.broken)} broken`,
          `${plural(s.verify.entries, 'entry', 'entries')} in ${plural(s.verify.incidents, 'incident')} checked`,
          !s.verify.ok,
        )
      : kpi('Timelines', 'Not checked', 'verification unavailable', true),
  ];
  if (s.detections !== null) tiles.push(kpi('Detections', formatNumber(s.detections), 'security detections first hit'));
  if (s.findings)
    tiles.push(
      kpi(
        'Findings',
        `${formatNumber(s.findings.missed)} missed`,
        `${formatNumber(s.findings.met)} met, ${formatNumber(s.findings.open)} open, ${formatNumber(s.findings.excepted)} excepted`,
        s.findings.missed > 0,
      ),
    );
  return html`<section class="summary" style="border-top:0;padding-top:0"><h2>Summary</h2><div class="kpis">${joinHtml(tiles)}</div></section>`;
}

function controls(index: EvidenceIndex): SafeHtml {
  const rows = index.controls.map(
    (c) =>
      html`<tr><td class="control-id">${c.id}</td><td><strong>${c.title}</strong><br>${c.description}</td><td>${joinHtml(
        c.files.map((f) => html`<code>${f}</code>`),
        ', ',
      )}</td></tr>`,
  );
  return html`<section><h2>Controls</h2><p class="note">Identifiers are the framework's; the descriptions are Tandem's summary of what the files show.</p>
<table><thead><tr><th>Control</th><th>What the evidence shows</th><th>Files</th></tr></thead><tbody>${joinHtml(rows, '\n')}</tbody></table></section>`;
}

function files(index: EvidenceIndex): SafeHtml {
  const rows = index.files.map(
    (f) =>
      html`<tr><td class="file"><code>${f.name}</code></td><td>${f.description}</td><td class="num">${f.rows === null ? '—' : formatNumber(f.rows)}</td><td class="num">${formatNumber(f.bytes)}</td></tr>`,
  );
  const notes = index.notes.map((n) => html`<p class="note">${n}</p>`);
  return html`<section><h2>Files</h2>
<table><thead><tr><th>File</th><th>Contents</th><th class="num">Rows</th><th class="num">Bytes</th></tr></thead><tbody>${joinHtml(rows, '\n')}</tbody></table>${joinHtml(notes)}</section>`;
}

function gaps(index: EvidenceIndex): SafeHtml {
  const zone = index.engagement.timezone;
  if (index.gaps.length === 0)
    return html`<section><h2>Coverage gaps</h2><p class="ok">None: the owning side had someone on call for every function, every minute of the period.</p></section>`;
  const rows = index.gaps
    .slice(0, GAPS_SHOWN)
    .map(
      (g) =>
        html`<tr><td>${g.function}</td><td>${g.side}</td><td>${g.window.replace('_', ' ')}</td><td>${formatInstant(g.start, zone, { year: true })}</td><td>${formatInstant(g.end, zone, { year: true })}</td><td class="num">${formatNumber(g.minutes)}</td></tr>`,
    );
  const more =
    index.gaps.length > GAPS_SHOWN
      ? html`<p class="note">And ${formatNumber(index.gaps.length - GAPS_SHOWN)} more in coverage-gaps.csv.</p>`
      : html``;
  return html`<section><h2>Coverage gaps</h2><p class="note">Stretches in which the side that owned a function had nobody on call (times in ${zone}).</p>
<table><thead><tr><th>Function</th><th>Side</th><th>Window</th><th>From</th><th>To</th><th class="num">Minutes</th></tr></thead><tbody>${joinHtml(rows, '\n')}</tbody></table>${more}</section>`;
}

/** The index of an evidence pack as a self-contained HTML document. */
export function renderEvidenceIndexHtml(index: EvidenceIndex): string {
  const zone = index.engagement.timezone;
  const title = `${index.engagement.name}: ${index.framework.name} evidence`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Tandem">
<title>${title}</title>
<style>${raw(styles(index))}</style>
</head>
<body>
<main>
<header class="title-block"><div class="eyebrow">Compliance evidence · ${index.framework.name}</div><h1>${index.engagement.name}</h1>
<div class="period">${formatInstant(index.from, zone, { year: true })} to ${formatInstant(index.to, zone, { year: true })} (${zone})</div>
<p class="note">${index.engagement.sides.internal} and ${index.engagement.sides.partner} · generated ${formatInstant(index.generatedAt, zone, { year: true, zone: true })} by Tandem</p></header>
${summary(index)}
${controls(index)}
${files(index)}
${gaps(index)}
</main>
</body>
</html>
`.value;
}
