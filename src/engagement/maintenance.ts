/**
 * The `maintenance:` section (issue 13): planned work on services, during
 * which events still open incidents but nobody is paged and no SLA clock
 * starts (src/maintenance/).
 *
 * ```yaml
 * maintenance:
 *   - { services: [erp], from: "2026-12-06T01:00", to: "2026-12-06T05:00", reason: "ERP upgrade" }
 *   - { services: [storefront], from: "2026-12-06T02:00", to: "2026-12-06T03:00", rrule: "FREQ=WEEKLY;BYDAY=SU", reason: "weekly patching" }
 * ```
 *
 * `from` and `to` without an offset are local times in the engagement's
 * zone; with `Z` or an offset they are instants. `rrule` repeats the window
 * (the subset in src/maintenance/rrule.ts), on the zone's wall clock.
 */
import * as z from 'zod';
import type { Parsed } from './duration.js';
import type { Path } from './source.js';
import { parseLocalDateTime as checkLocalDateTime } from './calendar.js';
import { parseIsoInstant } from '../time/iso.js';
import { fromLocal, parseLocalDateTime, toNaive } from '../time/local-time.js';
import type { RruleParts } from '../maintenance/rrule.js';
import { dayCode, parseRrule, recurrence, startsOnRule } from '../maintenance/rrule.js';
import { serviceRef } from './values.js';

export type { MaintenanceWindow } from './model.js';
import type { MaintenanceWindow } from './model.js';

/** A `from`/`to` value: a local date-time in the engagement's zone, or an instant. */
export type When =
  | { readonly kind: 'local'; readonly naive: number; readonly text: string }
  | { readonly kind: 'instant'; readonly at: number; readonly text: string };

const LOCAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const OFFSET_RE = /(Z|z|[+-]\d{2}(:?\d{2})?)$/;

/** Parses a window's `from` or `to`: "2026-12-06T01:00" (local) or "2026-12-06T00:00Z" / "...+01:00" (an instant). */
export function parseWhen(text: string): Parsed<When> {
  if (LOCAL_RE.test(text)) {
    const checked = checkLocalDateTime(text);
    if (!checked.ok) return checked;
    return { ok: true, value: { kind: 'local', naive: parseLocalDateTime(text), text } };
  }
  const at = OFFSET_RE.test(text) && /T/.test(text) ? parseIsoInstant(text) : undefined;
  if (at !== undefined) return { ok: true, value: { kind: 'instant', at, text } };
  return {
    ok: false,
    error: `bad date-time ${JSON.stringify(text)}: expected local "YYYY-MM-DDTHH:MM" in the engagement's time zone, e.g. "2026-12-06T01:00", or an instant with Z or an offset, e.g. "2026-12-06T00:00Z"`,
  };
}

const when = (role: string) =>
  z
    .string()
    .transform((value, ctx): When => {
      const result = parseWhen(value);
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: result.error, input: value });
      return z.NEVER;
    })
    .describe(`${role}: local "YYYY-MM-DDTHH:MM" in the engagement's time zone, or an instant with Z or an offset.`);

/** One entry of `maintenance:`. */
export const MaintenanceWindowSchema = z
  .strictObject({
    services: z
      .array(serviceRef)
      .min(1, { error: (issue) => (issue.input === undefined ? undefined : 'list at least one service, e.g. services: [erp]') })
      .describe('Service ids the window covers.'),
    from: when('Start'),
    to: when('End, after from'),
    rrule: z
      .string()
      .transform((value, ctx): { text: string; parts: RruleParts } => {
        const result = parseRrule(value);
        if (result.ok) return { text: value, parts: result.value };
        ctx.addIssue({ code: 'custom', message: result.error, input: value });
        return z.NEVER;
      })
      .optional()
      .describe(
        'Repeat the window: an RFC 5545 RRULE with FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY, COUNT, UNTIL (e.g. "FREQ=WEEKLY;BYDAY=SU"), on the wall clock of the engagement\'s zone; from must be the first occurrence.',
      ),
    reason: z
      .string()
      .min(1, { error: (issue) => (issue.input === undefined ? undefined : 'must not be empty: say why, e.g. "ERP upgrade"') })
      .describe('Why (shown on the timeline of incidents opened during the window, and on the status page).'),
  })
  .meta({ title: 'Maintenance window', description: 'Planned work: incidents still open, nobody is paged, no SLA clock starts.' });

export type MaintenanceWindowOut = z.output<typeof MaintenanceWindowSchema>;

/** The `maintenance:` section. */
export const MaintenanceSchema = z
  .array(MaintenanceWindowSchema)
  .describe('Maintenance windows: during one, events open incidents but page nobody and start no SLA clock (docs/maintenance.md).');

/** A When as naive local time in `zone`. */
function naiveOf(w: When, zone: string): number {
  return w.kind === 'local' ? w.naive : toNaive(zone, w.at);
}

/** A When as an instant in `zone`. */
function instantOf(w: When, zone: string): number {
  return w.kind === 'instant' ? w.at : fromLocal(zone, w.naive);
}

/** What the maintenance checks need from the rest of the file. */
export interface MaintenanceContext {
  readonly report: (path: Path, message: string, at?: 'key' | 'value') => void;
  /** Reports an unknown service; returns whether it is known. */
  readonly resolveService: (id: string, path: Path, context: string) => boolean;
  /** The engagement's zone, when it parsed. */
  readonly zone: string | undefined;
}

/** Checks the windows that parsed: services exist and are listed once, `to` after `from`, `from` is an occurrence of its rule. */
export function checkMaintenance(
  windows: ReadonlyArray<{ readonly index: number; readonly value: Partial<MaintenanceWindowOut> }>,
  ctx: MaintenanceContext,
): void {
  for (const { index, value } of windows) {
    const path = ['maintenance', index];
    const seen = new Set<string>();
    (value.services ?? []).forEach((id, i) => {
      if (seen.has(id)) ctx.report([...path, 'services', i], `service '${id}' is listed twice`);
      seen.add(id);
      ctx.resolveService(id, [...path, 'services', i], ` in maintenance[${index}]`);
    });
    const { from, to, rrule } = value;
    if (from === undefined || to === undefined || ctx.zone === undefined) continue;
    const zone = ctx.zone;
    if (instantOf(to, zone) <= instantOf(from, zone)) {
      ctx.report([...path, 'to'], `the window ends (${to.text}) at or before it starts (${from.text}); 'to' must be after 'from'`);
      continue;
    }
    if (rrule !== undefined && !startsOnRule(rrule.parts, naiveOf(from, zone))) {
      ctx.report(
        [...path, 'from'],
        `from (${from.text}, a ${dayCode(naiveOf(from, zone))}) is not an occurrence of rrule "${rrule.text}": start the window on the rule's first occurrence`,
      );
    }
  }
}

/** The windows in the model's form. */
export function normalizeMaintenance(windows: readonly MaintenanceWindowOut[] | undefined, zone: string): MaintenanceWindow[] {
  return (windows ?? []).map((w) => {
    const start = instantOf(w.from, zone);
    const end = instantOf(w.to, zone);
    const startLocal = naiveOf(w.from, zone);
    return {
      services: [...w.services],
      reason: w.reason,
      from: w.from.text,
      to: w.to.text,
      start,
      end,
      ...(w.rrule === undefined ? {} : { rrule: recurrence(w.rrule.text, w.rrule.parts, zone, startLocal, end - start) }),
    };
  });
}

const byDay = z.object({ weekday: z.number(), nth: z.number().optional() });
const until = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('instant'), at: z.number() }),
  z.object({ kind: z.literal('local'), naive: z.number() }),
]);

/** The stored form (engagements.config, src/deployment/engagement-column.ts). */
export const maintenanceModel = z.object({
  services: z.array(z.string()),
  reason: z.string(),
  from: z.string(),
  to: z.string(),
  start: z.number(),
  end: z.number(),
  rrule: z
    .object({
      text: z.string(),
      freq: z.enum(['DAILY', 'WEEKLY', 'MONTHLY']),
      interval: z.number(),
      byDay: z.array(byDay),
      count: z.number().optional(),
      until: until.optional(),
      startLocal: z.number(),
      lengthMs: z.number(),
      untilAt: z.number().optional(),
    })
    .optional(),
});
