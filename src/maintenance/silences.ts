/**
 * Ad-hoc silences: Alertmanager-style matchers over an alert's fields and
 * labels (Alertmanager API v2: `{name, value, isRegex, isEqual}`), and what
 * they match. Pure.
 *
 * A matcher's `name` is one of the alert's fields, `service`, `severity`,
 * `summary`, `source`, `dedup_key`, or else a label: the alert's
 * `details.labels.<name>` (Alertmanager and Grafana), then
 * `details.custom_details.<name>` (PagerDuty Events v2), then
 * `details.<name>` (generic JSON); only text, number and true/false values
 * count. As in Alertmanager, a regular expression must match the whole value
 * (it is anchored: `^(?:value)$`), a missing field or label reads as the
 * empty string, `isEqual: false` negates the matcher, a silence matches an
 * alert when every matcher does, and a silence needs at least one matcher
 * that is negative or does not match the empty string (Alertmanager's
 * validateSilence), so no silence of only `x=""` matchers matches every alert.
 */

/** An Alertmanager matcher. */
export interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** false: the matcher matches alerts whose value does NOT match. Alertmanager's default is true. */
  readonly isEqual: boolean;
}

/** The alert fields matchers look at. */
export interface AlertFields {
  readonly service: string;
  readonly severity: string;
  readonly summary: string;
  readonly source: string | null;
  readonly dedup_key: string;
  /** The alert's stored details (custom_details, labels...), parsed. */
  readonly details: unknown;
}

/** Field names a matcher reads directly; any other name is a label. */
export const MATCHER_FIELDS = ['service', 'severity', 'summary', 'source', 'dedup_key'] as const;

/** At most this many matchers per silence, and this long a name or value. */
export const MAX_MATCHERS = 20;
export const MAX_MATCHER_TEXT = 1024;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The value a matcher named `name` sees on an alert ("" when it has none). */
export function alertValue(alert: AlertFields, name: string): string {
  switch (name) {
    case 'service':
      return alert.service;
    case 'severity':
      return alert.severity;
    case 'summary':
      return alert.summary;
    case 'source':
      return alert.source ?? '';
    case 'dedup_key':
      return alert.dedup_key;
  }
  const details = alert.details;
  if (!isRecord(details)) return '';
  for (const holder of [details['labels'], details['custom_details'], details]) {
    if (!isRecord(holder) || !Object.hasOwn(holder, name)) continue;
    const v = scalar(holder[name]);
    if (v !== undefined) return v;
  }
  return '';
}

/** Compiled regular expressions by pattern (a silence is checked against many alerts). */
const compiled = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether one matcher matches a value. */
export function matchesValue(m: Matcher, value: string): boolean {
  const hit = m.isRegex ? anchored(m.value).test(value) : value === m.value;
  return hit === m.isEqual;
}

/** Whether every matcher matches the alert (a silence's test). */
export function silenceMatches(matchers: readonly Matcher[], alert: AlertFields): boolean {
  return matchers.length > 0 && matchers.every((m) => matchesValue(m, alertValue(alert, m.name)));
}

/** A problem with one field of a matcher list, for a 400. */
export interface MatcherProblem {
  readonly field: string;
  readonly reason: string;
}

/**
 * Checks matchers as the API receives them (their shape is already checked
 * by the route schema): names, a regex that compiles, at least one matcher
 * that does not match the empty string.
 */
export function checkMatchers(matchers: readonly Matcher[], field = 'matchers'): MatcherProblem[] {
  const problems: MatcherProblem[] = [];
  if (matchers.length === 0) return [{ field, reason: 'give at least one matcher, e.g. {"name": "service", "value": "erp"}' }];
  if (matchers.length > MAX_MATCHERS) return [{ field, reason: `at most ${MAX_MATCHERS} matchers` }];
  matchers.forEach((m, i) => {
    const at = `${field}[${i}]`;
    if (!NAME_RE.test(m.name) || m.name.length > MAX_MATCHER_TEXT)
      problems.push({
        field: `${at}.name`,
        reason: `bad name ${JSON.stringify(m.name.slice(0, 64))}: a field (${MATCHER_FIELDS.join(', ')}) or a label name (letters, digits, _ . -)`,
      });
    if (m.value.length > MAX_MATCHER_TEXT) problems.push({ field: `${at}.value`, reason: `at most ${MAX_MATCHER_TEXT} characters` });
    else if (m.isRegex) {
      try {
        anchored(m.value);
      } catch (err) {
        const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : 'does not compile';
        problems.push({ field: `${at}.value`, reason: `not a valid regular expression: ${why}` });
      }
    }
  });
  if (problems.length > 0) return problems;
  // Alertmanager's rule (silence.go validateSilence): a negative matcher never counts as matching the empty string.
  if (matchers.every((m) => m.isEqual && matchesValue(m, '')))
    problems.push({
      field,
      reason:
        'every matcher matches the empty string, so the silence would match every alert: add one that needs a value, e.g. {"name": "service", "value": "erp"}',
    });
  return problems;
}
