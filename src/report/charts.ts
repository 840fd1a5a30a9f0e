/**
 * Small, pure SVG chart builders for the monthly review: stacked vertical
 * bars, horizontal bars (faceted or grouped), line small multiples and a
 * proportion meter. Each returns one self-contained `<svg>` string with
 * `role="img"`, a `<title>` and an `aria-label`; styling is inline
 * presentation attributes so a chart looks the same wherever it is pasted.
 * Fonts are inherited from the document, so the report controls type.
 */
import { escapeHtml } from '../html/html.js';
import { formatDurationTick, formatNumber } from './format.js';

/** The neutral colours every chart shares; data colours come from the caller. */
export const CHART_INK = Object.freeze({
  text: '#1f2933',
  muted: '#5f6b7a',
  axis: '#9aa5b1',
  grid: '#e4e8ed',
  shade: '#f3f5f8',
  highlight: '#b42318',
});

/** A linear axis: its extent, the distance between ticks and the ticks themselves. */
export interface Scale {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/**
 * Rounds a positive number to a "nice" 1, 2, 5 or 10 times a power of ten
 * (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
 * `round` picks the nearest nice number; otherwise the nice number at or above.
 */
export function niceNumber(value: number, round: boolean): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const exponent = Math.floor(Math.log10(value));
  const power = 10 ** exponent;
  const fraction = value / power;
  let nice: number;
  if (round) nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Removes binary floating-point noise from a tick (0.30000000000000004 -> 0.3). */
function clean(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const v = Number(value.toFixed(Math.min(decimals, 12)));
  return Object.is(v, -0) ? 0 : v;
}

/**
 * Nice ticks covering [min, max] with at most about `maxTicks` intervals.
 * `integer` forbids fractional steps (for counts: no "2.5 incidents").
 * A degenerate or non-finite range still yields a usable axis.
 */
export function niceTicks(min: number, max: number, options: { maxTicks?: number; integer?: boolean } = {}): Scale {
  const maxTicks = Math.max(2, Math.floor(options.maxTicks ?? 5));
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : 0;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    // A flat series still needs an axis: open it upwards from zero, or around the value.
    if (lo === 0) hi = 1;
    else if (lo > 0) lo = 0;
    else hi = 0;
  }
  const range = niceNumber(hi - lo, false);
  let step = niceNumber(range / maxTicks, true);
  if (options.integer) step = Math.max(1, Math.round(step));
  // Heckbert's rounding can leave one interval too many; widen until it fits.
  while (Math.ceil(hi / step - 1e-9) - Math.floor(lo / step + 1e-9) > maxTicks) step = niceNumber(step * 1.5, false);
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0, v = start; v <= end + step * 1e-6 && i <= 1000; i++, v = start + i * step) ticks.push(clean(v, step));
  return { min: clean(start, step), max: clean(end, step), step, ticks };
}

/** Steps a duration axis may use: the ones people read without arithmetic. */
const DURATION_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/**
 * A zero-based duration axis in seconds whose ticks fall on human units
 * (15s, 5m, 30m, 1h, 6h, 1d...) rather than decimal seconds, with at most
 * `maxTicks` intervals.
 */
export function durationTicks(maxSeconds: number, maxTicks = 5): Scale {
  const limit = Math.max(2, Math.floor(maxTicks));
  const hi = Number.isFinite(maxSeconds) && maxSeconds > 0 ? maxSeconds : 60;
  let step = DURATION_STEPS_S.find((s) => Math.ceil(hi / s - 1e-9) <= limit);
  if (step === undefined) step = 86_400 * niceNumber(hi / 86_400 / limit, false);
  // Whole days beyond the table: make sure the count still fits.
  while (Math.ceil(hi / step - 1e-9) > limit) step *= 2;
  const count = Math.max(1, Math.ceil(hi / step - 1e-9));
  const ticks = Array.from({ length: count + 1 }, (_, i) => i * step);
  return { min: 0, max: count * step, step, ticks };
}

/** Formats a tick of a numeric scale with just enough decimals for its step. */
export function formatTick(value: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return formatNumber(value, decimals);
}

/** Rounds a coordinate for compact, stable output. */
function n(value: number): string {
  const v = Math.round(value * 100) / 100;
  return String(Object.is(v, -0) ? 0 : v);
}

/** A rough width of a label in SVG user units, for layout without a browser. */
export function approxTextWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.56;
}

/** Truncates a label to fit a width, with an ellipsis; the full text stays in a tooltip. */
function fit(text: string, width: number, fontSize: number): string {
  const max = Math.max(1, Math.floor(width / (fontSize * 0.56)));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** The opening of every chart: sizing that scales with the page, and the accessible name. */
function svgOpen(
  width: number,
  height: number,
  title: string,
  description: string,
  className: string,
  style = 'width:100%;height:auto;display:block',
): string {
  const label = description ? `${title}. ${description}` : title;
  return (
    `<svg class="${className}" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" ` +
    `preserveAspectRatio="xMidYMid meet" role="img" aria-label="${escapeHtml(label)}" style="${style}">` +
    `<title>${escapeHtml(title)}</title>${description ? `<desc>${escapeHtml(description)}</desc>` : ''}`
  );
}

function text(
  x: number,
  y: number,
  content: string,
  attrs: { size?: number; anchor?: 'start' | 'middle' | 'end'; fill?: string; weight?: number; baseline?: 'middle' | 'auto' } = {},
): string {
  const size = attrs.size ?? 10;
  const anchor = attrs.anchor && attrs.anchor !== 'start' ? ` text-anchor="${attrs.anchor}"` : '';
  const weight = attrs.weight ? ` font-weight="${attrs.weight}"` : '';
  const baseline = attrs.baseline === 'middle' ? ' dominant-baseline="middle"' : '';
  return `<text x="${n(x)}" y="${n(y)}" font-size="${size}" fill="${attrs.fill ?? CHART_INK.muted}"${anchor}${weight}${baseline}>${escapeHtml(content)}</text>`;
}

/** One data series: a key into the data, a legend label and a colour. */
export interface ChartSeries {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

/** A horizontal legend of swatches, laid out right-aligned to `right`; returns markup. */
function legend(series: readonly ChartSeries[], right: number, y: number): string {
  const size = 10;
  const items = series.map((s) => ({ s, w: 14 + approxTextWidth(s.label, size) + 12 }));
  let x = right - items.reduce((sum, i) => sum + i.w, 0) + 12;
  let out = '<g class="legend">';
  for (const { s, w } of items) {
    out += `<rect x="${n(x)}" y="${n(y - 8)}" width="10" height="10" rx="2" fill="${escapeHtml(s.color)}"/>`;
    out += text(x + 14, y + 1, s.label, { size, fill: CHART_INK.text });
    x += w;
  }
  return `${out}</g>`;
}

/** A category (x position) of a stacked bar chart. */
export interface BarCategory {
  readonly label: string;
  /** Full name for the tooltip, e.g. "Tue 17 Nov". */
  readonly name?: string;
  /** Draw a light band behind the bar (weekends). */
  readonly shade?: boolean;
  /** Values per series key; missing keys are zero. */
  readonly values: Readonly<Record<string, number>>;
}

/** Inputs of {@link stackedBarChart}. */
export interface StackedBarOptions {
  readonly title: string;
  readonly description?: string;
  readonly categories: readonly BarCategory[];
  /** Stacked bottom-up in this order, so the first series sits on the baseline. */
  readonly series: readonly ChartSeries[];
  readonly yLabel?: string;
  readonly shadeLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Vertical bars stacked by series, one per category (a day of the month),
 * with a nice integer y axis, gridlines, a legend and the peak labelled.
 */
export function stackedBarChart(o: StackedBarOptions): string {
  const width = o.width ?? 680;
  const height = o.height ?? 250;
  const m = { top: 30, right: 8, bottom: 26, left: 38 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const totals = o.categories.map((c) => o.series.reduce((sum, s) => sum + Math.max(0, c.values[s.key] ?? 0), 0));
  const peak = Math.max(0, ...totals);
  const scale = niceTicks(0, peak, { maxTicks: 5, integer: true });
  const y = (v: number): number => m.top + plotH - (v / scale.max) * plotH;
  const count = Math.max(1, o.categories.length);
  const band = plotW / count;
  const barW = Math.max(1, Math.min(28, band * 0.72));
  const labelEvery = Math.max(1, Math.ceil(16 / band));

  let out = svgOpen(width, height, o.title, o.description ?? '', 'chart chart-stacked');
  // Shading first so gridlines and bars draw over it.
  o.categories.forEach((c, i) => {
    if (c.shade)
      out += `<rect x="${n(m.left + i * band)}" y="${m.top}" width="${n(band)}" height="${n(plotH)}" fill="${CHART_INK.shade}"/>`;
  });
  for (const t of scale.ticks) {
    out += `<line x1="${m.left}" x2="${n(width - m.right)}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="${t === 0 ? CHART_INK.axis : CHART_INK.grid}" stroke-width="1"/>`;
    out += text(m.left - 6, y(t) + 3.5, formatTick(t, scale.step), { anchor: 'end' });
  }
  if (o.yLabel) out += text(m.left - 30, m.top - 12, o.yLabel, { size: 10 });
  const legendItems = o.shadeLabel ? [...o.series, { key: '__shade', label: o.shadeLabel, color: CHART_INK.shade }] : o.series;
  out += legend(legendItems, width - m.right, m.top - 14);

  o.categories.forEach((c, i) => {
    const x = m.left + i * band + (band - barW) / 2;
    let base = 0;
    for (const s of o.series) {
      const v = Math.max(0, c.values[s.key] ?? 0);
      if (v === 0) continue;
      const top = y(base + v);
      const h = y(base) - top;
      out += `<rect x="${n(x)}" y="${n(top)}" width="${n(barW)}" height="${n(Math.max(0.5, h))}" fill="${escapeHtml(s.color)}"><title>${escapeHtml(`${c.name ?? c.label}: ${v} ${s.label}`)}</title></rect>`;
      base += v;
    }
    if (i % labelEvery === 0)
      out += text(m.left + i * band + band / 2, height - m.bottom + 13, c.label, {
        anchor: 'middle',
        size: 9,
        fill: c.shade ? CHART_INK.muted : CHART_INK.text,
      });
  });
  // Label the peak so the reader gets the scale of the busiest day without gridline arithmetic.
  const peakIndex = totals.indexOf(peak);
  if (peak > 0 && peakIndex >= 0) {
    out += text(m.left + peakIndex * band + band / 2, y(peak) - 4, formatNumber(peak), {
      anchor: 'middle',
      size: 9,
      fill: CHART_INK.text,
      weight: 600,
    });
  }
  return `${out}</svg>`;
}

/** One row of a horizontal bar chart. */
export interface HBarRow {
  readonly label: string;
  /** A second, muted line under the label ("41 incidents"). */
  readonly sublabel?: string;
  /** One value per measure, in measure order; null draws "no data". */
  readonly values: ReadonlyArray<number | null>;
  /** Draw this row's label and bars in the highlight colour (e.g. over a threshold). */
  readonly highlight?: boolean;
}

/** One measure of a horizontal bar chart: a column (panels) or a bar per row (grouped). */
export interface HBarMeasure {
  readonly label: string;
  readonly color: string;
  /** Durations in seconds get a duration axis; counts an integer axis. */
  readonly kind: 'duration' | 'count';
  readonly format: (value: number) => string;
}

/** Inputs of {@link horizontalBarChart}. */
export interface HBarOptions {
  readonly title: string;
  readonly description?: string;
  readonly rows: readonly HBarRow[];
  readonly measures: readonly HBarMeasure[];
  /**
   * `panels`: each measure gets its own column and axis (MTTA and MTTR live
   * on different scales, so sharing one would flatten MTTA to nothing).
   * `grouped`: one bar per measure in each row, on one shared axis.
   */
  readonly layout: 'panels' | 'grouped';
  /** A dashed reference line on the shared axis (grouped layout only). */
  readonly threshold?: { readonly value: number; readonly label: string };
  readonly width?: number;
  readonly labelWidth?: number;
}

/** Horizontal bars with row labels: faceted into one panel per measure, or grouped on a shared axis. */
export function horizontalBarChart(o: HBarOptions): string {
  const width = o.width ?? 680;
  const labelW = o.labelWidth ?? 150;
  const valueRoom = 58;
  const top = o.layout === 'panels' ? 22 : o.measures.length > 1 || o.threshold ? 24 : 8;
  const axisH = 20;
  const gap = 22;
  const barH = o.layout === 'panels' ? 14 : 11;
  const rowH = o.layout === 'panels' ? 30 : Math.max(30, o.measures.length * (barH + 3) + 12);
  const height = top + o.rows.length * rowH + axisH + 4;
  const panels = o.layout === 'panels' ? o.measures.length : 1;
  const panelW = (width - labelW - gap * (panels - 1)) / Math.max(1, panels);
  const plotW = panelW - valueRoom;

  const scaleFor = (kind: HBarMeasure['kind'], values: number[], extra = 0): Scale => {
    const max = Math.max(0, extra, ...values);
    return kind === 'duration' ? durationTicks(max, 4) : niceTicks(0, max, { maxTicks: 4, integer: true });
  };
  const present = (i: number): number[] =>
    o.rows.flatMap((r) => {
      const v = r.values[i];
      return typeof v === 'number' && Number.isFinite(v) ? [v] : [];
    });

  let out = svgOpen(width, height, o.title, o.description ?? '', `chart chart-hbar chart-hbar-${o.layout}`);
  // Row labels, shared by every panel.
  o.rows.forEach((r, ri) => {
    const cy = top + ri * rowH + rowH / 2;
    const fill = r.highlight ? CHART_INK.highlight : CHART_INK.text;
    const label = fit(r.label, labelW - 10, 11);
    if (r.sublabel) {
      out += text(0, cy - 2, label, { size: 11, fill, weight: r.highlight ? 600 : 500 });
      out += text(0, cy + 10, fit(r.sublabel, labelW - 10, 9), { size: 9, fill: r.highlight ? CHART_INK.highlight : CHART_INK.muted });
    } else {
      out += text(0, cy + 4, label, { size: 11, fill, weight: r.highlight ? 600 : 500 });
    }
    if (ri > 0)
      out += `<line x1="0" x2="${n(width)}" y1="${n(top + ri * rowH)}" y2="${n(top + ri * rowH)}" stroke="${CHART_INK.grid}" stroke-width="0.75"/>`;
  });

  const drawAxis = (x0: number, scale: Scale, kind: HBarMeasure['kind']): string => {
    let a = '';
    const baseY = top + o.rows.length * rowH;
    for (const t of scale.ticks) {
      const x = x0 + (t / scale.max) * plotW;
      a += `<line x1="${n(x)}" x2="${n(x)}" y1="${n(top)}" y2="${n(baseY)}" stroke="${t === 0 ? CHART_INK.axis : CHART_INK.grid}" stroke-width="1"${t === 0 ? '' : ' stroke-dasharray="2 3"'}/>`;
      a += text(x, baseY + 13, kind === 'duration' ? formatDurationTick(t) : formatTick(t, scale.step), { size: 9, anchor: 'middle' });
    }
    return a;
  };

  const bar = (x0: number, y0: number, value: number | null, scale: Scale, m: HBarMeasure, highlight: boolean, tooltip: string): string => {
    if (value === null) return text(x0 + 4, y0 + barH / 2 + 3.5, 'no data', { size: 9 });
    const w = Math.max(value > 0 ? 1.5 : 0, (value / scale.max) * plotW);
    const color = highlight ? CHART_INK.highlight : m.color;
    return (
      `<rect x="${n(x0)}" y="${n(y0)}" width="${n(w)}" height="${barH}" rx="1.5" fill="${escapeHtml(color)}"><title>${escapeHtml(tooltip)}</title></rect>` +
      text(x0 + w + 4, y0 + barH / 2 + 3.5, m.format(value), {
        size: 10,
        fill: highlight ? CHART_INK.highlight : CHART_INK.text,
        weight: 600,
      })
    );
  };

  if (o.layout === 'panels') {
    o.measures.forEach((m, mi) => {
      const x0 = labelW + mi * (panelW + gap);
      const scale = scaleFor(m.kind, present(mi));
      out += text(x0, 12, m.label, { size: 10, fill: CHART_INK.text, weight: 600 });
      out += drawAxis(x0, scale, m.kind);
      o.rows.forEach((r, ri) => {
        const y0 = top + ri * rowH + (rowH - barH) / 2;
        out += bar(x0, y0, r.values[mi] ?? null, scale, m, r.highlight === true, `${r.label} ${m.label}`);
      });
    });
  } else {
    const all = o.measures.flatMap((_, i) => present(i));
    const first = o.measures[0];
    const scale = scaleFor(first ? first.kind : 'count', all, o.threshold ? o.threshold.value * 1.15 : 0);
    out += drawAxis(labelW, scale, first ? first.kind : 'count');
    if (o.measures.length > 1 || o.threshold) {
      const items: ChartSeries[] = o.measures.map((m) => ({ key: m.label, label: m.label, color: m.color }));
      out += legend(items, width - (o.threshold ? approxTextWidth(o.threshold.label, 10) + 30 : 0), 12);
    }
    o.rows.forEach((r, ri) => {
      const block = o.measures.length * (barH + 3) - 3;
      o.measures.forEach((m, mi) => {
        const y0 = top + ri * rowH + (rowH - block) / 2 + mi * (barH + 3);
        // Only the measure the threshold is about turns red; the context bars stay calm.
        const hot = r.highlight === true && mi === o.measures.length - 1;
        out += bar(labelW, y0, r.values[mi] ?? null, scale, m, hot, `${r.label}: ${m.label}`);
      });
    });
    if (o.threshold) {
      const x = labelW + (o.threshold.value / scale.max) * plotW;
      out += `<line x1="${n(x)}" x2="${n(x)}" y1="${n(top - 4)}" y2="${n(top + o.rows.length * rowH)}" stroke="${CHART_INK.highlight}" stroke-width="1.25" stroke-dasharray="4 3"/>`;
      out += `<line x1="${n(width - approxTextWidth(o.threshold.label, 10) - 20)}" x2="${n(width - approxTextWidth(o.threshold.label, 10) - 8)}" y1="8" y2="8" stroke="${CHART_INK.highlight}" stroke-width="1.25" stroke-dasharray="4 3"/>`;
      out += text(width, 12, o.threshold.label, { size: 10, anchor: 'end', fill: CHART_INK.highlight });
    }
  }
  return `${out}</svg>`;
}

/** Inputs of {@link lineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly description?: string;
  /** X labels, oldest first. */
  readonly labels: readonly string[];
  /** One value per label; null leaves a gap in the line. */
  readonly values: ReadonlyArray<number | null>;
  readonly color: string;
  readonly kind: 'count' | 'duration' | 'percent' | 'money';
  /** Formats the labelled (latest) point. */
  readonly format: (value: number) => string;
  /** Formats y ticks; defaults to `format`. */
  readonly tickFormat?: (value: number) => string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * A small-multiple line chart: light y gridlines with 3-4 ticks, month labels,
 * a gap where a month has no value, and the latest value labelled.
 * Counts, money and durations start at zero; percentages zoom to their range.
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 320;
  const height = o.height ?? 150;
  const m = { top: 14, right: 14, bottom: 22, left: 46 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const present = o.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const hi = Math.max(0, ...present);
  let scale: Scale;
  if (o.kind === 'duration') scale = durationTicks(hi, 3);
  else if (o.kind === 'percent') {
    const lo = present.length ? Math.min(...present) : 0;
    const top = present.length ? Math.max(...present) : 100;
    // Zoom to the range, but never past 100%, and always at least a few points tall.
    const span = niceTicks(Math.max(0, Math.min(lo, top - 2)), Math.min(100, Math.max(top, lo + 2)), { maxTicks: 3 });
    scale = span;
  } else scale = niceTicks(0, hi, { maxTicks: 3, integer: o.kind === 'count' });
  const count = Math.max(1, o.labels.length);
  const x = (i: number): number => (count === 1 ? m.left + plotW / 2 : m.left + (i / (count - 1)) * plotW);
  const y = (v: number): number => m.top + plotH - ((v - scale.min) / (scale.max - scale.min || 1)) * plotH;
  const tickFormat = o.tickFormat ?? (o.kind === 'duration' ? formatDurationTick : o.format);

  let out = svgOpen(width, height, o.title, o.description ?? '', 'chart chart-line');
  for (const t of scale.ticks) {
    out += `<line x1="${m.left}" x2="${n(width - m.right)}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="${t === scale.min ? CHART_INK.axis : CHART_INK.grid}" stroke-width="1"/>`;
    out += text(m.left - 6, y(t) + 3.5, tickFormat(t), { anchor: 'end', size: 9 });
  }
  o.labels.forEach((l, i) => {
    out += text(x(i), height - 6, l, {
      anchor: 'middle',
      size: 9,
      fill: i === o.labels.length - 1 ? CHART_INK.text : CHART_INK.muted,
      weight: i === o.labels.length - 1 ? 600 : 400,
    });
  });
  // Split at nulls so a month without data is a visible gap, not an invented slope.
  const runs: Array<Array<[number, number]>> = [];
  let run: Array<[number, number]> = [];
  o.values.forEach((v, i) => {
    if (typeof v === 'number' && Number.isFinite(v)) run.push([x(i), y(v)]);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length) runs.push(run);
  const color = escapeHtml(o.color);
  for (const r of runs) {
    if (r.length > 1) {
      const pts = r.map(([px, py]) => `${n(px)},${n(py)}`).join(' ');
      if (o.kind !== 'percent') {
        const first = r[0];
        const last = r[r.length - 1];
        if (first && last)
          out += `<polygon points="${n(first[0])},${n(y(scale.min))} ${pts} ${n(last[0])},${n(y(scale.min))}" fill="${color}" fill-opacity="0.08"/>`;
      }
      out += `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`;
    }
  }
  o.values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    const last = i === o.values.length - 1;
    out += `<circle cx="${n(x(i))}" cy="${n(y(v))}" r="${last ? 3.5 : 2.25}" fill="${last ? color : '#ffffff'}" stroke="${color}" stroke-width="1.5"><title>${escapeHtml(`${o.labels[i] ?? ''}: ${o.format(v)}`)}</title></circle>`;
    if (last) {
      const label = o.format(v);
      const w = approxTextWidth(label, 10);
      // Keep the label inside the plot: above the point, nudged left at the right edge.
      const lx = Math.min(x(i), width - w / 2 - 2);
      const ly = y(v) - 8 < m.top ? y(v) + 15 : y(v) - 8;
      out += `<text x="${n(lx)}" y="${n(ly)}" font-size="10" font-weight="700" fill="${CHART_INK.text}" text-anchor="middle" paint-order="stroke" stroke="#ffffff" stroke-width="3">${escapeHtml(label)}</text>`;
    }
  });
  return `${out}</svg>`;
}

/** One segment of a {@link meter}. */
export interface MeterSegment {
  readonly value: number;
  readonly color: string;
  readonly label: string;
}

/** A thin proportion bar (met / breached / still running) for table cells. */
export function meter(o: {
  readonly title: string;
  readonly segments: readonly MeterSegment[];
  readonly total: number;
  readonly width?: number;
  readonly height?: number;
}): string {
  const width = o.width ?? 120;
  const height = o.height ?? 10;
  const description = o.segments.map((s) => `${s.label} ${formatNumber(s.value)}`).join(', ');
  // A fixed pixel size: in a table cell a percentage width would collapse to nothing.
  let out = svgOpen(width, height, o.title, description, 'meter', `width:${n(width)}px;height:${n(height)}px;display:block`);
  out += `<rect x="0" y="0" width="${n(width)}" height="${n(height)}" rx="2" fill="${CHART_INK.grid}"/>`;
  if (o.total > 0) {
    let x = 0;
    for (const s of o.segments) {
      if (s.value <= 0) continue;
      const w = (Math.min(s.value, o.total) / o.total) * width;
      out += `<rect x="${n(x)}" y="0" width="${n(Math.min(w, width - x))}" height="${n(height)}" rx="2" fill="${escapeHtml(s.color)}"/>`;
      x += w;
    }
  }
  return `${out}</svg>`;
}
