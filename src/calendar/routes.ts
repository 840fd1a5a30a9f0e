/**
 * /calendars/{engagement}/{schedule|person}/{id}/{token}.ics: on-call shifts
 * as iCalendar feeds that people subscribe to in their calendar app.
 *
 * No bearer token: calendar apps cannot send one, so the signed URL is the
 * capability (see ./links.ts). A wrong token, an unknown engagement and an
 * unknown id all get the same 404, so the endpoint cannot be used to probe
 * which schedules or people exist.
 */
import { lookup } from '../engagement/model.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../api/schema/common.js';
import { CalendarFeed, CalendarParams } from '../api/schema/schedules.js';
import type { Clock } from '../clock/clock.js';
import { DAY_MS } from '../time/duration.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement, Schedule } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { icalFeed } from '../schedule/ical.js';
import { shifts } from '../schedule/on-call.js';
import type { Shift } from '../schedule/on-call.js';
import type { CalendarKind, CalendarLinks } from './links.js';

export interface CalendarDeps {
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly calendars: CalendarLinks;
}

/** Feeds look back a month (last week's shifts stay visible) and ahead a quarter. */
export const FEED_PAST_MS = 30 * DAY_MS;
export const FEED_AHEAD_MS = 90 * DAY_MS;
/**
 * Shifts are computed this far beyond the feed's range and then kept whole
 * when they overlap it: a shift cut at the range's edge would get a new start,
 * hence a new UID, at every refresh, and calendars would show it flickering.
 */
const EDGE_MS = 35 * DAY_MS;

const CRLF = '\r\n';

/** Display names of an engagement's people, for event summaries. */
function peopleNames(engagement: Engagement): Record<string, string> {
  return Object.fromEntries(engagement.people.map((p) => [p.id, p.name]));
}

/** How a schedule is named in a calendar: "acme-primary · Acme Payments". */
export function scheduleCalendarName(engagement: Engagement, schedule: Schedule): string {
  return `${schedule.id} · ${engagement.name}`;
}

/** The shifts overlapping `[from, to)`, not cut at its edges (up to {@link EDGE_MS} beyond them). */
function feedShifts(schedule: Schedule, from: number, to: number): Shift[] {
  return shifts(schedule, from - EDGE_MS, to + EDGE_MS).filter((s) => s.end > from && s.start < to);
}

/** The feed range around `now`, on UTC day boundaries so it moves once a day rather than at each refresh. */
export function feedRange(now: number): { from: number; to: number } {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { from: today - FEED_PAST_MS, to: today + DAY_MS + FEED_AHEAD_MS };
}

/** The iCalendar feed of the shifts of one schedule that overlap `[from, to)`. */
export function scheduleFeed(engagement: Engagement, schedule: Schedule, from: number, to: number, generatedAt: number): string {
  return icalFeed({
    name: scheduleCalendarName(engagement, schedule),
    shifts: feedShifts(schedule, from, to),
    generatedAt,
    people: peopleNames(engagement),
    feedId: `${engagement.id}/${schedule.id}`,
  });
}

/** The content lines of each VEVENT of a feed, in order (folded lines never start with "BEGIN:"). */
function eventBlocks(feed: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  for (const line of feed.split(CRLF)) {
    if (line === 'BEGIN:VEVENT') current = [];
    if (current !== undefined) current.push(line);
    if (line === 'END:VEVENT' && current !== undefined) {
      blocks.push(current);
      current = undefined;
    }
  }
  return blocks;
}

/**
 * The iCalendar feed of one person's shifts overlapping `[from, to)` across every
 * schedule of the engagement, each event's SUMMARY naming its schedule.
 * `icalFeed` names one calendar per call, so each schedule's events are made
 * by their own call and merged, in start order, into one VCALENDAR.
 */
export function personFeed(engagement: Engagement, personId: string, from: number, to: number, generatedAt: number): string {
  const person = lookup(engagement).person(personId);
  const people = peopleNames(engagement);
  const events: Array<{ start: number; lines: string[] }> = [];
  for (const schedule of engagement.schedules) {
    const own = feedShifts(schedule, from, to).filter((s) => s.person === personId);
    if (own.length === 0) continue;
    const feed = icalFeed({
      name: scheduleCalendarName(engagement, schedule),
      shifts: own,
      generatedAt,
      people,
      // Not the schedule feed's id: someone subscribed to both gets distinct events in each calendar.
      feedId: `${engagement.id}/person/${personId}/${schedule.id}`,
    });
    // icalFeed writes one VEVENT per shift, in the order given.
    eventBlocks(feed).forEach((lines, i) => events.push({ start: own[i]?.start ?? 0, lines }));
  }
  events.sort((a, b) => a.start - b.start);
  const shell = icalFeed({ name: `On call: ${person?.name ?? personId} · ${engagement.name}`, shifts: [], generatedAt }).split(CRLF);
  const end = shell.lastIndexOf('END:VCALENDAR');
  const lines = [...shell.slice(0, end), ...events.flatMap((e) => e.lines), 'END:VCALENDAR'];
  return lines.join(CRLF) + CRLF;
}

/** The feed routes' documentation: public (the signed URL is the credential), a feed or a 404. */
function feedSchema(operationId: string, summary: string, description: string) {
  return {
    operationId,
    summary,
    description,
    tags: ['schedules' as const],
    security: [],
    params: CalendarParams,
    response: { 200: CalendarFeed, ...errorResponses(404, 408) },
  };
}

/** Registers the public feed routes (outside /api/v1: no bearer token). */
export async function calendarRoutes(scope: FastifyInstance, deps: CalendarDeps): Promise<void> {
  const { deployment, clock, calendars } = deps;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  const notFound = () => new TandemError('NOT_FOUND', 'calendar not found; copy the feed URL again from Tandem');

  function send(reply: FastifyReply, body: string): FastifyReply {
    return (
      reply
        .header('content-type', 'text/calendar; charset=utf-8')
        // The URL is a secret: keep it out of shared caches; five minutes spares a refresh storm.
        .header('cache-control', 'private, max-age=300')
        .send(body)
    );
  }

  /** Checks the token first and then the ids, answering every failure the same way. */
  function resolve(kind: CalendarKind, params: { engagement: string; id: string; token: string }): Engagement {
    if (!calendars.verify(params.engagement, kind, params.id, params.token)) throw notFound();
    const engagement = deployment.engagement(params.engagement);
    if (engagement === undefined) throw notFound();
    return engagement;
  }

  app.get(
    '/calendars/:engagement/schedule/:id/:token.ics',
    {
      schema: feedSchema(
        'getScheduleFeed',
        'iCalendar feed of a schedule (30 days back, 90 ahead); the URL is the credential',
        'For calendar apps, which cannot send a bearer token. Take the URL from `calendar_url` in GET /api/v1/schedules. A wrong token or an unknown id is 404.',
      ),
    },
    async (req, reply) => {
      const engagement = resolve('schedule', req.params);
      const schedule = lookup(engagement).schedule(req.params.id);
      if (schedule === undefined) throw notFound();
      const now = clock.now();
      const { from, to } = feedRange(now);
      return send(reply, scheduleFeed(engagement, schedule, from, to, now));
    },
  );

  app.get(
    '/calendars/:engagement/person/:id/:token.ics',
    {
      schema: feedSchema(
        'getPersonFeed',
        "iCalendar feed of one person's shifts across the engagement's schedules; the URL is the credential",
        'Take the URL from `members[].calendar_url` in GET /api/v1/schedules or `calendars` in GET /api/v1/me. Each SUMMARY names the schedule. A wrong token or an unknown id is 404.',
      ),
    },
    async (req, reply) => {
      const engagement = resolve('person', req.params);
      if (!engagement.people.some((p) => p.id === req.params.id)) throw notFound();
      const now = clock.now();
      const { from, to } = feedRange(now);
      return send(reply, personFeed(engagement, req.params.id, from, to, now));
    },
  );
}
