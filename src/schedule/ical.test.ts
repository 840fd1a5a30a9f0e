import { describe, expect, it } from 'vitest';
import { utc } from '../coverage/test-fixtures.js';
import { escapeText, foldLine, icalFeed, icalUtc, shiftUid } from './ical.js';
import type { Shift } from './on-call.js';
import { shifts } from './on-call.js';
import { demoSchedules } from './test-fixtures.js';

const octets = (s: string): number => new TextEncoder().encode(s).length;
/** RFC 5545 unfolding: a CRLF followed by one space or tab disappears. */
const unfold = (text: string): string => text.replace(/\r\n[ \t]/g, '');

const people = { dana: 'Dana Reyes', lee: 'Lee Park' };
const { acmePrimary } = demoSchedules();
const weekShifts = shifts(acmePrimary, utc('2026-11-23T05:00Z'), utc('2026-11-30T05:00Z'));
const generatedAt = utc('2026-11-20T12:00Z');

describe('escapeText', () => {
  it.each([
    ['plain', 'plain'],
    ['Acme, Inc.', 'Acme\\, Inc.'],
    ['a;b', 'a\\;b'],
    ['back\\slash', 'back\\\\slash'],
    ['two\nlines', 'two\\nlines'],
    ['crlf\r\nline', 'crlf\\nline'],
    ['bell\u0007tab\tkept', 'belltab\tkept'],
    ['\\,;', '\\\\\\,\\;'],
  ])('%j -> %j', (input, output) => {
    expect(escapeText(input)).toBe(output);
  });
});

describe('foldLine', () => {
  it('leaves 75 octets alone', () => {
    const line = 'X'.repeat(75);
    expect(foldLine(line)).toBe(line);
  });

  it('folds at 75 octets, continuation lines starting with a space that counts', () => {
    const line = 'A'.repeat(75) + 'B'.repeat(74) + 'C'.repeat(10);
    expect(foldLine(line)).toBe(`${'A'.repeat(75)}\r\n ${'B'.repeat(74)}\r\n ${'C'.repeat(10)}`);
  });

  it('never splits a multi-byte character', () => {
    // 74 ASCII octets then "é" (2 octets) would straddle the limit: it moves to the next line whole.
    const line = `${'a'.repeat(74)}é${'€'.repeat(30)}🙂end`;
    const folded = foldLine(line);
    const lines = folded.split('\r\n');
    expect(lines[0]).toBe('a'.repeat(74));
    for (const l of lines) expect(octets(l)).toBeLessThanOrEqual(75);
    expect(unfold(folded)).toBe(line);
    // Each physical line is valid UTF-8 on its own (no lone surrogates, no cut sequences).
    for (const l of lines) expect(new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(l))).toBe(l);
  });
});

describe('icalFeed', () => {
  const feed = icalFeed({ name: 'Acme primary', shifts: weekShifts, people, generatedAt, feedId: 'acme/acme-primary' });

  it('is a VCALENDAR with CRLF line endings and no line over 75 octets', () => {
    expect(feed.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(feed.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(feed.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of feed.split('\r\n')) expect(octets(line)).toBeLessThanOrEqual(75);
  });

  it('has one event per shift with UTC times, a summary and the calendar name', () => {
    const text = unfold(feed);
    expect(text).toContain('X-WR-CALNAME:Acme primary\r\n');
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(weekShifts.length);
    expect(text).toContain('SUMMARY:On call: Acme primary (Lee Park)\r\n');
    // Monday 2026-11-23 09:00 EST, lee's turn, to 18:00.
    expect(text).toContain('DTSTART:20261123T140000Z\r\nDTEND:20261123T230000Z\r\n');
    expect(text).toContain('DTSTAMP:20261120T120000Z\r\n');
    // The Friday override is labelled as such.
    expect(text).toContain(
      'DTSTART:20261127T130000Z\r\nDTEND:20261127T230000Z\r\nSUMMARY:On call: Acme primary (Lee Park)\r\nDESCRIPTION:Override: Lee Park is on call for Acme primary.\r\n',
    );
  });

  it('escapes names and folds long summaries', () => {
    const s: Shift = { person: 'x', start: utc('2026-11-23T14:00Z'), end: utc('2026-11-23T23:00Z'), source: 'layer', layer: 0 };
    const name = 'Acme, Inc; the very long primary schedule name \\ with a backslash\nand a second line';
    const out = icalFeed({ name, shifts: [s], people: { x: 'Zoë Ångström-Łukasiewicz' }, generatedAt });
    const text = unfold(out);
    expect(text).toContain(
      'SUMMARY:On call: Acme\\, Inc\\; the very long primary schedule name \\\\ with a backslash\\nand a second line (Zoë Ångström-Łukasiewicz)\r\n',
    );
    expect(text).toContain('X-WR-CALNAME:Acme\\, Inc\\; the very long primary schedule name \\\\ with a backslash\\nand a second line\r\n');
    for (const line of out.split('\r\n')) expect(octets(line)).toBeLessThanOrEqual(75);
  });

  it('keeps UIDs stable across regenerations and distinct across shifts', () => {
    const later = icalFeed({
      name: 'Acme primary',
      shifts: weekShifts,
      people,
      generatedAt: generatedAt + 3_600_000,
      feedId: 'acme/acme-primary',
    });
    const uids = (text: string): string[] => [...unfold(text).matchAll(/^UID:(.*)$/gm)].map((m) => m[1] ?? '');
    expect(uids(later)).toEqual(uids(feed));
    expect(new Set(uids(feed)).size).toBe(weekShifts.length);
    expect(later).not.toBe(feed); // only DTSTAMP differs
  });

  it('derives UIDs from feed, start, person and source', () => {
    const s: Shift = { person: 'dana', start: utc('2026-11-02T14:00Z'), end: utc('2026-11-02T23:00Z'), source: 'layer', layer: 0 };
    expect(shiftUid('acme/acme-primary', s)).toBe('20261102T140000Z-dana-layer-acme%2Facme-primary@tandem');
    expect(shiftUid('acme/acme-primary', { ...s, end: s.end + 1 })).toBe(shiftUid('acme/acme-primary', s));
    expect(shiftUid('acme/acme-primary', { ...s, source: 'override' })).not.toBe(shiftUid('acme/acme-primary', s));
  });

  it('formats UTC date-times', () => {
    expect(icalUtc(utc('2026-03-08T07:30:00.999Z'))).toBe('20260308T073000Z');
  });

  it('an empty feed is still a valid calendar', () => {
    expect(icalFeed({ name: 'Empty', shifts: [], generatedAt })).toBe(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//Tandem//On-call//EN',
        'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH',
        'X-WR-CALNAME:Empty',
        'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
        'X-PUBLISHED-TTL:PT1H',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
  });
});
