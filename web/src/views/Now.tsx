/**
 * Now: the open queue across the token's engagements, by priority then SLA
 * time left, kept live by the stream; who answers right now on each side.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, canRespond } from '../api';
import type { Incident, IncidentResponse, Side } from '../api';
import { Icon } from '../components/icons';
import { ErrorNote, Loading, PriorityBadge, SideBadge, SlaCell, StatusBadge } from '../components/ui';
import { VirtualList } from '../components/VirtualList';
import type { VirtualListHandle } from '../components/VirtualList';
import { useSession } from '../context';
import { useShortcuts, useTitle } from '../hooks';
import { NEW_HIGHLIGHT_MS, incidents, urgentClock, useIncidents } from '../live';
import { Link, navigate, setQuery, useLocation } from '../router';
import { useNow } from '../ticker';
import { formatDateTime, formatRelative } from '../time';
import { CoverageBanner, OnCallPanel, useOnCall } from './OnCall';

const ROW_HEIGHT = 60;
type StatusFilter = 'all' | 'triggered' | 'acknowledged' | 'waiting';

let renderedMarked = false;

export function NowView() {
  useTitle('Now');
  const session = useSession();
  const version = useIncidents();
  const location = useLocation();
  const engagement = session.multi ? location.query.get('engagement') : null;
  const statusFilter = (location.query.get('status') ?? 'all') as StatusFilter;
  const [search, setSearch] = useState(location.query.get('q') ?? '');
  const onCall = useOnCall();
  const list = useRef<VirtualListHandle>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const [active, setActive] = useState(-1);
  const focusRow = useCallback((i: number) => setActive(i), []);

  const all = incidents.list(engagement);
  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    if (!q && statusFilter === 'all') return all;
    return all.filter((i) => {
      if (statusFilter === 'triggered' && i.status !== 'triggered') return false;
      if (statusFilter === 'acknowledged' && i.status !== 'acknowledged') return false;
      if (statusFilter === 'waiting' && i.status !== 'waiting_on_customer' && i.status !== 'waiting_on_vendor') return false;
      return !q || i.number.toLowerCase().includes(q) || i.title.toLowerCase().includes(q) || i.service.name.toLowerCase().includes(q);
    });
  }, [all, search, statusFilter]);

  const stats = useMemo(() => {
    const now = Date.now();
    let triggered = 0;
    let p1 = 0;
    let breached = 0;
    for (const i of all) {
      if (i.status === 'triggered') triggered++;
      if (i.priority === 'P1') p1++;
      const u = urgentClock(i.sla, now);
      if (u && (u.clock.status === 'breached' || (u.clock.status === 'running' && !u.clock.paused && u.due < now))) breached++;
    }
    return { open: all.length, triggered, p1, breached };
  }, [all]);

  // Performance marks: the first time rows are on screen, when the whole queue is in, and every live update rendered.
  useEffect(() => {
    if (!renderedMarked && rows.length > 0) {
      renderedMarked = true;
      requestAnimationFrame(() => setTimeout(() => performance.mark('now:rendered', { detail: { rows: rows.length } }), 0));
    }
    if (incidents.loaded && !performance.getEntriesByName('now:complete').length) {
      requestAnimationFrame(() => setTimeout(() => performance.mark('now:complete', { detail: { rows: incidents.size } }), 0));
    }
  }, [rows.length, version]);
  useLayoutEffect(() => {
    if (incidents.appliedSinceRender.length === 0) return;
    const ids = incidents.appliedSinceRender;
    incidents.appliedSinceRender = [];
    performance.mark('now:live-rendered', { detail: { ids } });
  }, [version]);

  useEffect(() => {
    if (active < 0) return;
    list.current?.scrollToIndex(active);
    const t = requestAnimationFrame(() => {
      const link = list.current?.element()?.querySelector<HTMLAnchorElement>(`[data-index="${active}"] a.row-link`);
      link?.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(t);
  }, [active]);

  useShortcuts({
    '/': (e) => {
      e.preventDefault();
      searchBox.current?.focus();
    },
    j: () => setActive((a) => Math.min(rows.length - 1, a + 1)),
    k: () => setActive((a) => Math.max(0, a - 1)),
    ArrowDown: (e) => {
      if (!(document.activeElement instanceof HTMLElement && document.activeElement.classList.contains('row-link'))) return;
      e.preventDefault();
      setActive((a) => Math.min(rows.length - 1, a + 1));
    },
    ArrowUp: (e) => {
      if (!(document.activeElement instanceof HTMLElement && document.activeElement.classList.contains('row-link'))) return;
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    },
  });

  const sideNames = useMemo(() => {
    const m = new Map<string, Record<Side, string>>();
    for (const e of onCall.data?.engagements ?? []) m.set(e.id, { internal: e.sides.internal.name, partner: e.sides.partner.name });
    return m;
  }, [onCall.data]);

  const responder = canRespond(session.me.token.role);
  const headerCols = `queue-cols${session.multi ? ' queue-cols-multi' : ''}${responder ? '' : ' no-actions'}`;

  return (
    <div className="now">
      <CoverageBanner data={onCall.data} engagement={engagement} />
      <div className="now-grid">
        <section className="panel queue" aria-labelledby="queue-title">
          <header className="panel-head queue-head">
            <h1 id="queue-title">
              Open incidents{' '}
              <span className="count" data-stat="open">
                {stats.open.toLocaleString()}
              </span>
            </h1>
            <div className="stats" aria-label="Queue summary">
              <span className="stat stat-danger" data-stat="unacknowledged">
                <strong>{stats.triggered.toLocaleString()}</strong> unacknowledged
              </span>
              <span className="stat">
                <strong>{stats.p1.toLocaleString()}</strong> P1
              </span>
              <span className={`stat${stats.breached ? ' stat-danger' : ''}`}>
                <strong>{stats.breached.toLocaleString()}</strong> SLA breached
              </span>
            </div>
          </header>
          <div className="toolbar" role="search" aria-label="Filter the queue">
            <label className="search">
              <span className="sr-only">Search incidents</span>
              <input
                ref={searchBox}
                type="search"
                placeholder="Search number, title or service  ( / )"
                value={search}
                onChange={(e) => {
                  setSearch(e.target.value);
                  setActive(-1);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') {
                    setSearch('');
                    e.currentTarget.blur();
                  }
                }}
              />
            </label>
            <label className="select">
              <span className="sr-only">Status</span>
              <select value={statusFilter} onChange={(e) => setQuery({ status: e.target.value === 'all' ? null : e.target.value })}>
                <option value="all">All open</option>
                <option value="triggered">Unacknowledged</option>
                <option value="acknowledged">Acknowledged</option>
                <option value="waiting">Waiting</option>
              </select>
            </label>
            {session.multi ? (
              <label className="select">
                <span className="sr-only">Engagement</span>
                <select aria-label="Engagement" value={engagement ?? ''} onChange={(e) => setQuery({ engagement: e.target.value || null })}>
                  <option value="">All engagements</option>
                  {session.engagements.map((e) => (
                    <option key={e.id} value={e.id}>
                      {e.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            {rows.length !== all.length ? <span className="muted small">{rows.length.toLocaleString()} shown</span> : null}
          </div>
          <div className="queue-table" role="table" aria-label="Open incidents" aria-rowcount={rows.length + 1}>
            <div role="rowgroup">
              <div role="row" aria-rowindex={1} className={`queue-header ${headerCols}`}>
                <span role="columnheader">Pri</span>
                <span role="columnheader">Incident</span>
                {session.multi ? <span role="columnheader">Engagement</span> : null}
                <span role="columnheader">Status</span>
                <span role="columnheader">SLA</span>
                <span role="columnheader" className="col-side">
                  Owner
                </span>
                {responder ? (
                  <span role="columnheader">
                    <span className="sr-only">Actions</span>
                  </span>
                ) : null}
              </div>
            </div>
            {incidents.loadError && all.length === 0 ? <ErrorNote error={new ApiError(0, 'LOAD', incidents.loadError)} /> : null}
            {!incidents.loaded && all.length === 0 && !incidents.loadError ? <Loading label="Loading the queue" /> : null}
            {incidents.loaded && rows.length === 0 ? (
              <div className="queue-empty">
                <Icon name="checkCircle" size={28} />
                <p className="empty-title">{all.length === 0 ? 'No open incidents' : 'Nothing matches'}</p>
                <p className="muted">
                  {all.length === 0
                    ? 'New incidents appear here the moment they open.'
                    : 'Clear the search or filters to see the whole queue.'}
                </p>
              </div>
            ) : (
              <VirtualList
                ref={list}
                className="queue-list"
                count={rows.length}
                rowHeight={ROW_HEIGHT}
                rowKey={(i) => rows[i]?.id ?? i}
                rowClassName={(i) => `${headerCols}${i === active ? ' row-active' : ''}`}
                renderRow={(i) => {
                  const incident = rows[i];
                  return incident ? (
                    <Row
                      incident={incident}
                      multi={session.multi}
                      engagementName={session.engagementName(incident.engagement)}
                      sideName={incident.side ? sideNames.get(incident.engagement)?.[incident.side] : undefined}
                      responder={responder}
                      index={i}
                      onFocusRow={focusRow}
                    />
                  ) : null;
                }}
              />
            )}
            {incidents.loading && incidents.loaded === false && all.length > 0 ? (
              <p className="queue-loading" role="status">
                <span className="spinner" aria-hidden="true" /> Loading the rest of the queue… {all.length.toLocaleString()} so far
              </p>
            ) : null}
          </div>
        </section>
        <OnCallPanel data={onCall.data} error={onCall.error} loading={onCall.loading} engagement={engagement} />
      </div>
    </div>
  );
}

interface RowProps {
  incident: Incident;
  multi: boolean;
  engagementName: string;
  sideName: string | undefined;
  responder: boolean;
  index: number;
  onFocusRow: (index: number) => void;
}

const Row = memo(function Row({ incident, multi, engagementName, sideName, responder, index, onFocusRow }: RowProps) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const newAt = incidents.newAt.get(incident.id);
  const age = newAt === undefined ? NEW_HIGHLIGHT_MS : Date.now() - newAt;
  const href = `/incidents/${incident.number}`;

  async function acknowledge() {
    setBusy(true);
    try {
      const res = await api<IncidentResponse>('POST', `/incidents/${incident.id}/acknowledge`);
      incidents.applyNow(res.incident);
      session.announce(`Acknowledged ${incident.number}`);
    } catch (err) {
      session.announce(err instanceof Error ? `Could not acknowledge ${incident.number}: ${err.message}` : 'Could not acknowledge');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {age < NEW_HIGHLIGHT_MS ? <span className="row-flash" style={{ animationDelay: `-${age}ms` }} aria-hidden="true" /> : null}
      <span role="cell" className="cell-prio">
        <PriorityBadge priority={incident.priority} />
      </span>
      <span role="cell" className="cell-title">
        <Link
          to={href}
          className="row-link"
          onFocus={() => onFocusRow(index)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              navigate(href);
            }
          }}
        >
          <span className="row-title">{incident.title}</span>
        </Link>
        <span className="row-meta">
          <span className="mono">{incident.number}</span>
          <span aria-hidden="true"> · </span>
          {incident.service.name}
          {incident.alert_count > 1 ? <span className="row-alerts"> · {incident.alert_count} alerts</span> : null}
          <span aria-hidden="true"> · </span>
          opened <Age iso={incident.created_at} />
        </span>
      </span>
      {multi ? (
        <span role="cell" className="cell-eng">
          <span className="eng-tag">{engagementName}</span>
        </span>
      ) : null}
      <span role="cell">
        <StatusBadge status={incident.status} />
      </span>
      <span role="cell">
        <SlaCell incident={incident} />
      </span>
      <span role="cell" className="col-side">
        <SideBadge side={incident.side} name={sideName} />
      </span>
      {responder ? (
        <span role="cell" className="cell-action">
          {incident.status === 'triggered' ? (
            <button
              type="button"
              className="btn btn-sm btn-outline"
              disabled={busy}
              onClick={() => void acknowledge()}
              aria-label={`Acknowledge ${incident.number}`}
            >
              <Icon name="check" /> Ack
            </button>
          ) : null}
        </span>
      ) : null}
    </>
  );
});

function Age({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
