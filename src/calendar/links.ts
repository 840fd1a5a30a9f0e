/**
 * Calendar feed URLs: one per schedule and one per person, each behind an
 * unguessable token, because calendar apps (Google, Outlook, Apple) fetch a
 * subscribed URL without any credentials: the URL is the secret.
 *
 * The token is derived, not stored: HMAC-SHA256(server key,
 * "ical:v1:<engagement>:<schedule|person>:<id>") cut to 160 bits. So a URL is
 * stable across restarts and instances (people subscribe once), needs no
 * table, and cannot be guessed or moved to another schedule or person. The
 * "ical:v1:" prefix keeps these MACs apart from respond-link MACs made with
 * the same key (those payloads start with the action letter, never "ical:").
 * Rotating the server key changes every feed URL; that is also how leaked
 * feed URLs are revoked.
 */
import { HmacSigner } from '../secrets/hmac.js';

/** What a feed follows: one schedule's shifts, or one person's shifts across the engagement's schedules. */
export type CalendarKind = 'schedule' | 'person';

/** The kinds, as they appear in feed URLs. */
export const CALENDAR_KINDS: readonly CalendarKind[] = ['schedule', 'person'];

/** 160 bits: far beyond guessing, and short enough to paste. */
const TOKEN_BYTES = 20;

/** What a feed token signs; the prefix keeps it apart from respond-link payloads. */
const payload = (engagementId: string, kind: CalendarKind, id: string) => `ical:v1:${engagementId}:${kind}:${id}`;

/** Signs and checks calendar feed URLs. */
export class CalendarLinks {
  readonly #signer: HmacSigner;
  readonly #baseUrl: string;

  /**
   * @param key the server's link-signing key (`serverSecret(..., 'link-signing-key', ...)`)
   * @param publicUrl where people reach this server, e.g. "https://tandem.example"
   */
  constructor(key: string, publicUrl: string) {
    this.#signer = new HmacSigner(key);
    this.#baseUrl = publicUrl.replace(/\/+$/, '');
  }

  /** The token of one feed (base64url, 27 characters). */
  token(engagementId: string, kind: CalendarKind, id: string): string {
    return this.#signer.sign(payload(engagementId, kind, id), TOKEN_BYTES);
  }

  /** The absolute URL of a feed. */
  feedUrl(engagementId: string, kind: CalendarKind, id: string): string {
    return `${this.#baseUrl}/calendars/${encodeURIComponent(engagementId)}/${kind}/${encodeURIComponent(id)}/${this.token(engagementId, kind, id)}.ics`;
  }

  /** The feed URL of a schedule's shifts. */
  scheduleFeedUrl(engagementId: string, scheduleId: string): string {
    return this.feedUrl(engagementId, 'schedule', scheduleId);
  }

  /** The feed URL of one person's shifts across every schedule of the engagement. */
  personFeedUrl(engagementId: string, personId: string): string {
    return this.feedUrl(engagementId, 'person', personId);
  }

  /** Whether `token` is the genuine token of this feed (constant-time comparison). */
  verify(engagementId: string, kind: CalendarKind, id: string, token: string): boolean {
    return this.#signer.verify(payload(engagementId, kind, id), TOKEN_BYTES, token);
  }
}
