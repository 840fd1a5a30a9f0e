/**
 * /api/v1 schedules: who is on call now on each side, each schedule's shifts
 * and gaps over a range, and the calendar feed URLs to subscribe to them.
 * Registered inside the /api/v1 plugin, so its bearer-token hook applies.
 *
 * Schedules live in the engagement file, not in the database: every answer
 * is the pure schedule and coverage math of `src/schedule` and
 * `src/coverage` applied to the running configuration at an instant. The
 * contract is src/api/schema/schedules.ts; the shapes come from
 * ./schedule-presenters.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CalendarLinks } from '../calendar/links.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement, Schedule } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { gaps, shifts } from '../schedule/on-call.js';
import { DAY_MS } from '../time/duration.js';
import { principalOf, scopeEngagements, visibleEngagement } from './auth.js';
import { isoInstant } from './presenters.js';
import { presentEngagementOnCall, presentOnCall, presentSchedule, presentShift } from './schedule-presenters.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import { ScopeQuery } from './schema/engagements.js';
import {
  AtQuery,
  OnCallList,
  OnCallQuery,
  ScheduleList,
  ScheduleOnCallResponse,
  ScheduleParams,
  ShiftList,
  ShiftsQuery,
} from './schema/schedules.js';

export interface ScheduleDeps {
  /** Unused for now: schedules come from the engagement file, not from the database. */
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly calendars: CalendarLinks;
}

/** Default range of /shifts. */
export const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** Longest range of /shifts: a quarter, which bounds the work one request can ask for. */
export const MAX_RANGE_MS = 92 * DAY_MS;

const meta = (operationId: string, summary: string) => ({ operationId, summary, tags: ['schedules' as const] });
const errors = errorResponses(...AUTH_ERRORS, 404);

/** The operations: their documentation, parameters and answers (src/api/schema/schedules.ts). */
const routes = {
  onCall: {
    schema: {
      ...meta(
        'listOnCall',
        'Who answers now: per engagement, the coverage window, which side owns each function, and who is on call in every schedule',
      ),
      description:
        'Per side, also whom its policies would page first for an incident opened at `at` (a policy may page a team or a person with nobody on call in any schedule).',
      querystring: OnCallQuery,
      response: { 200: OnCallList, ...errors },
    },
  },
  schedules: {
    schema: {
      ...meta('listSchedules', 'Schedules with their layers, overrides, members, who is on call now, and calendar feed URLs'),
      querystring: ScopeQuery,
      response: { 200: ScheduleList, ...errors },
    },
  },
  shifts: {
    schema: {
      ...meta('listShifts', 'Shifts and gaps of a schedule over a range (at most 92 days)'),
      description: 'Shifts are clipped to the range and sorted by start; gaps (nobody on call) are merged.',
      params: ScheduleParams,
      querystring: ShiftsQuery,
      response: { 200: ShiftList, ...errors },
    },
  },
  scheduleOnCall: {
    schema: {
      ...meta('getScheduleOnCall', 'Who is on call in a schedule at an instant'),
      params: ScheduleParams,
      querystring: AtQuery,
      response: { 200: ScheduleOnCallResponse, ...errors },
    },
  },
};

/** The engagement and schedule of a path, or 404 (another engagement's schedule looks exactly like a missing one). */
function loadSchedule(
  deployment: Deployment,
  req: FastifyRequest,
  params: { engagement: string; id: string },
): { engagement: Engagement; schedule: Schedule } {
  const engagement = visibleEngagement(deployment, principalOf(req), params.engagement);
  const schedule = lookup(engagement).schedule(params.id);
  if (schedule === undefined)
    throw new TandemError('NOT_FOUND', `schedule "${params.id}" not found in engagement "${engagement.id}"`, 'id');
  return { engagement, schedule };
}

/** The engagements a listing covers: the requested ones (each must be visible) or all the token sees. */
function visibleEngagements(deployment: Deployment, req: FastifyRequest, requested: readonly string[] | undefined): Engagement[] {
  return scopeEngagements(principalOf(req), requested)
    .map((id) => deployment.engagement(id))
    .filter((e): e is Engagement => e !== undefined);
}

/** The range of /shifts: `from` (default now) to `to` (default a week later), at most {@link MAX_RANGE_MS}. */
function shiftRange(from: number, to: number | undefined): { from: number; to: number } {
  const end = to ?? from + DEFAULT_RANGE_MS;
  if (end <= from) throw new TandemError('INVALID_QUERY', `to (${isoInstant(end)}) must be after from (${isoInstant(from)})`, 'to');
  if (end - from > MAX_RANGE_MS)
    throw new TandemError(
      'INVALID_QUERY',
      `the range is ${Math.ceil((end - from) / DAY_MS)} days; the maximum is ${MAX_RANGE_MS / DAY_MS} days (ask for several ranges)`,
      'to',
    );
  return { from, to: end };
}

/** Registers the schedule routes; mount inside the authenticated /api/v1 plugin. */
export async function scheduleRoutes(scope: FastifyInstance, deps: ScheduleDeps): Promise<void> {
  const { deployment, clock, calendars } = deps;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get('/on-call', routes.onCall, async (req) => {
    const at = req.query.at ?? clock.now();
    return {
      at: isoInstant(at),
      engagements: visibleEngagements(deployment, req, req.query.engagement).map((e) => presentEngagementOnCall(e, at)),
    };
  });

  app.get('/schedules', routes.schedules, async (req) => {
    const at = clock.now();
    const schedules = visibleEngagements(deployment, req, req.query.engagement).flatMap((e) =>
      e.schedules.map((s) => presentSchedule(e, s, at, calendars)),
    );
    return { at: isoInstant(at), schedules };
  });

  app.get('/schedules/:engagement/:id/shifts', routes.shifts, async (req) => {
    const { engagement, schedule } = loadSchedule(deployment, req, req.params);
    const { from, to } = shiftRange(req.query.from ?? clock.now(), req.query.to);
    return {
      schedule: { id: schedule.id, engagement: engagement.id, timezone: schedule.timezone },
      from: isoInstant(from),
      to: isoInstant(to),
      shifts: shifts(schedule, from, to).map((s) => presentShift(engagement, s)),
      gaps: gaps(schedule, from, to).map((g) => ({ start: isoInstant(g.start), end: isoInstant(g.end) })),
    };
  });

  app.get('/schedules/:engagement/:id/on-call', routes.scheduleOnCall, async (req) => {
    const { engagement, schedule } = loadSchedule(deployment, req, req.params);
    const at = req.query.at ?? clock.now();
    return {
      schedule: { id: schedule.id, engagement: engagement.id, timezone: schedule.timezone },
      at: isoInstant(at),
      ...presentOnCall(engagement, schedule, at),
    };
  });
}
