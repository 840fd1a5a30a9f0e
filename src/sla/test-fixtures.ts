/**
 * Builders for SLA clock tests: the demo engagement's two SLAs
 * (shared/spec/engagement.example.yaml) as the normalized model, an SLA of
 * any shape, and incident histories written as "+minutes" or wall-clock
 * times so tables read like the story they check.
 */
import type { Engagement, Sla, SlaTarget } from '../engagement/model.js';
import type { IncidentStatus } from '../incident/store.js';
import { buildEngagement, dur } from '../coverage/test-fixtures.js';
import type { SlaInput, SlaKind, StatusChange } from './clock.js';

export { buildEngagement, dur, engagementIn, iso, utc, wall, weekly } from '../coverage/test-fixtures.js';

export const NY = 'America/New_York';
export const S = 1_000;
export const M = 60_000;
export const H = 3_600_000;

/** Targets written as in the file: `{ P1: { respond: "15m", resolve: "4h" } }`. */
export function targets(spec: Record<string, { respond?: string; resolve?: string }>): Record<string, SlaTarget> {
  const out: Record<string, SlaTarget> = {};
  for (const [p, t] of Object.entries(spec)) {
    out[p] = {
      ...(t.respond === undefined ? {} : { respond: dur(t.respond) }),
      ...(t.resolve === undefined ? {} : { resolve: dur(t.resolve) }),
    };
  }
  return out;
}

/** An SLA; defaults are the demo partner SLA's warn_at and pause_while. */
export function sla(spec: Partial<Omit<Sla, 'targets'>> & { targets: Record<string, { respond?: string; resolve?: string }> }): Sla {
  return {
    id: spec.id ?? 'test-sla',
    appliesTo: spec.appliesTo ?? 'partner',
    clock: spec.clock ?? '24x7',
    targets: targets(spec.targets),
    warnAt: spec.warnAt ?? [0.5, 0.75, 0.9],
    pauseWhile: spec.pauseWhile ?? ['waiting_on_customer', 'waiting_on_vendor'],
    ...(spec.credits === undefined ? {} : { credits: spec.credits }),
  };
}

/** The demo file's `partner-sla`: 24x7, credits. */
export const partnerSla: Sla = sla({
  id: 'partner-sla',
  appliesTo: 'partner',
  clock: '24x7',
  targets: { P1: { respond: '15m', resolve: '4h' }, P2: { respond: '30m', resolve: '8h' }, P3: { respond: '4h', resolve: '3d' } },
  credits: { perBreach: { P1: 0.05, P2: 0.02, P3: 0.005 }, cap: 0.2 },
});

/** The demo file's `internal-ola`: business hours, warns at 75%, no pauses. */
export const internalOla: Sla = sla({
  id: 'internal-ola',
  appliesTo: 'internal',
  clock: 'business_hours',
  targets: { P1: { respond: '30m', resolve: '8h' }, P2: { respond: '1h', resolve: '2d' } },
  warnAt: [0.75],
  pauseWhile: [],
});

/** The demo engagement (Acme, New York, US holidays + 12-24 and 12-31, 08:00-18:00 mon-fri) with both SLAs. */
export const demo: Engagement = buildEngagement({ slas: [partnerSla, internalOla] });

/** History entries written as `[at, status]`. */
export function history(...entries: ReadonlyArray<readonly [number, IncidentStatus]>): StatusChange[] {
  return entries.map(([at, status]) => ({ at, status }));
}

/**
 * An SLA input. Without `history` the incident stays triggered from
 * `openedAt`; without `stoppedAt` it has not stopped.
 */
export function input(spec: {
  sla: Sla;
  openedAt: number;
  kind?: SlaKind;
  priority?: string;
  history?: readonly StatusChange[];
  stoppedAt?: number | null;
  engagement?: Engagement;
}): SlaInput {
  return {
    engagement: spec.engagement ?? demo,
    sla: spec.sla,
    kind: spec.kind ?? 'resolve',
    priority: spec.priority ?? 'P1',
    openedAt: spec.openedAt,
    history: spec.history ?? [{ at: spec.openedAt, status: 'triggered' }],
    stoppedAt: spec.stoppedAt ?? null,
  };
}
