/**
 * Who is on call in a schedule: layers of rotations, later layers winning
 * wherever they have someone, and overrides winning over every layer.
 *
 * - A layer has someone from its rotation's first handoff on, and, when it
 *   has `only` windows, only inside them (weekly, schedule zone, a window
 *   past midnight belonging to the day it starts).
 * - An override puts its person on call from..to (local date-times in the
 *   schedule zone) instead of everyone the layers would have. Overlapping
 *   overrides put all their people on call together, which is why
 *   {@link onCallAt} returns an array.
 *
 * {@link onCallAt} answers for one instant directly; {@link shifts},
 * {@link gaps} and {@link nextChange} work on the timeline of a range, built
 * from one piece per rotation turn, so a year of a daily rotation is a few
 * hundred pieces, not minutes.
 */
import type { Layer, Schedule } from '../engagement/model.js';
import type { Interval } from '../coverage/interval.js';
import { DAY_MS, HOUR_MS } from '../time/duration.js';
import { fromLocal, parseLocalDateTime } from '../time/local-time.js';
import { inWeeklyWindows, weeklyIntervals } from '../coverage/weekly-window.js';
import type { RotationPiece } from './rotation.js';
import { rotationMemberAt, rotationPieces } from './rotation.js';

/** A stretch of time one person is on call. */
export interface Shift {
  readonly person: string;
  readonly start: number;
  readonly end: number;
  readonly source: 'layer' | 'override';
  /**
   * Index into `schedule.layers` (0 = first) for layer shifts. Absent for
   * overrides, and for a shift merged from consecutive pieces of different
   * layers with the same person.
   */
  readonly layer?: number;
}

interface OverrideInterval {
  readonly person: string;
  readonly start: number;
  readonly end: number;
}

const overrideCache = new WeakMap<Schedule, readonly OverrideInterval[]>();

/** Overrides as instants (cached per schedule object; schedules are immutable). */
function overrideIntervals(schedule: Schedule): readonly OverrideInterval[] {
  let list = overrideCache.get(schedule);
  if (list === undefined) {
    list = schedule.overrides
      .map((o) => ({
        person: o.person,
        start: fromLocal(schedule.timezone, parseLocalDateTime(o.from)),
        end: fromLocal(schedule.timezone, parseLocalDateTime(o.to)),
      }))
      .filter((o) => o.end > o.start);
    overrideCache.set(schedule, list);
  }
  return list;
}

function layerPersonAt(zone: string, layer: Layer, at: number): string | null {
  if (layer.only !== undefined && !inWeeklyWindows(zone, layer.only, at)) return null;
  return rotationMemberAt(zone, layer.rotation, at);
}

/**
 * Person ids on call at `at`: the people of any override in force, else the
 * person of the last layer that has someone, else nobody (`[]`, a gap).
 */
export function onCallAt(schedule: Schedule, at: number): string[] {
  const fromOverrides: string[] = [];
  for (const o of overrideIntervals(schedule)) {
    if (at >= o.start && at < o.end && !fromOverrides.includes(o.person)) fromOverrides.push(o.person);
  }
  if (fromOverrides.length > 0) return fromOverrides;
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i];
    if (layer === undefined) continue;
    const person = layerPersonAt(schedule.timezone, layer, at);
    if (person !== null) return [person];
  }
  return [];
}

/** A layer's turns within `[from, to)`, cut down to its `only` windows. */
function layerPieces(zone: string, layer: Layer, from: number, to: number): RotationPiece[] {
  const turns = rotationPieces(zone, layer.rotation, from, to);
  if (layer.only === undefined) return turns;
  const allowed = weeklyIntervals(zone, layer.only, from, to);
  const out: RotationPiece[] = [];
  // Both lists are sorted and non-overlapping: one linear sweep.
  let j = 0;
  for (const t of turns) {
    while (j < allowed.length && (allowed[j]?.end ?? Infinity) <= t.start) j++;
    for (let k = j; k < allowed.length; k++) {
      const a = allowed[k];
      if (a === undefined || a.start >= t.end) break;
      const start = Math.max(a.start, t.start);
      const end = Math.min(a.end, t.end);
      if (end > start) out.push({ person: t.person, start, end });
    }
  }
  return out;
}

interface OnCall {
  readonly person: string;
  readonly source: 'layer' | 'override';
  readonly layer?: number;
}

/** A stretch of `[from, to)` in which the same people are on call. */
interface Segment {
  readonly start: number;
  readonly end: number;
  readonly who: readonly OnCall[];
}

/** The schedule's timeline over `[from, to)`: contiguous segments covering it exactly. */
function timeline(schedule: Schedule, from: number, to: number): Segment[] {
  if (to <= from) return [];
  const zone = schedule.timezone;
  const layers = schedule.layers.map((l) => layerPieces(zone, l, from, to));
  const overrides = overrideIntervals(schedule).filter((o) => o.end > from && o.start < to);

  const cuts = new Set<number>([from, to]);
  for (const pieces of layers) for (const p of pieces) cuts.add(p.start).add(p.end);
  for (const o of overrides) cuts.add(Math.max(o.start, from)).add(Math.min(o.end, to));
  const bounds = [...cuts].sort((a, b) => a - b);

  const cursor = layers.map(() => 0);
  const out: Segment[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const start = bounds[b] ?? from;
    const end = bounds[b + 1] ?? to;
    // Every piece and override starts and ends on a cut, so each either
    // covers the whole segment or none of it: testing `start` is enough.
    const who: OnCall[] = [];
    for (const o of overrides) {
      if (o.start <= start && o.end > start && !who.some((w) => w.person === o.person)) {
        who.push({ person: o.person, source: 'override' });
      }
    }
    for (let i = layers.length - 1; i >= 0 && who.length === 0; i--) {
      const pieces = layers[i] ?? [];
      let c = cursor[i] ?? 0;
      while (c < pieces.length && (pieces[c]?.end ?? Infinity) <= start) c++;
      cursor[i] = c;
      const p = pieces[c];
      if (p !== undefined && p.start <= start) who.push({ person: p.person, source: 'layer', layer: i });
    }
    out.push({ start, end, who });
  }
  return out;
}

/**
 * Who is on call over `[from, to)`, as shifts clipped to the range, ordered
 * by start. Consecutive pieces with the same person and source are merged
 * (a weekly turn restricted to business hours stays one shift per day; an
 * override that extends a person's own turn is a separate, `override` shift).
 */
export function shifts(schedule: Schedule, from: number, to: number): Shift[] {
  const done: Array<Shift & { readonly seq: number }> = [];
  const open = new Map<
    string,
    { person: string; start: number; end: number; source: OnCall['source']; layer: number | undefined; seq: number }
  >();
  let seq = 0;
  const close = (person: string): void => {
    const s = open.get(person);
    if (s === undefined) return;
    open.delete(person);
    const base = { person: s.person, start: s.start, end: s.end, source: s.source, seq: s.seq };
    done.push(s.layer === undefined ? base : { ...base, layer: s.layer });
  };
  for (const seg of timeline(schedule, from, to)) {
    for (const person of [...open.keys()]) {
      if (!seg.who.some((w) => w.person === person)) close(person);
    }
    for (const w of seg.who) {
      const s = open.get(w.person);
      if (s !== undefined && s.source === w.source && s.end === seg.start) {
        s.end = seg.end;
        if (s.layer !== w.layer) s.layer = undefined;
        continue;
      }
      close(w.person);
      open.set(w.person, { person: w.person, start: seg.start, end: seg.end, source: w.source, layer: w.layer, seq: seq++ });
    }
  }
  for (const person of [...open.keys()]) close(person);
  done.sort((a, b) => a.start - b.start || a.seq - b.seq);
  return done.map(({ seq: _seq, ...shift }) => shift);
}

/** The parts of `[from, to)` when nobody is on call, merged and ordered. */
export function gaps(schedule: Schedule, from: number, to: number): Interval[] {
  const out: Interval[] = [];
  for (const seg of timeline(schedule, from, to)) {
    if (seg.who.length > 0) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.end === seg.start) out[out.length - 1] = { start: last.start, end: seg.end };
    else out.push({ start: seg.start, end: seg.end });
  }
  return out;
}

/** Look-ahead windows for {@link nextChange}: most answers come from the first. */
const HORIZONS = [DAY_MS + HOUR_MS, 8 * DAY_MS, 35 * DAY_MS, 400 * DAY_MS, 800 * DAY_MS];

function samePeople(a: readonly OnCall[], b: readonly OnCall[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => y.person === x.person));
}

/**
 * The first instant after `at` at which {@link onCallAt} gives different
 * people (a handoff, an `only` window opening or closing, an override), or
 * null if nothing changes within ~2 years (e.g. a one-member 24x7 layer).
 */
export function nextChange(schedule: Schedule, at: number): number | null {
  for (const h of HORIZONS) {
    const segs = timeline(schedule, at, at + h);
    const first = segs[0];
    if (first === undefined) return null;
    for (const seg of segs) {
      if (!samePeople(seg.who, first.who)) return seg.start;
    }
  }
  return null;
}
