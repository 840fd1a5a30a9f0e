/**
 * Detections at ingest: each security event is matched against the
 * engagement's Sigma rules, and every rule that matches (but an
 * informational one, which never pages) becomes a trigger on the
 * integration's service. The engine then treats it like any alert: the dedup
 * key `sigma:<rule id>:<group key>` makes later hits of the same rule on the
 * same host or user join the open detection, and the `suppress` window
 * (carried on the action) makes hits soon after a detection join it even once
 * it was resolved (events/plan.ts). Routing, escalation, SLAs and tickets
 * follow unchanged.
 */
import { createHash } from 'node:crypto';
import type { Logsource, Severity } from '../engagement/model.js';
import type { AlertAction } from '../events/event.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from '../ingest/pagerduty.js';
import { attackTags } from './attack.js';
import type { SecurityEvent } from './body.js';

/** What detection reads of a compiled Sigma rule (src/sigma/'s SigmaRule). */
export interface DetectionRule {
  readonly id: string;
  readonly title: string;
  readonly level: 'informational' | 'low' | 'medium' | 'high' | 'critical';
  readonly tags: readonly string[];
  /** The rule's `fields`: the values that tell one detection from another. */
  readonly fields: readonly string[];
  readonly description?: string;
}

/** A compiled rule set (src/sigma/'s RuleSet): every rule that matches an event, in rule order. */
export interface RuleMatcher {
  match(event: Readonly<Record<string, unknown>>, logsource: Logsource): readonly DetectionRule[];
}

/** Rule level -> alert severity; informational opens nothing. */
export const LEVEL_SEVERITY: Readonly<Record<DetectionRule['level'], Severity | null>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  informational: null,
};

/** Where an event names its host, most specific first (Sysmon/Windows, ECS, CEF, syslog). */
const HOST_FIELDS = ['ComputerName', 'Computer', 'Hostname', 'hostname', 'host.name', 'host', 'dvchost', 'dhost', 'shost'];
/** Where an event names its user. */
const USER_FIELDS = ['User', 'user.name', 'user', 'SubjectUserName', 'TargetUserName', 'UserName', 'username', 'suser', 'duser'];

/** A field's value: the key as written, else a dotted path into nested objects. */
export function fieldValue(event: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(event, name)) return event[name];
  let v: unknown = event;
  for (const part of name.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function first(event: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = text(fieldValue(event, n));
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The event's host, if it names one. */
export function eventHost(event: Readonly<Record<string, unknown>>): string | undefined {
  return first(event, HOST_FIELDS);
}

/**
 * What tells one detection of a rule from another: the values of the rule's
 * `fields` in the event, else the event's host and user where present; empty
 * when the event names none (one detection per rule).
 */
export function groupKey(rule: Pick<DetectionRule, 'fields'>, event: Readonly<Record<string, unknown>>): string {
  const own = rule.fields.map((f) => text(fieldValue(event, f)));
  if (own.some((v) => v !== undefined)) return own.map((v) => v ?? '').join('|');
  const host = eventHost(event);
  const user = first(event, USER_FIELDS);
  return [host, user].filter((v) => v !== undefined).join('|');
}

/** `sigma:<rule id>:<group key>`, the group key hashed when the whole would be over the dedup key limit. */
export function detectionKey(ruleId: string, group: string): string {
  const key = `sigma:${ruleId}:${group}`;
  if (key.length <= DEDUP_KEY_MAX) return key;
  return `sigma:${ruleId.slice(0, 120)}:sha256:${createHash('sha256').update(group).digest('hex')}`;
}

/** The log source an event is matched with: its own, else its integration's (or syslog source's), else none. */
export function eventLogsource(event: SecurityEvent, fallback: Logsource | undefined): Logsource {
  return event.logsource ?? fallback ?? {};
}

/** The trigger one rule's match makes, or null for an informational rule. */
export function detectionAction(rule: DetectionRule, event: SecurityEvent, logsource: Logsource, suppressMs: number): AlertAction | null {
  const severity = LEVEL_SEVERITY[rule.level];
  if (severity === null) return null;
  const host = eventHost(event.fields);
  const summary = host === undefined ? rule.title : `${rule.title} on ${host}`;
  return {
    type: 'alert',
    action: 'trigger',
    dedupKey: detectionKey(rule.id, groupKey(rule, event.fields)),
    summary: summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary,
    severity,
    ...(host === undefined ? {} : { source: host }),
    suppressMs,
    details: {
      detection: {
        rule: {
          id: rule.id,
          title: rule.title,
          level: rule.level,
          tags: [...rule.tags],
          ...(rule.description === undefined ? {} : { description: rule.description }),
        },
        attack: attackTags(rule.tags),
        logsource,
        event: event.fields,
      },
    },
  };
}

/** Every trigger a request's events make: each event against every rule, in event then rule order. */
export function detect(
  events: readonly SecurityEvent[],
  rules: RuleMatcher | undefined,
  fallback: Logsource | undefined,
  suppressMs: number,
): AlertAction[] {
  if (rules === undefined) return [];
  const actions: AlertAction[] = [];
  for (const event of events) {
    const logsource = eventLogsource(event, fallback);
    for (const rule of rules.match(event.fields, logsource)) {
      const action = detectionAction(rule, event, logsource, suppressMs);
      if (action !== null) actions.push(action);
    }
  }
  return actions;
}
