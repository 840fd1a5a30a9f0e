/**
 * Rotation math: when handoffs happen and who holds each turn.
 *
 * A rotation's handoffs are a grid in LOCAL wall-clock time (schedule zone):
 * the first handoff is the first `handoff` wall time (and weekday, for
 * "mon 09:00") on or after the `start` date; handoff k is `k * every` of
 * wall-clock time later. Turn k belongs to `members[k % members.length]`
 * and lasts from handoff k to handoff k+1.
 *
 * Because the grid is in wall-clock time, a 1d rotation at 09:00 hands off
 * at 09:00 on both sides of a DST change (that turn lasts 23 h or 25 h), a
 * 1w "mon 09:00" rotation every Monday at 09:00, and an hourly rotation too:
 * a 12h rotation at 08:00 hands off at 08:00 and 20:00 all year round, the
 * night turn over a DST change lasting 11 h or 13 h. (Counting real hours
 * instead would move 12-hour shifts to 09:00/21:00 after the first DST
 * change, against the format's "handoffs happen at the wall-clock time
 * given, across DST".)
 *
 * Wall times that do not exist (02:30 on spring-forward night) move forward
 * by the gap (03:30); repeated ones (01:30 on fall-back night) take the first
 * occurrence. See `fromLocal`. When a rotation's period is no longer than the
 * gap (a 1h rotation over a 1h gap), two handoffs can land on the same
 * instant; the turn between them is empty and the member misses that turn.
 */
import type { Rotation } from '../engagement/model.js';
import { DAY_MS, MINUTE_MS } from '../time/duration.js';
import { fromLocal, isoWeekday, parseLocalDate, toNaive } from '../time/local-time.js';

/** One member's turn, clipped to a query range. */
export interface RotationPiece {
  readonly person: string;
  readonly start: number;
  readonly end: number;
}

/** The naive local time (ms, see local-time.ts) of the first handoff. */
export function firstHandoffNaive(rotation: Rotation): number {
  let day = parseLocalDate(rotation.start);
  if (rotation.handoffWeekday !== undefined) day += (rotation.handoffWeekday - isoWeekday(day) + 7) % 7;
  return day * DAY_MS + rotation.handoffMinute * MINUTE_MS;
}

/** The instant of handoff `k` (k = 0 is the first) in `zone`. */
export function handoffAt(zone: string, rotation: Rotation, k: number): number {
  // every.ms is wall-clock ms (1d = 24h), exactly a step on the naive local timeline.
  return fromLocal(zone, firstHandoffNaive(rotation) + k * rotation.every.ms);
}

/**
 * The index of the turn in force at `at`: the k with
 * handoff(k) <= at < handoff(k+1); null before the first handoff or for a
 * rotation with no members.
 */
export function turnAt(zone: string, rotation: Rotation, at: number): number | null {
  if (rotation.members.length === 0 || rotation.every.ms <= 0) return null;
  const first = firstHandoffNaive(rotation);
  const period = rotation.every.ms;
  const h = (k: number): number => fromLocal(zone, first + k * period);
  if (at < h(0)) return null;
  // Estimate from wall-clock time, then correct: around DST changes the
  // wall clock and the handoff grid disagree by up to the gap.
  let k = Math.max(0, Math.floor((toNaive(zone, at) - first) / period));
  while (k > 0 && h(k) > at) k--;
  while (h(k + 1) <= at) k++;
  return k;
}

/** The member holding turn `k`. */
export function memberOfTurn(rotation: Rotation, k: number): string | null {
  const n = rotation.members.length;
  return n === 0 ? null : (rotation.members[k % n] ?? null);
}

/** The member on call in the rotation at `at` (ignoring any `only` restriction), or null. */
export function rotationMemberAt(zone: string, rotation: Rotation, at: number): string | null {
  const k = turnAt(zone, rotation, at);
  return k === null ? null : memberOfTurn(rotation, k);
}

/** The turns overlapping `[from, to)`, clipped to it, in order; empty turns dropped. One zone conversion per turn. */
export function rotationPieces(zone: string, rotation: Rotation, from: number, to: number): RotationPiece[] {
  const out: RotationPiece[] = [];
  if (to <= from || rotation.members.length === 0 || rotation.every.ms <= 0) return out;
  const first = firstHandoffNaive(rotation);
  const period = rotation.every.ms;
  const startK = turnAt(zone, rotation, Math.max(from, fromLocal(zone, first)));
  if (startK === null) return out;
  let k = startK;
  let start = fromLocal(zone, first + k * period);
  while (start < to) {
    const end = fromLocal(zone, first + (k + 1) * period);
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    const person = memberOfTurn(rotation, k);
    if (e > s && person !== null) out.push({ person, start: s, end: e });
    k++;
    start = end;
  }
  return out;
}
