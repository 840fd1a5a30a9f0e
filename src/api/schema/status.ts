/**
 * The status page over HTTP (issue 13): the public document at
 * /status/{engagement}.json (no sign-in; nothing internal in it), and the
 * notes admins publish on it through /api/v1/status-notes.
 */
import { z } from 'zod';
import { Instant, NullableInstant, listQuery, requiredText } from './common.js';

/** A component's state, least to most severe (src/status/state.ts). */
export const COMPONENT_STATES = ['operational', 'maintenance', 'degraded', 'outage'] as const;
/** A note's state: the state it declares for its components, or resolved. */
export const NOTE_STATES = [...COMPONENT_STATES, 'resolved'] as const;

/** The most characters of one note update's text. */
export const NOTE_TEXT_MAX = 5000;

const ComponentState = z.enum(COMPONENT_STATES).meta({
  description: 'outage: an open incident of the most urgent priority; degraded: another paging priority; maintenance: in a window.',
});
const NoteState = z.enum(NOTE_STATES);

// ---------------------------------------------------------------- public

export const StatusPageParams = z.object({ engagement: z.string().meta({ description: 'Engagement id.' }) });

export const PublicNoteUpdate = z
  .object({ at: Instant, state: NoteState, text: z.string().meta({ description: 'What the admin published.' }) })
  .meta({ id: 'StatusNoteUpdatePublic' });

export const PublicNote = z
  .object({
    id: z.number().int(),
    title: z.string(),
    state: NoteState.meta({ description: 'The state the note declares for its components, or resolved.' }),
    components: z.array(z.string()).meta({ description: 'Names of the components it is about.' }),
    created_at: Instant,
    updated_at: Instant,
    resolved_at: NullableInstant,
    updates: z.array(PublicNoteUpdate).meta({ description: 'Newest first.' }),
  })
  .meta({ id: 'StatusNotePublic', description: 'A note as published: never its author or the incident it was written for.' });

export const StatusDocument = z
  .object({
    engagement: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    url: z.string().meta({ description: 'The HTML page.' }),
    updated_at: Instant.meta({ description: 'When this document was made.' }),
    status: z.object({ state: ComponentState, description: z.string().meta({ description: 'e.g. "All systems operational".' }) }),
    components: z.array(
      z.object({
        name: z.string(),
        description: z.string().nullable(),
        state: ComponentState,
        maintenance_until: NullableInstant.meta({ description: 'When the state is maintenance: the end of the window.' }),
      }),
    ),
    notes: z
      .array(PublicNote)
      .meta({ description: 'Open notes and those resolved in the last 7 days, most recently changed first (at most 50).' }),
  })
  .meta({
    id: 'StatusPage',
    description:
      "An engagement's public status: each component's state, derived from open incidents and maintenance, and the notes admins published. No incident title, number, person or timeline is ever in it.",
  });

/** The HTML page and the feed as responses: not JSON. */
export const StatusHtml = {
  description: 'The status page, server-rendered HTML with no script and no external asset (`Cache-Control: public, max-age=30`).',
  content: { 'text/html': { schema: z.string() } },
};
export const StatusFeed = {
  description: 'The notes as an Atom feed (RFC 4287), one entry per note (`Cache-Control: public, max-age=60`).',
  content: { 'application/atom+xml': { schema: z.string() } },
};
export const StatusNotFoundHtml = {
  description: 'No such engagement, or it has no status page: the same answer for both.',
  content: { 'text/html': { schema: z.string() } },
};

// ---------------------------------------------------------------- admin

const noteText = () => requiredText(NOTE_TEXT_MAX).meta({ description: 'Shown to the public as written (plain text).' });
const componentNames = () =>
  z
    .array(requiredText(200))
    .min(1, 'list at least one component of the status page')
    .max(50, 'is over the maximum of 50 components')
    .meta({ description: "Names of components of the engagement's status_page." });

export const StatusNoteCreate = z
  .object({
    engagement: requiredText(200),
    title: requiredText(200).meta({ description: 'The public headline, e.g. "Card payments failing for some customers".' }),
    components: componentNames(),
    state: ComponentState.meta({ description: 'What the note declares for its components; it can make them look worse, never better.' }),
    text: noteText(),
    incident: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'The incident it is written for (ACME-42 or its id): recorded for admins, never shown publicly.' }),
  })
  .meta({ id: 'StatusNoteCreate' });

export const StatusNoteUpdateBody = z
  .object({
    text: noteText(),
    state: ComponentState.optional().meta({ description: 'The new state; unchanged when absent.' }),
    title: requiredText(200).optional(),
    components: componentNames().optional(),
  })
  .meta({ id: 'StatusNoteUpdateBody' });

/** The body is optional (then the closing update is "This issue is resolved."); when there is one, it gives the text. */
export const StatusNoteResolveBody = z
  .object({ text: noteText().meta({ description: 'The closing update.' }) })
  .meta({ id: 'StatusNoteResolveBody', description: 'Optional: without a body the closing update is "This issue is resolved."' });

export const StatusNoteParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a status note id (a whole number)')
    .transform(Number),
});

export const StatusNoteQuery = z.object({
  engagement: listQuery().meta({ description: 'Engagement ids, comma-separated (default: every engagement of the token).' }),
});

export const StatusNote = z
  .object({
    id: z.number().int(),
    engagement: z.string(),
    title: z.string(),
    components: z.array(z.string()),
    state: NoteState,
    incident: z.object({ id: z.number().int(), number: z.string() }).nullable(),
    created_by: z.string().meta({ description: 'Who published it, e.g. person:dana or token:ab12cd (never shown publicly).' }),
    created_at: Instant,
    updated_at: Instant,
    resolved_at: NullableInstant,
    updates: z
      .array(z.object({ at: Instant, state: NoteState, text: z.string(), author: z.string() }))
      .meta({ description: 'Oldest first.' }),
  })
  .meta({ id: 'StatusNote' });

export const StatusNoteResponse = z.object({ note: StatusNote }).meta({ id: 'StatusNoteResponse' });
export const StatusNoteList = z
  .object({ notes: z.array(StatusNote) })
  .meta({ id: 'StatusNoteList', description: 'Open notes and those resolved in the last 30 days, most recently changed first.' });
