/**
 * Assembling a compliance evidence pack from the database: the incident
 * population, SLA adherence, who was on call every minute with the gaps,
 * the configuration in force, security detections and vulnerability
 * findings (when there are any), and the timeline verification; then the
 * index that maps each control of the chosen framework to those files.
 */
import type { Executor } from '../db/executor.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { slaAttainment } from '../metrics/metrics.js';
import { incidentsOpened } from '../metrics/store.js';
import type { IncidentFact } from '../metrics/store.js';
import { responseEvidence } from '../risk/store.js';
import { CATALOG, EVIDENCE_FILES, supportedControls } from './controls.js';
import type { Control, EvidenceFile, Framework } from './controls.js';
import { toCsv } from './csv.js';
import { deadlineOutcome } from './outcome.js';
import type { DeadlineOutcome } from './outcome.js';
import { coverageGaps, onCallStretches } from './oncall.js';
import type { CoverageGap } from './oncall.js';
import { appliedConfig, detectionsIn, findingsIn, incidentSlas } from './store.js';
import type { IncidentSlaFact } from './store.js';
import { verifyDocument } from './verify.js';
import type { ChainVerifier } from './verify.js';

export interface PackOptions {
  readonly framework: Framework;
  readonly from: number;
  readonly to: number;
  readonly now: number;
  /** Checks the timeline chains; without it the pack has no verify.json (and says so). */
  readonly verifier?: ChainVerifier | undefined;
}

/** What the index shows: the period, the controls and the headline figures of each file. */
export interface EvidenceIndex {
  readonly engagement: { id: string; name: string; timezone: string; sides: { internal: string; partner: string } };
  readonly framework: { id: Framework; name: string };
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly controls: readonly Control[];
  readonly files: ReadonlyArray<{ name: EvidenceFile; description: string; rows: number | null; bytes: number }>;
  readonly summary: {
    incidents: number;
    acknowledged: number;
    escalated: number;
    resolved: number;
    sla: { total: number; met: number; breached: number; pct: number | null };
    coverage: { minutes: number; gapMinutes: number };
    detections: number | null;
    findings: Record<DeadlineOutcome, number> | null;
    verify: { ok: boolean; incidents: number; entries: number; broken: number } | null;
  };
  readonly gaps: ReadonlyArray<{
    function: string;
    side: string;
    window: string;
    start: string;
    end: string;
    minutes: number;
    policy: string | null;
  }>;
  /** Why a file is absent (no detections, no findings, no verifier). */
  readonly notes: readonly string[];
}

export interface EvidencePack {
  readonly index: EvidenceIndex;
  /** File name to content; index.json, index.html and index.pdf are added by the writer. */
  readonly files: ReadonlyMap<EvidenceFile, string>;
}

const iso = (t: number | null | undefined): string | null => (t === null || t === undefined ? null : new Date(t).toISOString());
const seconds = (a: number, b: number | null): number | null => (b === null ? null : Math.round((b - a) / 1000));
const minutes = (ms: number): number => Math.round(ms / 60_000);

/** An incident's SLA clock of a kind as "met", "breached", "running"...; empty without one. */
function slaOf(clocks: readonly IncidentSlaFact[] | undefined, kind: string): string | null {
  return clocks?.find((c) => c.kind === kind)?.status ?? null;
}

async function incidentsFile(ex: Executor, engagement: Engagement, incidents: readonly IncidentFact[], from: number, to: number) {
  const evidence = await responseEvidence(
    ex,
    engagement.id,
    incidents.map((i) => i.id),
  );
  const clocks = new Map<number, IncidentSlaFact[]>();
  for (const c of await incidentSlas(ex, engagement.id, from, to)) clocks.set(c.incidentId, [...(clocks.get(c.incidentId) ?? []), c]);
  const prefix = incidentPrefix(engagement.id);
  let escalated = 0;
  const rows = incidents.map((i) => {
    const paged = evidence.get(i.id)?.paged ?? [];
    const escalatedAt = paged.find((p) => p.tier > 0 || p.pass > 0)?.at ?? null;
    if (escalatedAt !== null) escalated++;
    const service = lookup(engagement).service(i.serviceId);
    return [
      `${prefix}-${i.number}`,
      i.title,
      service?.name ?? i.serviceId,
      service?.function ?? null,
      i.priority,
      i.severity,
      i.side,
      i.status,
      iso(i.createdAt),
      iso(paged[0]?.at),
      iso(i.acknowledgedAt),
      i.acknowledgedBy,
      iso(escalatedAt),
      iso(i.resolvedAt),
      seconds(i.createdAt, i.acknowledgedAt),
      seconds(i.createdAt, i.resolvedAt),
      slaOf(clocks.get(i.id), 'respond'),
      slaOf(clocks.get(i.id), 'resolve'),
    ];
  });
  const header = ['incident', 'title', 'service', 'function', 'priority', 'severity', 'side', 'status', 'detected_at', 'first_paged_at'];
  header.push('acknowledged_at', 'acknowledged_by', 'escalated_at', 'resolved_at', 'time_to_acknowledge_s', 'time_to_resolve_s');
  header.push('respond_sla', 'resolve_sla');
  return { csv: toCsv(header, rows), escalated, clocks };
}

async function slaFile(ex: Executor, engagementId: string, from: number, to: number) {
  const attainment = await slaAttainment(ex, engagementId, from, to);
  const total = attainment.reduce((n, a) => n + a.total, 0);
  const met = attainment.reduce((n, a) => n + a.met, 0);
  const csv = toCsv(
    ['sla', 'priority', 'kind', 'total', 'met', 'breached', 'met_pct'],
    attainment.map((a) => [a.sla, a.priority, a.kind, a.total, a.met, a.breached, a.pct]),
  );
  return {
    csv,
    sla: { total, met, breached: total - met, pct: total ? Math.round((met * 1000) / total) / 10 : null },
    rows: attainment.length,
  };
}

function onCallFiles(engagement: Engagement, from: number, to: number) {
  const stretches = onCallStretches(engagement, from, to);
  const gaps = coverageGaps(stretches);
  const oncall = toCsv(
    ['function', 'side', 'owns', 'window', 'start', 'end', 'minutes', 'policy', 'on_call'],
    stretches.map((s) => [
      s.function,
      s.side,
      s.owns,
      s.window,
      iso(s.start),
      iso(s.end),
      minutes(s.end - s.start),
      s.policy,
      s.onCall.join('; '),
    ]),
  );
  const gapRows = gaps.map((g: CoverageGap) => ({
    function: g.function,
    side: g.side,
    window: g.window,
    start: iso(g.start) ?? '',
    end: iso(g.end) ?? '',
    minutes: minutes(g.end - g.start),
    policy: g.policy,
  }));
  const gapsCsv = toCsv(
    ['function', 'side', 'window', 'start', 'end', 'minutes', 'policy'],
    gapRows.map((g) => [g.function, g.side, g.window, g.start, g.end, g.minutes, g.policy]),
  );
  const owned = stretches.filter((s) => s.owns).reduce((n, s) => n + minutes(s.end - s.start), 0);
  return { oncall, stretches: stretches.length, gapsCsv, gapRows, owned };
}

async function policyFile(ex: Executor, engagement: Engagement, now: number): Promise<string> {
  const applied = await appliedConfig(ex, engagement.id);
  const doc = {
    engagement: engagement.id,
    exported_at: new Date(now).toISOString(),
    config_hash: applied?.hash ?? null,
    applied_at: iso(applied?.appliedAt),
    note: 'The configuration stored in the database when the pack was made: the one in force since applied_at.',
    sides: engagement.sides,
    coverage: engagement.coverage,
    routing: engagement.routing,
    escalation_policies: engagement.escalationPolicies,
    schedules: engagement.schedules,
    priorities: engagement.priorities,
    slas: engagement.slas,
    scope: engagement.scope ?? null,
    vulnerabilities: engagement.vulnerabilities,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

async function securityFile(
  ex: Executor,
  engagement: Engagement,
  from: number,
  to: number,
  incidents: readonly IncidentFact[],
  clocks: Map<number, IncidentSlaFact[]>,
) {
  const detections = await detectionsIn(ex, engagement.id, from, to);
  if (detections.length === 0) return null;
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const prefix = incidentPrefix(engagement.id);
  const csv = toCsv(
    [
      'detection',
      'rule',
      'summary',
      'service',
      'source',
      'first_hit',
      'last_hit',
      'hits',
      'incident',
      'priority',
      'acknowledged_at',
      'resolved_at',
      'respond_sla',
      'resolve_sla',
    ],
    detections.map((d) => {
      const incident = byId.get(d.incidentId);
      return [
        d.alertId,
        d.dedupKey.split(':')[1] ?? d.dedupKey,
        d.summary,
        lookup(engagement).serviceName(d.serviceId),
        d.source,
        iso(d.firstHit),
        iso(d.lastHit),
        d.hits,
        `${prefix}-${d.incidentNumber}`,
        d.priority,
        iso(incident?.acknowledgedAt),
        iso(incident?.resolvedAt),
        slaOf(clocks.get(d.incidentId), 'respond'),
        slaOf(clocks.get(d.incidentId), 'resolve'),
      ];
    }),
  );
  return { csv, count: detections.length };
}

async function findingsFile(ex: Executor, engagementId: string, from: number, asOf: number) {
  const findings = await findingsIn(ex, engagementId, from, asOf);
  if (findings.length === 0) return null;
  const counts: Record<DeadlineOutcome, number> = { met: 0, missed: 0, excepted: 0, open: 0 };
  const rows = findings.map((f) => {
    const outcome = deadlineOutcome(f, asOf);
    counts[outcome]++;
    return [
      f.id,
      f.cve ?? f.ruleId,
      f.title,
      f.severity,
      f.kev,
      f.asset,
      f.package,
      f.scanner,
      iso(f.firstSeen),
      iso(f.dueAt),
      iso(f.fixedAt),
      outcome,
    ];
  });
  const header = [
    'finding',
    'id',
    'title',
    'severity',
    'kev',
    'asset',
    'package',
    'scanner',
    'first_seen',
    'due_at',
    'fixed_at',
    'deadline',
  ];
  return { csv: toCsv(header, rows), counts };
}

/** Data lines of a CSV (its lines less the header). */
const csvRows = (csv: string): number => csv.split('\r\n').length - 2;

/** The pack for one engagement, framework and period [from, to). */
export async function buildEvidencePack(ex: Executor, engagement: Engagement, o: PackOptions): Promise<EvidencePack> {
  const asOf = Math.min(o.to, o.now);
  const incidents = await incidentsOpened(ex, engagement.id, o.from, o.to);
  const inc = await incidentsFile(ex, engagement, incidents, o.from, o.to);
  const sla = await slaFile(ex, engagement.id, o.from, o.to);
  const cover = onCallFiles(engagement, o.from, o.to);
  const security = await securityFile(ex, engagement, o.from, o.to, incidents, inc.clocks);
  const findings = await findingsFile(ex, engagement.id, o.from, asOf);
  const verification = o.verifier ? await o.verifier(ex, engagement.id) : null;

  const files = new Map<EvidenceFile, string>([
    ['incidents.csv', inc.csv],
    ['sla.csv', sla.csv],
    ['oncall.csv', cover.oncall],
    ['coverage-gaps.csv', cover.gapsCsv],
    ['policy.json', await policyFile(ex, engagement, o.now)],
  ]);
  const notes: string[] = [];
  if (security) files.set('security.csv', security.csv);
  else notes.push('No security detection was first hit in the period: security.csv is left out.');
  if (findings) files.set('findings.csv', findings.csv);
  else notes.push('No vulnerability finding was open during the period: findings.csv is left out.');
  if (verification) files.set('verify.json', `${JSON.stringify(verifyDocument(engagement.id, o.now, verification), null, 2)}\n`);
  else notes.push('Timeline verification was not available to this build: verify.json is left out.');

  const index: EvidenceIndex = {
    engagement: {
      id: engagement.id,
      name: engagement.name,
      timezone: engagement.timezone,
      sides: { internal: engagement.sides.internal.name, partner: engagement.sides.partner.name },
    },
    framework: { id: o.framework, name: CATALOG[o.framework].name },
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    generatedAt: new Date(o.now).toISOString(),
    controls: supportedControls(o.framework, new Set(files.keys())),
    files: [...files].map(([name, text]) => ({
      name,
      description: EVIDENCE_FILES[name],
      rows: name.endsWith('.csv') ? csvRows(text) : null,
      bytes: Buffer.byteLength(text),
    })),
    summary: {
      incidents: incidents.length,
      acknowledged: incidents.filter((i) => i.acknowledgedAt !== null).length,
      escalated: inc.escalated,
      resolved: incidents.filter((i) => i.resolvedAt !== null).length,
      sla: sla.sla,
      coverage: { minutes: cover.owned, gapMinutes: cover.gapRows.reduce((n, g) => n + g.minutes, 0) },
      detections: security?.count ?? null,
      findings: findings?.counts ?? null,
      verify: verification
        ? {
            ok: verification.broken.length === 0,
            incidents: verification.incidents,
            entries: verification.entries,
            broken: verification.broken.length,
          }
        : null,
    },
    gaps: cover.gapRows,
    notes,
  };
  return { index, files };
}
