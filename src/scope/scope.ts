/**
 * Who may do what (issue 12): the engagement's written scope, decided. A
 * side with R or A on a bound activity may perform it for incidents of the
 * functions the activity names; a side with C or I may read and add notes but
 * not change state. Without a `scope:` section, or for a function no entry of
 * the activity names, nothing is restricted (the behaviour before scope).
 *
 * Pure: the API, respond links, ticket-sync inbound changes and the dashboard
 * all ask here, so they refuse the same things for the same reason.
 */
import type { Engagement, ScopeActivityEntry, Side } from '../engagement/model.js';
import { SIDES, lookup } from '../engagement/model.js';
import type { BoundActivity } from '../engagement/scope.js';
import { governingEntry, mayPerform, responseActivity } from '../engagement/scope.js';

export type ScopeActivity = BoundActivity;

/** A scope decision: allowed, or refused with the activity and who holds it ("partner (R), internal (A)"). */
export type ScopeDecision = { readonly allowed: true } | { readonly allowed: false; readonly activity: string; readonly holders: string };

const ALLOWED: ScopeDecision = Object.freeze({ allowed: true });

/** Whether `side` may perform `activity` on incidents (or schedules) of function `fn`. */
export function scopeDecision(engagement: Engagement, side: Side, activity: ScopeActivity, fn: string | undefined): ScopeDecision {
  const scope = engagement.scope;
  if (scope === undefined) return ALLOWED;
  const entry = governingEntry(scope, activity, fn);
  if (entry === undefined || mayPerform(entry[side])) return ALLOWED;
  const holders = SIDES.filter((s) => mayPerform(entry[s])).map((s) => `${s} (${entry[s]})`);
  return { allowed: false, activity, holders: holders.length === 0 ? 'nobody' : holders.join(', ') };
}

/** What can be done to an incident; each maps to a bound activity. */
export const INCIDENT_ACTIONS = ['acknowledge', 'resolve', 'status', 'priority', 'note'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

/**
 * Whether `side` may take `action` on an incident of function `fn`. A side of
 * undefined (a token bound to no person: automation, an admin) is not
 * restricted. Notes are open to every letter: C and I may add notes.
 */
export function incidentActionDecision(
  engagement: Engagement,
  side: Side | undefined,
  action: IncidentAction,
  fn: string | undefined,
): ScopeDecision {
  if (side === undefined || action === 'note' || engagement.scope === undefined) return ALLOWED;
  const activity = action === 'priority' ? 'change_priority' : responseActivity(engagement.scope, fn);
  return scopeDecision(engagement, side, activity, fn);
}

/** The function of an incident's service, or undefined when the engagement no longer has the service. */
export function functionOfService(engagement: Engagement, serviceId: string): string | undefined {
  return lookup(engagement).service(serviceId)?.function;
}

/** The side a person belongs to, or undefined (no person, or one the engagement no longer has). */
export function sideOfPerson(engagement: Engagement, personId: string | null | undefined): Side | undefined {
  return personId ? lookup(engagement).person(personId)?.side : undefined;
}

/** "the partner side cannot change_priority on infrastructure incidents: held by internal (A)". */
export function refusalMessage(side: Side, refusal: { activity: string; holders: string }, fn: string | undefined): string {
  const what = fn === undefined ? 'this incident' : `${fn} incidents`;
  return `the engagement's scope does not give the ${side} side ${refusal.activity} on ${what}: held by ${refusal.holders}`;
}

/** The scope entries that govern incidents of `fn`: its response activity and change_priority (none without a scope). */
export function governingActivities(engagement: Engagement, fn: string | undefined): ScopeActivityEntry[] {
  const scope = engagement.scope;
  if (scope === undefined) return [];
  return [governingEntry(scope, responseActivity(scope, fn), fn), governingEntry(scope, 'change_priority', fn)].filter(
    (e): e is ScopeActivityEntry => e !== undefined,
  );
}

/** What a side may do to one incident, action by action: null when allowed, else why not. */
export function incidentScope(
  engagement: Engagement,
  side: Side | undefined,
  fn: string | undefined,
): Readonly<Record<IncidentAction, string | null>> {
  const out = {} as Record<IncidentAction, string | null>;
  for (const action of INCIDENT_ACTIONS) {
    const d = incidentActionDecision(engagement, side, action, fn);
    out[action] = d.allowed || side === undefined ? null : refusalMessage(side, d, fn);
  }
  return out;
}
