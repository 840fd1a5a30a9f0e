/**
 * Performance: MTTA, MTTR and SLA attainment over recent months, one
 * month's breakdowns and service credits, and the monthly review report.
 * The metrics endpoints may be missing on an older server: each panel then
 * says so instead of failing.
 */
import { useState } from 'react';
import type { ReactNode } from 'react';
import type { Credits, Metrics, MonthlyMetrics } from '../api';
import { BarChart } from '../components/BarChart';
import { Icon } from '../components/icons';
import { Empty, ErrorNote, Loading, Panel, PriorityBadge } from '../components/ui';
import { useSession } from '../context';
import { useResource, useTitle } from '../hooks';
import { Link, setQuery, useLocation } from '../router';
import { formatDuration, fromZoned, monthLabel, monthOf, shiftMonth } from '../time';
import { EngagementPicker, useEngagementParam } from './EngagementPicker';

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10}%`);

function money(amount: number | null | undefined, currency: string | undefined): string {
  if (amount === null || amount === undefined) return '—';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency ?? 'USD', maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${amount} ${currency ?? ''}`.trim();
  }
}

export function PerformanceView() {
  useTitle('Performance');
  const { engagements } = useSession();
  const engagementId = useEngagementParam();
  const engagement = engagements.find((e) => e.id === engagementId);
  const tz = engagement?.timezone ?? 'UTC';
  const location = useLocation();
  const current = monthOf(Date.now());
  const asked = location.query.get('month');
  const month = asked && /^\d{4}-\d{2}$/.test(asked) ? asked : current;
  const [y, m] = month.split('-').map(Number);
  const from = new Date(fromZoned(y ?? 2000, m ?? 1, 1, 0, 0, tz)).toISOString();
  const next = shiftMonth(month, 1);
  const [ny, nm] = next.split('-').map(Number);
  // Up to when this page opened (a stable instant: the request must not change on every render).
  const [opened] = useState(() => Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
  const to = new Date(Math.min(opened, fromZoned(ny ?? 2000, nm ?? 1, 1, 0, 0, tz))).toISOString();
  const base = `/engagements/${encodeURIComponent(engagementId)}`;

  const monthly = useResource<MonthlyMetrics>(engagementId ? `${base}/metrics/monthly?months=6` : null);
  const metrics = useResource<Metrics>(
    engagementId ? `${base}/metrics?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}` : null,
  );
  const credits = useResource<Credits>(engagementId ? `${base}/credits?month=${month}` : null);
  const reportUrl = `/api/v1${base}/reports/monthly?month=${month}`;
  const months = Array.from({ length: 12 }, (_, i) => shiftMonth(current, -i));

  const sla = metrics.data?.sla_attainment ?? [];
  const slaTotal = sla.reduce((s, r) => s + r.total, 0);
  const slaMet = sla.reduce((s, r) => s + r.met, 0);
  const slaPct = metrics.data?.sla_attainment_pct ?? (slaTotal ? (slaMet / slaTotal) * 100 : null);

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Performance</h1>
          <p className="muted">
            {engagement?.name} · {monthLabel(month)}
            {month === current ? ' (to date)' : ''}
          </p>
        </div>
        <div className="page-tools">
          <EngagementPicker value={engagementId} />
          <label className="select inline-select">
            <span>Month</span>
            <select value={month} onChange={(e) => setQuery({ month: e.target.value === current ? null : e.target.value })}>
              {months.map((mo) => (
                <option key={mo} value={mo}>
                  {monthLabel(mo)}
                </option>
              ))}
            </select>
          </label>
          <a className="btn btn-sm" href={reportUrl} target="_blank" rel="noopener">
            <Icon name="external" /> Open monthly review
          </a>
          <a className="btn btn-sm" href={`${reportUrl}&format=pdf`} download={`tandem-${engagementId}-${month}.pdf`}>
            <Icon name="download" /> Download PDF
          </a>
        </div>
      </header>

      <section className="kpis" aria-label={`Key figures for ${monthLabel(month)}`}>
        <Kpi label="Incidents" value={metrics.data ? metrics.data.incidents.toLocaleString() : '—'} />
        <Kpi label="MTTA" hint="trigger to first acknowledge" value={metrics.data ? formatDuration(metrics.data.mtta_s) : '—'} />
        <Kpi label="MTTR" hint="trigger to resolve" value={metrics.data ? formatDuration(metrics.data.mttr_s) : '—'} />
        <Kpi
          label="SLA attainment"
          value={pct(slaPct)}
          hint={slaTotal ? `${slaMet} of ${slaTotal} targets met` : metrics.data ? 'no SLA targets due yet' : undefined}
          tone={slaPct !== null && slaPct < 95 ? 'warn' : undefined}
        />
        <Kpi
          label="Service credits"
          value={credits.data ? money(credits.data.credit_amount, credits.data.currency) : '—'}
          hint={credits.data ? `${pct(credits.data.credit_percent)} of the fee${credits.data.capped ? ', capped' : ''}` : undefined}
          tone={credits.data && credits.data.credit_amount > 0 ? 'danger' : undefined}
        />
      </section>

      <Panel title="Last 6 months" icon="chart" id="trend">
        {monthly.error ? <ErrorNote error={monthly.error} what="Monthly metrics" /> : null}
        {monthly.loading && !monthly.data ? <Loading /> : null}
        {monthly.data ? (
          monthly.data.months.length === 0 ? (
            <Empty icon="chart" title="No months with data yet" />
          ) : (
            <>
              <div className="charts">
                <BarChart
                  title="Incidents"
                  bars={monthly.data.months.map((x) => ({ label: monthLabel(x.month).split(' ')[0] ?? x.month, value: x.incidents }))}
                  format={(v) => String(v)}
                />
                <BarChart
                  title="MTTA"
                  tone="accent"
                  bars={monthly.data.months.map((x) => ({ label: monthLabel(x.month).split(' ')[0] ?? x.month, value: x.mtta_s }))}
                  format={(v) => formatDuration(v)}
                />
                <BarChart
                  title="MTTR"
                  tone="warn"
                  bars={monthly.data.months.map((x) => ({ label: monthLabel(x.month).split(' ')[0] ?? x.month, value: x.mttr_s }))}
                  format={(v) => formatDuration(v)}
                />
                <BarChart
                  title="SLA attainment"
                  tone="success"
                  max={100}
                  bars={monthly.data.months.map((x) => ({
                    label: monthLabel(x.month).split(' ')[0] ?? x.month,
                    value: x.sla_attainment_pct,
                  }))}
                  format={(v) => `${Math.round(v)}%`}
                />
              </div>
              <table className="table compact">
                <caption className="sr-only">Monthly figures</caption>
                <thead>
                  <tr>
                    <th scope="col">Month</th>
                    <th scope="col" className="num">
                      Incidents
                    </th>
                    <th scope="col" className="num">
                      MTTA
                    </th>
                    <th scope="col" className="num">
                      MTTR
                    </th>
                    <th scope="col" className="num">
                      SLA attainment
                    </th>
                    <th scope="col" className="num">
                      Credits
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {monthly.data.months.map((x) => (
                    <tr key={x.month} className={x.month === month ? 'selected' : undefined}>
                      <th scope="row">
                        <button
                          type="button"
                          className="link-btn"
                          onClick={() => setQuery({ month: x.month === current ? null : x.month })}
                        >
                          {monthLabel(x.month)}
                        </button>
                      </th>
                      <td className="num">{x.incidents}</td>
                      <td className="num">{formatDuration(x.mtta_s)}</td>
                      <td className="num">{formatDuration(x.mttr_s)}</td>
                      <td className="num">{pct(x.sla_attainment_pct)}</td>
                      <td className="num">{money(x.credits_amount, monthly.data?.currency ?? credits.data?.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        ) : null}
      </Panel>

      {metrics.error ? (
        <Panel title={`${monthLabel(month)} in detail`} icon="activity">
          <ErrorNote error={metrics.error} what="Metrics" />
        </Panel>
      ) : null}
      {metrics.loading && !metrics.data ? <Loading label="Loading metrics" /> : null}
      {metrics.data ? <Breakdowns metrics={metrics.data} /> : null}

      <Panel title={`Service credits · ${monthLabel(month)}`} icon="shield" id="credits">
        {credits.error ? <ErrorNote error={credits.error} what="Credits" /> : null}
        {credits.loading && !credits.data ? <Loading /> : null}
        {credits.data ? (
          <>
            <p className="credit-line">
              <strong>{money(credits.data.credit_amount, credits.data.currency)}</strong> owed by the partner (
              {pct(credits.data.credit_percent)} of the monthly fee{credits.data.capped ? ', at the contract cap' : ''}) for{' '}
              {credits.data.breaches.length} SLA breach{credits.data.breaches.length === 1 ? '' : 'es'}.
            </p>
            {credits.data.breaches.length ? (
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Incident</th>
                    <th scope="col">SLA</th>
                    <th scope="col">Priority</th>
                    <th scope="col">Target missed</th>
                  </tr>
                </thead>
                <tbody>
                  {credits.data.breaches.map((b) => (
                    <tr key={`${b.incident}-${b.sla}-${b.kind}`}>
                      <td>
                        <Link to={`/incidents/${b.incident}`} className="mono">
                          {b.incident}
                        </Link>
                      </td>
                      <td>{b.sla}</td>
                      <td>
                        <PriorityBadge priority={b.priority} />
                      </td>
                      <td>{b.kind}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty title="No breaches this month" />
            )}
          </>
        ) : null}
      </Panel>
    </div>
  );
}

function Kpi({
  label,
  value,
  hint,
  tone,
}: {
  label: string;
  value: string;
  hint?: string | undefined;
  tone?: 'warn' | 'danger' | undefined;
}) {
  return (
    <div className={`kpi${tone ? ` kpi-${tone}` : ''}`}>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      {hint ? <span className="kpi-hint">{hint}</span> : null}
    </div>
  );
}

function Breakdowns({ metrics }: { metrics: Metrics }) {
  return (
    <div className="grid-2">
      <Panel title="By priority" icon="flag">
        <Table
          head={['Priority', 'Incidents', 'MTTA', 'MTTR']}
          rows={metrics.by_priority.map((r) => [
            <PriorityBadge key="p" priority={r.priority} />,
            r.incidents,
            formatDuration(r.mtta_s),
            formatDuration(r.mttr_s),
          ])}
        />
      </Panel>
      <Panel title="By side and window" icon="users">
        <Table
          head={['Side', 'Incidents', 'MTTA', 'MTTR']}
          rows={metrics.by_side.map((r) => [r.name, r.incidents, formatDuration(r.mtta_s), formatDuration(r.mttr_s)])}
        />
        <Table
          head={['Window', 'Incidents', 'MTTA', 'MTTR']}
          rows={metrics.by_window.map((r) => [
            r.window.replace(/_/g, ' '),
            r.incidents,
            formatDuration(r.mtta_s),
            formatDuration(r.mttr_s),
          ])}
        />
      </Panel>
      <Panel title="SLA attainment" icon="clock">
        <Table
          empty="No SLA targets came due in this period."
          head={['SLA', 'Priority', 'Target', 'Met', 'Breached', 'Attainment']}
          rows={metrics.sla_attainment.map((r) => [r.sla, r.priority, r.kind, r.met, r.breached, pct(r.pct)])}
        />
      </Panel>
      <Panel title="Pages per person" icon="megaphone">
        <Table
          empty="Nobody was paged in this period."
          head={['Person', 'Side', 'Pages', 'At night']}
          rows={metrics.pages.map((r) => [
            r.name,
            r.side === 'internal' ? 'Internal' : r.side === 'partner' ? 'Partner' : '—',
            r.pages,
            r.night_pages,
          ])}
        />
      </Panel>
      <Panel title="By service" icon="activity">
        <Table
          head={['Service', 'Incidents', 'MTTA', 'MTTR']}
          rows={metrics.by_service.map((r) => [r.name, r.incidents, formatDuration(r.mtta_s), formatDuration(r.mttr_s)])}
        />
      </Panel>
      <Panel title="Noisiest services" icon="bell">
        <Table
          head={['Service', 'Incidents', 'Alerts', 'Events']}
          rows={metrics.noisy_services.map((r) => [r.name, r.incidents, r.alerts, r.events])}
        />
      </Panel>
    </div>
  );
}

function Table({ head, rows, empty = 'No incidents in this period.' }: { head: string[]; rows: Array<Array<ReactNode>>; empty?: string }) {
  if (rows.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <table className="table compact">
      <thead>
        <tr>
          {head.map((h, i) => (
            <th key={h} scope="col" className={i > 0 ? 'num' : undefined}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) =>
              j === 0 ? (
                <th key={j} scope="row">
                  {c}
                </th>
              ) : (
                <td key={j} className="num">
                  {c}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
