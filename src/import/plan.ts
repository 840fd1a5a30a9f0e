/**
 * Turning parsed rows into incidents of one engagement: which service, which
 * priority and severity, which side owned it, who acknowledged and resolved
 * it. Pure (engagement, rows) -> items, so `--dry-run` shows exactly what an
 * import would write.
 *
 * Priority: the row's priority when it is one of the engagement's (P1..P5
 * in the demo); otherwise PagerDuty's urgency through the engagement's
 * priority matrix at the service's criticality: high is read as a
 * `critical` event, low as a `warning` (Tandem's layout gives a severity
 * instead, default `error`).
 *
 * Side: the row's side when given, else the coverage owner of the service's
 * function at the instant it opened (what routing would have decided).
 */
import { explainCoverage, ownerAt } from '../coverage/index.js';
import { SEVERITIES, SIDES, lookup } from '../engagement/model.js';
import type { Engagement, Service, Severity, Side } from '../engagement/model.js';
import type { Layout, SourceRow } from './layouts.js';
import { SOURCE_OF } from './layouts.js';

/** A problem with the file: a row's line, or null for the file as a whole. */
export interface ImportProblem {
  readonly line: number | null;
  readonly message: string;
}

/** One incident as it will be written. */
export interface ImportItem {
  readonly line: number;
  readonly source: string;
  readonly sourceId: string;
  readonly service: Service;
  readonly title: string;
  readonly severity: Severity;
  readonly priority: string;
  /** How the priority was chosen, for the timeline: "priority_name P1", "urgency high -> critical at criticality 1". */
  readonly priorityReason: string;
  readonly side: Side;
  readonly sideReason: string;
  readonly status: 'triggered' | 'acknowledged' | 'resolved';
  readonly createdAt: number;
  readonly acknowledgedAt: number | null;
  /** "person:kim" when the name or id is a person of the engagement, else "imported:<name as written>". */
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: number | null;
  readonly resolvedBy: string | null;
  readonly autoResolved: boolean;
  readonly escalationCount: number | null;
  readonly row: SourceRow;
}

/** Parses `--service-map "PagerDuty name=service-id"` values (the last `=` splits: ids never hold one). */
export function parseServiceMap(
  engagement: Engagement,
  entries: readonly string[],
): { map: Map<string, string>; problems: ImportProblem[] } {
  const map = new Map<string, string>();
  const problems: ImportProblem[] = [];
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const name = at < 0 ? '' : entry.slice(0, at).trim();
    const id = at < 0 ? '' : entry.slice(at + 1).trim();
    if (name === '' || id === '') {
      problems.push({ line: null, message: `--service-map "${entry}": expected "NAME IN THE FILE=service-id"` });
      continue;
    }
    if (!engagement.services.some((s) => s.id === id)) {
      problems.push({
        line: null,
        message: `--service-map "${entry}": "${id}" is not a service of engagement ${engagement.id} (${knownServices(engagement)})`,
      });
      continue;
    }
    map.set(name, id);
  }
  return { map, problems };
}

function knownServices(engagement: Engagement): string {
  return `its services: ${engagement.services.map((s) => (s.name === s.id ? s.id : `${s.id} (${s.name})`)).join(', ')}`;
}

/** The person a name or id in an export stands for, as an actor reference. */
function personRef(engagement: Engagement, who: string | null): string | null {
  if (who === null) return null;
  const lower = who.toLowerCase();
  const person =
    lookup(engagement).person(who) ??
    engagement.people.find((p) => p.name.toLowerCase() === lower || p.contact.email?.toLowerCase() === lower);
  return person ? `person:${person.id}` : `imported:${who}`;
}

/** Resolves every row; any problem in any row (or an unmapped service) means nothing is imported. */
export function planImport(
  engagement: Engagement,
  layout: Layout,
  rows: readonly SourceRow[],
  serviceMap: ReadonlyMap<string, string>,
): { items: ImportItem[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const items: ImportItem[] = [];
  const unmapped = new Map<string, { count: number; line: number }>();
  const serviceOf = (row: SourceRow): Service | undefined => {
    const mapped = serviceMap.get(row.serviceName) ?? (row.serviceId === null ? undefined : serviceMap.get(row.serviceId));
    const id = mapped ?? row.serviceName;
    return (
      lookup(engagement).service(id) ?? (mapped === undefined ? engagement.services.find((s) => s.name === row.serviceName) : undefined)
    );
  };
  for (const row of rows) {
    const service = serviceOf(row);
    if (!service) {
      const u = unmapped.get(row.serviceName);
      unmapped.set(row.serviceName, { count: (u?.count ?? 0) + 1, line: u?.line ?? row.line });
      continue;
    }
    const rowProblems: string[] = [];
    let severity: Severity = 'error';
    if (row.severity !== null) {
      const s = SEVERITIES.find((x) => x === row.severity);
      if (s) severity = s;
      else rowProblems.push(`severity "${row.severity}" is not one of ${SEVERITIES.join(', ')}`);
    } else if (row.urgency !== null) {
      if (row.urgency === 'high') severity = 'critical';
      else if (row.urgency === 'low') severity = 'warning';
      else rowProblems.push(`urgency "${row.urgency}" is not high or low`);
    }
    const known = engagement.priorities.order;
    let priority: string;
    let priorityReason: string;
    if (row.priority !== null && known.includes(row.priority)) {
      priority = row.priority;
      priorityReason = `priority ${row.priority} from the file`;
    } else if (layout === 'tandem' && row.priority !== null) {
      rowProblems.push(`priority "${row.priority}" is not one of the engagement's priorities (${known.join(', ')})`);
      priority = '';
      priorityReason = '';
    } else if (layout === 'pagerduty' && row.urgency === null) {
      rowProblems.push(
        `has no priority of the engagement (${known.join(', ')})${row.priority ? ` ("${row.priority}" is not one)` : ''} and no urgency (high or low) to derive one from`,
      );
      priority = '';
      priorityReason = '';
    } else {
      priority = engagement.priorities.matrix[severity][service.criticality - 1] ?? known[known.length - 1] ?? 'P5';
      const basis = layout === 'pagerduty' ? `urgency ${row.urgency ?? ''} -> ${severity}` : `severity ${severity}`;
      priorityReason = `${basis} at criticality ${service.criticality}${row.priority ? ` ("${row.priority}" is not a priority of the engagement)` : ''}`;
    }
    let side: Side;
    let sideReason: string;
    if (row.side !== null) {
      const s = SIDES.find((x) => x === row.side);
      if (!s) rowProblems.push(`side "${row.side}" is not internal or partner`);
      side = s ?? 'internal';
      sideReason = `side ${side} from the file`;
    } else {
      side = ownerAt(engagement, service.function, row.createdAt).side;
      sideReason = explainCoverage(engagement, service.function, row.createdAt);
    }
    if (rowProblems.length > 0) {
      for (const message of rowProblems) problems.push({ line: row.line, message });
      continue;
    }
    const status =
      row.resolvedAt !== null ? 'resolved' : row.acknowledgedAt !== null || row.status === 'acknowledged' ? 'acknowledged' : 'triggered';
    items.push({
      line: row.line,
      source: SOURCE_OF[layout],
      sourceId: row.sourceId,
      service,
      title: row.title,
      severity,
      priority,
      priorityReason,
      side,
      sideReason,
      status,
      createdAt: row.createdAt,
      acknowledgedAt: row.acknowledgedAt,
      acknowledgedBy: row.acknowledgedAt === null && status !== 'acknowledged' ? null : personRef(engagement, row.acknowledgedBy),
      resolvedAt: row.resolvedAt,
      resolvedBy:
        row.resolvedAt === null
          ? null
          : row.autoResolved
            ? `integration:${layout === 'pagerduty' ? 'pagerduty' : 'import'}`
            : personRef(engagement, row.resolvedBy),
      autoResolved: row.autoResolved,
      escalationCount: row.escalationCount,
      row,
    });
  }
  if (unmapped.size > 0) {
    const list = [...unmapped.entries()].map(
      ([name, u]) => `"${name}" (${u.count} row${u.count === 1 ? '' : 's'}, first on line ${u.line})`,
    );
    problems.push({
      line: null,
      message: `${unmapped.size === 1 ? 'a service is' : `${unmapped.size} services are`} not in engagement ${engagement.id}: ${list.join(', ')}. ${knownServices(engagement)}. Map each with --service-map "NAME=service-id"`,
    });
  }
  return { items, problems };
}
