/**
 * The dashboard's plumbing: signing in (an API token exchanged for a session
 * cookie), signing out, and the live stream of incident changes as
 * server-sent events.
 */
import { z } from 'zod';
import { Instant } from './common.js';
import { Me } from './engagements.js';

const TOKEN_REQUIRED = 'is required: the API token to sign in with';

/** `{"token": "..."}`; an absent body reads as `{}`, so the answer names `token`. */
export const SessionBody = z.preprocess(
  (v) => v ?? {},
  z.object({
    token: z
      .string({ error: TOKEN_REQUIRED })
      .refine((v) => v.trim() !== '', TOKEN_REQUIRED)
      .meta({ description: 'An API token (from `tandem token create`).' }),
  }),
);

export const Session = z
  .object({
    session: z.object({ expires_at: Instant.meta({ description: 'When the session ends (12 hours after signing in).' }) }),
    token: Me.shape.token,
  })
  .meta({
    id: 'Session',
    description: 'Signed in: `Set-Cookie: tandem_session=...` (httpOnly, SameSite=Strict, 12 hours) and the token the session acts as.',
  });

/** No body: the session ends and the cookie is cleared. */
export const SignedOut = z.null().describe('Signed out: the session (if any) ends and `Set-Cookie` clears the cookie.');

/** Server-sent events, not JSON. */
export const EventStream = {
  description:
    'A stream of server-sent events: `hello` (data: the engagements watched and the time), then `incident` (data: an Incident) each time one changes, and `bye` when the server shuts down. A comment line every 15 s keeps proxies from closing it.',
  content: {
    'text/event-stream': {
      schema: z.string().meta({ description: 'Lines of `event: <name>` and `data: <JSON>`, each event ended by a blank line.' }),
    },
  },
};

export type Session = z.output<typeof Session>;
