/**
 * Who was on call, every minute of a period, for each function and side:
 * the evidence that monitoring was staffed. A function's owner comes from
 * the coverage windows (src/coverage/), the people from the first tier of
 * the side's escalation policy for it (schedules through src/schedule/).
 * The period is cut wherever the window or anyone on call changes, so each
 * stretch has one owner and one set of people; a stretch the owning side had
 * nobody to page in is a gap.
 */
import { nextWindowChange, windowAt } from '../coverage/index.js';
import type { CoverageWindow, Engagement, Side, Target } from '../engagement/model.js';
import { SIDES, lookup } from '../engagement/model.js';
import { onCallAt, shifts } from '../schedule/index.js';

/** One stretch of a function on one side with the same window, owner and people on call. */
export interface OnCallStretch {
  readonly function: string;
  readonly side: Side;
  readonly window: CoverageWindow;
  /** Whether this side owned the function (answered its incidents) in the stretch. */
  readonly owns: boolean;
  readonly start: number;
  readonly end: number;
  /** The side's escalation policy for the function; null when it has none. */
  readonly policy: string | null;
  /** Names of the people the first tier would page, in target order. */
  readonly onCall: readonly string[];
}

/** A stretch in which the owning side had nobody to page for a function. */
export interface CoverageGap {
  readonly function: string;
  readonly side: Side;
  readonly window: CoverageWindow;
  readonly start: number;
  readonly end: number;
  readonly policy: string | null;
}

function firstTier(engagement: Engagement, side: Side, fn: string): { policy: string | null; targets: readonly Target[] } {
  const policy = engagement.routing[side][fn] ?? null;
  const tier = policy === null ? undefined : lookup(engagement).policy(policy)?.tiers[0];
  return { policy, targets: tier?.targets ?? [] };
}

/** The people a tier's targets name at an instant: a schedule's on-call, a team's members, a person. */
function peopleAt(engagement: Engagement, targets: readonly Target[], at: number): string[] {
  const index = lookup(engagement);
  const ids: string[] = [];
  for (const t of targets) {
    if (t.kind === 'person') ids.push(t.id);
    else if (t.kind === 'team') ids.push(...(index.team(t.id)?.members ?? []));
    else {
      const schedule = index.schedule(t.id);
      if (schedule) ids.push(...onCallAt(schedule, at));
    }
  }
  return [...new Set(ids)].map((id) => index.personName(id));
}

/** Every instant in (from, to) at which a window or a first-tier schedule of the function may change. */
function cuts(engagement: Engagement, fn: string, from: number, to: number): number[] {
  const out = new Set<number>([from, to]);
  for (let t: number | null = nextWindowChange(engagement, from); t !== null && t < to; t = nextWindowChange(engagement, t)) out.add(t);
  for (const side of SIDES) {
    for (const target of firstTier(engagement, side, fn).targets) {
      const schedule = target.kind === 'schedule' ? lookup(engagement).schedule(target.id) : undefined;
      for (const s of schedule ? shifts(schedule, from, to) : []) {
        if (s.start > from && s.start < to) out.add(s.start);
        if (s.end > from && s.end < to) out.add(s.end);
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}

const sameStretch = (a: OnCallStretch, b: OnCallStretch): boolean =>
  a.end === b.start && a.window === b.window && a.owns === b.owns && a.onCall.join('\u0000') === b.onCall.join('\u0000');

/** The on-call stretches of [from, to): per function (in coverage order), per side, in time order. */
export function onCallStretches(engagement: Engagement, from: number, to: number): OnCallStretch[] {
  const out: OnCallStretch[] = [];
  for (const [fn, owners] of Object.entries(engagement.coverage.functions)) {
    const instants = cuts(engagement, fn, from, to);
    for (const side of SIDES) {
      const { policy, targets } = firstTier(engagement, side, fn);
      let last: OnCallStretch | undefined;
      for (let k = 0; k + 1 < instants.length; k++) {
        const start = instants[k] ?? from;
        const window = windowAt(engagement, start);
        const stretch: OnCallStretch = {
          function: fn,
          side,
          window,
          owns: owners[window] === side,
          start,
          end: instants[k + 1] ?? to,
          policy,
          onCall: peopleAt(engagement, targets, start),
        };
        if (last && sameStretch(last, stretch)) out[out.length - 1] = last = { ...last, end: stretch.end };
        else out.push((last = stretch));
      }
    }
  }
  return out;
}

/** The stretches in which the owning side had nobody on call, adjacent ones of the same window merged. */
export function coverageGaps(stretches: readonly OnCallStretch[]): CoverageGap[] {
  const out: CoverageGap[] = [];
  for (const s of stretches) {
    if (!s.owns || s.onCall.length > 0) continue;
    const last = out[out.length - 1];
    if (last && last.function === s.function && last.side === s.side && last.end === s.start && last.window === s.window)
      out[out.length - 1] = { ...last, end: s.end };
    else out.push({ function: s.function, side: s.side, window: s.window, start: s.start, end: s.end, policy: s.policy });
  }
  return out;
}
