/**
 * Security (issue 11): the SOC's page. How many vulnerability findings are
 * overdue (in the header, red when any are), the open Sigma detections with
 * their incident, rule, level and ATT&CK techniques, findings by severity
 * and status, and the findings due next (KEV ones marked). One read of
 * GET /security, read again when incidents change (a new detection opens
 * one) and when the page is shown again.
 */
import { useEffect, useRef } from 'react';
import type { Detection, FindingCounts, SecuritySummary, VulnerabilityFinding } from '../api';
import { Icon } from '../components/icons';
import { Empty, ErrorNote, Loading, Panel, PriorityBadge, StatusBadge } from '../components/ui';
import { useSession } from '../context';
import { useResource, useTitle } from '../hooks';
import { useIncidents } from '../live';
import { Link } from '../router';
import { useNow } from '../ticker';
import { formatDateTime, formatRelative } from '../time';
import { EngagementPicker, useEngagementParam } from './EngagementPicker';

const SEVERITY_LABEL: Record<FindingCounts['severity'], string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

/** "25 Apr 2022": due dates may be years back (a KEV due date), so the year is always shown. */
const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

export function SecurityView() {
  useTitle('Security');
  const { engagements } = useSession();
  const engagementId = useEngagementParam();
  const name = engagements.find((e) => e.id === engagementId)?.name ?? engagementId;
  const r = useResource<SecuritySummary>(engagementId ? `/security?engagement=${encodeURIComponent(engagementId)}` : null);
  useReloadOnIncidentChange(r.reload);
  const s = r.data;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Security</h1>
          <p className="muted">{name} · Sigma detections and vulnerability findings</p>
        </div>
        <div className="page-tools">
          {s ? <OverdueBadge count={s.overdue} /> : null}
          <EngagementPicker value={engagementId} />
        </div>
      </header>
      {r.error ? <ErrorNote error={r.error} what="The security summary" /> : null}
      {!s && !r.error ? <Loading label="Loading detections and findings" /> : null}
      {s ? (
        <>
          <Detections summary={s} />
          <div className="sec-grid">
            <FindingsBySeverity counts={s.findings.by_severity} />
            <DueNext findings={s.findings.next_due} />
          </div>
        </>
      ) : null}
    </div>
  );
}

/** Reads the summary again shortly after incidents change (a burst of changes is one read). */
function useReloadOnIncidentChange(reload: () => void): void {
  const version = useIncidents();
  const seen = useRef(version);
  useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    const t = window.setTimeout(reload, 750);
    return () => window.clearTimeout(t);
  }, [version, reload]);
}

function OverdueBadge({ count }: { count: number }) {
  return (
    <p className={`sec-overdue${count > 0 ? ' sec-overdue-danger' : ''}`} id="overdue-count">
      <Icon name={count > 0 ? 'alert' : 'checkCircle'} />
      {count > 0 ? (
        <span>
          <strong>{count}</strong> {count === 1 ? 'finding' : 'findings'} overdue
        </span>
      ) : (
        <span>No findings overdue</span>
      )}
    </p>
  );
}

function Detections({ summary }: { summary: SecuritySummary }) {
  const { detections, detections_total: total } = summary;
  const now = useNow();
  return (
    <Panel title={`Open detections (${total})`} icon="shield" id="detections">
      {detections.length === 0 ? (
        <Empty title="No open detections">A Sigma rule that matches an incoming security event opens one here.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table sec-detections">
            <caption className="sr-only">
              Open detections: the incident each opened, the Sigma rule and its level, ATT&amp;CK techniques, host, service and hits
            </caption>
            <thead>
              <tr>
                <th scope="col">Incident</th>
                <th scope="col">Rule</th>
                <th scope="col">ATT&amp;CK</th>
                <th scope="col">Host</th>
                <th scope="col">Service</th>
                <th scope="col">First hit</th>
                <th scope="col">Last hit</th>
                <th scope="col" className="num">
                  Hits
                </th>
              </tr>
            </thead>
            <tbody>
              {detections.map((d) => (
                <DetectionRow key={d.alert_id} detection={d} now={now} />
              ))}
            </tbody>
          </table>
          {total > detections.length ? (
            <p className="muted small">
              Showing the {detections.length} most urgent of {total} open detections.
            </p>
          ) : null}
        </div>
      )}
    </Panel>
  );
}

function DetectionRow({ detection: d, now }: { detection: Detection; now: number }) {
  return (
    <tr>
      <th scope="row">
        <span className="sec-incident">
          <PriorityBadge priority={d.incident.priority} />
          <Link to={`/incidents/${d.incident.number}`} className="mono">
            {d.incident.number}
          </Link>
        </span>
        <StatusBadge status={d.incident.status} />
      </th>
      <td>
        <span className="block">{d.rule.title}</span>
        <span className={`alert-sev detection-${d.rule.level}`}>{d.rule.level}</span>
      </td>
      <td>
        {d.techniques.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <ul className="sec-techniques">
            {d.techniques.map((t) => (
              <li key={t.id}>
                <span className="mono">{t.id}</span> {t.name ?? <span className="muted">(name not known)</span>}
              </li>
            ))}
          </ul>
        )}
        {d.tactics.length > 0 ? <span className="muted small block">{d.tactics.join(', ')}</span> : null}
      </td>
      <td className="mono">{d.host ?? <span className="muted">—</span>}</td>
      <td>{d.service.name}</td>
      <td>
        <time dateTime={d.first_hit} title={formatDateTime(d.first_hit)}>
          {formatRelative(d.first_hit, now)}
        </time>
      </td>
      <td>
        <time dateTime={d.last_hit} title={formatDateTime(d.last_hit)}>
          {formatRelative(d.last_hit, now)}
        </time>
      </td>
      <td className="num">{d.hits}</td>
    </tr>
  );
}

function FindingsBySeverity({ counts }: { counts: readonly FindingCounts[] }) {
  const total = counts.reduce((n, c) => n + c.open + c.overdue + c.excepted, 0);
  return (
    <Panel title="Findings by severity" icon="flag" id="findings">
      {total === 0 ? (
        <Empty title="No open findings">Import a scan (tandem vulns import) to track its findings here.</Empty>
      ) : (
        <table className="table compact">
          <caption className="sr-only">Findings not fixed, by severity and status</caption>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col" className="num">
                Open
              </th>
              <th scope="col" className="num">
                Overdue
              </th>
              <th scope="col" className="num">
                Excepted
              </th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {counts.map((c) => (
              <tr key={c.severity}>
                <th scope="row">
                  <span className={`alert-sev detection-${c.severity}`}>{SEVERITY_LABEL[c.severity]}</span>
                </th>
                <td className="num">{c.open}</td>
                <td className={`num${c.overdue > 0 ? ' sec-danger' : ''}`}>{c.overdue}</td>
                <td className="num">{c.excepted}</td>
                <td className="num">{c.open + c.overdue + c.excepted}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function DueNext({ findings }: { findings: readonly VulnerabilityFinding[] }) {
  const now = useNow();
  return (
    <Panel title="Due next" icon="clock" id="due">
      {findings.length === 0 ? (
        <Empty title="Nothing due">No open finding has a deadline.</Empty>
      ) : (
        <table className="table compact sec-due">
          <caption className="sr-only">
            The findings due soonest, overdue ones first; KEV marks a CVE in CISA&apos;s Known Exploited Vulnerabilities catalog
          </caption>
          <thead>
            <tr>
              <th scope="col">Due</th>
              <th scope="col">Severity</th>
              <th scope="col">Finding</th>
              <th scope="col">Asset</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((f) => (
              <tr key={f.id}>
                <td>
                  <time dateTime={f.due_at} title={formatDateTime(f.due_at)}>
                    {day.format(Date.parse(f.due_at))}
                  </time>
                  <span className={`small block${f.status === 'overdue' ? ' sec-danger' : ' muted'}`}>
                    {f.status === 'overdue'
                      ? `overdue ${formatRelative(f.due_at, now).replace(/ ago$/, '')}`
                      : formatRelative(f.due_at, now)}
                  </span>
                </td>
                <td>
                  <span className={`alert-sev detection-${f.severity}`}>{SEVERITY_LABEL[f.severity]}</span>
                </td>
                <th scope="row">
                  <span className="block">
                    {f.cve ? <span className="mono">{f.cve}</span> : null}
                    {f.kev ? (
                      <abbr className="sec-kev" title="In CISA's Known Exploited Vulnerabilities catalog">
                        KEV
                      </abbr>
                    ) : null}
                  </span>
                  <span className="small">{f.title}</span>
                  {f.package ? <span className="muted small block mono">{f.package}</span> : null}
                </th>
                <td className="mono small sec-asset">{f.asset}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
