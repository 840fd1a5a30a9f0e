/**
 * The event pipeline as admins see it: the backlog, the events that were
 * accepted but could not be applied (quarantined) with their error and
 * body, and putting them back in the queue.
 */
import { z } from 'zod';
import { CursorQuery, Instant, NullableInstant, intQuery } from './common.js';
import { ScopeQuery } from './engagements.js';

// Every integration type an event can come from: the engagement model's list, so a new type is never a 500 here.
export { INTEGRATION_TYPES } from '../../engagement/model.js';
import { INTEGRATION_TYPES } from '../../engagement/model.js';
export const EVENT_KINDS = ['alert', 'change'] as const;

export const QuarantinedEvent = z
  .object({
    id: z.number().int(),
    engagement: z.string(),
    service: z.string(),
    integration: z.enum(INTEGRATION_TYPES),
    kind: z.enum(EVENT_KINDS),
    received_at: Instant,
    request_id: z.string().nullable().meta({ description: 'The X-Request-Id of the request that delivered it.' }),
    quarantined_at: Instant,
    error: z.string().meta({ description: 'Why it could not be applied.' }),
    raw: z.string().meta({ description: 'The body as received, cut at 4,096 characters.' }),
    raw_truncated: z.boolean(),
  })
  .meta({ id: 'QuarantinedEvent' });

export const QuarantinedQuery = ScopeQuery.extend({ limit: intQuery(50, 1, 200), cursor: CursorQuery });
export const QuarantinedList = z
  .object({
    events: z.array(QuarantinedEvent),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'QuarantinedList', description: 'Quarantined events, newest first.' });

export const Backlog = z
  .object({
    waiting: z.number().int().meta({ description: 'Events accepted and not yet applied (quarantined ones excluded).' }),
    oldest_waiting_at: NullableInstant.meta({ description: 'When the oldest of them was accepted; null when none waits.' }),
    oldest_waiting_age_seconds: z.number().meta({ description: 'Seconds since then; 0 when none waits.' }),
    quarantined: z.number().int().meta({ description: 'Events set aside, waiting for an admin.' }),
  })
  .meta({ id: 'EventBacklog', description: 'The backlog.' });

const IDS_MESSAGE = 'must be a list of 1 to 1000 event ids (positive integers)';

/** Event ids: one message for every way a list can be wrong, naming `ids`. */
const EventIds = z.preprocess(
  (v, ctx) => {
    if (Array.isArray(v) && v.length >= 1 && v.length <= 1000 && v.every((id) => Number.isSafeInteger(id) && Number(id) > 0)) return v;
    ctx.addIssue({ code: 'custom', message: IDS_MESSAGE });
    return z.NEVER;
  },
  z.array(z.number().int().min(1)).min(1).max(1000),
);

/**
 * `{"ids":[...]}` or `{"all":true}`; an absent body reads as `{}`. Which of the
 * two is given is the route's check, so its message can show both forms.
 */
export const RetryBody = z.preprocess(
  (v) => v ?? {},
  z
    .object({
      ids: EventIds.optional().meta({ description: 'The events to put back (1 to 1000 ids).' }),
      all: z
        .preprocess((v) => (v === true ? true : undefined), z.literal(true).optional())
        .meta({ description: 'Put back every quarantined event this token can see.' }),
    })
    // Neither field alone is required; one of the two is (the route says so when neither is there).
    .meta({ required: [], anyOf: [{ required: ['ids'] }, { required: ['all'] }] }),
);

export const RetryResult = z
  .object({
    retried: z.array(z.number().int()).meta({ description: 'The ids put back, ascending.' }),
    not_quarantined: z
      .array(z.number().int())
      .meta({ description: 'Ids asked for that were not quarantined in the engagements this token can see.' }),
  })
  .meta({ id: 'RetryResult', description: 'What was put back.' });

export type QuarantinedEvent = z.output<typeof QuarantinedEvent>;
export type QuarantinedList = z.output<typeof QuarantinedList>;
export type Backlog = z.output<typeof Backlog>;
export type RetryResult = z.output<typeof RetryResult>;
