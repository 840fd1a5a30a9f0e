/**
 * Email integrations (`{ type: email, key, senders, resolve_subjects }`,
 * issue 13): the values checked where they are written (a sender pattern, a
 * subject pattern) and the rule that spans keys: an email integration names
 * its senders, and only email integrations take `senders`,
 * `resolve_subjects` or `dedup_subject`. What a message means is decided in src/ingest/email.ts.
 */
import type { Parsed } from './duration.js';
import type { Path } from './source.js';
import type { ServiceOut } from './schema.js';

/** `*`, or an address pattern with one `@` and no spaces, where `*` is any run of characters. */
export const SENDER_PATTERN = '^(\\*|[^\\s@]+@[^\\s@]+)$';

/** Checks a sender pattern ("*@monitoring.acme.example", "nagios@acme.example", "*"). */
export function parseSenderPattern(text: string): Parsed<string> {
  return new RegExp(SENDER_PATTERN).test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        error: `bad sender pattern ${JSON.stringify(text)}: expected an address where * matches anything, e.g. "*@monitoring.acme.example" or "nagios@acme.example" ("*" alone: any sender)`,
      };
}

/** Longest subject pattern: a pattern is a rule, not a program. */
const SUBJECT_PATTERN_MAX = 200;

/** Checks a subject pattern: a JavaScript regular expression, matched case-insensitively. */
export function parseSubjectPattern(text: string): Parsed<string> {
  if (text.trim() === '' || text.length > SUBJECT_PATTERN_MAX)
    return {
      ok: false,
      error: `bad subject pattern: expected a regular expression of 1 to ${SUBJECT_PATTERN_MAX} characters, e.g. "^RESOLVED:"`,
    };
  try {
    new RegExp(text, 'i');
  } catch (err) {
    return {
      ok: false,
      error: `bad subject pattern ${JSON.stringify(text)}: ${err instanceof Error ? err.message : String(err)}; expected a regular expression like "^RESOLVED:"`,
    };
  }
  return { ok: true, value: text };
}

/** Reports `senders` missing on an email integration, and the email keys on any other type. */
export function checkEmailIntegrations(
  services: ReadonlyArray<{ index: number; value: Partial<ServiceOut> }>,
  report: (path: Path, message: string, at?: 'key' | 'value') => void,
): void {
  for (const { index, value } of services) {
    (value.integrations ?? []).forEach((integration, i) => {
      const path = ['services', index, 'integrations', i];
      if (integration.type === 'email') {
        if (integration.senders === undefined)
          report(
            [...path, 'type'],
            `an email integration needs senders: the addresses that may open incidents, e.g. senders: ["*@monitoring.acme.example"] (["*"]: anyone who knows the address)`,
          );
        return;
      }
      for (const key of ['senders', 'resolve_subjects', 'dedup_subject'] as const)
        if (integration[key] !== undefined)
          report(
            [...path, key],
            `${key} applies to email integrations; this one is of type ${integration.type}: remove it or use type: email`,
            'key',
          );
    });
  }
}
