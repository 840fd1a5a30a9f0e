/**
 * Overdue findings become security incidents, once: an engine module on the
 * events loop (before the events are applied, so the incident opens in the
 * same pass). For each finding past due, not fixed and not under an
 * exception that still holds, it claims the finding (sets `alerted_at` only
 * if unset) and, in the same transaction, writes a trigger event with dedup
 * key `vuln:<fingerprint>` on the service given at import (else the
 * engagement's first service of function security). The event is applied
 * like any alert: routing, escalation, SLAs and tickets follow. A later step
 * records the incident the alert opened on the finding.
 */
import type { VulnFindingRow } from '../db/schema.js';
import type { Engagement, Severity, VulnSeverity } from '../engagement/model.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import { engineTransaction } from '../engine/engine.js';
import type { AlertAction } from '../events/event.js';
import {
  anyOverdueUnalerted,
  claimOverdue,
  incidentsToRecord,
  insertTriggerEvent,
  nextDueUnalerted,
  overdueUnalerted,
  recordIncident,
} from './store.js';

/** A finding's severity as an alert's (critical pages at P1 on a criticality-1 service). */
export const ALERT_SEVERITY: Readonly<Record<VulnSeverity, Severity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** The engagement's first service of function security: where an overdue finding without a service of its own opens. */
export function defaultSecurityService(e: Engagement): string | undefined {
  return e.services.find((s) => s.function === 'security')?.id;
}

const iso = (t: number) => new Date(t).toISOString();

/** The trigger for an overdue finding: the finding in its details, so the incident shows what to fix and by when. */
export function overdueTrigger(f: VulnFindingRow): AlertAction {
  const what = [f.cve ?? f.rule_id, f.package ?? f.location].filter(Boolean).join(' in ');
  return {
    type: 'alert',
    action: 'trigger',
    dedupKey: `vuln:${f.fingerprint}`,
    summary: `Overdue vulnerability${f.kev ? ' (known exploited)' : ''}: ${what} on ${f.asset}`.slice(0, 1024),
    severity: ALERT_SEVERITY[f.severity as VulnSeverity] ?? 'warning',
    source: f.scanner,
    details: {
      finding: {
        id: Number(f.id),
        cve: f.cve,
        rule_id: f.rule_id,
        title: f.title,
        severity: f.severity,
        asset: f.asset,
        package: f.package,
        location: f.location,
        installed_version: f.installed_version,
        fixed_version: f.fixed_version,
        scanner: f.scanner,
        first_seen: iso(Number(f.first_seen)),
        due_at: iso(Number(f.due_at)),
        kev: Number(f.kev) === 1,
        kev_due_date: f.kev_due_date,
      },
    },
  };
}

export interface OverdueOptions {
  /** Findings handled per step. */
  readonly batch?: number;
}

async function openOverdue(ctx: EngineContext, batch: number): Promise<boolean> {
  const now = ctx.clock.now();
  // Most steps find nothing overdue: ask that first, without naming every engagement.
  if (!(await anyOverdueUnalerted(ctx.database.db, now))) return false;
  const defaults = new Map<string, string>();
  for (const e of ctx.deployment.all()) {
    const s = defaultSecurityService(e);
    if (s !== undefined) defaults.set(e.id, s);
  }
  const due = await overdueUnalerted(ctx.database.db, now, [...defaults.keys()], batch);
  let wrote = false;
  for (const f of due) {
    const serviceId = f.service_id ?? defaults.get(f.engagement_id);
    if (serviceId === undefined || ctx.deployment.service(f.engagement_id, serviceId) === undefined) continue;
    const action = overdueTrigger(f);
    const opened = await engineTransaction(ctx.database, async (trx) => {
      if (!(await claimOverdue(trx, Number(f.id), now))) return false;
      await insertTriggerEvent(trx, {
        engagementId: f.engagement_id,
        serviceId,
        at: now,
        raw: JSON.stringify({ overdue_finding: action.details?.['finding'] }),
        actions: JSON.stringify([action]),
      });
      return true;
    });
    if (opened)
      ctx.log.info({ finding: f.id, engagement: f.engagement_id, service: serviceId }, 'vulnerability finding overdue: trigger written');
    wrote ||= opened;
  }
  return wrote;
}

async function recordIncidents(ctx: EngineContext, batch: number): Promise<boolean> {
  const found = await incidentsToRecord(ctx.database.db, batch);
  for (const r of found) await recordIncident(ctx.database.db, r.id, r.incident_id, ctx.clock.now());
  return found.length > 0;
}

export function vulnOverdueModule(options: OverdueOptions = {}): EngineModule {
  const batch = options.batch ?? 50;
  // Whether a trigger may be waiting for its incident to be recorded: at start (a trigger written
  // before a restart), after this module wrote one, and once a minute (another instance may have
  // written it). The overdue check itself is one indexed query.
  let pending = true;
  let lookedAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'vulnerabilities',
    step: async (ctx) => {
      let recorded = false;
      const now = ctx.clock.now();
      if (pending || now - lookedAt >= 60_000) {
        lookedAt = now;
        recorded = await recordIncidents(ctx, batch);
        pending = recorded;
      }
      const opened = await openOverdue(ctx, batch);
      if (opened) pending = true;
      return recorded || opened;
    },
    nextDue: async (ctx) => nextDueUnalerted(ctx.database.db, ctx.clock.now()),
  };
}
