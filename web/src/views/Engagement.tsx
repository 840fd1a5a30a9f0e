/**
 * Engagement: the governance written in the engagement file, as both teams
 * read it: who owns each function in each coverage window and which
 * escalation policy answers, the policies' tiers, and the people and teams
 * of each side.
 */
import type { EngagementDetail, EngagementResponse, Side } from '../api';
import { WINDOWS } from '../api';
import { Icon } from '../components/icons';
import { ErrorNote, Loading, Panel, fnLabel } from '../components/ui';
import { useSession } from '../context';
import { useResource, useTitle } from '../hooks';
import { EngagementPicker, useEngagementParam } from './EngagementPicker';
import { shortZone, useOnCall } from './OnCall';
import { QuarantinedEvents } from './Quarantine';

const WINDOW_LABEL: Record<string, string> = {
  business_hours: 'Business hours',
  after_hours: 'After hours',
  weekend: 'Weekend',
  holiday: 'Holiday',
};
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const DAY_ORDER = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** "Mon–Fri" for a run of three or more days, else the days listed. */
function daysText(days: string[]): string {
  const sorted = days
    .map((d) => DAY_ORDER.indexOf(d) + 1)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first !== undefined && last !== undefined && sorted.length === last - first + 1 && sorted.length > 2)
    return `${DAYS[first - 1]}–${DAYS[last - 1]}`;
  return sorted.map((d) => DAYS[d - 1]).join(', ');
}

function target(t: string, e: EngagementDetail): string {
  const [kind, id] = t.split(':');
  if (kind === 'person') return e.people.find((p) => p.id === id)?.name ?? t;
  if (kind === 'team') return `team ${id ?? ''}`;
  if (kind === 'schedule') return `on call in ${id ?? ''}`;
  return t;
}

export function EngagementView() {
  const engagementId = useEngagementParam();
  const { engagements } = useSession();
  useTitle('Engagement');
  const r = useResource<EngagementResponse>(engagementId ? `/engagements/${encodeURIComponent(engagementId)}` : null);
  const onCall = useOnCall();
  const e = r.data?.engagement;
  const nowWindow = onCall.data?.engagements.find((x) => x.id === engagementId)?.coverage.window;
  const name = engagements.find((x) => x.id === engagementId)?.name ?? engagementId;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>{name}</h1>
          {e ? (
            <p className="muted">
              {e.sides.internal.name} with {e.sides.partner.name} · {e.timezone} ({shortZone(e.timezone)}) · incidents numbered{' '}
              {e.incident_prefix}-n
              {e.coverage.business_hours
                ? ` · business hours ${daysText(e.coverage.business_hours.days)} ${e.coverage.business_hours.from}–${e.coverage.business_hours.to}`
                : ''}
            </p>
          ) : null}
        </div>
        <div className="page-tools">
          <EngagementPicker value={engagementId} />
        </div>
      </header>
      {r.error ? <ErrorNote error={r.error} /> : null}
      {!e && !r.error ? <Loading label="Loading the engagement" /> : null}
      {engagementId ? <QuarantinedEvents engagementId={engagementId} /> : null}
      {e ? (
        <>
          <Panel title="Who answers what, and when" icon="grid" id="matrix">
            <div className="table-wrap">
              <table className="table matrix">
                <caption className="sr-only">
                  Coverage matrix: for each function and coverage window, the side that owns it and the escalation policy it runs
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Function</th>
                    {WINDOWS.map((w) => (
                      <th key={w} scope="col" className={w === nowWindow ? 'col-now' : undefined}>
                        {WINDOW_LABEL[w]}
                        {w === nowWindow ? <span className="now-tag">now</span> : null}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(e.coverage.functions).map(([fn, cov]) => (
                    <tr key={fn}>
                      <th scope="row">
                        <span className="fn-name">{fnLabel(fn)}</span>
                        <span className="muted small block">
                          {e.services
                            .filter((s) => s.function === fn)
                            .map((s) => s.name)
                            .join(', ') || 'no services'}
                        </span>
                      </th>
                      {WINDOWS.map((w) => {
                        const side = cov[w];
                        const policy = side ? e.routing[side]?.[fn] : undefined;
                        return (
                          <td key={w} className={`${w === nowWindow ? 'col-now ' : ''}${side ? `cell-${side}` : ''}`}>
                            {side ? (
                              <>
                                <span className={`side-chip side-${side}`}>{e.sides[side].name}</span>
                                <span className="policy">{policy ? policy : <em className="muted">no policy</em>}</span>
                              </>
                            ) : (
                              '—'
                            )}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {e.coverage.overflow ? (
              <p className="overflow-note">
                <Icon name="route" />
                <span>
                  Overflow: when {e.sides.internal.name} has not acknowledged within <strong>{e.coverage.overflow.after}</strong>,{' '}
                  {e.sides[e.coverage.overflow.to].name} is paged too ({e.coverage.overflow.functions.map(fnLabel).join(', ')}).
                </span>
              </p>
            ) : null}
          </Panel>

          <Panel title="Escalation policies" icon="megaphone" id="policies">
            <div className="policies">
              {e.escalation_policies.map((p) => {
                const owner = (Object.entries(e.routing) as Array<[Side, Record<string, string>]>).find(([, fns]) =>
                  Object.values(fns).includes(p.id),
                )?.[0];
                return (
                  <article key={p.id} className={`policy-card${owner ? ` side-border-${owner}` : ''}`}>
                    <h3>
                      {p.id}
                      {owner ? <span className={`side-chip side-${owner}`}>{e.sides[owner].name}</span> : null}
                    </h3>
                    <ol className="tiers">
                      {p.tiers.map((t) => (
                        <li key={t.tier}>
                          <span className="tier-num">Tier {t.tier}</span>
                          <span className="tier-after">{t.after === '0m' ? 'at once' : `after ${t.after}`}</span>
                          <span className="tier-targets">{t.targets.map((x) => target(x, e)).join(', ')}</span>
                        </li>
                      ))}
                    </ol>
                    <p className="muted small">
                      {p.repeat > 0 ? `Repeats ${p.repeat} more time${p.repeat > 1 ? 's' : ''} if nobody acknowledges.` : 'Runs once.'}
                    </p>
                  </article>
                );
              })}
            </div>
          </Panel>

          {e.scope ? (
            <Panel title="Scope" icon="users" id="scope">
              <p className="muted small">
                Who may do what. R responsible, A accountable, C consulted, I informed: R or A may act on the incidents of a bound activity;
                C or I read and add notes.
              </p>
              <div className="table-wrap">
                <table className="scope-table" aria-label="Scope">
                  <thead>
                    <tr>
                      <th scope="col">Activity</th>
                      <th scope="col">Functions</th>
                      <th scope="col">{e.sides.internal.name}</th>
                      <th scope="col">{e.sides.partner.name}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {e.scope.activities.map((a, i) => (
                      <tr key={`${a.id}-${i}`}>
                        <th scope="row">
                          {a.id.replace(/_/g, ' ')}
                          {a.binds ? null : <span className="muted small"> (documents)</span>}
                        </th>
                        <td>{a.functions ? a.functions.map(fnLabel).join(', ') : 'all'}</td>
                        <td>{a.internal}</td>
                        <td>{a.partner}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Panel>
          ) : null}

          <div className="grid-2">
            {(['internal', 'partner'] as Side[]).map((side) => (
              <Panel key={side} title={e.sides[side].name} icon="users" className={`side-panel side-border-${side}`}>
                <p className="muted small">{side === 'internal' ? 'Internal IT team' : 'Managed service provider (partner)'}</p>
                <h3 className="sub">People</h3>
                <ul className="people">
                  {e.people
                    .filter((p) => p.side === side)
                    .map((p) => (
                      <li key={p.id} className="person">
                        <span className={`avatar avatar-${side}`} aria-hidden="true">
                          {p.name
                            .split(' ')
                            .map((w) => w[0])
                            .join('')
                            .slice(0, 2)}
                        </span>
                        <span className="person-text">
                          <span className="person-name">{p.name}</span>
                          <span className="person-meta">{p.timezone ?? e.timezone}</span>
                        </span>
                      </li>
                    ))}
                </ul>
                <h3 className="sub">Teams</h3>
                <ul className="teams">
                  {e.teams
                    .filter((t) => t.side === side)
                    .map((t) => (
                      <li key={t.id}>
                        <strong>{t.name}</strong>: {t.members.map((m) => e.people.find((p) => p.id === m)?.name ?? m).join(', ')}
                      </li>
                    ))}
                </ul>
              </Panel>
            ))}
          </div>

          <div className="grid-2">
            <Panel title="Services" icon="activity">
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">Function</th>
                    <th scope="col" className="num">
                      Criticality
                    </th>
                    <th scope="col">Integrations</th>
                  </tr>
                </thead>
                <tbody>
                  {e.services.map((s) => (
                    <tr key={s.id}>
                      <th scope="row">{s.name}</th>
                      <td>{s.function ? fnLabel(s.function) : '—'}</td>
                      <td className="num">{s.criticality ?? '—'}</td>
                      <td>{s.integrations?.map((i) => i.type).join(', ') ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Panel>
            <Panel title="Priority matrix" icon="flag">
              <table className="table compact prio-matrix">
                <caption className="sr-only">Event severity by service criticality gives the incident priority</caption>
                <thead>
                  <tr>
                    <th scope="col">Severity \ criticality</th>
                    {[1, 2, 3, 4].map((c) => (
                      <th key={c} scope="col" className="num">
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(e.priorities.matrix).map(([sev, row]) => (
                    <tr key={sev}>
                      <th scope="row">{sev}</th>
                      {row.map((p, i) => (
                        <td key={i} className="num">
                          <span className={`prio prio-${p.toLowerCase()}`}>{p}</span>
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted small">Pages for {e.priorities.page.join(', ')}; lower priorities open an incident without paging.</p>
            </Panel>
          </div>
        </>
      ) : null}
    </div>
  );
}
