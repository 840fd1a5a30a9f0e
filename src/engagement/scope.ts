/**
 * The `scope:` section (issue 12): the rules that span its keys (RACI
 * letters, at most one A per activity, functions of this engagement, someone
 * R for incident response of every function an activity binds), its
 * normalized form, and which entry governs an activity for a function. The
 * decisions themselves are in src/scope/scope.ts.
 */
import type { Raci, Scope, ScopeActivityEntry, Side } from './model.js';
import { SIDES } from './model.js';
import type { Path } from './source.js';
import type { ScopeActivityOut, ScopeOut } from './schema.js';

/** Activity ids that bind product actions; any other id documents the agreement. */
export const BOUND_ACTIVITIES = ['incident_response', 'change_priority', 'security_response', 'schedule_overrides'] as const;
export type BoundActivity = (typeof BOUND_ACTIVITIES)[number];

/** security_response without a function list applies to the `security` function. */
const DEFAULT_SECURITY_FUNCTIONS: readonly string[] = ['security'];

/** The functions an entry applies to; undefined = every function. */
function functionsOf(entry: ScopeActivityEntry): readonly string[] | undefined {
  return entry.functions ?? (entry.id === 'security_response' ? DEFAULT_SECURITY_FUNCTIONS : undefined);
}

/** Whether an entry applies to incidents of `fn` (undefined: a service no longer in the file; only list-less entries apply). */
function appliesTo(entry: ScopeActivityEntry, fn: string | undefined): boolean {
  const functions = functionsOf(entry);
  return functions === undefined || (fn !== undefined && functions.includes(fn));
}

/** The first entry of `activity` that applies to `fn`, or undefined (then that activity restricts nobody for it). */
export function governingEntry(scope: Scope, activity: string, fn: string | undefined): ScopeActivityEntry | undefined {
  return scope.activities.find((a) => a.id === activity && appliesTo(a, fn));
}

/** Which activity incident actions on `fn` fall under: security_response when one names the function, else incident_response. */
export function responseActivity(scope: Scope, fn: string | undefined): 'incident_response' | 'security_response' {
  return governingEntry(scope, 'security_response', fn) === undefined ? 'incident_response' : 'security_response';
}

/** Whether a letter may perform a bound activity: R or A; C and I read and add notes. */
export function mayPerform(letter: Raci): boolean {
  return letter === 'R' || letter === 'A';
}

/** The scope section in the model's form; undefined without one (nothing restricted). */
export function normalizeScope(scope: ScopeOut | undefined): Scope | undefined {
  if (scope === undefined) return undefined;
  return {
    activities: scope.activities.map((a) => ({
      id: a.id,
      ...(a.function === undefined ? {} : { functions: typeof a.function === 'string' ? [a.function] : [...a.function] }),
      internal: a.internal,
      partner: a.partner,
    })),
  };
}

/** What the scope checks need from the rest of the file. */
export interface ScopeContext {
  readonly report: (path: Path, message: string, at?: 'key' | 'value') => void;
  /** Reports an unknown function; returns whether it is known. */
  readonly resolveFunction: (name: string, path: Path, context: string) => boolean;
  /** The functions of coverage.functions. */
  readonly functions: readonly string[];
}

/** An activity entry as far as it parsed, with its index. */
export interface ScopeItem {
  readonly index: number;
  readonly value: Partial<ScopeActivityOut>;
}

/** Checks the scope's activities: functions exist, at most one A, someone R for incident response of every bound function. */
export function checkScope(present: boolean, activities: readonly ScopeItem[], ctx: ScopeContext): void {
  for (const { index, value } of activities) {
    const path = ['scope', 'activities', index];
    const name = value.id === undefined ? `scope.activities[${index}]` : `activity '${value.id}'`;
    const fns = value.function === undefined ? [] : typeof value.function === 'string' ? [value.function] : value.function;
    fns.forEach((f, i) => {
      const at = typeof value.function === 'string' ? [...path, 'function'] : [...path, 'function', i];
      ctx.resolveFunction(f, at, ` in ${name}`);
    });
    if (value.internal === 'A' && value.partner === 'A')
      ctx.report([...path, 'partner'], `${name} has two A: at most one side is accountable; make the other R, C or I`);
  }
  if (!present) return;
  const complete = activities.filter((a) => a.value.id !== undefined && a.value.internal !== undefined && a.value.partner !== undefined);
  const scope = normalizeScope({ activities: complete.map((a) => a.value as ScopeActivityOut) });
  if (scope === undefined) return;
  for (const fn of ctx.functions) {
    const activity = responseActivity(scope, fn);
    const entry = governingEntry(scope, activity, fn);
    if (entry === undefined || SIDES.some((s: Side) => entry[s] === 'R')) continue;
    const item = complete[scope.activities.indexOf(entry)];
    ctx.report(
      ['scope', 'activities', item?.index ?? 0],
      `nobody is R for ${activity} of function '${fn}': make one side R (responsible), e.g. partner: R`,
    );
  }
}
