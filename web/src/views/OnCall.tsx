/** Who answers now: the coverage banner and the on-call lists of both sides (GET /api/v1/on-call). */
import { useEffect } from 'react';
import type { EngagementOnCall, OnCallList, Side } from '../api';
import { Icon } from '../components/icons';
import { ErrorNote, Loading, Panel, fnLabel, listText } from '../components/ui';
import { useSession } from '../context';
import { useResource } from '../hooks';
import { formatInZone } from '../time';

/** GET /on-call */
export type OnCallData = OnCallList;

/** /on-call, refreshed every minute and when a coverage window ends. */
export function useOnCall() {
  const r = useResource<OnCallData>('/on-call');
  const { reload, data } = r;
  useEffect(() => {
    const next =
      data?.engagements
        .map((e) => (e.coverage.until ? Date.parse(e.coverage.until) : Infinity))
        .reduce((a, b) => Math.min(a, b), Infinity) ?? Infinity;
    const wait = Math.min(60_000, Math.max(1_000, next - Date.now() + 1_000));
    const t = setTimeout(reload, wait);
    return () => clearTimeout(t);
  }, [data, reload]);
  return r;
}

const WINDOW_TITLE: Record<string, string> = {
  business_hours: 'Business hours',
  after_hours: 'After hours',
  weekend: 'Weekend',
  holiday: 'Holiday',
};

function ownersText(e: EngagementOnCall): string {
  const sides = (['partner', 'internal'] as Side[])
    .map((s) => ({ side: s, name: e.sides[s].name, fns: e.sides[s].functions }))
    .filter((s) => s.fns.length > 0)
    .sort((a, b) => b.fns.length - a.fns.length);
  return sides.map((s) => `${s.name} covers ${listText(s.fns.map(fnLabel))}`).join('; ');
}

export function coverageParts(e: EngagementOnCall): { title: string; owners: string } {
  const title = WINDOW_TITLE[e.coverage.window] ?? e.coverage.label;
  return { title: `${title}${e.coverage.holiday ? ` (${e.coverage.holiday})` : ''}`, owners: ownersText(e) };
}

/** "After hours: NightOwl MSP covers infrastructure, cloud and security; Acme IT covers end user" */
export function coverageSentence(e: EngagementOnCall): string {
  const p = coverageParts(e);
  return `${p.title}: ${p.owners}`;
}

export function CoverageBanner({ data, engagement }: { data: OnCallData | undefined; engagement: string | null }) {
  const { multi } = useSession();
  if (!data) return null;
  const list = data.engagements.filter((e) => !engagement || e.id === engagement);
  return (
    <section className="coverage" aria-label="Coverage now">
      {list.map((e) => (
        <div key={e.id} className={`coverage-row window-${e.coverage.window}`}>
          <span className="coverage-icon" aria-hidden="true">
            <Icon name={e.coverage.window === 'business_hours' ? 'sun' : 'moon'} size={18} />
          </span>
          <p>
            {multi ? <span className="coverage-eng">{e.name} · </span> : null}
            <strong>{coverageParts(e).title}:</strong> {coverageParts(e).owners}
          </p>
          {e.coverage.until ? (
            <span className="coverage-until" title={`Times in ${e.timezone}`}>
              until {formatInZone(e.coverage.until, e.timezone)} <span className="tz">{shortZone(e.timezone, e.coverage.until)}</span>
            </span>
          ) : null}
        </div>
      ))}
    </section>
  );
}

/** "EST", "GMT", "UTC": the zone's short name at `at` (default now; a DST change may fall in between). */
export function shortZone(tz: string, at?: string | number): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'short' })
      .formatToParts(at === undefined ? new Date() : new Date(at))
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? tz;
  } catch {
    return tz;
  }
}

/** "Team acme-it", "Dana Reyes", "Schedule nightowl-noc-oncall". */
function targetTitle(target: string, people: Array<{ name: string }>): string {
  const [kind, id] = target.split(':');
  if (kind === 'person') return people[0]?.name ?? id ?? target;
  return `${kind === 'team' ? 'Team' : 'Schedule'} ${id ?? target}`;
}

/**
 * The teams and people a side's policies page directly (not through a
 * schedule listed above), with the functions they answer for, and the
 * functions for which nobody would be paged at all.
 */
function directPages(side: EngagementOnCall['sides'][Side], listed: ReadonlySet<string>) {
  const direct = new Map<string, { title: string; detail: string[]; functions: string[] }>();
  const nobody: string[] = [];
  for (const page of side.pages ?? []) {
    if (page.tier === null) {
      nobody.push(page.function);
      continue;
    }
    for (const t of page.targets) {
      // A schedule's people are already in the on-call list.
      if (t.target.startsWith('schedule:') && t.people.every((p) => listed.has(p.person))) continue;
      const had = direct.get(t.target);
      if (had) {
        if (!had.functions.includes(page.function)) had.functions.push(page.function);
        continue;
      }
      const detail = t.target.startsWith('person:') ? [] : t.people.map((p) => p.name);
      if (t.email) detail.push(t.email);
      direct.set(t.target, { title: targetTitle(t.target, t.people), detail, functions: [page.function] });
    }
  }
  return { direct, nobody };
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

export function OnCallPanel({
  data,
  error,
  loading,
  engagement,
}: {
  data: OnCallData | undefined;
  error: ReturnType<typeof useOnCall>['error'];
  loading: boolean;
  engagement: string | null;
}) {
  const { multi } = useSession();
  const list = data?.engagements.filter((e) => !engagement || e.id === engagement) ?? [];
  return (
    <Panel title="On call now" icon="users" className="oncall" id="oncall">
      {error ? <ErrorNote error={error} what="On-call" /> : null}
      {loading && !data ? <Loading /> : null}
      {list.map((e) => (
        <div key={e.id} className="oncall-eng">
          {multi ? <h3 className="oncall-eng-name">{e.name}</h3> : null}
          {(['internal', 'partner'] as Side[]).map((side) => {
            const s = e.sides[side];
            // One line per person, with the schedules that put them there.
            const people = new Map<string, { name: string; schedules: string[]; until: string | null }>();
            for (const p of s.on_call) {
              const had = people.get(p.person);
              if (had) {
                had.schedules.push(p.schedule);
                if (p.until && (!had.until || p.until < had.until)) had.until = p.until;
              } else people.set(p.person, { name: p.name, schedules: [p.schedule], until: p.until });
            }
            const { direct, nobody } = directPages(s, new Set(people.keys()));
            return (
              <div key={side} className={`oncall-side side-block-${side}`}>
                <div className="oncall-side-head">
                  <span className={`side-chip side-${side}`}>{side === 'internal' ? 'Internal' : 'Partner'}</span>
                  <span className="oncall-side-name">{s.name}</span>
                </div>
                <p className="oncall-owns">
                  {s.functions.length ? `Owns ${listText(s.functions.map(fnLabel))}` : 'Owns nothing right now'}
                </p>
                {nobody.length > 0 ? (
                  <p className="oncall-nobody">
                    <Icon name="alert" /> Nobody to page for {listText(nobody.map(fnLabel))}
                  </p>
                ) : null}
                {people.size === 0 && direct.size === 0 && nobody.length === 0 ? <p className="muted small">Nobody on call</p> : null}
                {direct.size > 0 ? (
                  <ul className="people" aria-label={`${s.name}: paged directly`}>
                    {[...direct.entries()].map(([target, d]) => (
                      <li key={target} className="person" data-target={target}>
                        <span className={`avatar avatar-${side}`} aria-hidden="true">
                          <Icon name={target.startsWith('person:') ? 'user' : 'users'} size={14} />
                        </span>
                        <span className="person-text">
                          <span className="person-name">{d.title}</span>
                          <span className="person-meta">
                            {d.detail.length ? `${d.detail.join(', ')} · ` : ''}paged for {listText(d.functions.map(fnLabel))}
                          </span>
                        </span>
                      </li>
                    ))}
                  </ul>
                ) : null}
                {people.size === 0 ? null : (
                  <ul className="people">
                    {[...people.entries()].map(([id, p]) => (
                      <li key={id} className="person">
                        <span className={`avatar avatar-${side}`} aria-hidden="true">
                          {initials(p.name)}
                        </span>
                        <span className="person-text">
                          <span className="person-name">{p.name}</span>
                          <span className="person-meta">
                            {p.schedules.join(', ')}
                            {p.until ? ` · until ${formatInZone(p.until, e.timezone)} ${shortZone(e.timezone, p.until)}` : ''}
                          </span>
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </div>
      ))}
    </Panel>
  );
}
