/**
 * Syslog lines as fields, as tables: RFC 5424 with structured data, escapes,
 * the nil value and a BOM; RFC 3164 with and without a tag and pid; a message
 * that is CEF; and the lines that are not syslog, each with its reason.
 */
import { describe, expect, it } from 'vitest';
import { parseStructuredData, parseSyslog } from './syslog.js';

describe('parseSyslog, RFC 5424', () => {
  it.each([
    [
      'RFC 5424 example 1 (BOM before the message)',
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
      {
        facility: 4,
        severity: 2,
        version: 1,
        timestamp: '2003-10-11T22:14:15.003Z',
        host: 'mymachine.example.com',
        app: 'su',
        msgid: 'ID47',
        message: "'su root' failed for lonvick on /dev/pts/8",
      },
    ],
    [
      'RFC 5424 example 3 (structured data and a message)',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...',
      {
        facility: 20,
        severity: 5,
        app: 'evntslog',
        sd: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } },
        message: 'An application event log entry...',
      },
    ],
    [
      'RFC 5424 example 4 (two SD elements, no message)',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]',
      { sd: { 'exampleSDID@32473': { iut: '3' }, 'examplePriority@32473': { class: 'high' } } },
    ],
    [
      'escaped quote, backslash and bracket in a param value',
      '<13>1 2026-11-28T07:10:00Z web-01 sshd 4242 - [x@1 v="a\\"b\\\\c\\]d"] accepted',
      { procid: '4242', sd: { 'x@1': { v: 'a"b\\c]d' } }, message: 'accepted' },
    ],
    ['every header field nil', '<14>1 - - - - - - hello', { facility: 1, severity: 6, version: 1, message: 'hello' }],
    [
      'a message that is CEF',
      '<134>1 2026-11-28T07:10:00Z fw-01 edr - - - CEF:0|Acme|EDR|2.1|ws|Webshell|9|dhost=web-01 suser=www-data',
      { host: 'fw-01', app: 'edr', DeviceVendor: 'Acme', Name: 'Webshell', dhost: 'web-01', suser: 'www-data' },
    ],
  ])('%s', (_name, line, expected) => {
    const r = parseSyslog(line);
    expect(r).toMatchObject({ ok: true, fields: expected });
  });

  it('a line with no message has no message field', () => {
    const r = parseSyslog('<165>1 2003-10-11T22:14:15.003Z h a - - -');
    expect(r.ok && 'message' in r.fields).toBe(false);
  });
});

describe('parseSyslog, RFC 3164', () => {
  it.each([
    [
      'tag and pid',
      '<38>Nov 28 02:10:00 web-01 sshd[4242]: Accepted password for root from 203.0.113.9 port 52113 ssh2',
      {
        facility: 4,
        severity: 6,
        timestamp: 'Nov 28 02:10:00',
        host: 'web-01',
        app: 'sshd',
        procid: '4242',
        message: 'Accepted password for root from 203.0.113.9 port 52113 ssh2',
      },
    ],
    [
      'a space-padded day, tag without pid',
      '<13>Nov  5 12:00:00 host1 cron: job done',
      { timestamp: 'Nov  5 12:00:00', app: 'cron', message: 'job done' },
    ],
    [
      'no tag: all of it is the message',
      '<13>Nov 28 02:10:00 host1 something happened here',
      { host: 'host1', message: 'something happened here' },
    ],
    ['nothing after the host', '<13>Nov 28 02:10:00 host1', { host: 'host1', message: '' }],
    [
      'a CEF message',
      '<13>Nov 28 02:10:00 fw-01 CEF:0|Acme|EDR|2.1|ws|Webshell|9|dhost=web-01',
      { host: 'fw-01', DeviceProduct: 'EDR', dhost: 'web-01' },
    ],
  ])('%s', (_name, line, expected) => {
    expect(parseSyslog(line)).toMatchObject({ ok: true, fields: expected });
  });
});

describe('parseSyslog refuses', () => {
  it.each([
    ['no PRI', 'Nov 28 02:10:00 host msg', 'starts with <PRI>'],
    ['a PRI over 191', '<192>1 - - - - - -', 'must be 0..191'],
    ['a PRI with a leading zero', '<034>1 - - - - - -', 'without leading zeros'],
    ['neither a version nor a timestamp', '<13>hello world', 'expected the version 1 (RFC 5424) or a timestamp'],
    ['a short RFC 5424 header', '<13>1 2026-11-28T07:10:00Z host app', 'the header ends after 4 of 7 fields'],
    ['a bad RFC 5424 timestamp', '<13>1 yesterday host app - - -', 'TIMESTAMP "yesterday" is not RFC 3339'],
    ['structured data that is not', '<13>1 - host app - - oops msg', 'STRUCTURED-DATA must be - or [id k="v"]'],
    ['an unclosed SD value', '<13>1 - host app - - [x@1 a="b] msg', 'has no closing quote'],
    ['an unclosed SD element', '<13>1 - host app - - [x@1 a="b"', 'is not closed with ]'],
    ['an SD value without quotes', '<13>1 - host app - - [x@1 a=b] msg', 'must be in double quotes'],
    ['no space before the message', '<13>1 - host app - - [x@1 a="b"]msg', 'expected a space before the message'],
    ['a message that is bad CEF', '<13>1 - host app - - - CEF:0|too|few', 'syslog message: CEF header has'],
  ])('%s', (_name, line, error) => {
    const r = parseSyslog(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });
});

describe('parseStructuredData', () => {
  it('ends just after the last element', () => {
    expect(parseStructuredData('[a b="1"][c] rest', 0)).toEqual({ ok: true, value: { a: { b: '1' }, c: {} }, end: 12 });
  });
});
