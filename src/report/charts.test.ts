import { describe, expect, it } from 'vitest';
import { durationTicks, horizontalBarChart, lineChart, meter, niceNumber, niceTicks, stackedBarChart } from './charts.js';
import { formatDuration } from './format.js';
import { HOSTILE, wellFormedProblems } from './test-fixtures.js';

function isNice(step: number): boolean {
  const power = 10 ** Math.floor(Math.log10(step));
  return [1, 2, 5, 10].some((m) => Math.abs(step / power - m) < 1e-9);
}

describe('niceNumber', () => {
  it.each([
    [0.7, false, 1],
    [3.2, false, 5],
    [11, false, 20],
    [1.2, true, 1],
    [2.4, true, 2],
    [4, true, 5],
    [80, true, 100],
    [0, true, 1],
  ])('niceNumber(%d, %s) = %d', (value, round, nice) => {
    expect(niceNumber(value, round)).toBe(nice);
  });
});

describe('niceTicks', () => {
  it.each([
    [0, 10, 5, false, [0, 2, 4, 6, 8, 10]],
    [0, 11, 5, true, [0, 5, 10, 15]],
    [0, 0, 5, true, [0, 1]],
    [0, 0.7, 5, false, [0, 0.2, 0.4, 0.6, 0.8]],
    [91.2, 95, 3, false, [90, 92, 94, 96]],
    [-5, 5, 5, false, [-5, 0, 5]],
    [0, 3, 4, true, [0, 1, 2, 3]],
    [0, 1_234_567, 5, true, [0, 500_000, 1_000_000, 1_500_000]],
    [7, 7, 5, false, [0, 2, 4, 6, 8]],
  ])('[%d, %d] in at most %d intervals (integer %s) ticks %j', (min, max, maxTicks, integer, ticks) => {
    const scale = niceTicks(min, max, { maxTicks, integer });
    expect(scale.ticks).toEqual(ticks);
    expect(scale.min).toBe(ticks[0]);
    expect(scale.max).toBe(ticks[ticks.length - 1]);
  });

  it('always covers the data in evenly spaced, nice steps within the tick budget', () => {
    // A deterministic sweep of ranges from tiny to huge, some negative.
    for (let i = 0; i < 400; i++) {
      const a = Math.sin(i * 12.9898) * 10 ** ((i % 9) - 3);
      const b = a + Math.abs(Math.cos(i * 78.233)) * 10 ** ((i % 7) - 2);
      const maxTicks = 2 + (i % 6);
      const s = niceTicks(a, b, { maxTicks });
      expect(s.min).toBeLessThanOrEqual(a + 1e-9);
      expect(s.max).toBeGreaterThanOrEqual(b - 1e-9);
      expect(isNice(s.step)).toBe(true);
      expect(s.ticks.length - 1).toBeLessThanOrEqual(maxTicks);
      for (let k = 1; k < s.ticks.length; k++) expect((s.ticks[k] ?? 0) - (s.ticks[k - 1] ?? 0)).toBeCloseTo(s.step, 9);
    }
  });

  it('never yields fractional steps for counts', () => {
    for (let max = 0; max <= 40; max++) expect(niceTicks(0, max, { integer: true }).ticks.every(Number.isInteger)).toBe(true);
  });

  it('survives non-finite input', () => {
    expect(niceTicks(Number.NaN, Number.POSITIVE_INFINITY).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('durationTicks', () => {
  it.each([
    [415, 4, 120, [0, 120, 240, 360, 480]],
    [7980, 4, 3600, [0, 3600, 7200, 10_800]],
    [0, 5, 15, [0, 15, 30, 45, 60]],
    [259_200, 5, 86_400, [0, 86_400, 172_800, 259_200]],
    [2_592_000, 5, 864_000, [0, 864_000, 1_728_000, 2_592_000]],
    [50, 5, 10, [0, 10, 20, 30, 40, 50]],
  ])('%d s in %d intervals steps by %d', (max, maxTicks, step, ticks) => {
    const s = durationTicks(max, maxTicks);
    expect(s.step).toBe(step);
    expect(s.ticks).toEqual(ticks);
  });

  it('covers the data within the budget for every magnitude', () => {
    for (let max = 1; max < 10_000_000; max = Math.ceil(max * 1.37)) {
      for (const budget of [3, 4, 5]) {
        const s = durationTicks(max, budget);
        expect(s.max).toBeGreaterThanOrEqual(max);
        expect(s.ticks.length - 1).toBeLessThanOrEqual(budget);
      }
    }
  });
});

const series = [
  { key: 'P1', label: 'P1', color: '#a61b1b' },
  { key: 'P2', label: 'P2', color: '#e0692b' },
];

function expectWellFormed(svg: string): void {
  expect(wellFormedProblems(svg)).toEqual([]);
  expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-label="[^"]+"/);
  expect(svg).toMatch(/<title>[^<]+<\/title>/);
  expect(svg).not.toMatch(/NaN|undefined|Infinity|null/);
}

describe('chart markup', () => {
  it('draws stacked bars, bottom-up in series order, well-formed', () => {
    const svg = stackedBarChart({
      title: 'Incidents',
      categories: [
        { label: '1', values: { P1: 2, P2: 3 } },
        { label: '2', shade: true, values: { P2: 1 } },
      ],
      series,
    });
    expectWellFormed(svg);
    // Bars carry a tooltip; legend swatches do not.
    const bars = [...svg.matchAll(/<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="[^"]+" fill="(#[0-9a-f]+)"><title>/g)].map((m) => ({
      y: Number(m[1]),
      color: m[2],
    }));
    expect(bars.map((b) => b.color)).toEqual(['#a61b1b', '#e0692b', '#e0692b']);
    const [p1, p2] = bars;
    expect(p1 && p2 && p1.y > p2.y).toBe(true); // P1 sits on the baseline, P2 above it
    expect(svg).toContain('>5</text>'); // the peak is labelled
  });

  it('stays well-formed on empty and all-zero data', () => {
    expectWellFormed(stackedBarChart({ title: 'Nothing', categories: [], series }));
    expectWellFormed(stackedBarChart({ title: 'Zeros', categories: [{ label: '1', values: {} }], series: [] }));
    const measures = [{ label: 'MTTA', color: '#123456', kind: 'duration' as const, format: formatDuration }];
    expectWellFormed(horizontalBarChart({ title: 'None', rows: [], measures, layout: 'panels' }));
    expectWellFormed(horizontalBarChart({ title: 'Nulls', rows: [{ label: 'A', values: [null] }], measures, layout: 'grouped' }));
    expectWellFormed(lineChart({ title: 'Empty', labels: [], values: [], color: '#000', kind: 'count', format: String }));
    expectWellFormed(
      lineChart({ title: 'Gaps', labels: ['a', 'b', 'c'], values: [null, 3, null], color: '#000', kind: 'percent', format: String }),
    );
    expectWellFormed(meter({ title: 'Zero', total: 0, segments: [] }));
  });

  it('escapes every label, title and colour', () => {
    const svgs = [
      stackedBarChart({
        title: HOSTILE,
        description: HOSTILE,
        categories: [{ label: HOSTILE, name: HOSTILE, values: { [HOSTILE]: 1 } }],
        series: [{ key: HOSTILE, label: HOSTILE, color: HOSTILE }],
      }),
      horizontalBarChart({
        title: HOSTILE,
        rows: [{ label: HOSTILE, sublabel: HOSTILE, values: [3], highlight: true }],
        measures: [{ label: HOSTILE, color: HOSTILE, kind: 'count', format: () => HOSTILE }],
        layout: 'grouped',
        threshold: { value: 2, label: HOSTILE },
      }),
      lineChart({ title: HOSTILE, labels: [HOSTILE, HOSTILE], values: [1, 2], color: HOSTILE, kind: 'money', format: () => HOSTILE }),
      meter({ title: HOSTILE, total: 2, segments: [{ value: 1, color: HOSTILE, label: HOSTILE }] }),
    ];
    for (const svg of svgs) {
      expect(wellFormedProblems(svg)).toEqual([]);
      expect(svg).not.toContain('<script');
      expect(svg).not.toContain('<img');
    }
  });

  it('gives MTTA and MTTR their own axes in panel layout', () => {
    const svg = horizontalBarChart({
      title: 'Response',
      rows: [{ label: 'Business hours', values: [188, 4380] }],
      measures: [
        { label: 'MTTA', color: '#111111', kind: 'duration', format: formatDuration },
        { label: 'MTTR', color: '#222222', kind: 'duration', format: formatDuration },
      ],
      layout: 'panels',
    });
    expectWellFormed(svg);
    expect(svg).toContain('>3m 08s</text>');
    expect(svg).toContain('>1h 13m</text>');
    expect(svg).toContain('>4m</text>'); // MTTA axis in minutes
    expect(svg).toContain('>1h</text>'); // MTTR axis in hours
  });

  it('leaves a gap in a line where a month has no value', () => {
    const svg = lineChart({
      title: 'SLA',
      labels: ['a', 'b', 'c', 'd'],
      values: [90, 91, null, 95],
      color: '#000',
      kind: 'percent',
      format: (v) => `${v}%`,
    });
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });
});
