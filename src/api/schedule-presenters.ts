/**
 * Schedule presenters: the engagement file's schedules, the schedule math of
 * `src/schedule` and the coverage of `src/coverage` at an instant, turned into
 * the response shapes of src/api/schema/schedules.ts and typed by them, so a
 * presenter that drifts from the contract does not compile.
 */
import type { CalendarLinks } from '../calendar/links.js';
import { coverageAt, nextWindowChange, windowLabel } from '../coverage/index.js';
import type { Deployment } from '../deployment/deployment.js';
import { DAY_NAMES } from '../engagement/calendar.js';
import type { Engagement, Layer, Schedule as ScheduleModel, Side, Target, Tier } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { resolveTier, targetRef } from '../routing/route.js';
import { nextChange, onCallAt, shifts } from '../schedule/on-call.js';
import type { Shift as ShiftModel } from '../schedule/on-call.js';
import { fromLocal, parseLocalDateTime } from '../time/local-time.js';
import { DAY_MS } from '../time/duration.js';
import type { Me } from './schema/engagements.js';
import type { EngagementOnCall, FirstPage, PersonRef, Schedule, ScheduleOnCall, Shift } from './schema/schedules.js';
import { isoInstant, presentWindow } from './presenters.js';

/** How far ahead "until" looks for the end of a shift; past the last, a shift is open-ended (`until: null`). */
const UNTIL_HORIZONS = [8 * DAY_MS, 35 * DAY_MS, 400 * DAY_MS];

/** A person as schedules show them: id, name and side (the id alone when the file no longer names them). */
export function presentPerson(engagement: Engagement, personId: string): PersonRef {
  const p = lookup(engagement).person(personId);
  return { person: personId, name: p?.name ?? personId, side: p?.side ?? null };
}

/** "08:00" from minutes after midnight (1440 stays "24:00"). */
function timeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A layer summarized as the engagement file writes it, with members named. */
function presentLayer(engagement: Engagement, layer: Layer, index: number): Schedule['layers'][number] {
  const r = layer.rotation;
  const day = r.handoffWeekday === undefined ? undefined : DAY_NAMES[r.handoffWeekday - 1];
  return {
    layer: index + 1,
    rotation: {
      every: r.every.text,
      handoff: day === undefined ? timeOfDay(r.handoffMinute) : `${day} ${timeOfDay(r.handoffMinute)}`,
      start: r.start,
      members: r.members.map((m) => presentPerson(engagement, m)),
    },
    only: layer.only === undefined ? null : layer.only.map(presentWindow),
  };
}

/**
 * The end of the stretch `person` is on call in from `at` on, following
 * back-to-back shifts (a rotation turn running into an override of the same
 * person is one stretch to whoever reads "until"). Null when it does not end
 * within the look-ahead (a one-member 24x7 layer).
 */
function onCallUntil(schedule: ScheduleModel, person: string, at: number): number | null {
  for (const horizon of UNTIL_HORIZONS) {
    const limit = at + horizon;
    let end = at;
    for (const s of shifts(schedule, at, limit)) {
      if (s.person === person && s.start <= end && s.end > end) end = s.end;
    }
    if (end < limit) return end;
  }
  return null;
}

/** Who is on call in a schedule at `at`, with the end of each person's stretch and when the answer next changes. */
export function presentOnCall(engagement: Engagement, schedule: ScheduleModel, at: number): ScheduleOnCall {
  const next = nextChange(schedule, at);
  return {
    on_call: onCallAt(schedule, at).map((person) => {
      const until = onCallUntil(schedule, person, at);
      return { ...presentPerson(engagement, person), until: until === null ? null : isoInstant(until) };
    }),
    next_change: next === null ? null : isoInstant(next),
  };
}

/** The people a schedule can put on call: every layer member, then anyone only named by an override. */
function scheduleMembers(schedule: ScheduleModel): string[] {
  const ids: string[] = [];
  for (const id of [...schedule.layers.flatMap((l) => l.rotation.members), ...schedule.overrides.map((o) => o.person)]) {
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** One schedule for the listing: its layers, overrides, members with their feed URLs, who is on call now, and its own feed URL. */
export function presentSchedule(engagement: Engagement, schedule: ScheduleModel, at: number, calendars: CalendarLinks): Schedule {
  return {
    id: schedule.id,
    engagement: engagement.id,
    timezone: schedule.timezone,
    layers: schedule.layers.map((l, i) => presentLayer(engagement, l, i)),
    overrides: schedule.overrides.map((o) => ({
      ...presentPerson(engagement, o.person),
      // As written (local to the schedule) and as instants, so clients need no time-zone database.
      from: o.from,
      to: o.to,
      start: isoInstant(fromLocal(schedule.timezone, parseLocalDateTime(o.from))),
      end: isoInstant(fromLocal(schedule.timezone, parseLocalDateTime(o.to))),
    })),
    members: scheduleMembers(schedule).map((m) => ({
      ...presentPerson(engagement, m),
      calendar_url: calendars.personFeedUrl(engagement.id, m),
    })),
    ...presentOnCall(engagement, schedule, at),
    calendar_url: calendars.scheduleFeedUrl(engagement.id, schedule.id),
  };
}

/** A shift as the API shows it: person, instants, and whether a layer or an override put them there. */
export function presentShift(engagement: Engagement, s: ShiftModel): Shift {
  return {
    ...presentPerson(engagement, s.person),
    start: isoInstant(s.start),
    end: isoInstant(s.end),
    source: s.source,
    layer: s.layer === undefined ? null : s.layer + 1,
  };
}

/** One escalation target as it resolves at `at`: the people it pages, and a team's own address. */
function presentTarget(engagement: Engagement, tier: Tier, target: Target, at: number): FirstPage['targets'][number] {
  const one = resolveTier(engagement, { ...tier, targets: [target] }, at);
  return {
    target: targetRef(target),
    people: one.people.map((id) => presentPerson(engagement, id)),
    email: one.teamAddresses[0]?.email ?? null,
  };
}

/**
 * Who an incident in `fn` would page first if it opened at `at` with `side`
 * owning it: the side's policy for the function and its first tier that
 * resolves to someone (a tier in a schedule gap is skipped at once, as the
 * escalation engine does), with each of that tier's targets resolved. `tier`
 * is null when nobody would be paged (no policy, or every tier empty).
 */
function presentFirstPage(engagement: Engagement, side: Side, fn: string, at: number): FirstPage {
  const policyId = engagement.routing[side][fn];
  const policy = policyId === undefined ? undefined : lookup(engagement).policy(policyId);
  const index = policy ? policy.tiers.findIndex((t) => !resolveTier(engagement, t, at).empty) : -1;
  const tier = policy && index >= 0 ? policy.tiers[index] : undefined;
  return {
    function: fn,
    policy: policy?.id ?? null,
    tier: tier === undefined ? null : index + 1,
    targets:
      tier === undefined
        ? []
        : tier.targets.map((t) => presentTarget(engagement, tier, t, at)).filter((t) => t.people.length > 0 || t.email !== null),
  };
}

/**
 * An engagement's "who answers now": the coverage window (and holiday), which
 * side owns each function, every schedule's on-call people, and the same
 * people grouped by side for a dashboard's two columns, with whom each side's
 * policies would page first (a policy may page a team or a person directly,
 * with nobody on call in any schedule).
 */
export function presentEngagementOnCall(engagement: Engagement, at: number): EngagementOnCall {
  const coverage = coverageAt(engagement, at);
  const windowEnds = nextWindowChange(engagement, at);
  const schedules = engagement.schedules.map((s) => ({ id: s.id, timezone: s.timezone, ...presentOnCall(engagement, s, at) }));
  const side = (which: Side): EngagementOnCall['sides'][Side] => {
    const functions = Object.entries(coverage.owners)
      .filter(([, owner]) => owner === which)
      .map(([fn]) => fn);
    return {
      name: engagement.sides[which].name,
      functions,
      on_call: schedules.flatMap((s) => s.on_call.filter((p) => p.side === which).map((p) => ({ schedule: s.id, ...p }))),
      pages: functions.map((fn) => presentFirstPage(engagement, which, fn, at)),
    };
  };
  return {
    id: engagement.id,
    name: engagement.name,
    timezone: engagement.timezone,
    coverage: {
      window: coverage.window,
      label: windowLabel(coverage.window),
      holiday: coverage.holidayName ?? null,
      until: windowEnds === null ? null : isoInstant(windowEnds),
      owners: coverage.owners,
    },
    sides: { internal: side('internal'), partner: side('partner') },
    schedules,
  };
}

/** The person feeds of a token's person, one per engagement that names them (for /api/v1/me). */
export function personCalendars(
  deployment: Deployment,
  calendars: CalendarLinks,
  engagementIds: readonly string[],
  personId: string | null,
): Me['calendars'] {
  if (personId === null) return [];
  return engagementIds
    .map((id) => deployment.engagement(id))
    .filter((e): e is Engagement => e !== undefined && lookup(e).person(personId) !== undefined)
    .map((e) => ({ engagement: e.id, person: personId, calendar_url: calendars.personFeedUrl(e.id, personId) }));
}
