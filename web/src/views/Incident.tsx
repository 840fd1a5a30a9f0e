/**
 * One incident: what it is, its SLA clocks (ticking), its alerts (and, for a
 * security detection, the Sigma rule, ATT&CK techniques and matching event),
 * the full timeline with raw events, and the actions a responder takes. Viewers see
 * no action controls at all. Notifications link here: /incidents/ACME-42.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api, canRespond } from '../api';
import type {
  EngagementResponse,
  IncidentDetail,
  IncidentDetailResponse,
  IncidentResponse,
  SlaClock,
  Status,
  Ticket,
  TimelineEntry,
} from '../api';
import { Icon } from '../components/icons';
import type { IconName } from '../components/icons';
import { Empty, ErrorNote, Loading, Panel, PriorityBadge, SideBadge, StatusBadge, clockState, slaTerms } from '../components/ui';
import { useSession } from '../context';
import { useResource, useShortcuts, useTitle } from '../hooks';
import { incidents } from '../live';
import { Link } from '../router';
import { useNow } from '../ticker';
import { DetectionPanel, detectionOf } from './Detection';
import { formatDateTime, formatPrecise, formatRelative } from '../time';

const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'];

export function IncidentView({ reference }: { reference: string }) {
  const session = useSession();
  const r = useResource<IncidentDetailResponse>(`/incidents/${encodeURIComponent(reference)}`);
  const incident = r.data?.incident;
  useTitle(incident ? `${incident.number} ${incident.title}` : reference);
  const engagement = useResource<EngagementResponse>(incident ? `/engagements/${encodeURIComponent(incident.engagement)}` : null);
  const { reload } = r;

  // Any change pushed by the stream re-reads the incident (timeline entries included).
  const id = incident?.id;
  useEffect(() => {
    if (id === undefined) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const stop = incidents.watch((changed) => {
      if (changed.id !== id) return;
      if (t) clearTimeout(t);
      t = setTimeout(reload, 150);
    });
    return () => {
      stop();
      if (t) clearTimeout(t);
    };
  }, [id, reload]);

  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const p of engagement.data?.engagement.people ?? []) m.set(p.id, p.name);
    return m;
  }, [engagement.data]);

  if (r.error) {
    return (
      <div className="page">
        <Breadcrumb current={reference} />
        {r.error.status === 404 ? (
          <Empty icon="ban" title={`Incident ${reference} not found`}>
            It does not exist, or it belongs to an engagement your token does not cover.
          </Empty>
        ) : (
          <ErrorNote error={r.error} />
        )}
      </div>
    );
  }
  if (!incident) return <Loading label={`Loading ${reference}`} />;

  const sides = engagement.data?.engagement.sides;
  // The first alert that came from a Sigma rule (a detection incident has one per rule and host).
  const detection = incident.alerts.map(detectionOf).find((d) => d !== null) ?? null;
  const personName = (ref: string | null) => {
    if (!ref) return '—';
    const [type, id] = ref.split(':');
    if (type === 'person' && id) return names.get(id) ?? id;
    if (type === 'token' && id) return id === session.me.token.id ? 'you' : `API token ${id}`;
    if (type === 'integration' && id) return `${id} integration`;
    return ref;
  };

  return (
    <div className="page incident">
      <Breadcrumb current={incident.number} />
      <header className="incident-head">
        <div className="incident-title">
          <PriorityBadge priority={incident.priority} />
          <h1>{incident.title}</h1>
        </div>
        <div className="incident-meta">
          <span className="mono">{incident.number}</span>
          <StatusBadge status={incident.status} />
          <SideBadge side={incident.side} name={incident.side && sides ? sides[incident.side].name : undefined} />
          <span>
            <Icon name="activity" /> {incident.service.name}
          </span>
          {session.multi ? <span className="eng-tag">{session.engagementName(incident.engagement)}</span> : null}
          <span title={formatDateTime(incident.created_at)}>
            <Icon name="clock" /> opened <Relative iso={incident.created_at} />
          </span>
          {incident.acknowledged_at ? (
            <span>
              <Icon name="check" /> acknowledged by {personName(incident.acknowledged_by)} <Relative iso={incident.acknowledged_at} />
            </span>
          ) : null}
          {incident.resolved_at ? (
            <span>
              <Icon name="checkCircle" /> resolved by {personName(incident.resolved_by)} <Relative iso={incident.resolved_at} />
            </span>
          ) : null}
        </div>
      </header>
      {canRespond(session.me.token.role) ? <Actions incident={incident} onChanged={reload} /> : null}
      <div className="incident-grid">
        <div className="incident-main">
          <Panel
            title="Timeline"
            icon="activity"
            id="timeline"
            actions={<span className="muted small">{incident.timeline.length} entries · append-only</span>}
          >
            <Timeline entries={incident.timeline} names={names} />
            {canRespond(session.me.token.role) && incident.status !== 'resolved' ? <NoteForm incident={incident} onAdded={reload} /> : null}
          </Panel>
        </div>
        <aside className="incident-side" aria-label="Incident details">
          {detection ? (
            <Panel title="Detection" icon="shield" id="detection">
              <DetectionPanel detection={detection} />
            </Panel>
          ) : null}
          <Panel title="SLA clocks" icon="clock" id="sla">
            <SlaClocks sla={incident.sla} />
          </Panel>
          <Panel title={`Alerts (${incident.alerts.length})`} icon="bell" id="alerts">
            <ul className="alerts">
              {incident.alerts.map((a) => (
                <li key={a.id} className="alert-item">
                  <div className="alert-top">
                    <span className={`alert-status alert-${a.status}`}>{a.status}</span>
                    <span className="alert-sev">{a.severity}</span>
                    <span className="muted small">
                      {a.integration}
                      {a.event_count > 1 ? ` · ${a.event_count} events` : ''}
                    </span>
                  </div>
                  <p className="alert-summary">{a.summary}</p>
                  <p className="muted small">
                    <span className="mono">{a.dedup_key}</span>
                    {a.source ? ` · ${a.source}` : ''} · <Relative iso={a.created_at} />
                  </p>
                  {a.details !== null && a.details !== undefined ? (
                    <details>
                      <summary>Details</summary>
                      <pre className="code">{JSON.stringify(a.details, null, 2)}</pre>
                    </details>
                  ) : null}
                </li>
              ))}
            </ul>
          </Panel>
          {incident.tickets.length > 0 ? (
            <Panel title={`Tickets (${incident.tickets.length})`} icon="external" id="tickets">
              <Tickets tickets={incident.tickets} />
            </Panel>
          ) : null}
        </aside>
      </div>
    </div>
  );
}

/** The incident's tickets in external systems: system, side, key (a link once created), state and the last error. */
function Tickets({ tickets }: { tickets: Ticket[] }) {
  return (
    <ul className="alerts tickets" aria-label="Tickets">
      {tickets.map((t) => (
        <li key={`${t.ticketing}-${t.system}`} className="alert-item ticket-item">
          <div className="alert-top">
            <span className={`alert-status ticket-${t.state}`}>
              <span className="sr-only">State: </span>
              {t.state.replace('_', ' ')}
            </span>
            <span className="alert-sev">
              <span className="sr-only">System: </span>
              {t.system}
            </span>
            {t.side ? <span className="muted small">{t.side} side</span> : null}
          </div>
          <p className="alert-summary">
            {t.key && t.url ? (
              <a href={t.url} target="_blank" rel="noopener noreferrer" className="mono">
                {t.key}
              </a>
            ) : (
              <span className="mono">{t.key ?? 'not created yet'}</span>
            )}
          </p>
          {t.last_error ? (
            <p className="field-error ticket-error">
              <span className="sr-only">Last error: </span>
              {t.last_error}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Breadcrumb({ current }: { current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <ol>
        <li>
          <Link to="/">Now</Link>
        </li>
        <li aria-current="page">{current}</li>
      </ol>
    </nav>
  );
}

function Relative({ iso }: { iso: string | null }) {
  const now = useNow();
  return iso ? (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now)}
    </time>
  ) : null;
}

/** Without a scope (an older server, or no scope section), nothing is out of scope. */
const NO_LIMITS = { acknowledge: null, resolve: null, status: null, priority: null, note: null } as const;

function Actions({ incident, onChanged }: { incident: IncidentDetail; onChanged: () => void }) {
  const session = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [priority, setPriority] = useState(incident.priority ?? 'P3');
  useEffect(() => setPriority(incident.priority ?? 'P3'), [incident.priority]);

  async function run(name: string, path: string, body?: unknown) {
    setBusy(name);
    setError(null);
    try {
      const res = await api<IncidentResponse>('POST', `/incidents/${incident.id}${path}`, body);
      incidents.applyNow(res.incident);
      session.announce(`${name}: ${incident.number} is now ${res.incident.status.replace(/_/g, ' ')}`);
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err)));
    } finally {
      setBusy(null);
    }
  }

  useShortcuts({
    a: () => {
      if (incident.status === 'triggered' && !busy) void run('Acknowledge', '/acknowledge');
    },
  });

  if (incident.status === 'resolved') {
    return (
      <div className="actions actions-done" role="region" aria-label="Actions">
        <Icon name="checkCircle" /> Resolved. The timeline stays as the record.
      </div>
    );
  }
  const waiting = incident.status === 'waiting_on_customer' || incident.status === 'waiting_on_vendor';
  // What the engagement's scope keeps this person's side from doing here, and why (null = allowed).
  const why = incident.scope?.actions ?? NO_LIMITS;
  const reasons = [...new Set(Object.values(why).filter((r): r is string => r !== null))];
  const setStatus = (s: Status, label: string) => void run(label, '/status', { status: s });
  return (
    <div className="actions" role="region" aria-label="Actions">
      <div className="actions-row">
        {incident.status === 'triggered' ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy !== null || why.acknowledge !== null}
            title={why.acknowledge ?? undefined}
            onClick={() => void run('Acknowledge', '/acknowledge')}
            aria-keyshortcuts="a"
          >
            <Icon name="check" /> Acknowledge
          </button>
        ) : null}
        {waiting ? (
          <button
            type="button"
            className="btn"
            disabled={busy !== null || why.status !== null}
            title={why.status ?? undefined}
            onClick={() => setStatus('acknowledged', 'Back to acknowledged')}
          >
            <Icon name="check" /> Back to acknowledged
          </button>
        ) : null}
        {incident.status !== 'waiting_on_customer' ? (
          <button
            type="button"
            className="btn"
            disabled={busy !== null || why.status !== null}
            title={why.status ?? undefined}
            onClick={() => setStatus('waiting_on_customer', 'Waiting on customer')}
          >
            <Icon name="pause" /> Waiting on customer
          </button>
        ) : null}
        {incident.status !== 'waiting_on_vendor' ? (
          <button
            type="button"
            className="btn"
            disabled={busy !== null || why.status !== null}
            title={why.status ?? undefined}
            onClick={() => setStatus('waiting_on_vendor', 'Waiting on vendor')}
          >
            <Icon name="pause" /> Waiting on vendor
          </button>
        ) : null}
        <button
          type="button"
          className="btn btn-success"
          disabled={busy !== null || why.resolve !== null}
          title={why.resolve ?? undefined}
          onClick={() => void run('Resolve', '/resolve')}
        >
          <Icon name="checkCircle" /> Resolve
        </button>
        <form
          className="priority-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (priority !== incident.priority) void run('Change priority', '/priority', { priority });
          }}
        >
          <label htmlFor="priority">Priority</label>
          <select id="priority" value={priority} disabled={why.priority !== null} onChange={(e) => setPriority(e.target.value)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <button
            type="submit"
            className="btn btn-sm"
            disabled={busy !== null || priority === incident.priority || why.priority !== null}
            title={why.priority ?? undefined}
          >
            Change priority
          </button>
        </form>
      </div>
      {reasons.length > 0 ? (
        <ul className="scope-note muted small" aria-label="Out of scope">
          {reasons.map((r) => (
            <li key={r}>Out of scope: {r}</li>
          ))}
        </ul>
      ) : null}
      {busy ? (
        <p className="muted small" role="status">
          {busy}…
        </p>
      ) : null}
      {error ? <ErrorNote error={error} what="Changing the priority" /> : null}
    </div>
  );
}

function NoteForm({ incident, onAdded }: { incident: IncidentDetail; onAdded: () => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useShortcuts({
    n: (e) => {
      e.preventDefault();
      area.current?.focus();
    },
  });
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) {
      setError('Write something first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await api<IncidentResponse>('POST', `/incidents/${incident.id}/notes`, { text });
      incidents.applyNow(res.incident);
      setText('');
      onAdded();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="note-form" onSubmit={submit}>
      <label htmlFor="note">Note</label>
      <textarea
        id="note"
        ref={area}
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="What you found, what you did, what happens next. Both teams see it."
        aria-keyshortcuts="n"
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void submit(e);
        }}
      />
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="note-actions">
        <span className="muted small">Ctrl+Enter to send · notes cannot be edited later</span>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          <Icon name="note" /> Add note
        </button>
      </div>
    </form>
  );
}

export function SlaClocks({ sla }: { sla: SlaClock[] | undefined }) {
  const now = useNow();
  if (!sla) return <p className="muted">—</p>;
  if (sla.length === 0) return <p className="muted">No SLA applies to this incident.</p>;
  return (
    <ul className="sla-list">
      {sla.map((c) => {
        const s = clockState(c, now);
        return (
          <li key={`${c.sla}-${c.kind}`} className={`sla-item tone-${s.tone}`}>
            <div className="sla-item-top">
              <span className="sla-item-kind">{c.kind === 'respond' ? 'Respond' : 'Resolve'}</span>
              <span className="sla-item-state">{s.text}</span>
            </div>
            <div
              className="meter meter-lg"
              role="meter"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(s.pct)}
              aria-label={`${c.kind} SLA used`}
            >
              <span style={{ width: `${s.pct}%` }} />
            </div>
            <p className="muted small">
              {c.sla} · {c.priority} · {slaTerms(c)}
              {c.deadline && c.status === 'running' ? ` · due ${formatDateTime(c.deadline)}` : ''}
            </p>
          </li>
        );
      })}
    </ul>
  );
}

interface KindStyle {
  icon: IconName;
  tone: string;
  label: string;
}

export function kindStyle(kind: string): KindStyle {
  if (kind === 'incident.triggered') return { icon: 'bolt', tone: 'danger', label: 'Opened' };
  if (kind === 'incident.acknowledged') return { icon: 'check', tone: 'info', label: 'Acknowledged' };
  if (kind === 'incident.resolved') return { icon: 'checkCircle', tone: 'success', label: 'Resolved' };
  if (kind === 'incident.status') return { icon: 'pause', tone: 'warn', label: 'Status' };
  if (kind === 'incident.priority') return { icon: 'flag', tone: 'warn', label: 'Priority' };
  if (kind === 'incident.imported') return { icon: 'import', tone: 'muted', label: 'Imported' };
  if (kind === 'note') return { icon: 'note', tone: 'accent', label: 'Note' };
  if (kind === 'routing') return { icon: 'route', tone: 'muted', label: 'Routing' };
  if (kind === 'overflow') return { icon: 'route', tone: 'warn', label: 'Overflow' };
  if (kind === 'sla.warning') return { icon: 'clock', tone: 'warn', label: 'SLA warning' };
  if (kind === 'sla.breached') return { icon: 'alert', tone: 'danger', label: 'SLA breached' };
  if (kind === 'escalation.paged') return { icon: 'megaphone', tone: 'accent', label: 'Paged' };
  if (kind.startsWith('escalation.')) return { icon: 'megaphone', tone: 'muted', label: 'Escalation' };
  if (kind === 'notification.failed') return { icon: 'ban', tone: 'danger', label: 'Delivery failed' };
  if (kind.startsWith('notification.')) return { icon: 'send', tone: 'muted', label: 'Delivery' };
  if (kind === 'alert.resolved') return { icon: 'bell', tone: 'success', label: 'Alert resolved' };
  if (kind.startsWith('alert.')) return { icon: 'bell', tone: 'danger-soft', label: 'Alert' };
  return { icon: 'activity', tone: 'muted', label: kind };
}

function actorText(e: TimelineEntry, names: Map<string, string>, me: string): string {
  switch (e.actor.type) {
    case 'person':
      return e.actor.id ? (names.get(e.actor.id) ?? e.actor.id) : 'someone';
    case 'token':
      return e.actor.id === me ? 'you' : `API token ${e.actor.id ?? ''}`.trim();
    case 'integration':
      return `${e.actor.id ?? 'monitoring'} integration`;
    default:
      return 'Tandem';
  }
}

function prettyRaw(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function Timeline({ entries, names }: { entries: TimelineEntry[]; names: Map<string, string> }) {
  const session = useSession();
  return (
    <ol className="timeline">
      {entries.map((e) => {
        const k = kindStyle(e.kind);
        const hasData = e.data !== null && e.data !== undefined && !(typeof e.data === 'object' && Object.keys(e.data).length === 0);
        return (
          <li key={e.id} className={`tl tl-${k.tone}${e.kind === 'note' ? ' tl-note' : ''}`} data-kind={e.kind}>
            <span className="tl-icon" aria-hidden="true">
              <Icon name={k.icon} size={14} />
            </span>
            <div className="tl-body">
              <div className="tl-head">
                <span className="tl-kind">{k.label}</span>
                <span className="tl-actor">{actorText(e, names, session.me.token.id)}</span>
                <time className="tl-time" dateTime={e.at} title={new Date(e.at).toString()}>
                  {formatPrecise(e.at)}
                </time>
              </div>
              <p className="tl-message">{e.message}</p>
              {e.event?.raw || hasData ? (
                <div className="tl-more">
                  {e.event?.raw ? (
                    <details>
                      <summary>Raw event #{e.event.id}</summary>
                      <pre className="code">{prettyRaw(e.event.raw)}</pre>
                    </details>
                  ) : null}
                  {hasData ? (
                    <details>
                      <summary>Data</summary>
                      <pre className="code">{JSON.stringify(e.data, null, 2)}</pre>
                    </details>
                  ) : null}
                </div>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
