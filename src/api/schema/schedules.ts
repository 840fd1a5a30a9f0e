/**
 * Schedules and who answers: who is on call now on each side (with whom each
 * side's policies would page first), each schedule's layers, overrides,
 * shifts and gaps, and the iCalendar feeds people subscribe to. Schedules
 * live in the engagement file, so every answer is computed at an instant.
 */
import { z } from 'zod';
import { Instant, NullableInstant, instantQuery } from './common.js';
import { ScopeQuery } from './engagements.js';
import { SIDES } from './incidents.js';

export const COVERAGE_WINDOWS = ['business_hours', 'after_hours', 'weekend', 'holiday'] as const;

/** A person as schedules show them; `side` is null when the engagement file no longer names them. */
export const PersonRef = z.object({
  person: z.string().meta({ description: 'Person id in the engagement file.' }),
  name: z.string().meta({ description: 'The display name (the id when the file no longer names them).' }),
  side: z.enum(SIDES).nullable(),
});

export const OnCallPerson = PersonRef.extend({
  until: NullableInstant.meta({ description: 'End of their current on-call stretch; null when it does not end within about a year.' }),
}).meta({ id: 'OnCallPerson' });

export const ScheduleOnCall = z.object({
  on_call: z.array(OnCallPerson).meta({ description: 'Empty in a gap; several people when overrides overlap.' }),
  next_change: NullableInstant.meta({ description: 'When the people on call next change.' }),
});

export const ScheduleRef = z
  .object({
    id: z.string(),
    engagement: z.string(),
    timezone: z.string().meta({ description: 'The IANA time zone the schedule is written in.' }),
  })
  .meta({ id: 'ScheduleRef' });

const Window = z.object({
  days: z.array(z.string()).meta({ description: 'mon ... sun' }),
  from: z.string().meta({ description: 'HH:MM local time' }),
  to: z.string().meta({ description: 'HH:MM local time' }),
});

const Layer = z.object({
  layer: z.number().int().meta({ description: '1 = first; a later layer wins where it has someone.' }),
  rotation: z.object({
    every: z.string().meta({ examples: ['1w'] }),
    handoff: z.string().meta({ examples: ['mon 09:00'] }),
    start: z.string().meta({ format: 'date' }),
    members: z.array(PersonRef),
  }),
  only: z.array(Window).nullable().meta({ description: 'The weekly windows the layer covers; null when it covers all the time.' }),
});

const Override = PersonRef.extend({
  from: z.string().meta({ description: 'Local to the schedule, as written.' }),
  to: z.string().meta({ description: 'Local to the schedule, as written.' }),
  start: Instant,
  end: Instant,
});

export const Schedule = ScheduleRef.extend({
  layers: z.array(Layer),
  overrides: z.array(Override),
  members: z.array(
    PersonRef.extend({ calendar_url: z.string().meta({ format: 'uri', description: "This person's feed across the engagement." }) }),
  ),
  ...ScheduleOnCall.shape,
  calendar_url: z.string().meta({ format: 'uri', description: "This schedule's iCalendar feed; the URL is the credential." }),
}).meta({ id: 'Schedule' });

export const Shift = PersonRef.extend({
  start: Instant,
  end: Instant,
  source: z.enum(['layer', 'override']),
  layer: z.number().int().nullable().meta({ description: 'Which layer (1 = first) for layer shifts.' }),
}).meta({ id: 'Shift' });

const PageTarget = z.object({
  target: z.string().meta({ examples: ['team:acme-it'] }),
  people: z.array(PersonRef),
  email: z.string().nullable().meta({ description: "A team's own address, paged besides its members." }),
});

export const FirstPage = z
  .object({
    function: z.string(),
    policy: z.string().nullable().meta({ description: 'null when routing names no policy for the function.' }),
    tier: z.number().int().nullable().meta({ description: '1 = first; null when nobody would be paged.' }),
    targets: z.array(PageTarget),
  })
  .meta({
    id: 'FirstPage',
    description:
      'For one function the side owns: its policy and the first tier that would page someone for an incident opened now (a tier in a schedule gap is skipped). A side may page a team or a person with nobody on call in any schedule.',
  });

const SideNow = z.object({
  name: z.string(),
  functions: z.array(z.string()).meta({ description: 'The functions this side owns now.' }),
  on_call: z.array(OnCallPerson.extend({ schedule: z.string() })),
  pages: z.array(FirstPage),
});

export const EngagementOnCall = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    coverage: z.object({
      window: z.enum(COVERAGE_WINDOWS),
      label: z.string().meta({ examples: ['after hours'] }),
      holiday: z
        .string()
        .nullable()
        .meta({ examples: ['Thanksgiving Day'] }),
      until: NullableInstant.meta({ description: 'When the window next changes.' }),
      owners: z.record(z.string(), z.enum(SIDES)).meta({ description: 'function -> side that owns it now.' }),
    }),
    sides: z.object({ internal: SideNow, partner: SideNow }).meta({
      description:
        'Per side: its name, the functions it owns now, who is on call in each schedule, and whom its policies would page first.',
    }),
    schedules: z.array(z.object({ id: z.string(), timezone: z.string(), ...ScheduleOnCall.shape })),
  })
  .meta({ id: 'EngagementOnCall' });

export const OnCallQuery = ScopeQuery.extend({
  at: instantQuery().meta({ description: 'The instant to answer for (default: now), ISO 8601 with an offset.' }),
});
export const OnCallList = z
  .object({ at: Instant, engagements: z.array(EngagementOnCall) })
  .meta({ id: 'OnCallList', description: 'Who answers at `at`, per engagement.' });

export const ScheduleList = z
  .object({ at: Instant, schedules: z.array(Schedule) })
  .meta({ id: 'ScheduleList', description: 'The schedules, as of `at` (now).' });

export const ScheduleParams = z.object({
  engagement: z.string().meta({ description: 'Engagement id.' }),
  id: z.string().meta({ description: 'Schedule id.' }),
});

export const ShiftsQuery = z.object({
  from: instantQuery().meta({ description: 'Start of the range (default: now), ISO 8601 with an offset.' }),
  to: instantQuery().meta({ description: 'End of the range, after `from` and at most 92 days later (default: `from` + 7 days).' }),
});
export const ShiftList = z
  .object({
    schedule: ScheduleRef,
    from: Instant,
    to: Instant,
    shifts: z.array(Shift).meta({ description: 'Shifts clipped to the range, by start.' }),
    gaps: z.array(z.object({ start: Instant, end: Instant })).meta({ description: 'When nobody is on call, merged.' }),
  })
  .meta({ id: 'ShiftList' });

export const AtQuery = z.object({
  at: instantQuery().meta({ description: 'The instant to answer for (default: now), ISO 8601 with an offset.' }),
});
export const ScheduleOnCallResponse = z
  .object({ schedule: ScheduleRef, at: Instant, ...ScheduleOnCall.shape })
  .meta({ id: 'ScheduleOnCallResponse', description: 'Who is on call in the schedule at `at`.' });

/** The path of an iCalendar feed: the engagement, the schedule or person, and the signed token. */
export const CalendarParams = z.object({
  engagement: z.string().meta({ description: 'Engagement id.' }),
  id: z.string().meta({ description: 'Schedule id (schedule feeds) or person id (person feeds).' }),
  token: z.string().meta({ description: 'The feed token from the URL the API gave.' }),
});

/** An iCalendar feed as a response: text/calendar, not JSON. */
export const CalendarFeed = {
  description: 'An iCalendar feed (RFC 5545), with `Cache-Control: private, max-age=300`.',
  content: { 'text/calendar': { schema: z.string().meta({ description: 'VCALENDAR text, one VEVENT per shift, times in UTC.' }) } },
};

export type PersonRef = z.output<typeof PersonRef>;
export type OnCallPerson = z.output<typeof OnCallPerson>;
export type ScheduleOnCall = z.output<typeof ScheduleOnCall>;
export type Schedule = z.output<typeof Schedule>;
export type Shift = z.output<typeof Shift>;
export type FirstPage = z.output<typeof FirstPage>;
export type EngagementOnCall = z.output<typeof EngagementOnCall>;
export type OnCallList = z.output<typeof OnCallList>;
export type ScheduleList = z.output<typeof ScheduleList>;
export type ShiftList = z.output<typeof ShiftList>;
export type ScheduleOnCallResponse = z.output<typeof ScheduleOnCallResponse>;
