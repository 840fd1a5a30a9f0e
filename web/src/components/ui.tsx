/** Small building blocks shared by the views. */
import type { ReactNode } from 'react';
import type { ApiError, Incident, Side, SlaClock, Status } from '../api';
import { isMissingEndpoint } from '../api';
import { urgentClock } from '../live';
import { useNow } from '../ticker';
import { formatCountdown, formatDuration } from '../time';
import { Icon } from './icons';
import type { IconName } from './icons';

export const STATUS_LABEL: Record<Status, string> = {
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  waiting_on_customer: 'Waiting on customer',
  waiting_on_vendor: 'Waiting on vendor',
  resolved: 'Resolved',
};

export function PriorityBadge({ priority }: { priority: string | null }) {
  const p = priority ?? '—';
  return (
    <span className={`prio prio-${p.toLowerCase()}`} title={priority ? `Priority ${priority}` : 'No priority'}>
      {p}
    </span>
  );
}

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`status status-${status}`}>
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </span>
  );
}

export function SideBadge({ side, name }: { side: Side | null; name?: string | undefined }) {
  if (!side) return <span className="side side-none">Unrouted</span>;
  return <span className={`side side-${side}`}>{name ?? (side === 'internal' ? 'Internal' : 'Partner')}</span>;
}

/** Live SLA state of one clock: time left (ticking), paused, met or breached. A clock without a target (its figures null) has no time left to show. */
export function clockState(
  c: SlaClock,
  now: number,
): { tone: 'ok' | 'warn' | 'danger' | 'paused' | 'met' | 'muted'; text: string; pct: number } {
  const pct = Math.max(0, Math.min(100, c.percent_used ?? 0));
  const paused = c.remaining_s === null ? 'Paused' : `Paused · ${formatDuration(c.remaining_s)} left`;
  switch (c.status) {
    case 'met':
      return { tone: 'met', text: 'Met', pct };
    case 'not_applicable':
      return { tone: 'muted', text: 'n/a', pct: 0 };
    case 'breached': {
      const since = c.breached_at ?? c.deadline;
      return { tone: 'danger', text: since ? `Breached ${formatDuration((now - Date.parse(since)) / 1000)} ago` : 'Breached', pct: 100 };
    }
    case 'paused':
      return { tone: 'paused', text: paused, pct };
    default: {
      if (c.paused) return { tone: 'paused', text: paused, pct };
      const deadline = c.deadline ? Date.parse(c.deadline) : c.remaining_s === null ? undefined : now + c.remaining_s * 1000;
      if (deadline === undefined) return { tone: 'muted', text: 'No target', pct: 0 };
      const left = deadline - now;
      const livePct = c.target_s ? Math.min(100, Math.max(0, 100 - (left / 1000 / c.target_s) * 100)) : pct;
      if (left <= 0) return { tone: 'danger', text: `Overdue ${formatDuration(-left / 1000)}`, pct: 100 };
      return { tone: livePct >= 90 ? 'danger' : livePct >= 75 ? 'warn' : 'ok', text: `${formatCountdown(left)} left`, pct: livePct };
    }
  }
}

/** A clock's terms: "within 15m (24×7)"; no target and no clock (an SLA gone from the engagement file) are said so. */
export function slaTerms(c: SlaClock): string {
  const within = c.target_s === null ? 'no target' : `within ${formatDuration(c.target_s)}`;
  return c.clock === null ? within : `${within} (${c.clock === '24x7' ? '24×7' : c.clock.replace(/_/g, ' ')})`;
}

/** The most urgent SLA clock of an incident, ticking; "—" when the incident has none. */
export function SlaCell({ incident }: { incident: Incident }) {
  const now = useNow();
  const u = urgentClock(incident.sla, now);
  if (!u) {
    const met = incident.sla?.some((c) => c.status === 'met');
    return <span className="sla-cell muted">{met ? 'Met' : '—'}</span>;
  }
  const s = clockState(u.clock, now);
  return (
    <span className={`sla-cell tone-${s.tone}`} title={`${u.clock.sla}: ${u.clock.kind} ${slaTerms(u.clock)}`}>
      <span className="sla-kind">{u.clock.kind === 'respond' ? 'Respond' : 'Resolve'}</span>
      <span className="sla-time">{s.text}</span>
      <span className="meter" aria-hidden="true">
        <span style={{ width: `${s.pct}%` }} />
      </span>
    </span>
  );
}

export function Panel({
  title,
  icon,
  actions,
  children,
  className,
  id,
}: {
  title: ReactNode;
  icon?: IconName;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  id?: string;
}) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={`panel${className ? ` ${className}` : ''}`} aria-labelledby={headingId} id={id}>
      <header className="panel-head">
        <h2 id={headingId}>
          {icon ? <Icon name={icon} /> : null}
          {title}
        </h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function Empty({ icon = 'checkCircle', title, children }: { icon?: IconName; title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <Icon name={icon} size={28} />
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-text">{children}</div> : null}
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

/** An API error as a message; a 404 of an endpoint this server does not have yet reads "not available". */
export function ErrorNote({ error, what }: { error: ApiError; what?: string }) {
  if (isMissingEndpoint(error)) {
    return (
      <Empty icon="ban" title={`${what ?? 'This'} is not available on this server`}>
        The server does not offer this endpoint yet. Upgrade Tandem to see it here.
      </Empty>
    );
  }
  return (
    <div className="error-note" role="alert">
      <Icon name="alert" />
      <span>
        {error.message}
        {error.code && error.status ? <code>{error.code}</code> : null}
      </span>
    </div>
  );
}

export function fnLabel(fn: string): string {
  return fn.replace(/_/g, ' ');
}

/** "a, b and c" */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}
