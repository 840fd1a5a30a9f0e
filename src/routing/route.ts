/**
 * Routing: who answers an incident. The owning side comes from coverage at
 * the instant the incident opens, the escalation policy from `routing`, and
 * each tier's targets resolve to people through schedules and teams. Pure
 * functions of (engagement, service, instant), shared by the engine and by
 * `tandem route`, so the CLI explains exactly what the server does.
 */
import { explainCoverage, overflowApplies, ownerAt, windowDetailAt } from '../coverage/index.js';
import type { CoverageWindow, Engagement, EscalationPolicy, Service, Side, Target, Tier } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { onCallAt } from '../schedule/index.js';

export interface RouteDecision {
  readonly service: string;
  readonly fn: string;
  readonly window: CoverageWindow;
  readonly holidayName?: string;
  readonly side: Side;
  readonly policy: EscalationPolicy | undefined;
  /** "after hours: partner owns infrastructure; policy partner-noc". */
  readonly reason: string;
}

export function routeIncident(engagement: Engagement, service: Service, at: number): RouteDecision {
  const { window, side } = ownerAt(engagement, service.function, at);
  const { holidayName } = windowDetailAt(engagement, at);
  const policyId = engagement.routing[side][service.function];
  const policy = policyId === undefined ? undefined : lookup(engagement).policy(policyId);
  const coverage = explainCoverage(engagement, service.function, at);
  return {
    service: service.id,
    fn: service.function,
    window,
    ...(holidayName === undefined ? {} : { holidayName }),
    side,
    policy,
    reason: policy
      ? `${coverage}; policy ${policy.id}`
      : `${coverage}; routing.${side} has no policy for ${service.function}, nobody is paged`,
  };
}

export interface ResolvedTier {
  /** Person ids, each once, in target order. */
  readonly people: readonly string[];
  /** Team addresses ("notify the team without naming people"). */
  readonly teamAddresses: ReadonlyArray<{ readonly team: string; readonly email: string }>;
  /** Schedules that had nobody on call: the gap the timeline reports. */
  readonly emptySchedules: readonly string[];
  /** Whether anyone at all will be paged. */
  readonly empty: boolean;
}

export function targetRef(t: Target): string {
  return `${t.kind}:${t.id}`;
}

/** Resolves a tier's targets to the people and addresses they page at `at`. */
export function resolveTier(engagement: Engagement, tier: Tier, at: number): ResolvedTier {
  const people: string[] = [];
  const teamAddresses: Array<{ team: string; email: string }> = [];
  const emptySchedules: string[] = [];
  const add = (id: string) => {
    if (!people.includes(id)) people.push(id);
  };
  for (const target of tier.targets) {
    if (target.kind === 'person') add(target.id);
    else if (target.kind === 'team') {
      const team = lookup(engagement).team(target.id);
      if (!team) continue;
      team.members.forEach(add);
      if (team.email) teamAddresses.push({ team: team.id, email: team.email });
    } else {
      const schedule = lookup(engagement).schedule(target.id);
      const onCall = schedule ? onCallAt(schedule, at) : [];
      if (onCall.length === 0) emptySchedules.push(target.id);
      onCall.forEach(add);
    }
  }
  return { people, teamAddresses, emptySchedules, empty: people.length === 0 && teamAddresses.length === 0 };
}

/** Minimum wait after the last tier before a repeat pass starts, when the tiers do not imply one. */
export const MIN_PASS_GAP_MS = 5 * 60_000;

/**
 * How long one pass through the tiers lasts before a repeat starts again at
 * tier 1: the last tier gets as long to answer as the gap before it (at least
 * five minutes). internal-infra (0m, 5m) repeats every 10m; partner-noc
 * (0m, 5m, 15m) every 25m.
 */
export function passLengthMs(policy: EscalationPolicy): number {
  const afters = policy.tiers.map((t) => t.after.ms);
  const last = afters[afters.length - 1] ?? 0;
  const before = afters.length > 1 ? (afters[afters.length - 2] ?? 0) : 0;
  return last + Math.max(last - before, MIN_PASS_GAP_MS);
}

/** When tier `tier` of pass `pass` is due, for an escalation that started at `start`. */
export function tierDueAt(policy: EscalationPolicy, start: number, tier: number, pass: number): number {
  return start + pass * passLengthMs(policy) + (policy.tiers[tier]?.after.ms ?? 0);
}

/** The step after (tier, pass), or undefined when the policy is done. */
export function nextStep(policy: EscalationPolicy, tier: number, pass: number): { tier: number; pass: number } | undefined {
  if (tier + 1 < policy.tiers.length) return { tier: tier + 1, pass };
  if (pass < policy.repeat) return { tier: 0, pass: pass + 1 };
  return undefined;
}

export interface RouteExplanation {
  service: string;
  at: string;
  window: CoverageWindow;
  holiday?: string;
  side: Side;
  policy: string | null;
  reason: string;
  tiers: Array<{ tier: number; after_s: number; targets: string[]; people: string[]; team_addresses: string[]; empty_schedules: string[] }>;
  repeat: number;
  pass_length_s: number | null;
  overflow: {
    after_s: number;
    to: Side;
    policy: string | null;
    tiers: Array<{ tier: number; after_s: number; targets: string[]; people: string[]; team_addresses: string[] }>;
  } | null;
}

/** What `tandem route --json` prints: the decision with each tier resolved to the people it would page at that instant. */
export function explainRoute(engagement: Engagement, service: Service, at: number): RouteExplanation {
  const d = routeIncident(engagement, service, at);
  const tiers = (policy: EscalationPolicy, start: number) =>
    policy.tiers.map((tier, i) => {
      const r = resolveTier(engagement, tier, start + tier.after.ms);
      return {
        tier: i + 1,
        after_s: tier.after.ms / 1000,
        targets: tier.targets.map(targetRef),
        people: [...r.people],
        team_addresses: r.teamAddresses.map((t) => t.email),
        empty_schedules: [...r.emptySchedules],
      };
    });
  const overflow = engagement.coverage.overflow;
  let overflowOut: RouteExplanation['overflow'] = null;
  if (overflow && overflowApplies(engagement, service.function, d.side)) {
    const policyId = engagement.routing[overflow.to][service.function];
    const policy = policyId === undefined ? undefined : lookup(engagement).policy(policyId);
    overflowOut = {
      after_s: overflow.after.ms / 1000,
      to: overflow.to,
      policy: policy?.id ?? null,
      tiers: policy
        ? tiers(policy, at + overflow.after.ms).map(({ tier, after_s, targets, people, team_addresses }) => ({
            tier,
            after_s,
            targets,
            people,
            team_addresses,
          }))
        : [],
    };
  }
  return {
    service: service.id,
    at: new Date(at).toISOString(),
    window: d.window,
    ...(d.holidayName ? { holiday: d.holidayName } : {}),
    side: d.side,
    policy: d.policy?.id ?? null,
    reason: d.reason,
    tiers: d.policy ? tiers(d.policy, at) : [],
    repeat: d.policy?.repeat ?? 0,
    pass_length_s: d.policy ? passLengthMs(d.policy) / 1000 : null,
    overflow: overflowOut,
  };
}
