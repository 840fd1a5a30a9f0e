/**
 * Email ingest (`type: email`, docs/ingest.md): what a monitoring tool's alert
 * mail means, decided without I/O. The SMTP listener (smtp-listener.ts) reads
 * the envelope and the MIME message; this module says whether a sender may
 * write to an integration, which key an address names, and which alert action
 * a message is:
 *
 * - the subject is the summary; the text body (or the HTML body as text) goes
 *   into the details;
 * - a subject matching one of the integration's `resolve_subjects` (default
 *   `^RESOLVED:` and `^OK:`, case-insensitive) resolves, any other triggers;
 * - the dedup key is the `X-Tandem-Dedup` header when the sender sets one;
 *   else what the integration's `dedup_subject` pattern picks out of the
 *   subject (its first group, else its match), for tools that mark both
 *   problem and recovery ("Problem: X" / "Resolved: X"); else the subject
 *   normalized: the resolve pattern's match, reply and forward prefixes
 *   (Re:, Fwd:, AW: ...), case and runs of spaces removed, so
 *   "RESOLVED: Disk full on db-01" resolves "Disk full on db-01".
 */
import { createHash } from 'node:crypto';
import { SEVERITIES } from '../engagement/model.js';
import type { Severity } from '../engagement/model.js';
import type { AlertAction } from '../events/event.js';
import { storableText } from '../events/json-shape.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';

/** Subjects that resolve when an integration names none: `RESOLVED: ...` and `OK: ...`, in any case. */
export const DEFAULT_RESOLVE_SUBJECTS: readonly string[] = Object.freeze(['^RESOLVED:', '^OK:']);

/** The part of a subject the patterns look at: the file's regular expressions never scan more. */
const SUBJECT_SCAN_MAX = 4096;

/** The body text kept in an alert's details (the whole message is the stored event's raw text). */
export const DETAILS_TEXT_MAX = 16_000;

/** Reply and forward prefixes mail programs put before a subject, in several languages. */
const REPLY_PREFIX = /^\s*(?:re|fwd?|aw|wg|sv|vs|tr|rif)\s*(?:\[\d+\])?\s*:\s*/i;

/**
 * Whether an address matches one of the `senders` patterns: `*` stands for any
 * run of characters, case is ignored (`*@monitoring.acme.example`,
 * `nagios@acme.example`, `*@*.acme.example`, `*`). The null sender (`<>`,
 * bounces) and an empty address never match.
 */
export function senderAllowed(patterns: readonly string[], address: string): boolean {
  const a = address.trim().toLowerCase();
  if (a === '') return false;
  return patterns.some((p) => globMatch(p.toLowerCase(), a));
}

/** `*` matches any run (including none); everything else literally. Linear: no regular expression built from the file. */
function globMatch(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return pattern === text;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const i = text.indexOf(middle, at);
    if (i < 0 || i + middle.length > end) return false;
    at = i + middle.length;
  }
  return true;
}

/**
 * The integration key an address names: its local part, without a `+tag`
 * (`erp-alerts+nightly@tandem.acme.example` is `erp-alerts`). Undefined for
 * an address without a local part.
 */
export function keyOfAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  let local = at < 0 ? address : address.slice(0, at);
  if (local.startsWith('"') && local.endsWith('"') && local.length >= 2) local = local.slice(1, -1);
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  return local === '' ? undefined : local;
}

/** The integration's rules, as the engagement file gives them. */
export interface EmailRules {
  /** Regular expressions (case-insensitive); a subject matching one resolves. */
  readonly resolveSubjects?: readonly string[] | undefined;
  /** A regular expression (case-insensitive): its first group (else its match) of the subject is the dedup key. */
  readonly dedupSubject?: string | undefined;
}

/** What the listener read from one message, already decoded. */
export interface EmailMessage {
  readonly subject: string;
  /** The text body, or the HTML body converted to text; '' when there is neither. */
  readonly text: string;
  /** The From header's address ('' when absent). */
  readonly from: string;
  /** The envelope sender (MAIL FROM). */
  readonly envelopeFrom: string;
  /** The envelope recipient this alert is for. */
  readonly recipient: string;
  readonly messageId?: string | undefined;
  /** Header values by lowercase name, for `x-tandem-dedup` and `x-tandem-severity`. */
  readonly header: (name: string) => string | undefined;
  /** File names of the attachments (their content stays in the stored message only). */
  readonly attachments?: readonly string[] | undefined;
}

/** A compiled rule set, cached per integration by the listener. */
export interface CompiledRules {
  readonly resolve: readonly RegExp[];
  readonly dedup?: RegExp | undefined;
}

export function compileRules(rules: EmailRules): CompiledRules {
  // The file checked each pattern (src/engagement/email.ts); a pattern that still fails to compile matches nothing.
  const compile = (p: string): RegExp[] => {
    try {
      return [new RegExp(p, 'i')];
    } catch {
      return [];
    }
  };
  return {
    resolve: (rules.resolveSubjects ?? DEFAULT_RESOLVE_SUBJECTS).flatMap(compile),
    dedup: rules.dedupSubject === undefined ? undefined : compile(rules.dedupSubject)[0],
  };
}

/** The alert action one message is. */
export function emailAlert(message: EmailMessage, rules: CompiledRules): AlertAction {
  const subject = oneLine(message.subject).slice(0, SUBJECT_SCAN_MAX);
  const matched = rules.resolve.map((r) => r.exec(subject)).find((m) => m !== null);
  const action = matched ? 'resolve' : 'trigger';
  const sender = message.from || message.envelopeFrom;
  const summary = clip(subject === '' ? `(no subject) from ${sender || 'an unknown sender'}` : subject, SUMMARY_MAX);
  const text = storableText(message.text.length > DETAILS_TEXT_MAX ? `${message.text.slice(0, DETAILS_TEXT_MAX)}…` : message.text);
  const details: Record<string, unknown> = {
    text,
    from: storableText(message.from),
    envelope_from: storableText(message.envelopeFrom),
    to: storableText(message.recipient),
    subject: storableText(message.subject.slice(0, SUBJECT_SCAN_MAX)),
    ...(message.messageId ? { message_id: storableText(message.messageId) } : {}),
    ...(message.attachments && message.attachments.length > 0 ? { attachments: message.attachments.map(storableText) } : {}),
  };
  const severity = headerSeverity(message.header('x-tandem-severity'));
  return {
    type: 'alert',
    action,
    dedupKey: dedupKey(message, subject, matched ?? null, text, rules.dedup),
    summary: storableText(summary),
    ...(action === 'trigger' ? { severity } : {}),
    ...(sender === '' ? {} : { source: storableText(clip(sender, 1024)) }),
    details,
  };
}

/** `X-Tandem-Severity: critical|error|warning|info`; anything else is `error`. */
function headerSeverity(value: string | undefined): Severity {
  const v = value?.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(v ?? '') ? (v as Severity) : 'error';
}

/**
 * The dedup key: `X-Tandem-Dedup` when set (up to 255 characters), otherwise
 * the part of the subject `dedup_subject` picks, otherwise the normalized
 * subject (a long one as its SHA-256), otherwise, for a message without a
 * subject, a digest of its sender and text.
 */
export function dedupKey(message: EmailMessage, subject: string, matched: RegExpExecArray | null, text: string, dedup?: RegExp): string {
  const given = message.header('x-tandem-dedup')?.trim();
  if (given !== undefined && given !== '' && given.length <= DEDUP_KEY_MAX) return storableText(given);
  const picked = dedup?.exec(subject);
  const part = picked ? (picked[1] ?? picked[0]) : undefined;
  const normalized =
    part !== undefined && part.trim() !== '' ? part.replace(/\s+/g, ' ').trim().toLowerCase() : subjectKey(subject, matched);
  if (normalized !== '') {
    const key = `email:${normalized}`;
    return key.length <= DEDUP_KEY_MAX ? storableText(key) : `email:sha256:${sha256(normalized)}`;
  }
  return `email:sha256:${sha256(`${(message.from || message.envelopeFrom).toLowerCase()}\n${text}`)}`;
}

/** The subject as a dedup key: the resolve match removed, reply prefixes dropped, lower case, single spaces. */
export function subjectKey(subject: string, matched: RegExpExecArray | null): string {
  let s = matched ? subject.slice(0, matched.index) + subject.slice(matched.index + matched[0].length) : subject;
  for (let i = 0; i < 10 && REPLY_PREFIX.test(s); i++) s = s.replace(REPLY_PREFIX, '');
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').trim();
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
