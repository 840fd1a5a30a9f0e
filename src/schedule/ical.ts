/**
 * On-call shifts as an iCalendar feed (RFC 5545) that people subscribe to
 * from Google Calendar, Outlook or Apple Calendar.
 *
 * Written by hand because the subset is small and the details that matter
 * are easy to pin down in tests: CRLF line endings, folding at 75 octets
 * without splitting a UTF-8 character, TEXT escaping, times in UTC.
 * Calendar clients update an event in place when its UID stays the same, so
 * a UID is derived from what identifies a shift (feed, person, source,
 * start), never from a counter or the generation time.
 */
import type { Shift } from './on-call.js';

/** What {@link icalFeed} needs. */
export interface IcalFeedOptions {
  /** Calendar name (X-WR-CALNAME) and part of each summary, e.g. "Acme primary". */
  readonly name: string;
  readonly shifts: readonly Shift[];
  /** DTSTAMP of every event: when the feed was generated (pass `clock.now()`). */
  readonly generatedAt: number;
  /** Person id -> display name for summaries; missing ids are shown as the id. */
  readonly people?: Readonly<Record<string, string>>;
  /** Stable id of the feed, part of every UID (e.g. "acme/acme-primary"); defaults to `name`. */
  readonly feedId?: string;
  /** Right-hand side of UIDs; defaults to "tandem". */
  readonly uidDomain?: string;
  /** PRODID; defaults to "-//Tandem//On-call//EN". */
  readonly prodId?: string;
}

const CRLF = '\r\n';
const MAX_OCTETS = 75;

/**
 * Escapes an RFC 5545 TEXT value (3.3.11): backslash, semicolon and comma
 * get a backslash, line breaks become `\n`, and other control characters,
 * which TEXT does not allow, are dropped.
 */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // eslint-disable-next-line no-control-regex -- control characters are what iCalendar text may not hold
      .replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '')
  );
}

const encoder = new TextEncoder();

/**
 * Folds one content line (RFC 5545 3.1): no line longer than 75 octets,
 * continuation lines start with a space (which counts), and a multi-byte
 * UTF-8 character is never split.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    if (octets + size > MAX_OCTETS) {
      parts.push(current);
      current = ' ';
      octets = 1;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join(CRLF);
}

/** An instant as an RFC 5545 UTC DATE-TIME: 20261102T140000Z. */
export function icalUtc(t: number): string {
  return new Date(t)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** The UID of a shift in a feed: the same shift keeps its UID across regenerations. */
export function shiftUid(feedId: string, shift: Shift, domain = 'tandem'): string {
  const id = [icalUtc(shift.start), encodeURIComponent(shift.person), shift.source, encodeURIComponent(feedId)].join('-');
  return `${id}@${domain}`;
}

/**
 * An RFC 5545 VCALENDAR with one VEVENT per shift, e.g. summary
 * "On call: Acme primary (Dana Reyes)". Events are TRANSPARENT, since being
 * on call does not make someone busy.
 */
export function icalFeed(options: IcalFeedOptions): string {
  const feedId = options.feedId ?? options.name;
  const domain = options.uidDomain ?? 'tandem';
  const stamp = icalUtc(options.generatedAt);
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${options.prodId ?? '-//Tandem//On-call//EN'}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(options.name)}`,
    // Subscribed calendars refresh on the client's schedule; ask for hourly so overrides show up.
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
    'X-PUBLISHED-TTL:PT1H',
  ];
  for (const s of options.shifts) {
    const who = options.people?.[s.person] ?? s.person;
    const what = s.source === 'override' ? 'Override' : s.layer === undefined ? 'Rotation' : `Rotation layer ${s.layer + 1}`;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(shiftUid(feedId, s, domain))}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${icalUtc(s.start)}`,
      `DTEND:${icalUtc(s.end)}`,
      `SUMMARY:${escapeText(`On call: ${options.name} (${who})`)}`,
      `DESCRIPTION:${escapeText(`${what}: ${who} is on call for ${options.name}.`)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join(CRLF) + CRLF;
}
