/**
 * Typed builders for schedules in tests, written like the engagement file
 * ("1w", "mon 09:00", "mon-fri") so tables read like the YAML. Independent
 * of the YAML loader on purpose: these tests pin down time math, not parsing.
 */
import type { Duration, DurationUnit, Layer, Override, Rotation, Schedule, WeeklyWindow } from '../engagement/model.js';

const UNIT_MS: Readonly<Record<DurationUnit, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function isUnit(u: string | undefined): u is DurationUnit {
  return u !== undefined && Object.hasOwn(UNIT_MS, u);
}

/** "15m", "1d", "1w" -> Duration (wall-clock ms). */
export function dur(text: string): Duration {
  const m = /^(\d+)([smhdw])$/.exec(text);
  const unit = m?.[2];
  if (m === null || !isUnit(unit)) throw new Error(`bad duration ${text}`);
  const n = Number(m[1]);
  return { text, n, unit, ms: n * UNIT_MS[unit] };
}

/** "08:00" -> 480 minutes after midnight; "24:00" -> 1440. */
export function hm(text: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (m === null) throw new Error(`bad time ${text}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function weekday(name: string): number {
  const i = WEEKDAYS.findIndex((w) => w === name);
  if (i < 0) throw new Error(`bad weekday ${name}`);
  return i + 1;
}

/** "mon-fri" | "sat,sun" | "mon" -> ISO weekdays. */
export function days(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-');
    if (a === undefined) continue;
    const from = weekday(a);
    const to = b === undefined ? from : weekday(b);
    for (let d = from; ; d = (d % 7) + 1) {
      out.push(d);
      if (d === to) break;
    }
  }
  return out;
}

/** `{ days: "mon-fri", from: "08:00", to: "18:00" }` -> WeeklyWindow. */
export function weekly(daySpec: string, from: string, to: string): WeeklyWindow {
  return { days: days(daySpec), from: hm(from), to: hm(to) };
}

/** A rotation written as in the file: `{ every: "1w", handoff: "mon 09:00", members, start }`. */
export function rotation(spec: { every: string; handoff: string; members: readonly string[]; start: string }): Rotation {
  const parts = spec.handoff.split(' ');
  const time = parts[parts.length - 1] ?? '';
  const base = { every: dur(spec.every), handoffMinute: hm(time), members: [...spec.members], start: spec.start };
  return parts.length === 2 && parts[0] !== undefined ? { ...base, handoffWeekday: weekday(parts[0]) } : base;
}

/** A layer, optionally restricted to weekly windows. */
export function layer(r: Rotation, only?: readonly WeeklyWindow[]): Layer {
  return only === undefined ? { rotation: r } : { rotation: r, only };
}

/** An override `{ person, from: "2026-11-27T08:00", to: "2026-11-27T18:00" }`. */
export function override(person: string, from: string, to: string): Override {
  return { person, from, to };
}

/** A schedule; frozen deeply like the loader's output, so code that mutates it fails in tests. */
export function schedule(spec: { id: string; timezone: string; layers: readonly Layer[]; overrides?: readonly Override[] }): Schedule {
  return deepFreeze({ id: spec.id, timezone: spec.timezone, layers: spec.layers, overrides: spec.overrides ?? [] });
}

/** Object.freeze, all the way down. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The demo engagement's schedules (shared/spec/engagement.example.yaml). */
export function demoSchedules(): { acmePrimary: Schedule; nocOncall: Schedule; socOncall: Schedule } {
  return {
    acmePrimary: schedule({
      id: 'acme-primary',
      timezone: 'America/New_York',
      layers: [
        layer(rotation({ every: '1w', handoff: 'mon 09:00', members: ['dana', 'lee'], start: '2026-11-02' }), [
          weekly('mon-fri', '08:00', '18:00'),
        ]),
      ],
      overrides: [override('lee', '2026-11-27T08:00', '2026-11-27T18:00')],
    }),
    nocOncall: schedule({
      id: 'nightowl-noc-oncall',
      timezone: 'UTC',
      layers: [layer(rotation({ every: '1d', handoff: '18:00', members: ['sam', 'kim', 'ana'], start: '2026-11-01' }))],
    }),
    socOncall: schedule({
      id: 'nightowl-soc-oncall',
      // No zone in the file: the loader fills in the engagement's.
      timezone: 'America/New_York',
      layers: [layer(rotation({ every: '1w', handoff: 'mon 00:00', members: ['mo', 'kim'], start: '2026-11-02' }))],
    }),
  };
}
