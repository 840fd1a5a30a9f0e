/**
 * History import: another tool's incident export becomes incidents of an
 * engagement, so reports, risk figures and simulations work from day one on
 * the organization's real history.
 *
 * Two phases. {@link prepareImport} reads and checks the whole file (pure):
 * any problem anywhere means nothing is written. {@link writeImport} then
 * writes, in one transaction per batch: each incident with the engagement's
 * next number, its status and instants, a timeline that reads like what
 * happened (imported, acknowledged, resolved, at the historical instants, so
 * SLA clocks can be re-derived from it), its SLA rows settled once, and an
 * `imports` row that makes a second import of the same file skip it.
 */
import { basename } from 'node:path';
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { IncidentRow } from '../db/schema.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import type { Actor } from '../incident/actor.js';
import { SYSTEM } from '../incident/actor.js';
import { appendTimeline, insertIncident, updateIncident } from '../incident/store.js';
import type { IncidentPatch } from '../incident/store.js';
import type { TimelineEntry } from '../incident/timeline.js';
import type { StatusChange } from '../sla/clock.js';
import { settleSlas } from '../sla/incident-hooks.js';
import { parseCsv } from './csv.js';
import type { Layout } from './layouts.js';
import { detectLayout, readRows } from './layouts.js';
import type { ImportItem, ImportProblem } from './plan.js';
import { parseServiceMap, planImport } from './plan.js';
import { countBreaches, importedSourceIds, recordImport } from './store.js';

export interface PrepareOptions {
  readonly engagement: Engagement;
  /** The file's contents. */
  readonly text: string;
  readonly format: Layout | 'auto';
  /** `--service-map` values: "NAME IN THE FILE=service-id". */
  readonly serviceMap: readonly string[];
  /** Instants after this are refused: an import is history. */
  readonly now: number;
}

export interface PreparedImport {
  readonly layout: Layout | undefined;
  /** Every incident of the file, oldest first (numbers follow history). */
  readonly items: readonly ImportItem[];
  /** Every problem, by line; empty when the file can be imported. */
  readonly problems: readonly ImportProblem[];
}

/** Reads and checks a whole export. Pure. */
export function prepareImport(o: PrepareOptions): PreparedImport {
  const csv = parseCsv(o.text);
  const problems: ImportProblem[] = [...csv.problems];
  const [header, ...records] = csv.records;
  if (!header)
    return {
      layout: undefined,
      items: [],
      problems: [...problems, { line: null, message: 'the file is empty: expected a header line and one row per incident' }],
    };
  const detected = detectLayout(header.fields, o.format);
  problems.push(...detected.problems);
  const map = parseServiceMap(o.engagement, o.serviceMap);
  problems.push(...map.problems);
  if (detected.layout === undefined || detected.problems.length > 0) return { layout: detected.layout, items: [], problems };
  const read = readRows(detected.layout, header.fields, records, o.now);
  problems.push(...read.problems);
  const plan = planImport(o.engagement, detected.layout, read.rows, map.map);
  problems.push(...plan.problems);
  const items = [...plan.items].sort((a, b) => a.createdAt - b.createdAt || a.line - b.line);
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { layout: detected.layout, items, problems: sorted };
}

/** Splits prepared items into those not imported yet and those a previous import already brought in. */
export async function splitDuplicates(
  ex: Executor,
  engagementId: string,
  items: readonly ImportItem[],
): Promise<{ fresh: ImportItem[]; duplicates: ImportItem[] }> {
  const bySource = new Map<string, string[]>();
  for (const i of items) {
    const ids = bySource.get(i.source);
    if (ids) ids.push(i.sourceId);
    else bySource.set(i.source, [i.sourceId]);
  }
  const seen = new Set<string>();
  for (const [source, ids] of bySource)
    for (const id of await importedSourceIds(ex, engagementId, source, ids)) seen.add(`${source}\u0000${id}`);
  const fresh: ImportItem[] = [];
  const duplicates: ImportItem[] = [];
  for (const i of items) (seen.has(`${i.source}\u0000${i.sourceId}`) ? duplicates : fresh).push(i);
  return { fresh, duplicates };
}

export interface ImportResult {
  /** The incidents written, in the order of `items`. */
  readonly incidents: ReadonlyArray<{ readonly id: number; readonly number: number; readonly line: number }>;
  /** SLA breaches found while settling the imported incidents' clocks. */
  readonly breaches: number;
}

/** Rows per transaction: a batch commits as a whole; a failure later leaves earlier batches imported, and a re-run skips them. */
export const IMPORT_BATCH = 100;

/**
 * Writes prepared incidents (call {@link splitDuplicates} first). `file` is
 * the name recorded with each import row and timeline entry.
 */
export async function writeImport(
  database: Database,
  engagement: Engagement,
  items: readonly ImportItem[],
  file: string,
  now: number,
): Promise<ImportResult> {
  const incidents: Array<{ id: number; number: number; line: number }> = [];
  const name = basename(file);
  for (let i = 0; i < items.length; i += IMPORT_BATCH) {
    await database.db.transaction().execute(async (trx) => {
      for (const item of items.slice(i, i + IMPORT_BATCH)) {
        const written = await writeOne(trx, engagement, item, name, now);
        incidents.push({ id: written.id, number: written.number, line: item.line });
      }
    });
  }
  return {
    incidents,
    breaches: await countBreaches(
      database.db,
      engagement.id,
      incidents.map((x) => x.id),
    ),
  };
}

/** The actor a name from an export stands for on the timeline. */
function actorOf(engagement: Engagement, ref: string | null, fallbackName: string): Actor {
  if (ref === null) return { ...SYSTEM, name: fallbackName };
  if (ref.startsWith('person:')) {
    const id = ref.slice('person:'.length);
    const person = lookup(engagement).person(id);
    return { type: 'person', id, ...(person ? { name: person.name } : {}) };
  }
  if (ref.startsWith('integration:')) return { type: 'integration', id: ref.slice('integration:'.length) };
  // A name the engagement does not know: kept as written, on a system entry.
  return { type: 'system', id: null, name: ref.slice('imported:'.length) };
}

const iso = (t: number) => new Date(t).toISOString();

async function writeOne(trx: Executor, engagement: Engagement, item: ImportItem, file: string, now: number): Promise<IncidentRow> {
  const opened = await insertIncident(trx, {
    engagementId: engagement.id,
    serviceId: item.service.id,
    title: item.title,
    severity: item.severity,
    priority: item.priority,
    groupKey: null,
    side: item.side,
    at: item.createdAt,
  });
  const patch: IncidentPatch = {
    status: item.status,
    acknowledged_at: item.acknowledgedAt,
    acknowledged_by: item.acknowledgedBy,
    resolved_at: item.resolvedAt,
    resolved_by: item.resolvedBy,
    // No alert of the source tool is imported; a resolved incident has none open.
    open_alert_count: item.status === 'resolved' ? 0 : 1,
  };
  const lastAt = Math.max(item.createdAt, item.acknowledgedAt ?? 0, item.resolvedAt ?? 0);
  await updateIncident(trx, opened.id, lastAt, patch);
  const incident: IncidentRow = { ...opened, ...patch, updated_at: lastAt };

  const base = { engagementId: engagement.id, incidentId: opened.id };
  const from = `${item.source === 'pagerduty' ? 'PagerDuty' : 'CSV'} ${item.row.number ? `incident ${item.row.number}` : `row ${item.line}`}`;
  const entries: TimelineEntry[] = [
    {
      ...base,
      at: item.createdAt,
      kind: 'incident.imported',
      actor: SYSTEM,
      message: `Imported from ${from} (${file}, line ${item.line}): ${item.priority} (${item.priorityReason}); ${item.sideReason}.`,
      // `to` makes this entry the opening of the status history SLA clocks are derived from.
      data: {
        to: 'triggered',
        source: item.source,
        source_id: item.sourceId,
        file,
        line: item.line,
        side_reason: item.sideReason,
        priority_reason: item.priorityReason,
        ...(item.escalationCount === null ? {} : { escalation_count: item.escalationCount }),
        row: item.row.raw,
      },
    },
  ];
  const history: StatusChange[] = [{ at: item.createdAt, status: 'triggered' }];
  if (item.acknowledgedAt !== null) {
    const actor = actorOf(engagement, item.acknowledgedBy, 'someone (imported)');
    entries.push({
      ...base,
      at: item.acknowledgedAt,
      kind: 'incident.acknowledged',
      actor,
      message: `Acknowledged by ${actor.name ?? item.acknowledgedBy ?? 'someone'} at ${iso(item.acknowledgedAt)} (imported)`,
      data: { from: 'triggered', to: 'acknowledged', imported: true },
    });
    history.push({ at: item.acknowledgedAt, status: 'acknowledged' });
  }
  if (item.resolvedAt !== null) {
    const actor = actorOf(engagement, item.resolvedBy, 'someone (imported)');
    entries.push({
      ...base,
      at: item.resolvedAt,
      kind: 'incident.resolved',
      actor,
      message: `Resolved ${item.autoResolved ? 'automatically by the monitoring tool' : `by ${actor.name ?? actor.id ?? item.resolvedBy ?? 'someone'}`} at ${iso(item.resolvedAt)} (imported)`,
      data: {
        from: item.acknowledgedAt === null ? 'triggered' : 'acknowledged',
        to: 'resolved',
        imported: true,
        ...(item.autoResolved ? { auto_resolved: true } : {}),
      },
    });
    history.push({ at: item.resolvedAt, status: 'resolved' });
  }
  await appendTimeline(trx, entries);
  await settleSlas(trx, engagement, incident, history, now);
  await recordImport(trx, {
    engagementId: engagement.id,
    source: item.source,
    sourceId: item.sourceId,
    incidentId: opened.id,
    file,
    line: item.line,
    at: now,
  });
  return incident;
}
