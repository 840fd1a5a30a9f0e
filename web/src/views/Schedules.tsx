/**
 * Schedules: a week per schedule, days down and hours across, with each
 * shift as a bar (overrides marked) and gaps, when nobody is on call,
 * highlighted. Times are in the engagement's time zone.
 */
import { useMemo } from 'react';
import type { ScheduleInfo, ScheduleList, ShiftsResponse } from '../api';
import { Icon } from '../components/icons';
import { Empty, ErrorNote, Loading } from '../components/ui';
import { useSession } from '../context';
import { useResource, useTitle } from '../hooks';
import { setQuery, useLocation } from '../router';
import { useNow } from '../ticker';
import { addDays, formatDay, formatInZone, fromZoned, startOfWeek, zoned } from '../time';
import { EngagementPicker, useEngagementParam } from './EngagementPicker';
import { shortZone } from './OnCall';

const PALETTE = 8;

export function SchedulesView() {
  useTitle('Schedules');
  const { engagements } = useSession();
  const engagementId = useEngagementParam();
  const engagement = engagements.find((e) => e.id === engagementId);
  const tz = engagement?.timezone ?? 'UTC';
  const location = useLocation();
  const now = useNow();
  const weekParam = location.query.get('week');
  const weekStart = useMemo(() => {
    const m = weekParam ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(weekParam) : null;
    const base = m ? fromZoned(Number(m[1]), Number(m[2]), Number(m[3]), 12, 0, tz) : Date.now();
    return startOfWeek(base, tz);
  }, [weekParam, tz]);
  const weekEnd = addDays(weekStart, 7, tz);
  const list = useResource<ScheduleList>(engagementId ? `/schedules?engagement=${encodeURIComponent(engagementId)}` : null);

  const go = (weeks: number) => {
    const z = zoned(addDays(weekStart, weeks * 7, tz) + 12 * 3600_000, tz);
    setQuery({ week: `${z.year}-${String(z.month).padStart(2, '0')}-${String(z.day).padStart(2, '0')}` });
  };
  const thisWeek = now >= weekStart && now < weekEnd;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Schedules</h1>
          <p className="muted">
            Week of {formatDay(weekStart, tz)} · times in {tz} ({shortZone(tz, weekStart)})
          </p>
        </div>
        <div className="page-tools">
          <EngagementPicker value={engagementId} />
          <div className="btn-group" role="group" aria-label="Week">
            <button type="button" className="btn btn-sm" onClick={() => go(-1)} aria-label="Previous week">
              <Icon name="chevronLeft" /> Prev
            </button>
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => setQuery({ week: null })}
              disabled={thisWeek}
              aria-label="This week"
            >
              This week
            </button>
            <button type="button" className="btn btn-sm" onClick={() => go(1)} aria-label="Next week">
              Next <Icon name="chevronRight" />
            </button>
          </div>
        </div>
      </header>
      {list.error ? <ErrorNote error={list.error} what="Schedules" /> : null}
      {list.loading && !list.data ? <Loading label="Loading schedules" /> : null}
      {list.data && list.data.schedules.length === 0 ? <Empty icon="calendar" title="This engagement has no schedules" /> : null}
      {list.data?.schedules.map((s) => (
        <ScheduleWeek key={`${s.engagement}/${s.id}/${weekStart}`} schedule={s} weekStart={weekStart} tz={tz} now={now} />
      ))}
      <div className="legend" aria-label="Legend">
        <span>
          <span className="swatch swatch-shift" /> Shift
        </span>
        <span>
          <span className="swatch swatch-override" /> Override
        </span>
        <span>
          <span className="swatch swatch-gap" /> Gap: nobody on call
        </span>
        <span>
          <span className="swatch swatch-now" /> Now
        </span>
      </div>
    </div>
  );
}

/** "Mon 23 Nov, 09:00 EST": a shift's edge in the engagement's zone, named (a week may cross a DST change). */
function zonedTime(iso: string, tz: string): string {
  return `${formatInZone(iso, tz)} ${shortZone(tz, iso)}`;
}

function ScheduleWeek({ schedule, weekStart, tz, now }: { schedule: ScheduleInfo; weekStart: number; tz: string; now: number }) {
  const from = new Date(weekStart).toISOString();
  const to = new Date(addDays(weekStart, 7, tz)).toISOString();
  const r = useResource<ShiftsResponse>(
    `/schedules/${encodeURIComponent(schedule.engagement)}/${encodeURIComponent(schedule.id)}/shifts?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  );
  const colors = useMemo(() => {
    const m = new Map<string, number>();
    schedule.members.forEach((p, i) => m.set(p.person, i % PALETTE));
    return m;
  }, [schedule.members]);
  const days = Array.from({ length: 7 }, (_, d) => ({ start: addDays(weekStart, d, tz), end: addDays(weekStart, d + 1, tz) }));
  const gapHours = r.data ? r.data.gaps.reduce((sum, g) => sum + (Date.parse(g.end) - Date.parse(g.start)), 0) / 3_600_000 : 0;
  const layer = schedule.layers[0];

  return (
    <section className="panel schedule" aria-labelledby={`sch-${schedule.id}`}>
      <header className="panel-head">
        <h2 id={`sch-${schedule.id}`}>
          <Icon name="calendar" />
          {schedule.id}
        </h2>
        <div className="schedule-summary">
          {layer ? (
            <span className="muted small">
              Rotates every {layer.rotation.every} at {layer.rotation.handoff} ({schedule.timezone})
              {layer.only ? ` · only ${layer.only.map((o) => `${o.days.join(',')} ${o.from}–${o.to}`).join('; ')}` : ''}
            </span>
          ) : null}
          <span className="oncall-now-chip">
            On call now: <strong>{schedule.on_call.length ? schedule.on_call.map((p) => p.name).join(', ') : 'nobody'}</strong>
          </span>
          {r.data ? (
            <span className={`gap-chip${gapHours > 0 ? ' has-gaps' : ''}`}>
              {gapHours > 0 ? `${fmtHours(gapHours)} uncovered this week` : 'No gaps this week'}
            </span>
          ) : null}
        </div>
      </header>
      <div className="panel-body">
        {r.error ? <ErrorNote error={r.error} /> : null}
        {!r.data && !r.error ? <Loading /> : null}
        {r.data ? (
          <>
            <div className="week" role="img" aria-label={`Week grid for ${schedule.id}; the list below has the same shifts`}>
              <div className="week-hours" aria-hidden="true">
                <span className="week-daycol" />
                <div className="week-scale">
                  {[0, 3, 6, 9, 12, 15, 18, 21].map((h) => (
                    <span key={h} style={{ left: `${(h / 24) * 100}%` }}>
                      {String(h).padStart(2, '0')}:00
                    </span>
                  ))}
                </div>
              </div>
              {days.map((day) => {
                const len = day.end - day.start;
                const pos = (a: number, b: number) => ({
                  left: `${((Math.max(a, day.start) - day.start) / len) * 100}%`,
                  width: `${((Math.min(b, day.end) - Math.max(a, day.start)) / len) * 100}%`,
                });
                const isToday = now >= day.start && now < day.end;
                return (
                  <div key={day.start} className={`week-row${isToday ? ' today' : ''}`}>
                    <span className="week-daycol">{formatDay(day.start, tz)}</span>
                    <div className="week-track">
                      {r.data?.gaps
                        .filter((g) => Date.parse(g.end) > day.start && Date.parse(g.start) < day.end)
                        .map((g) => (
                          <span
                            key={`g${g.start}`}
                            className="bar bar-gap"
                            style={pos(Date.parse(g.start), Date.parse(g.end))}
                            title={`Gap ${zonedTime(g.start, tz)} – ${zonedTime(g.end, tz)}`}
                          />
                        ))}
                      {r.data?.shifts
                        .filter((s) => Date.parse(s.end) > day.start && Date.parse(s.start) < day.end)
                        .map((s) => (
                          <span
                            key={`${s.person}${s.start}${s.source}`}
                            className={`bar bar-shift c${colors.get(s.person) ?? 0}${s.source === 'override' ? ' bar-override' : ''}`}
                            style={pos(Date.parse(s.start), Date.parse(s.end))}
                            title={`${s.name}${s.source === 'override' ? ' (override)' : ''}: ${zonedTime(s.start, tz)} – ${zonedTime(s.end, tz)}`}
                          >
                            <span className="bar-label">
                              {s.name}
                              {s.source === 'override' ? ' · override' : ''}
                            </span>
                          </span>
                        ))}
                      {isToday ? <span className="now-line" style={{ left: `${((now - day.start) / len) * 100}%` }} /> : null}
                    </div>
                  </div>
                );
              })}
            </div>
            <details className="shift-list">
              <summary>
                {r.data.shifts.length} shifts, {r.data.gaps.length} gaps (as a list)
              </summary>
              <ul>
                {r.data.shifts.map((s) => (
                  <li key={`${s.person}${s.start}${s.source}`}>
                    {s.name}
                    {s.source === 'override' ? ' (override)' : ''}: {zonedTime(s.start, tz)} – {zonedTime(s.end, tz)}
                  </li>
                ))}
                {r.data.gaps.map((g) => (
                  <li key={`g${g.start}`} className="gap-text">
                    Gap: {zonedTime(g.start, tz)} – {zonedTime(g.end, tz)}
                  </li>
                ))}
              </ul>
            </details>
            <div className="members">
              {schedule.members.map((m) => (
                <span key={m.person} className="member">
                  <span className={`swatch c${colors.get(m.person) ?? 0}`} aria-hidden="true" />
                  {m.name}
                </span>
              ))}
              {schedule.overrides.length ? (
                <span className="muted small">
                  {schedule.overrides.length} override{schedule.overrides.length > 1 ? 's' : ''}:{' '}
                  {schedule.overrides.map((o) => `${o.name} ${o.from.replace('T', ' ')}–${o.to.slice(11)}`).join('; ')}
                </span>
              ) : null}
            </div>
          </>
        ) : null}
      </div>
    </section>
  );
}

function fmtHours(h: number): string {
  return h >= 48 ? `${Math.round(h / 24)} days` : `${Math.round(h * 10) / 10} h`;
}
