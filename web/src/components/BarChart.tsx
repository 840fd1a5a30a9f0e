/** A small labelled bar chart in SVG; the same numbers are in a table next to it for screen readers. */
export interface Bar {
  label: string;
  value: number | null;
}

export function BarChart({
  bars,
  format,
  title,
  tone = 'accent',
  max,
}: {
  bars: Bar[];
  format: (v: number) => string;
  title: string;
  tone?: 'accent' | 'success' | 'warn' | 'danger';
  max?: number;
}) {
  const W = 320;
  const H = 150;
  const pad = { top: 20, bottom: 22, side: 6 };
  const top = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0));
  const slot = (W - pad.side * 2) / Math.max(1, bars.length);
  const bw = Math.min(34, slot * 0.62);
  const inner = H - pad.top - pad.bottom;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.value === null ? 'no data' : format(b.value)}`).join(', ')}`}
      >
        <line x1={pad.side} x2={W - pad.side} y1={H - pad.bottom} y2={H - pad.bottom} className="chart-axis" />
        {bars.map((b, i) => {
          const x = pad.side + slot * i + (slot - bw) / 2;
          const h = b.value === null ? 0 : Math.max(1.5, (b.value / top) * inner);
          const y = H - pad.bottom - h;
          return (
            <g key={b.label}>
              {b.value === null ? (
                <text x={x + bw / 2} y={H - pad.bottom - 6} textAnchor="middle" className="chart-value muted">
                  –
                </text>
              ) : (
                <>
                  <rect x={x} y={y} width={bw} height={h} rx={3} className={`chart-bar tone-${tone}`} />
                  <text x={x + bw / 2} y={y - 5} textAnchor="middle" className="chart-value">
                    {format(b.value)}
                  </text>
                </>
              )}
              <text x={x + bw / 2} y={H - 6} textAnchor="middle" className="chart-label">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
