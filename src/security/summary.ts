/**
 * The security summary's decisions, pure: a detection read out of its alert
 * (the rule, level and ATT&CK context ingest wrote in `details.detection`,
 * read defensively since details are any JSON), detections ordered for the
 * view, and finding groups folded into counts per severity and shown status
 * (the status vulns' statusAt derives, so the summary and the list agree).
 */
import { readStoredJson } from '../db/json.js';
import { VULN_SEVERITIES } from '../engagement/model.js';
import type { VulnSeverity } from '../engagement/model.js';
import { INCIDENT_STATUSES } from '../incident/store.js';
import type { IncidentStatus } from '../incident/store.js';
import { SIGMA_LEVELS } from '../sigma/model.js';
import type { SigmaLevel } from '../sigma/model.js';
import { statusAt } from '../vulns/deadlines.js';
import type { AttackTechnique } from './attack.js';
import type { DetectionRow, FindingGroup } from './store.js';

type Technique = AttackTechnique;

/** An open detection as GET /api/v1/security shows it (the contract: src/api/schema/security.ts). */
export interface Detection {
  readonly alert_id: number;
  readonly engagement: string;
  readonly incident: { readonly id: number; readonly number: string; readonly status: IncidentStatus; readonly priority: string };
  readonly service: { readonly id: string; readonly name: string };
  readonly rule: { readonly id: string; readonly title: string; readonly level: SigmaLevel };
  readonly tactics: string[];
  readonly techniques: Technique[];
  readonly host: string | null;
  readonly first_hit: string;
  readonly last_hit: string;
  readonly hits: number;
}

/** Findings of one severity by the status shown. */
export interface FindingCounts {
  readonly severity: VulnSeverity;
  open: number;
  overdue: number;
  excepted: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function techniques(v: unknown): Technique[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter(isRecord)
    .flatMap((t): Technique[] =>
      typeof t['id'] === 'string' ? [{ id: t['id'], name: typeof t['name'] === 'string' ? t['name'] : null }] : [],
    );
}

/** The rule id of a detection key `sigma:<rule id>:<group key>` (rule ids hold no colon: UUIDs or file names). */
export function ruleIdOfKey(dedupKey: string): string {
  const rest = dedupKey.startsWith('sigma:') ? dedupKey.slice('sigma:'.length) : dedupKey;
  const colon = rest.indexOf(':');
  return colon < 0 ? rest : rest.slice(0, colon);
}

/** The rule and ATT&CK context of a detection's alert; what details lack comes from the key and the summary. */
export function detectionRule(row: Pick<DetectionRow, 'dedup_key' | 'summary' | 'details'>): {
  rule: Detection['rule'];
  tactics: string[];
  techniques: Technique[];
} {
  const details = readStoredJson(row.details);
  const d = isRecord(details) && isRecord(details['detection']) ? details['detection'] : {};
  const rule = isRecord(d['rule']) ? d['rule'] : {};
  const attack = isRecord(d['attack']) ? d['attack'] : {};
  const level =
    typeof rule['level'] === 'string' && (SIGMA_LEVELS as readonly string[]).includes(rule['level'])
      ? (rule['level'] as SigmaLevel)
      : 'medium';
  return {
    rule: {
      id: typeof rule['id'] === 'string' ? rule['id'] : ruleIdOfKey(row.dedup_key),
      title: typeof rule['title'] === 'string' ? rule['title'] : row.summary,
      level,
    },
    tactics: strings(attack['tactics']),
    techniques: techniques(attack['techniques']),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One open detection as the API shows it. */
export function presentDetection(row: DetectionRow, prefix: string, serviceName: string): Detection {
  const status = (INCIDENT_STATUSES as readonly string[]).includes(row.incident_status) ? row.incident_status : 'triggered';
  return {
    alert_id: row.id,
    engagement: row.engagement_id,
    incident: {
      id: row.incident_id,
      number: `${prefix}-${row.incident_number}`,
      status: status as IncidentStatus,
      priority: row.incident_priority,
    },
    service: { id: row.service_id, name: serviceName },
    ...detectionRule(row),
    host: row.source,
    first_hit: iso(row.created_at),
    last_hit: iso(row.updated_at),
    hits: row.event_count,
  };
}

/**
 * Highest priority first (by the engagement's priority order; a priority it
 * no longer has after all), then the most recently hit, then the newest.
 */
export function sortDetections(detections: readonly Detection[], priorityOrder: (engagement: string) => readonly string[]): Detection[] {
  const rank = (d: Detection) => {
    const i = priorityOrder(d.engagement).indexOf(d.incident.priority);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...detections].sort((a, b) => rank(a) - rank(b) || b.last_hit.localeCompare(a.last_hit) || b.alert_id - a.alert_id);
}

/** Counts per severity (every severity, critical first) and the overdue total, from the stored groups at `now`. */
export function foldFindingCounts(groups: readonly FindingGroup[], now: number): { bySeverity: FindingCounts[]; overdue: number } {
  const bySeverity = VULN_SEVERITIES.map((severity): FindingCounts => ({ severity, open: 0, overdue: 0, excepted: 0 }));
  for (const g of groups) {
    const counts = bySeverity.find((c) => c.severity === g.severity);
    if (counts === undefined) continue;
    // A representative finding of the group: its facts relative to now are all statusAt reads.
    const shown = statusAt(
      { status: g.status, dueAt: g.pastDue ? now - 1 : now, exceptionExpiresAt: g.exceptionHolds ? now + 1 : now },
      now,
    );
    if (shown === 'open' || shown === 'overdue' || shown === 'excepted') counts[shown] += g.count;
  }
  return { bySeverity, overdue: bySeverity.reduce((n, c) => n + c.overdue, 0) };
}
