/**
 * Events that could not be applied, as an admin sees them: each with its
 * error and the body as received, and a Retry button for once the cause is
 * fixed. Shown only to admins (the API refuses everyone else), and only when
 * there is something to see.
 */
import { useState } from 'react';
import { ApiError, api } from '../api';
import type { QuarantinedList, RetryResult } from '../api';
import { ErrorNote, Panel } from '../components/ui';
import { useSession } from '../context';
import { useResource } from '../hooks';
import { formatPrecise } from '../time';

export function QuarantinedEvents({ engagementId }: { engagementId: string }) {
  const { me, announce } = useSession();
  const admin = me.token.role === 'admin';
  const r = useResource<QuarantinedList>(admin ? `/events/quarantined?engagement=${encodeURIComponent(engagementId)}&limit=50` : null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | undefined>(undefined);
  const events = r.data?.events ?? [];
  if (!admin || (events.length === 0 && !r.error)) return null;

  const retry = async (ids: number[] | 'all') => {
    setBusy(true);
    setFailure(undefined);
    try {
      const res = await api<RetryResult>(
        'POST',
        `/events/quarantined/retry?engagement=${encodeURIComponent(engagementId)}`,
        ids === 'all' ? { all: true } : { ids },
      );
      announce(`${res.retried.length} event(s) back in the queue`);
      r.reload();
    } catch (err) {
      setFailure(err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel
      title={`Events that could not be applied (${events.length}${events.length === 50 ? '+' : ''})`}
      icon="alert"
      id="quarantined"
      className="quarantine"
      actions={
        events.length > 1 ? (
          <button type="button" className="btn" disabled={busy} onClick={() => void retry('all')}>
            Retry all
          </button>
        ) : undefined
      }
    >
      <p className="muted small">
        Each was accepted (its sender got a 202) but could not be applied to alerts and incidents, so it was set aside while every event
        after it went on. Fix the cause, then retry: an event that fails again comes back here with its new error.{' '}
        <code>tandem events list</code> shows the same.
      </p>
      {r.error ? <ErrorNote error={r.error} what="the quarantined events" /> : null}
      {failure ? <ErrorNote error={failure} what="the retry" /> : null}
      <ul className="quarantine-list" aria-label="Quarantined events">
        {events.map((e) => (
          <li key={e.id}>
            <div className="quarantine-head">
              <strong>Event #{e.id}</strong> · {e.service} · {e.integration} · received {formatPrecise(e.received_at)}
              <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void retry([e.id])}>
                Retry
              </button>
            </div>
            <pre className="quarantine-error">{e.error}</pre>
            <details>
              <summary>Body as received{e.raw_truncated ? ' (first 4 KB)' : ''}</summary>
              <pre className="quarantine-raw">{e.raw}</pre>
            </details>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
