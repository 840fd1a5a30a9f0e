/**
 * Syslog lines as event fields: RFC 5424
 * (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD-ID k="v"...] MSG`, `-` for a
 * value not given, a UTF-8 BOM before the message) and the older BSD format,
 * RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`). Both give `facility`
 * and `severity` (numbers, from PRI), `host`, `app`, `procid` and `message`;
 * RFC 5424 adds `version`, `timestamp`, `msgid` and `sd` (structured data as
 * `{ sd-id: { param: value } }`). A message that is CEF is read as CEF too,
 * its fields beside the syslog ones.
 */
import { isCef, parseCef } from './cef.js';

/** A parsed line: its fields, or why it cannot be read. */
export type ParsedLine = { ok: true; fields: Record<string, unknown> } | { ok: false; error: string };

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
/** RFC 3164's TIMESTAMP (`Nov  5 02:10:00`), then the host, then the rest. */
const BSD = new RegExp(`^(${MONTHS}) ([ \\d]\\d) (\\d\\d:\\d\\d:\\d\\d) (\\S+)(?: (.*))?$`, 's');
/** A TAG (RFC 3164: up to 32 alphanumerics; real senders use `-`, `_`, `.`, `/` too), an optional [PID], and a colon. */
const TAG = /^([A-Za-z0-9_./-]{1,48})(?:\[([^\]\s]{1,32})\])?: ?(.*)$/s;
/** RFC 5424's TIMESTAMP: RFC 3339 with at most six fraction digits, or `-`. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/;
const PRINTUSASCII = /^[\x21-\x7e]+$/;

/** Whether a line starts like syslog: `<PRI>`. */
export function isSyslog(line: string): boolean {
  return /^<\d{1,3}>/.test(line);
}

/** A message's fields: the message itself, and its CEF fields when it is CEF. */
function withMessage(fields: Record<string, unknown>, message: string): ParsedLine {
  const text = message.startsWith('\uFEFF') ? message.slice(1) : message;
  if (isCef(text)) {
    const cef = parseCef(text);
    if (!cef.ok) return { ok: false, error: `syslog message: ${cef.error}` };
    return { ok: true, fields: { ...cef.fields, ...fields, message: text } };
  }
  return { ok: true, fields: { ...fields, message: text } };
}

/** One syslog line (RFC 5424 or RFC 3164) as fields, or why not. */
export function parseSyslog(line: string): ParsedLine {
  const pri = /^<(\d{1,3})>/.exec(line);
  if (pri === null) return { ok: false, error: 'not syslog: a syslog line starts with <PRI>, e.g. <34>' };
  const value = Number(pri[1]);
  if (value > 191 || ((pri[1] as string).length > 1 && (pri[1] as string).startsWith('0')))
    return { ok: false, error: `syslog PRI <${pri[1]}> must be 0..191 without leading zeros` };
  const base = { facility: Math.floor(value / 8), severity: value % 8 };
  const rest = line.slice(pri[0].length);
  if (/^[1-9]\d{0,2} /.test(rest)) return parse5424(rest, base);
  return parse3164(rest, base);
}

function parse3164(rest: string, base: Record<string, unknown>): ParsedLine {
  const m = BSD.exec(rest);
  if (m === null)
    return {
      ok: false,
      error: `syslog: after <PRI>, expected the version 1 (RFC 5424) or a timestamp like "Nov 30 02:10:00" (RFC 3164), got "${clip(rest)}"`,
    };
  const [, month, day, time, host, after = ''] = m;
  const fields: Record<string, unknown> = { ...base, timestamp: `${month} ${day} ${time}`, host };
  // A CEF message has no tag: "CEF" before its first colon is not one.
  const tag = isCef(after) ? null : TAG.exec(after);
  if (tag === null) return withMessage(fields, after);
  const [, app, pid, message = ''] = tag;
  return withMessage({ ...fields, app, ...(pid === undefined ? {} : { procid: pid }) }, message);
}

/** Reads RFC 5424's header fields, one space-separated word each. */
function parse5424(rest: string, base: Record<string, unknown>): ParsedLine {
  const words: string[] = [];
  let at = 0;
  for (let i = 0; i < 6; i++) {
    const space = rest.indexOf(' ', at);
    if (space < 0)
      return {
        ok: false,
        error: `syslog (RFC 5424): the header ends after ${words.length + (at < rest.length ? 1 : 0)} of 7 fields (VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA)`,
      };
    words.push(rest.slice(at, space));
    at = space + 1;
  }
  const [version = '', timestamp = '', host = '', app = '', procid = '', msgid = ''] = words;
  const names = ['HOSTNAME', 'APP-NAME', 'PROCID', 'MSGID'];
  const limits = [255, 48, 128, 32];
  for (const [i, w] of [host, app, procid, msgid].entries()) {
    if (!PRINTUSASCII.test(w) || w.length > (limits[i] ?? 0))
      return {
        ok: false,
        error: `syslog (RFC 5424): ${names[i] ?? ''} "${clip(w)}" must be 1..${limits[i] ?? 0} printable characters or -`,
      };
  }
  if (timestamp !== '-' && !TIMESTAMP.test(timestamp))
    return { ok: false, error: `syslog (RFC 5424): TIMESTAMP "${clip(timestamp)}" is not RFC 3339 (2026-11-28T02:10:00.000Z) or -` };
  const sd = parseStructuredData(rest, at);
  if (!sd.ok) return sd;
  const fields: Record<string, unknown> = { ...base, version: Number(version) };
  if (timestamp !== '-') fields['timestamp'] = timestamp;
  if (host !== '-') fields['host'] = host;
  if (app !== '-') fields['app'] = app;
  if (procid !== '-') fields['procid'] = procid;
  if (msgid !== '-') fields['msgid'] = msgid;
  if (sd.value !== undefined) fields['sd'] = sd.value;
  const after = rest.slice(sd.end);
  if (after === '') return { ok: true, fields };
  if (!after.startsWith(' ')) return { ok: false, error: `syslog (RFC 5424): expected a space before the message, got "${clip(after)}"` };
  return withMessage(fields, after.slice(1));
}

type SdResult = { ok: true; value: Record<string, Record<string, string>> | undefined; end: number } | { ok: false; error: string };

/** STRUCTURED-DATA from `start`: `-` or `[id k="v" ...]...`, values escaping `"`, `\` and `]` with a backslash. */
export function parseStructuredData(text: string, start: number): SdResult {
  if (text[start] === '-') return { ok: true, value: undefined, end: start + 1 };
  if (text[start] !== '[')
    return { ok: false, error: `syslog (RFC 5424): STRUCTURED-DATA must be - or [id k="v"], got "${clip(text.slice(start))}"` };
  const sd: Record<string, Record<string, string>> = {};
  let i = start;
  while (text[i] === '[') {
    const element = readElement(text, i + 1);
    if (!element.ok) return element;
    define(sd, element.id, element.params);
    i = element.end;
  }
  return { ok: true, value: sd, end: i };
}

type Element = { ok: true; id: string; params: Record<string, string>; end: number } | { ok: false; error: string };

const SD_NAME = /^[\x21-\x7e]{1,32}$/;

/** One `[id k="v" ...]` element from after its `[`; `end` is just after its `]`. */
function readElement(text: string, from: number): Element {
  const fail = (why: string): Element => ({ ok: false, error: `syslog (RFC 5424) structured data: ${why}` });
  const idEnd = firstOf(text, from, ' ]');
  const id = text.slice(from, idEnd);
  if (!SD_NAME.test(id) || /[="]/.test(id)) return fail(`SD-ID "${clip(id)}" must be 1..32 printable characters without = " ] or space`);
  const params: Record<string, string> = {};
  let i = idEnd;
  while (text[i] === ' ') {
    const eq = text.indexOf('=', i + 1);
    const name = eq < 0 ? '' : text.slice(i + 1, eq);
    if (eq < 0 || !SD_NAME.test(name) || /[\]"]/.test(name)) return fail(`in [${id}], expected name="value" after a space`);
    if (text[eq + 1] !== '"') return fail(`in [${id}], the value of ${name} must be in double quotes`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      const c = text[j] as string;
      const next = text[j + 1];
      if (c === '\\' && (next === '"' || next === '\\' || next === ']')) {
        value += next;
        j++;
      } else value += c;
    }
    if (j >= text.length) return fail(`in [${id}], the value of ${name} has no closing quote`);
    define(params, name, value);
    i = j + 1;
  }
  if (text[i] !== ']') return fail(`[${id} is not closed with ]`);
  return { ok: true, id, params, end: i + 1 };
}

/** The first index at or after `from` of any of `chars`, or the text's length. */
function firstOf(text: string, from: number, chars: string): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i] as string)) return i;
  return text.length;
}

/** Sets a key that may be "__proto__" as a plain property. */
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
