/**
 * /api/v1 schedules: who is on call now on each side, each schedule's shifts
 * and gaps over a range, and the calendar feed URLs to subscribe to them.
 * Registered inside the /api/v1 plugin, so its bearer-token hook applies.
 *
 * Schedules live in the engagement file, not in the database: every answer
 * is the pure schedule and coverage math of `src/schedule` and
 * `src/coverage` applied to the running configuration at an instant.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CalendarLinks } from '../calendar/links.js';
import type { Clock } from '../clock/clock.js';
import { coverageAt, nextWindowChange, windowLabel } from '../coverage/index.js';
import { DAY_MS } from '../time/duration.js';
import { fromLocal, parseLocalDateTime } from '../time/local-time.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { DAY_NAMES } from '../engagement/calendar.js';
import type { Engagement, Layer, Schedule, Side, Target, Tier, WeeklyWindow } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { resolveTier, targetRef } from '../routing/route.js';
import { gaps, nextChange, onCallAt, shifts } from '../schedule/on-call.js';
import type { Shift } from '../schedule/on-call.js';
import { principalOf, scopeEngagements } from './auth.js';
import { instantParam, listParam } from './params.js';

export interface ScheduleDeps {
  /** Unused for now: schedules come from the engagement file, not from the database. */
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly calendars: CalendarLinks;
}

type Q = Record<string, unknown>;

/** Default range of /shifts. */
export const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** Longest range of /shifts: a quarter, which bounds the work one request can ask for. */
export const MAX_RANGE_MS = 92 * DAY_MS;
/** How far ahead "until" looks for the end of a shift; past the last, a shift is open-ended (`until: null`). */
const UNTIL_HORIZONS = [8 * DAY_MS, 35 * DAY_MS, 400 * DAY_MS];

const isoOf = (t: number): string => new Date(t).toISOString();

// ---- presenters -------------------------------------------------------------

/** A person as schedules show them: id, name and side (the id alone when the file no longer names them). */
export function presentPerson(engagement: Engagement, personId: string) {
  const p = lookup(engagement).person(personId);
  return { person: personId, name: p?.name ?? personId, side: p?.side ?? null };
}

/** "08:00" from minutes after midnight (1440 stays "24:00"). */
function timeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function presentWindow(w: WeeklyWindow) {
  return { days: w.days.map((d) => DAY_NAMES[d - 1] ?? String(d)), from: timeOfDay(w.from), to: timeOfDay(w.to) };
}

/** A layer summarized as the engagement file writes it, with members named. */
function presentLayer(engagement: Engagement, layer: Layer, index: number) {
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
function onCallUntil(schedule: Schedule, person: string, at: number): number | null {
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
export function presentOnCall(engagement: Engagement, schedule: Schedule, at: number) {
  const next = nextChange(schedule, at);
  return {
    on_call: onCallAt(schedule, at).map((person) => {
      const until = onCallUntil(schedule, person, at);
      return { ...presentPerson(engagement, person), until: until === null ? null : isoOf(until) };
    }),
    next_change: next === null ? null : isoOf(next),
  };
}

/** The people a schedule can put on call: every layer member, then anyone only named by an override. */
function scheduleMembers(schedule: Schedule): string[] {
  const ids: string[] = [];
  for (const id of [...schedule.layers.flatMap((l) => l.rotation.members), ...schedule.overrides.map((o) => o.person)]) {
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** One schedule for the listing: its layers, overrides, members with their feed URLs, who is on call now, and its own feed URL. */
export function presentSchedule(engagement: Engagement, schedule: Schedule, at: number, calendars: CalendarLinks) {
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
      start: isoOf(fromLocal(schedule.timezone, parseLocalDateTime(o.from))),
      end: isoOf(fromLocal(schedule.timezone, parseLocalDateTime(o.to))),
    })),
    members: scheduleMembers(schedule).map((m) => ({ ...presentPerson(engagement, m), calendar_url: calendars.personFeedUrl(engagement.id, m) })),
    ...presentOnCall(engagement, schedule, at),
    calendar_url: calendars.scheduleFeedUrl(engagement.id, schedule.id),
  };
}

/** A shift as the API shows it: person, instants, and whether a layer or an override put them there. */
export function presentShift(engagement: Engagement, s: Shift) {
  return { ...presentPerson(engagement, s.person), start: isoOf(s.start), end: isoOf(s.end), source: s.source, layer: s.layer === undefined ? null : s.layer + 1 };
}

/** One escalation target as it resolves at `at`: the people it pages, and a team's own address. */
function presentTarget(engagement: Engagement, tier: Tier, target: Target, at: number) {
  const one = resolveTier(engagement, { ...tier, targets: [target] }, at);
  return { target: targetRef(target), people: one.people.map((id) => presentPerson(engagement, id)), email: one.teamAddresses[0]?.email ?? null };
}

/**
 * Who an incident in `fn` would page first if it opened at `at` with `side`
 * owning it: the side's policy for the function and its first tier that
 * resolves to someone (a tier in a schedule gap is skipped at once, as the
 * escalation engine does), with each of that tier's targets resolved. `tier`
 * is null when nobody would be paged (no policy, or every tier empty).
 */
function presentFirstPage(engagement: Engagement, side: Side, fn: string, at: number) {
  const policyId = engagement.routing[side][fn];
  const policy = policyId === undefined ? undefined : lookup(engagement).policy(policyId);
  const index = policy ? policy.tiers.findIndex((t) => !resolveTier(engagement, t, at).empty) : -1;
  const tier = policy && index >= 0 ? policy.tiers[index] : undefined;
  return {
    function: fn,
    policy: policy?.id ?? null,
    tier: tier === undefined ? null : index + 1,
    targets: tier === undefined ? [] : tier.targets.map((t) => presentTarget(engagement, tier, t, at)).filter((t) => t.people.length > 0 || t.email !== null),
  };
}

/**
 * An engagement's "who answers now": the coverage window (and holiday), which
 * side owns each function, every schedule's on-call people, and the same
 * people grouped by side for a dashboard's two columns, with whom each side's
 * policies would page first (a policy may page a team or a person directly,
 * with nobody on call in any schedule).
 */
export function presentEngagementOnCall(engagement: Engagement, at: number) {
  const coverage = coverageAt(engagement, at);
  const windowEnds = nextWindowChange(engagement, at);
  const schedules = engagement.schedules.map((s) => ({ id: s.id, timezone: s.timezone, ...presentOnCall(engagement, s, at) }));
  const side = (which: Side) => {
    const functions = Object.entries(coverage.owners).filter(([, owner]) => owner === which).map(([fn]) => fn);
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
      until: windowEnds === null ? null : isoOf(windowEnds),
      owners: coverage.owners,
    },
    sides: { internal: side('internal'), partner: side('partner') },
    schedules,
  };
}

/** The person feeds of a token's person, one per engagement that names them (for /api/v1/me). */
export function personCalendars(deployment: Deployment, calendars: CalendarLinks, engagementIds: readonly string[], personId: string | null) {
  if (personId === null) return [];
  return engagementIds
    .map((id) => deployment.engagement(id))
    .filter((e): e is Engagement => e !== undefined && e.people.some((p) => p.id === personId))
    .map((e) => ({ engagement: e.id, person: personId, calendar_url: calendars.personFeedUrl(e.id, personId) }));
}

// ---- routes -----------------------------------------------------------------

/** Registers the schedule routes; mount inside the authenticated /api/v1 plugin. */
export async function scheduleRoutes(app: FastifyInstance, deps: ScheduleDeps): Promise<void> {
  const { deployment, clock, calendars } = deps;

  /** The engagement and schedule of a path, or 404 (another engagement's schedule looks exactly like a missing one). */
  function loadSchedule(req: FastifyRequest<{ Params: { engagement: string; id: string } }>): { engagement: Engagement; schedule: Schedule } {
    const [id] = scopeEngagements(principalOf(req), [req.params.engagement]);
    const engagement = id === undefined ? undefined : deployment.engagement(id);
    if (engagement === undefined) throw new TandemError('NOT_FOUND', `engagement "${req.params.engagement}" not found`, 'engagement');
    const schedule = lookup(engagement).schedule(req.params.id);
    if (schedule === undefined) throw new TandemError('NOT_FOUND', `schedule "${req.params.id}" not found in engagement "${engagement.id}"`, 'id');
    return { engagement, schedule };
  }

  /** The engagements a listing covers: the requested ones (each must be visible) or all the token sees. */
  function visibleEngagements(req: FastifyRequest): Engagement[] {
    const scope = scopeEngagements(principalOf(req), listParam(req.query as Q, 'engagement'));
    return scope.map((id) => deployment.engagement(id)).filter((e): e is Engagement => e !== undefined);
  }

  app.get('/on-call', async (req) => {
    const at = instantParam(req.query as Q, 'at') ?? clock.now();
    return { at: isoOf(at), engagements: visibleEngagements(req).map((e) => presentEngagementOnCall(e, at)) };
  });

  app.get('/schedules', async (req) => {
    const at = clock.now();
    return { at: isoOf(at), schedules: visibleEngagements(req).flatMap((e) => e.schedules.map((s) => presentSchedule(e, s, at, calendars))) };
  });

  app.get<{ Params: { engagement: string; id: string } }>('/schedules/:engagement/:id/shifts', async (req) => {
    const { engagement, schedule } = loadSchedule(req);
    const q = req.query as Q;
    const from = instantParam(q, 'from') ?? clock.now();
    const to = instantParam(q, 'to') ?? from + DEFAULT_RANGE_MS;
    if (to <= from) throw new TandemError('INVALID_QUERY', `to (${isoOf(to)}) must be after from (${isoOf(from)})`, 'to');
    if (to - from > MAX_RANGE_MS) throw new TandemError('INVALID_QUERY', `the range is ${Math.ceil((to - from) / DAY_MS)} days; the maximum is ${MAX_RANGE_MS / DAY_MS} days (ask for several ranges)`, 'to');
    return {
      schedule: { id: schedule.id, engagement: engagement.id, timezone: schedule.timezone },
      from: isoOf(from),
      to: isoOf(to),
      shifts: shifts(schedule, from, to).map((s) => presentShift(engagement, s)),
      gaps: gaps(schedule, from, to).map((g) => ({ start: isoOf(g.start), end: isoOf(g.end) })),
    };
  });

  app.get<{ Params: { engagement: string; id: string } }>('/schedules/:engagement/:id/on-call', async (req) => {
    const { engagement, schedule } = loadSchedule(req);
    const at = instantParam(req.query as Q, 'at') ?? clock.now();
    return { schedule: { id: schedule.id, engagement: engagement.id, timezone: schedule.timezone }, at: isoOf(at), ...presentOnCall(engagement, schedule, at) };
  });
}
