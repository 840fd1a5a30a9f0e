/**
 * Service credits: what the partner owes for a calendar month (in the
 * engagement's time zone). Each breach of an SLA that carries `credits` is
 * worth `per_breach[priority]` of the monthly fee (the priority the incident
 * had when it breached); each SLA's total is capped at its `cap`. Respond
 * and resolve breaches count separately, as most contracts write them.
 */
import { incidentPrefix } from '../deployment/deployment.js';
import type { Executor } from '../db/executor.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { monthPeriod } from './period.js';
import { breachesIn } from './store.js';

export interface CreditBreach {
  incident: string;
  incident_id: number;
  title: string;
  service: string;
  sla: string;
  priority: string;
  kind: 'respond' | 'resolve';
  opened_at: string;
  breached_at: string;
  target_s: number | null;
  /** How long it took (to acknowledge or resolve), or until now when still open. */
  actual_s: number | null;
  credit_percent: number;
  credit_amount: number;
}

export interface Credits {
  month: string;
  engagement: string;
  breaches: CreditBreach[];
  credit_percent: number;
  credit_amount: number;
  currency: string;
  monthly_fee: number;
  capped: boolean;
  /** The cap of each SLA with credits, in percent. */
  caps: Record<string, number>;
}

const pct = (fraction: number) => Math.round(fraction * 100_000) / 1000;
const money = (n: number) => Math.round(n * 100) / 100;

export async function computeCredits(ex: Executor, engagement: Engagement, month: string, now: number): Promise<Credits> {
  const { from, to } = monthPeriod(month, engagement.timezone);
  const fee = engagement.contract.monthlyFee;
  const perSla = new Map<string, number>();
  const breaches: CreditBreach[] = [];
  const slas = lookup(engagement);
  for (const r of await breachesIn(ex, engagement.id, from, to)) {
    const sla = slas.sla(r.slaId);
    if (!sla?.credits) continue;
    const priority = r.breachPriority ?? r.priority;
    const fraction = sla.credits.perBreach[priority] ?? 0;
    perSla.set(sla.id, (perSla.get(sla.id) ?? 0) + fraction);
    const stop = r.kind === 'respond' ? (r.acknowledgedAt ?? r.resolvedAt) : r.resolvedAt;
    breaches.push({
      incident: `${incidentPrefix(engagement.id)}-${r.number}`,
      incident_id: r.incidentId,
      title: r.title,
      service: r.serviceId,
      sla: sla.id,
      priority,
      kind: r.kind === 'resolve' ? 'resolve' : 'respond',
      opened_at: new Date(r.createdAt).toISOString(),
      breached_at: new Date(r.breachedAt ?? 0).toISOString(),
      target_s: r.targetMs === null ? null : r.targetMs / 1000,
      actual_s: Math.round(((stop ?? now) - r.createdAt) / 1000),
      credit_percent: pct(fraction),
      credit_amount: money(fee * fraction),
    });
  }
  let total = 0;
  let capped = false;
  const caps: Record<string, number> = {};
  for (const sla of engagement.slas) {
    if (!sla.credits) continue;
    caps[sla.id] = pct(sla.credits.cap);
    const sum = perSla.get(sla.id) ?? 0;
    if (sum > sla.credits.cap) capped = true;
    total += Math.min(sum, sla.credits.cap);
  }
  return {
    month,
    engagement: engagement.id,
    breaches,
    credit_percent: pct(total),
    credit_amount: money(fee * total),
    currency: engagement.contract.currency,
    monthly_fee: fee,
    capped,
    caps,
  };
}
