/**
 * The CSV layouts a history import reads, and how their columns map to one
 * shape ({@link SourceRow}). Two layouts:
 *
 * - `tandem`: Tandem's own documented header (docs/import.md), strict:
 *   every column must be one it knows.
 * - `pagerduty`: PagerDuty's incident exports, both the raw incident report
 *   (Analytics: `id, incident_number, description, service_name,
 *   created_on, seconds_to_first_ack, ...`) and the classic web export
 *   (`Incident ID, Incident Number, Description, Service, Created On, ...`).
 *   Columns Tandem does not use are kept in the row's `raw` and ignored.
 *
 * Header names match case-insensitively, with spaces, underscores and other
 * punctuation equivalent ("Created On" = "created_on"). Pure: no engagement
 * here, only text to values; {@link ../import/plan.ts} resolves services,
 * priorities and sides.
 */
import { createHash } from 'node:crypto';
import { didYouMean } from '../engagement/diagnostics.js';
import { parseIsoInstant } from '../time/iso.js';
import type { CsvRecord } from './csv.js';

export const LAYOUTS = ['tandem', 'pagerduty'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Where an imported incident came from, as kept in the `imports` table. */
export const SOURCE_OF: Readonly<Record<Layout, string>> = { tandem: 'tandem-csv', pagerduty: 'pagerduty' };

/** Tandem's documented header, in order. */
export const TANDEM_COLUMNS = [
  'number',
  'service',
  'title',
  'priority',
  'severity',
  'side',
  'created_at',
  'acknowledged_at',
  'resolved_at',
  'acknowledged_by',
  'resolved_by',
] as const;
export const TANDEM_REQUIRED = ['service', 'title', 'created_at'] as const;

type Field =
  | 'sourceId'
  | 'number'
  | 'title'
  | 'serviceId'
  | 'serviceName'
  | 'escalationPolicy'
  | 'createdAt'
  | 'acknowledgedAt'
  | 'resolvedAt'
  | 'secondsToFirstAck'
  | 'secondsToResolve'
  | 'autoResolved'
  | 'escalationCount'
  | 'acknowledgedBy'
  | 'resolvedBy'
  | 'urgency'
  | 'priority'
  | 'severity'
  | 'side'
  | 'status';

/** PagerDuty column names (normalized) for each field, first match wins. */
const PAGERDUTY_ALIASES: Readonly<Partial<Record<Field, readonly string[]>>> = {
  sourceId: ['id', 'incident_id'],
  number: ['incident_number', 'number'],
  title: ['description', 'title', 'summary'],
  serviceId: ['service_id'],
  serviceName: ['service_name', 'service'],
  escalationPolicy: ['escalation_policy_name', 'escalation_policy'],
  createdAt: ['created_on', 'created_at', 'created'],
  acknowledgedAt: ['acknowledged_on', 'acknowledged_at'],
  resolvedAt: ['resolved_on', 'resolved_at', 'resolved'],
  secondsToFirstAck: ['seconds_to_first_ack'],
  secondsToResolve: ['seconds_to_resolve'],
  autoResolved: ['auto_resolved'],
  escalationCount: ['escalation_count'],
  acknowledgedBy: ['acknowledged_by_user_names', 'acknowledged_by'],
  resolvedBy: ['resolved_by_user_name', 'resolved_by'],
  urgency: ['urgency'],
  priority: ['priority_name', 'priority'],
  status: ['status'],
};

const TANDEM_FIELDS: Readonly<Record<(typeof TANDEM_COLUMNS)[number], Field>> = {
  number: 'number',
  service: 'serviceName',
  title: 'title',
  priority: 'priority',
  severity: 'severity',
  side: 'side',
  created_at: 'createdAt',
  acknowledged_at: 'acknowledgedAt',
  resolved_at: 'resolvedAt',
  acknowledged_by: 'acknowledgedBy',
  resolved_by: 'resolvedBy',
};

/**
 * Columns only PagerDuty exports have: any one of them means the PagerDuty
 * layout. (Tandem's header shares `service`, `title` and `created_at` with
 * the classic web export, so those cannot decide.)
 */
const PAGERDUTY_MARKERS = new Set([
  'id',
  'incident_id',
  'incident_number',
  'description',
  'service_id',
  'service_name',
  'escalation_policy_name',
  'created_on',
  'resolved_on',
  'seconds_to_first_ack',
  'seconds_to_resolve',
  'auto_resolved',
  'escalation_count',
  'acknowledged_by_user_names',
  'resolved_by_user_name',
  'urgency',
  'priority_name',
  'status',
]);

/** "Created On" -> "created_on": case-insensitive, spaces, underscores and punctuation equivalent. */
export function normalizeHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export interface LayoutProblem {
  readonly line: number;
  readonly message: string;
}

/** Which layout a header is. `forced` is the user's `--format` (auto = detect). */
export function detectLayout(header: readonly string[], forced: Layout | 'auto' = 'auto'): { layout?: Layout; problems: LayoutProblem[] } {
  const names = header.map(normalizeHeader);
  const problems: LayoutProblem[] = [];
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const first = seen.get(n);
    if (first !== undefined && n !== '')
      problems.push({ line: 1, message: `column ${i + 1} "${header[i]}" repeats column ${first + 1}: each column may appear once` });
    else seen.set(n, i);
  });
  const layout: Layout | undefined =
    forced !== 'auto'
      ? forced
      : names.some((n) => PAGERDUTY_MARKERS.has(n))
        ? 'pagerduty'
        : TANDEM_REQUIRED.every((r) => names.includes(r))
          ? 'tandem'
          : undefined;
  if (layout === undefined) {
    problems.push({
      line: 1,
      message: `the header is neither Tandem's layout (${TANDEM_COLUMNS.join(',')}; service, title and created_at required) nor a PagerDuty incident export (id, incident_number, description, service_name, created_on, ...); see docs/import.md`,
    });
    return { problems };
  }
  if (layout === 'tandem') {
    for (const r of TANDEM_REQUIRED)
      if (!names.includes(r))
        problems.push({ line: 1, message: `the Tandem layout needs a "${r}" column; the header has: ${header.join(', ')}` });
    names.forEach((n, i) => {
      if (n !== '' && !(TANDEM_COLUMNS as readonly string[]).includes(n)) {
        problems.push({
          line: 1,
          message: `unknown column "${header[i]}": Tandem's layout has ${TANDEM_COLUMNS.join(', ')}${didYouMean(n, TANDEM_COLUMNS)}`,
        });
      }
    });
  } else {
    const has = (f: Field) => (PAGERDUTY_ALIASES[f] ?? []).some((a) => names.includes(a));
    if (!has('createdAt'))
      problems.push({ line: 1, message: 'a PagerDuty export needs a creation time column (created_on or "Created On")' });
    if (!has('serviceName') && !has('serviceId'))
      problems.push({ line: 1, message: 'a PagerDuty export needs a service column (service_name or "Service")' });
    if (!has('sourceId') && !has('number'))
      problems.push({
        line: 1,
        message:
          'a PagerDuty export needs an incident id column (id, "Incident ID" or incident_number): it is what makes a second import of the same file skip what is already there',
      });
  }
  return { layout, problems };
}

/** One row of either layout, with values parsed but not yet checked against an engagement. */
export interface SourceRow {
  readonly line: number;
  /** The id that makes a re-import skip this row: PagerDuty id / incident number, the Tandem `number`, or a hash of the row. */
  readonly sourceId: string;
  readonly number: string | null;
  readonly title: string;
  /** The service as the file names it, and (PagerDuty) its id there. */
  readonly serviceName: string;
  readonly serviceId: string | null;
  readonly priority: string | null;
  readonly severity: string | null;
  readonly urgency: string | null;
  readonly side: string | null;
  readonly createdAt: number;
  readonly acknowledgedAt: number | null;
  readonly resolvedAt: number | null;
  /** First of the names / ids as written. */
  readonly acknowledgedBy: string | null;
  readonly resolvedBy: string | null;
  readonly autoResolved: boolean;
  /** PagerDuty's escalation_count: how many times it escalated before someone acknowledged. */
  readonly escalationCount: number | null;
  readonly escalationPolicy: string | null;
  /** The export's status column (classic export), lowercase; null when absent. */
  readonly status: string | null;
  /** The row as it was: header -> value. */
  readonly raw: Readonly<Record<string, string>>;
}

/** Longest title kept (PagerDuty's own limit on summaries). */
export const MAX_TITLE = 1024;

/**
 * Reads the data rows of a file whose layout is known. Returns the rows that
 * parsed and a problem for every bad value (a row with any problem is not
 * returned). `now` bounds instants: history cannot be in the future.
 */
export function readRows(
  layout: Layout,
  header: readonly string[],
  records: readonly CsvRecord[],
  now: number,
): { rows: SourceRow[]; problems: LayoutProblem[] } {
  const names = header.map(normalizeHeader);
  const column = new Map<Field, number>();
  if (layout === 'tandem') {
    names.forEach((n, i) => {
      const f = (TANDEM_FIELDS as Readonly<Record<string, Field>>)[n];
      if (f !== undefined && !column.has(f)) column.set(f, i);
    });
  } else {
    for (const [field, aliases] of Object.entries(PAGERDUTY_ALIASES) as Array<[Field, readonly string[]]>) {
      for (const a of aliases) {
        const i = names.indexOf(a);
        if (i >= 0) {
          column.set(field, i);
          break;
        }
      }
    }
  }
  const rows: SourceRow[] = [];
  const problems: LayoutProblem[] = [];
  const firstLineOf = new Map<string, number>();
  for (const record of records) {
    const rowProblems: string[] = [];
    if (record.fields.length !== header.length) {
      problems.push({
        line: record.line,
        message: `has ${record.fields.length} field${record.fields.length === 1 ? '' : 's'}; the header has ${header.length} (a comma inside a value needs the value in double quotes)`,
      });
      continue;
    }
    const get = (f: Field): string => {
      const i = column.get(f);
      return i === undefined ? '' : (record.fields[i] ?? '').trim();
    };
    const label = (f: Field): string => {
      const i = column.get(f);
      return i === undefined ? f : (header[i] ?? f);
    };
    const instant = (f: Field): number | null => {
      const v = get(f);
      if (v === '') return null;
      const t = parseIsoInstant(v);
      if (t === undefined) {
        rowProblems.push(`${label(f)} "${v}" is not an ISO 8601 instant (e.g. 2026-09-01T03:14:07-04:00)`);
        return null;
      }
      return t;
    };
    const seconds = (f: Field): number | null => {
      const v = get(f);
      if (v === '') return null;
      const s = Number(v);
      if (!Number.isFinite(s) || s < 0) {
        rowProblems.push(`${label(f)} "${v}" is not a number of seconds (0 or more)`);
        return null;
      }
      return Math.round(s * 1000);
    };
    const optional = (f: Field): string | null => get(f) || null;

    const createdAt = instant('createdAt');
    if (get('createdAt') === '') rowProblems.push(`${label('createdAt')} is empty: every incident needs the instant it opened`);
    let acknowledgedAt = instant('acknowledgedAt');
    let resolvedAt = instant('resolvedAt');
    const toAck = seconds('secondsToFirstAck');
    const toResolve = seconds('secondsToResolve');
    // The raw report has no acknowledgement instant, only seconds to it; the resolve instant is there, or derivable.
    if (createdAt !== null && acknowledgedAt === null && toAck !== null) acknowledgedAt = createdAt + toAck;
    if (createdAt !== null && resolvedAt === null && toResolve !== null) resolvedAt = createdAt + toResolve;

    const autoText = get('autoResolved').toLowerCase();
    let autoResolved = false;
    if (autoText !== '') {
      if (['true', 'yes', '1', 't', 'y'].includes(autoText)) autoResolved = true;
      else if (!['false', 'no', '0', 'f', 'n'].includes(autoText))
        rowProblems.push(`${label('autoResolved')} "${get('autoResolved')}" is not true or false`);
    }
    const escText = get('escalationCount');
    let escalationCount: number | null = null;
    if (escText !== '') {
      if (/^\d+$/.test(escText)) escalationCount = Number(escText);
      else rowProblems.push(`${label('escalationCount')} "${escText}" is not a whole number`);
    }

    const serviceName = get('serviceName') || get('serviceId');
    if (serviceName === '') rowProblems.push(`${label('serviceName')} is empty: every incident needs its service`);
    const number = optional('number');
    let title = get('title');
    if (title === '') {
      if (layout === 'tandem') rowProblems.push('title is empty');
      else title = `PagerDuty incident ${number ?? get('sourceId')}`;
    }
    if (title.length > MAX_TITLE) title = `${title.slice(0, MAX_TITLE - 1)}…`;

    const status = get('status').toLowerCase();
    if (status !== '' && !['triggered', 'acknowledged', 'resolved'].includes(status))
      rowProblems.push(`${label('status')} "${get('status')}" is not triggered, acknowledged or resolved`);
    if (status === 'resolved' && resolvedAt === null && get('resolvedAt') === '')
      rowProblems.push(`${label('status')} is resolved but the row has no resolve time (${label('resolvedAt')} or seconds_to_resolve)`);

    if (createdAt !== null) {
      if (createdAt > now)
        rowProblems.push(`${label('createdAt')} ${new Date(createdAt).toISOString()} is in the future: an import is history`);
      if (acknowledgedAt !== null && acknowledgedAt < createdAt)
        rowProblems.push(
          `acknowledged (${new Date(acknowledgedAt).toISOString()}) before it was created (${new Date(createdAt).toISOString()})`,
        );
      if (resolvedAt !== null && resolvedAt < createdAt)
        rowProblems.push(`resolved (${new Date(resolvedAt).toISOString()}) before it was created (${new Date(createdAt).toISOString()})`);
    }
    if (acknowledgedAt !== null && resolvedAt !== null && acknowledgedAt > resolvedAt)
      rowProblems.push(
        `acknowledged (${new Date(acknowledgedAt).toISOString()}) after it was resolved (${new Date(resolvedAt).toISOString()})`,
      );
    if (resolvedAt !== null && resolvedAt > now)
      rowProblems.push(`resolved in the future (${new Date(resolvedAt).toISOString()}): an import is history`);
    else if (acknowledgedAt !== null && acknowledgedAt > now)
      rowProblems.push(`acknowledged in the future (${new Date(acknowledgedAt).toISOString()}): an import is history`);

    let sourceId: string;
    if (layout === 'pagerduty') {
      sourceId = get('sourceId') || number || '';
      if (sourceId === '')
        rowProblems.push('has no incident id (id, "Incident ID" or incident_number): without it a second import could not recognize it');
    } else {
      // Without a number, the row's own content is its identity: the same row imported twice is the same incident.
      sourceId =
        number ??
        `sha256:${createHash('sha256')
          .update([serviceName, title, createdAt === null ? '' : new Date(createdAt).toISOString()].join('\u001f'))
          .digest('hex')
          .slice(0, 32)}`;
    }
    if (sourceId !== '') {
      const first = firstLineOf.get(sourceId);
      if (first !== undefined) rowProblems.push(`repeats incident ${sourceId} of line ${first}: each incident once`);
      else firstLineOf.set(sourceId, record.line);
    }

    if (rowProblems.length > 0 || createdAt === null) {
      for (const message of rowProblems) problems.push({ line: record.line, message });
      continue;
    }
    const raw: Record<string, string> = {};
    header.forEach((h, i) => {
      raw[h] = record.fields[i] ?? '';
    });
    const firstName = (v: string | null) => (v === null ? null : v.split(/[,;]/)[0]?.trim() || null);
    rows.push({
      line: record.line,
      sourceId,
      number,
      title,
      serviceName,
      serviceId: optional('serviceId'),
      priority: optional('priority'),
      severity: optional('severity')?.toLowerCase() ?? null,
      urgency: optional('urgency')?.toLowerCase() ?? null,
      side: optional('side')?.toLowerCase() ?? null,
      createdAt,
      // A classic export can say "acknowledged" without saying when: the instant stays unknown.
      acknowledgedAt,
      resolvedAt,
      acknowledgedBy: firstName(optional('acknowledgedBy')),
      resolvedBy: firstName(optional('resolvedBy')),
      autoResolved,
      escalationCount,
      escalationPolicy: optional('escalationPolicy'),
      status: status || null,
      raw,
    });
  }
  return { rows, problems };
}
