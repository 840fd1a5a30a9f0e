/**
 * Who could answer, and from when: the unattended part of the simulation.
 *
 * A person is reachable at an instant when they are on call in one of the
 * engagement's schedules then; a person who is in no schedule at all is
 * taken as always reachable (the file says nothing about their hours). So a
 * team page at 03:00 to a team whose members only hold business-hours
 * shifts reaches nobody who is working: that is the gap the model prices.
 *
 * An incident is attended from the first instant at which a tier of the
 * policy that serves it reaches someone. The policy is the owning side's at
 * opening (routing is decided then); when that side has no policy for the
 * function, the incident waits for coverage to hand the function to a side
 * that has one (someone would pick it up from the queue); overflow brings
 * the other side's policy in after `overflow.after`, as the engine does.
 * The search steps from one schedule change (or window change) to the next,
 * using the same schedule and coverage functions as the engine.
 */
import { nextWindowChange, overflowApplies, ownerAt } from '../coverage/index.js';
import { formatLocalDate, parseLocalDate, toLocal } from '../time/local-time.js';
import type { Engagement, EscalationPolicy, Schedule, Service, Side } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { resolveTier, tierDueAt } from '../routing/route.js';
import { nextChange, onCallAt } from '../schedule/index.js';
import { DAY_MS, WEEK_MS } from '../time/duration.js';

/** How long the search for someone to answer goes on before calling an incident never attended. */
export const ATTENTION_HORIZON_MS = 31 * DAY_MS;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The engagement with every rotation running since before `from`. A rotation
 * begins at its `start` date; history from before that date would otherwise
 * meet empty schedules. The question a simulation asks is "had this roster
 * been in place then", so each rotation is moved back by whole cycles of its
 * pattern (rotation length x members, rounded up to whole weeks): the same
 * people on the same weekdays and hours, only earlier. Overrides keep their
 * dates.
 */
export function withRostersSince(engagement: Engagement, from: number): Engagement {
  const schedules = engagement.schedules.map((s): Schedule => {
    const fromDay = toLocal(s.timezone, from).day - 1;
    const layers = s.layers.map((layer) => {
      const r = layer.rotation;
      const startDay = parseLocalDate(r.start);
      if (startDay <= fromDay) return layer;
      const cycle = r.every.ms * Math.max(1, r.members.length);
      const periodDays = Math.round(((cycle / gcd(cycle, WEEK_MS)) * WEEK_MS) / DAY_MS);
      const k = Math.ceil((startDay - fromDay) / periodDays);
      return { ...layer, rotation: { ...r, start: formatLocalDate(startDay - k * periodDays) } };
    });
    return { ...s, layers };
  });
  return { ...engagement, schedules };
}

/** The policy that serves `fn` when `side` owns it, if routing names one. */
export function policyFor(engagement: Engagement, side: Side, fn: string): EscalationPolicy | undefined {
  const id = engagement.routing[side][fn];
  return id === undefined ? undefined : lookup(engagement).policy(id);
}

/** Person id -> the schedules that can put them on call (layers and overrides). */
const membershipCache = new WeakMap<Engagement, Map<string, Schedule[]>>();
function membership(engagement: Engagement): Map<string, Schedule[]> {
  let m = membershipCache.get(engagement);
  if (m) return m;
  m = new Map();
  for (const s of engagement.schedules) {
    for (const id of new Set([...s.layers.flatMap((l) => l.rotation.members), ...s.overrides.map((o) => o.person)])) {
      m.set(id, [...(m.get(id) ?? []), s]);
    }
  }
  membershipCache.set(engagement, m);
  return m;
}

/** Whether a person is working at `at`: on call in a schedule of theirs, or in no schedule at all. */
export function personReachable(engagement: Engagement, person: string, at: number): boolean {
  const schedules = membership(engagement).get(person);
  return schedules === undefined || schedules.some((s) => onCallAt(s, at).includes(person));
}

/** Whether any tier of the policy reaches someone who is working at `at`. */
export function policyReachable(engagement: Engagement, policy: EscalationPolicy, at: number): boolean {
  return policy.tiers.some((tier) => resolveTier(engagement, tier, at).people.some((p) => personReachable(engagement, p, at)));
}

/** When an incident is first attended, by which side, through which policy. */
export interface Attention {
  readonly at: number;
  readonly side: Side;
  readonly policy: EscalationPolicy;
  /** owner: the owning side's policy; overflow: the overflow side's; coverage: a later owner's, the owner at opening having no policy. */
  readonly via: 'owner' | 'overflow' | 'coverage';
}

/**
 * The first instant at or after `openedAt` someone could answer an incident
 * on `service`, or null when nobody could within {@link ATTENTION_HORIZON_MS}.
 * Pass an engagement from {@link withRostersSince} for history.
 */
export function firstAttention(
  engagement: Engagement,
  service: Service,
  openedAt: number,
  horizonMs = ATTENTION_HORIZON_MS,
): Attention | null {
  const fn = service.function;
  const owner = ownerAt(engagement, fn, openedAt).side;
  const own = policyFor(engagement, owner, fn);
  const overflow = overflowApplies(engagement, fn, owner);
  const overflowPolicy = overflow ? policyFor(engagement, overflow.to, fn) : undefined;
  const overflowAt = openedAt + (overflow?.after.ms ?? 0);
  const end = openedAt + horizonMs;
  for (let t = openedAt; t <= end;) {
    if (own) {
      if (policyReachable(engagement, own, t)) return { at: t, side: owner, policy: own, via: 'owner' };
    } else {
      const now = ownerAt(engagement, fn, t).side;
      const p = policyFor(engagement, now, fn);
      if (p && policyReachable(engagement, p, t)) return { at: t, side: now, policy: p, via: 'coverage' };
    }
    if (overflow && overflowPolicy && t >= overflowAt && policyReachable(engagement, overflowPolicy, t))
      return { at: t, side: overflow.to, policy: overflowPolicy, via: 'overflow' };
    // Reachability only changes when someone's shift does, or (without a policy) when the owner does.
    let next = Number.POSITIVE_INFINITY;
    for (const s of engagement.schedules) {
      const c = nextChange(s, t);
      if (c !== null && c > t) next = Math.min(next, c);
    }
    if (!own) {
      const w = nextWindowChange(engagement, t);
      if (w !== null) next = Math.min(next, w);
    }
    if (overflowPolicy && overflowAt > t) next = Math.min(next, overflowAt);
    if (!Number.isFinite(next)) return null;
    t = next;
  }
  return null;
}

/** How long after an escalation starts tier `tier` of pass `pass` is paged (clamped to the policy's tiers and repeats). */
export function tierOffsetMs(policy: EscalationPolicy, tier: number, pass: number): number {
  const t = Math.min(Math.max(0, tier), policy.tiers.length - 1);
  const p = Math.min(Math.max(0, pass), policy.repeat);
  return tierDueAt(policy, 0, t, p);
}
