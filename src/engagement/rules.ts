/**
 * The rules of the engagement file that span several keys: unique ids,
 * references that must resolve, coverage that every window and every routing
 * entry must agree with, SLA keys that must be priorities of the matrix.
 *
 * They run on whatever parts of the file passed the schema, so one run
 * reports every problem: a broken person does not hide a bad reference in a
 * policy. References are checked against the ids the file defines even in
 * broken entries, so one mistake is reported once, not again at every use.
 */
import type { CoverageWindow, FunctionCoverage, Side } from './model.js';
import { CHANNELS, SIDES, WINDOWS } from './model.js';
import type { Diagnostic } from './diagnostics.js';
import { closest, didYouMean, oneOf } from './diagnostics.js';
import type { Path, Source } from './source.js';
import type {
  EngagementFileOutput,
  EngagementSectionOut,
  EscalationPolicyOut,
  FunctionCoverageOut,
  OverflowOut,
  PersonOut,
  PrioritiesOut,
  RoutingSideOut,
  ScheduleOut,
  ServiceOut,
  SlaOut,
  TeamOut,
  SecurityOut,
  ScopeActivityOut,
  TicketingOut,
} from './schema.js';
import {
  EngagementFileSchema,
  EngagementSectionSchema,
  EscalationPolicySchema,
  FunctionCoverageSchema,
  OverflowSchema,
  PersonSchema,
  PrioritiesSchema,
  RoutingSideSchema,
  ScheduleSchema,
  ServiceSchema,
  SlaSchema,
  TeamSchema,
  SecuritySchema,
  ScopeActivitySchema,
  TicketingSchema,
} from './schema.js';
import type { TicketingItem } from './ticketing.js';
import { checkTicketing } from './ticketing.js';
import { checkSecurity } from './security.js';
import { checkHeartbeats } from './heartbeat.js';
import { checkScope } from './scope.js';
import { checkStatusPage } from './status-page.js';
import { checkCloudwatchIntegrations } from './cloudwatch.js';
import { checkEmailIntegrations } from './email.js';
import { MaintenanceWindowSchema, checkMaintenance } from './maintenance.js';
import * as z from 'zod';

/** An entry of a list in the file, with its index (for positions). */
export interface Item<T> {
  readonly index: number;
  readonly value: T;
}

/**
 * The parts of a file that passed the schema. Entries of lists keep every
 * key that is valid on its own, so a bad name does not hide a bad
 * reference in the same entry.
 */
export interface Parts {
  readonly engagement?: Partial<EngagementSectionOut>;
  readonly people: readonly Item<Partial<PersonOut>>[];
  readonly teams: readonly Item<Partial<TeamOut>>[];
  readonly schedules: readonly Item<Partial<ScheduleOut>>[];
  readonly functions: readonly { readonly name: string; readonly value: FunctionCoverageOut }[];
  readonly overflow?: Partial<OverflowOut>;
  /** Per side; undefined when that part of the file did not parse. */
  readonly routing: Readonly<Record<Side, RoutingSideOut | undefined>>;
  readonly policies: readonly Item<Partial<EscalationPolicyOut>>[];
  readonly services: readonly Item<Partial<ServiceOut>>[];
  readonly priorities?: Partial<PrioritiesOut>;
  readonly slas: readonly Item<Partial<SlaOut>>[];
  readonly ticketing: readonly Item<Partial<TicketingOut>>[];
  readonly security: Partial<SecurityOut> | undefined;
  /** Whether the file has `scope:`, and its activities that parsed. */
  readonly scope: { readonly present: boolean; readonly activities: readonly Item<Partial<ScopeActivityOut>>[] };
}

// ---------------------------------------------------------------- raw access

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function get(value: unknown, ...path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isRecord(node) && typeof key === 'string' && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** The keys of a map that are valid on their own (all of them when the whole map is valid). */
function fields<S extends z.ZodObject>(schema: S, value: unknown): Partial<z.output<S>> | undefined {
  if (!isRecord(value)) return undefined;
  const whole = schema.safeParse(value);
  if (whole.success) return whole.data;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const result = z.safeParse(field, value[key]);
    if (result.success && result.data !== undefined) out[key] = result.data;
  }
  // Each key was parsed by its own schema of S's shape, so this is a Partial of S's output.
  return out as Partial<z.output<S>>;
}

function items<S extends z.ZodObject>(value: unknown, schema: S): Item<Partial<z.output<S>>>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown, index) => {
    const parsed = fields(schema, entry);
    return parsed === undefined ? [] : [{ index, value: parsed }];
  });
}

function part<S extends z.ZodType>(value: unknown, schema: S): z.output<S> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** Parses each part of a file that is not valid as a whole. */
export function salvageParts(raw: unknown): Parts {
  const functions = get(raw, 'coverage', 'functions');
  const routing = get(raw, 'routing');
  return {
    engagement: fields(EngagementSectionSchema, get(raw, 'engagement')),
    people: items(get(raw, 'people'), PersonSchema),
    teams: items(get(raw, 'teams'), TeamSchema),
    schedules: items(get(raw, 'schedules'), ScheduleSchema),
    functions: isRecord(functions)
      ? Object.entries(functions).flatMap(([name, entry]) => {
          const value = part(entry, FunctionCoverageSchema);
          return value === undefined ? [] : [{ name, value }];
        })
      : [],
    overflow: fields(OverflowSchema, get(raw, 'coverage', 'overflow')),
    routing: {
      internal: isRecord(routing) ? part(routing['internal'] ?? {}, RoutingSideSchema) : undefined,
      partner: isRecord(routing) ? part(routing['partner'] ?? {}, RoutingSideSchema) : undefined,
    },
    policies: items(get(raw, 'escalation_policies'), EscalationPolicySchema),
    services: items(get(raw, 'services'), ServiceSchema),
    priorities: fields(PrioritiesSchema, get(raw, 'priorities')),
    slas: items(get(raw, 'slas'), SlaSchema),
    ticketing: items(get(raw, 'ticketing'), TicketingSchema),
    security: fields(SecuritySchema, get(raw, 'security')),
    scope: { present: get(raw, 'scope') !== undefined, activities: items(get(raw, 'scope', 'activities'), ScopeActivitySchema) },
  };
}

/** The parts of a file that is valid as a whole. */
export function partsOf(file: EngagementFileOutput): Parts {
  const indexed = <T>(list: readonly T[] | undefined): Item<T>[] => (list ?? []).map((value, index) => ({ index, value }));
  return {
    engagement: file.engagement,
    people: indexed(file.people),
    teams: indexed(file.teams),
    schedules: indexed(file.schedules),
    functions: Object.entries(file.coverage.functions).map(([name, value]) => ({ name, value })),
    overflow: file.coverage.overflow,
    routing: { internal: file.routing.internal ?? {}, partner: file.routing.partner ?? {} },
    policies: indexed(file.escalation_policies),
    services: indexed(file.services),
    priorities: file.priorities,
    slas: indexed(file.slas),
    ticketing: indexed(file.ticketing),
    security: file.security,
    scope: { present: file.scope !== undefined, activities: indexed(file.scope?.activities) },
  };
}

// ---------------------------------------------------------------- coverage

/** How coverage reads a window in messages. */
const WINDOW_PHRASES: Readonly<Record<CoverageWindow | 'always', string>> = {
  business_hours: 'in business hours',
  after_hours: 'after hours',
  weekend: 'on weekends',
  holiday: 'on holidays',
  always: 'at all times',
};

/** One function's coverage with defaults applied, or what is missing. */
export interface ResolvedCoverage {
  readonly coverage?: FunctionCoverage;
  /** Windows left without a side. */
  readonly missing: readonly CoverageWindow[];
  /** Window keys written next to `always`. */
  readonly mixed: readonly CoverageWindow[];
}

/**
 * Applies the coverage defaults: `always` gives every window; otherwise
 * weekend defaults to after_hours, holiday to weekend and then after_hours.
 */
export function resolveCoverage(entry: FunctionCoverageOut): ResolvedCoverage {
  if (entry.always !== undefined) {
    const side = entry.always;
    return {
      coverage: { business_hours: side, after_hours: side, weekend: side, holiday: side },
      missing: [],
      mixed: WINDOWS.filter((w) => entry[w] !== undefined),
    };
  }
  const sides = {
    business_hours: entry.business_hours,
    after_hours: entry.after_hours,
    weekend: entry.weekend ?? entry.after_hours,
    holiday: entry.holiday ?? entry.weekend ?? entry.after_hours,
  };
  const { business_hours, after_hours, weekend, holiday } = sides;
  if (business_hours === undefined || after_hours === undefined || weekend === undefined || holiday === undefined) {
    return { missing: WINDOWS.filter((w) => sides[w] === undefined), mixed: [] };
  }
  return { coverage: { business_hours, after_hours, weekend, holiday }, missing: [], mixed: [] };
}

/** The key of a coverage entry that decides a window (after defaults), for pointing at it. */
function decidingKey(entry: FunctionCoverageOut, window: CoverageWindow): CoverageWindow | 'always' {
  if (entry.always !== undefined) return 'always';
  if (entry[window] !== undefined) return window;
  if (window === 'holiday' && entry.weekend !== undefined) return 'weekend';
  return 'after_hours';
}

/** The other side. */
export function otherSide(side: Side): Side {
  return side === 'internal' ? 'partner' : 'internal';
}

/**
 * Functions an overflow to `to` covers when the file does not list them:
 * every function the other side owns in some window.
 */
export function defaultOverflowFunctions(coverage: ReadonlyMap<string, FunctionCoverage>, to: Side): string[] {
  const from = otherSide(to);
  return [...coverage].filter(([, c]) => WINDOWS.some((w) => c[w] === from)).map(([name]) => name);
}

// ---------------------------------------------------------------- checks

const KIND_LABELS = {
  person: ['person', 'people'],
  team: ['team', 'teams'],
  schedule: ['schedule', 'schedules'],
  policy: ['escalation policy', 'escalation policies'],
  function: ['function', 'functions in coverage.functions'],
  priority: ['priority', 'priorities in priorities.matrix'],
} as const;
type Kind = keyof typeof KIND_LABELS;

const LIST_KEYS: readonly { readonly key: string; readonly kind: string }[] = [
  { key: 'people', kind: 'person' },
  { key: 'teams', kind: 'team' },
  { key: 'schedules', kind: 'schedule' },
  { key: 'escalation_policies', kind: 'escalation policy' },
  { key: 'services', kind: 'service' },
  { key: 'slas', kind: 'SLA' },
  { key: 'ticketing', kind: 'ticketing' },
];

/** Ids defined by a list in the file, or undefined when an entry has no readable id (then references are not checked, to avoid reporting one mistake twice). */
function definedIds(list: unknown): Set<string> | undefined {
  if (list === undefined) return new Set();
  if (!Array.isArray(list)) return undefined;
  const ids = new Set<string>();
  for (const entry of list) {
    const id = get(entry, 'id');
    if (typeof id !== 'string') return undefined;
    ids.add(id);
  }
  return ids;
}

function definedPriorities(raw: unknown): Set<string> | undefined {
  const matrix = get(raw, 'priorities', 'matrix');
  if (!isRecord(matrix)) return undefined;
  const names = new Set<string>();
  for (const row of Object.values(matrix)) {
    if (!Array.isArray(row)) return undefined;
    for (const name of row) if (typeof name === 'string') names.add(name);
  }
  return names;
}

const TOP_LEVEL_KEYS: readonly string[] = Object.keys(EngagementFileSchema.shape);

function keysOf(value: unknown): Set<string> | undefined {
  if (value === undefined) return new Set();
  return isRecord(value) ? new Set(Object.keys(value)) : undefined;
}

function listing(names: Iterable<string>): string {
  const all = [...names];
  return all.length > 15 ? `${all.slice(0, 15).join(', ')}, ...` : all.join(', ');
}

/** An integration key (or a ticketing inbound key) already seen, for "already used by" messages. */
export interface KeyUse {
  readonly engagement: string;
  /** The service id, or "ticketing ID" for a ticketing entry's inbound key. */
  readonly service: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** "engagement acme service payments-api at demo/acme.yaml:143:30" (or "... ticketing acme-jira at ..."). */
export function keyOwner(use: KeyUse): string {
  const what = use.service.startsWith('ticketing ') ? use.service : `service ${use.service}`;
  return `engagement ${use.engagement} ${what} at ${use.file}:${use.line}:${use.col}`;
}

/** "already used by engagement acme service payments-api at demo/acme.yaml:143:30". */
export function alreadyUsed(key: string, use: KeyUse): string {
  return `integration key "${key}" is already used by ${keyOwner(use)}; keys must be unique across all engagements`;
}

/** Whether an unknown top-level key looks like a misspelling of `key` (then references to its ids are not checked: the typo is reported once). */
function misspelled(raw: unknown, key: string): boolean {
  return isRecord(raw) && Object.keys(raw).some((k) => !TOP_LEVEL_KEYS.includes(k) && closest(k, [key]) === key);
}

/**
 * Checks the rules that span keys, on the parts that parsed. `raw` is the
 * whole file as plain data, for the ids it defines.
 */
export function checkRules(parts: Parts, raw: unknown, source: Source): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (path: Path, message: string, at: 'key' | 'value' = 'value'): void => {
    diagnostics.push(source.at(path, message, at));
  };

  const listIds = (key: string): Set<string> | undefined => (misspelled(raw, key) ? undefined : definedIds(get(raw, key)));
  const known: Record<Kind, Set<string> | undefined> = {
    person: listIds('people'),
    team: listIds('teams'),
    schedule: listIds('schedules'),
    policy: listIds('escalation_policies'),
    function: keysOf(get(raw, 'coverage', 'functions')),
    priority: definedPriorities(raw),
  };
  const rawRouting = get(raw, 'routing');
  const routed: Record<Side, Set<string> | undefined> = {
    internal: isRecord(rawRouting) ? keysOf(rawRouting['internal']) : undefined,
    partner: isRecord(rawRouting) ? keysOf(rawRouting['partner']) : undefined,
  };

  /** Reports `id` unless a `kind` with that id exists (or the file's ids of that kind cannot be read). */
  const resolve = (kind: Kind, id: string, path: Path, context: string, at: 'key' | 'value' = 'value'): boolean => {
    const ids = known[kind];
    if (ids === undefined || ids.has(id)) return true;
    const [singular, plural] = KIND_LABELS[kind];
    const hint = didYouMean(id, ids);
    const available = ids.size === 0 ? `no ${plural} are defined` : `${plural}: ${listing(ids)}`;
    report(path, `unknown ${singular} '${id}'${context}${hint === '' ? ';' : hint} ${available}`, at);
    return false;
  };

  /** Reports entries of a list that appear twice. */
  const unique = (list: readonly string[], path: Path, what: string): void => {
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      if (seen.has(entry)) report([...path, i], `${what} '${entry}' is listed twice`);
      seen.add(entry);
    });
  };

  // Ids are unique within each list.
  for (const { key, kind } of LIST_KEYS) {
    const list = get(raw, key);
    if (!Array.isArray(list)) continue;
    const first = new Map<string, number>();
    list.forEach((entry: unknown, index) => {
      const id = get(entry, 'id');
      if (typeof id !== 'string') return;
      const earlier = first.get(id);
      if (earlier === undefined) {
        first.set(id, index);
        return;
      }
      const at = source.position([key, earlier, 'id']);
      report(
        [key, index, 'id'],
        `duplicate ${kind} id '${id}': already used by ${key}[${earlier}] at line ${at.line}; ids must be unique among ${key}`,
      );
    });
  }

  // People: every notify rule's channel has its contact.
  const sides = new Map<string, Side>();
  for (const { index, value: person } of parts.people) {
    const who = person.id === undefined ? `people[${index}]` : `person '${person.id}'`;
    if (person.id !== undefined && person.side !== undefined) sides.set(person.id, person.side);
    // A contact that is present but broken is already reported; do not also report every rule that uses it.
    if (person.notify === undefined || (get(raw, 'people', index, 'contact') !== undefined && person.contact === undefined)) continue;
    const contact = person.contact ?? {};
    const has = CHANNELS.filter((c) => contact[c] !== undefined);
    person.notify.forEach((rule, i) => {
      if (contact[rule.channel] !== undefined) return;
      // A voice rule calls the sms number when the person has no separate voice number.
      if (rule.channel === 'voice' && contact.sms !== undefined) return;
      const instead = has.length > 0 ? ` or notify by ${oneOf(has)}` : '';
      report(
        ['people', index, 'notify', i, 'channel'],
        `${who} has no contact.${rule.channel} for this ${rule.channel} notify rule; add contact.${rule.channel}${instead}`,
      );
    });
  }

  // People: a Slack member id names one person, or a button in Slack would act as whichever came first.
  const slackUsers = new Map<string, string>();
  for (const { index, value: person } of parts.people) {
    const slackUser = person.contact?.slack_user;
    if (slackUser === undefined) continue;
    const earlier = slackUsers.get(slackUser);
    const who = person.id === undefined ? `people[${index}]` : `person '${person.id}'`;
    if (earlier !== undefined)
      report(
        ['people', index, 'contact', 'slack_user'],
        `Slack member id '${slackUser}' is already the slack_user of ${earlier}; each person needs their own (Slack profile > Copy member ID)`,
      );
    else slackUsers.set(slackUser, who);
  }

  // Teams: members exist and are of the team's side; a team reaches someone.
  for (const { index, value: team } of parts.teams) {
    const name = team.id === undefined ? `teams[${index}]` : `team '${team.id}'`;
    const members = team.members ?? [];
    if (members.length === 0 && team.email === undefined && get(raw, 'teams', index, 'email') === undefined) {
      report(['teams', index], `${name} has no members and no email: nobody would be notified; add members or an email`);
    }
    unique(members, ['teams', index, 'members'], 'member');
    members.forEach((member, i) => {
      const path = ['teams', index, 'members', i];
      if (!resolve('person', member, path, ` in ${name}`)) return;
      const side = sides.get(member);
      if (side !== undefined && team.side !== undefined && side !== team.side) {
        report(path, `person '${member}' is ${side} but ${name} is ${team.side}; a team's members must be of the team's side`);
      }
    });
  }

  // Schedules: members and override people exist; handoffs fit the rotation; overrides end after they start.
  for (const { index, value: schedule } of parts.schedules) {
    const name = schedule.id === undefined ? `schedules[${index}]` : `schedule '${schedule.id}'`;
    (schedule.layers ?? []).forEach((layer, l) => {
      const path = ['schedules', index, 'layers', l, 'rotation'];
      const { every, handoff, members } = layer.rotation;
      members.forEach((member, i) => resolve('person', member, [...path, 'members', i], ` in ${name}`));
      if (every.unit === 'w' && handoff.weekday === undefined) {
        report(
          [...path, 'handoff'],
          `a weekly rotation (every: ${every.text}) hands off on a weekday: write the day and time, e.g. "mon 09:00"`,
        );
      }
      if (every.unit !== 'w' && handoff.weekday !== undefined) {
        report(
          [...path, 'handoff'],
          `a weekday handoff is only for weekly rotations, and this one runs every ${every.text}; write only the time, e.g. "09:00", or make it weekly ("1w")`,
        );
      }
    });
    (schedule.overrides ?? []).forEach((override, i) => {
      const path = ['schedules', index, 'overrides', i];
      resolve('person', override.person, [...path, 'person'], ` in an override of ${name}`);
      if (override.to <= override.from)
        report([...path, 'to'], `override ends (${override.to}) before it starts (${override.from}); 'to' must be after 'from'`);
    });
  }

  // Coverage: every window has a side; the side that owns a function has a routing entry for it.
  const rawFunctions = get(raw, 'coverage', 'functions');
  if (isRecord(rawFunctions) && Object.keys(rawFunctions).length === 0) {
    report(
      ['coverage', 'functions'],
      'coverage.functions is empty: list each function and who owns it, e.g. infrastructure: { business_hours: internal, after_hours: partner }',
    );
  }
  const coverage = new Map<string, FunctionCoverage>();
  for (const { name, value: entry } of parts.functions) {
    const path = ['coverage', 'functions', name];
    const resolved = resolveCoverage(entry);
    if (resolved.mixed.length > 0) {
      report(
        [...path, 'always'],
        `'always' cannot be combined with ${resolved.mixed.join(', ')} in coverage of '${name}': use always: <side> or a side per window`,
        'key',
      );
    }
    if (resolved.missing.length > 0) {
      const defaults = resolved.missing.includes('after_hours') ? ' (weekend and holiday default to after_hours)' : '';
      report(
        path,
        `coverage of '${name}' gives no side for ${oneOf([...resolved.missing], 'and')}${defaults}; add ${resolved.missing[0] ?? 'after_hours'}: internal or partner, or write always: <side>`,
        'key',
      );
    }
    if (resolved.coverage === undefined) continue;
    coverage.set(name, resolved.coverage);
    for (const side of SIDES) {
      const window = WINDOWS.find((w) => resolved.coverage?.[w] === side);
      const entries = routed[side];
      if (window === undefined || entries === undefined || entries.has(name)) continue;
      const key = decidingKey(entry, window);
      report(
        [...path, key],
        `coverage gives '${name}' to ${side} ${WINDOW_PHRASES[key === 'always' ? 'always' : window]}, but routing.${side} has no entry for '${name}'; add routing.${side}.${name}: <policy id>`,
      );
    }
  }

  // Routing: functions exist in coverage (reported at the key, where a typo would be), policies exist.
  for (const side of SIDES) {
    for (const [fn, policy] of Object.entries(parts.routing[side] ?? {})) {
      const path = ['routing', side, fn];
      resolve('function', fn, path, ` in routing.${side}`, 'key');
      resolve('policy', policy, path, ` for routing.${side}.${fn}`);
    }
  }

  // Overflow: the functions it covers exist, are owned by the side it takes from, and are routed for the side it gives to.
  const overflow = parts.overflow;
  const to = overflow?.to;
  if (overflow !== undefined && to !== undefined) {
    const from = otherSide(to);
    const routedTo = routed[to];
    if (overflow.functions !== undefined) {
      unique(overflow.functions, ['coverage', 'overflow', 'functions'], 'function');
      overflow.functions.forEach((fn, i) => {
        const path = ['coverage', 'overflow', 'functions', i];
        if (!resolve('function', fn, path, ' in overflow.functions')) return;
        const owned = coverage.get(fn);
        if (owned !== undefined && !WINDOWS.some((w) => owned[w] === from)) {
          report(
            path,
            `overflow moves ${from}'s unacknowledged incidents to ${to}, but ${from} never owns '${fn}'; remove it from overflow.functions`,
          );
        } else if (routedTo !== undefined && !routedTo.has(fn)) {
          report(path, `overflow sends '${fn}' to ${to}, but routing.${to} has no entry for '${fn}'; add routing.${to}.${fn}: <policy id>`);
        }
      });
    } else if (
      routedTo !== undefined &&
      get(raw, 'coverage', 'overflow', 'functions') === undefined &&
      coverage.size === known.function?.size
    ) {
      for (const fn of defaultOverflowFunctions(coverage, to)) {
        if (routedTo.has(fn)) continue;
        report(
          ['coverage', 'overflow'],
          `overflow covers every function ${from} owns (no overflow.functions given), but routing.${to} has no entry for '${fn}'; add routing.${to}.${fn}: <policy id>, or list the functions in overflow.functions`,
          'key',
        );
      }
    }
  }

  // Escalation policies: tiers after the first say when; targets exist.
  for (const { index, value: policy } of parts.policies) {
    const name = policy.id === undefined ? `escalation_policies[${index}]` : `escalation policy '${policy.id}'`;
    (policy.tiers ?? []).forEach((tier, t) => {
      const path = ['escalation_policies', index, 'tiers', t];
      if (t > 0 && tier.after === undefined) {
        report(
          path,
          `tier ${t + 1} of ${name} needs 'after': how long after the incident opens to page this tier if nobody acknowledged, e.g. after: 5m`,
        );
      }
      // Tiers page at incident open + their 'after', so a later tier cannot come earlier.
      const previous = t > 0 ? policy.tiers?.[t - 1]?.after : undefined;
      if (tier.after !== undefined && previous !== undefined && tier.after.ms < previous.ms) {
        report(
          [...path, 'after'],
          `tier ${t + 1} of ${name} pages ${tier.after.text} after the incident opens, before tier ${t} (${previous.text}); each tier's 'after' counts from the incident opening and must be at least the tier before's`,
        );
      }
      tier.notify.forEach((target, i) => {
        resolve(target.kind, target.id, [...path, 'notify', i], ` in target "${target.kind}:${target.id}"`);
      });
    });
  }

  // Services: functions exist; integration keys are unique.
  const keys = new Map<string, { service: string; path: Path }>();
  const engagementId = get(raw, 'engagement', 'id');
  for (const { index, value: service } of parts.services) {
    const name = service.id ?? `services[${index}]`;
    if (service.function !== undefined) resolve('function', service.function, ['services', index, 'function'], ` for service '${name}'`);
    (service.integrations ?? []).forEach((integration, i) => {
      const path = ['services', index, 'integrations', i, 'key'];
      const earlier = keys.get(integration.key);
      if (earlier === undefined) {
        keys.set(integration.key, { service: name, path });
        return;
      }
      const use = {
        engagement: typeof engagementId === 'string' ? engagementId : '?',
        service: earlier.service,
        file: source.file,
        ...source.position(earlier.path),
      };
      report(path, alreadyUsed(integration.key, use));
    });
  }

  // Priorities: paging priorities are priorities of the matrix.
  const page = parts.priorities?.page;
  if (page !== undefined) {
    unique(page, ['priorities', 'page'], 'priority');
    page.forEach((p, i) => resolve('priority', p, ['priorities', 'page', i], ' in priorities.page'));
  }
  // Impact shares (risk.impact_share) price priorities of the matrix.
  for (const p of keysOf(get(raw, 'risk', 'impact_share')) ?? [])
    resolve('priority', p, ['risk', 'impact_share', p], ' in risk.impact_share', 'key');

  // SLAs: targets and credits name priorities of the matrix; warnings ascend below 100%.
  const noContract = get(raw, 'engagement', 'contract') === undefined && isRecord(get(raw, 'engagement'));
  for (const { index, value: sla } of parts.slas) {
    const path = ['slas', index];
    const name = sla.id === undefined ? `slas[${index}]` : `SLA '${sla.id}'`;
    const targets = sla.targets ?? {};
    for (const [priority, target] of Object.entries(targets)) {
      resolve('priority', priority, [...path, 'targets', priority], ` in targets of ${name}`, 'key');
      if (target.respond === undefined && target.resolve === undefined) {
        report(
          [...path, 'targets', priority],
          `target ${priority} of ${name} sets neither respond nor resolve; add one, e.g. { respond: 15m, resolve: 4h }`,
        );
      }
    }
    const warnAt = sla.warn_at ?? [];
    warnAt.forEach((fraction, i) => {
      const previous = warnAt[i - 1];
      if (fraction >= 1) {
        report([...path, 'warn_at', i], `warn_at ${percentText(fraction)} is the breach itself; warnings must be below 100%`);
      } else if (previous !== undefined && fraction <= previous) {
        report([...path, 'warn_at', i], `warn_at must be ascending: ${percentText(fraction)} comes after ${percentText(previous)}`);
      }
    });
    unique(sla.pause_while ?? [], [...path, 'pause_while'], 'status');
    if (sla.credits !== undefined) {
      for (const priority of Object.keys(sla.credits.per_breach)) {
        const at = [...path, 'credits', 'per_breach', priority];
        if (
          resolve('priority', priority, at, ` in credits of ${name}`, 'key') &&
          sla.targets !== undefined &&
          !Object.hasOwn(sla.targets, priority)
        ) {
          report(
            at,
            `a credit for ${priority}, but ${name} has no ${priority} target to breach; add targets.${priority} or remove the credit`,
            'key',
          );
        }
      }
    }
    if (get(raw, 'slas', index, 'credits') !== undefined && noContract) {
      report(
        [...path, 'credits'],
        `credits are a share of the monthly fee, but engagement.contract is missing; add engagement.contract: { monthly_fee: <amount>, currency: USD }`,
        'key',
      );
    }
  }

  // Holiday closures listed once.
  const extra = parts.engagement?.holidays?.extra;
  if (extra !== undefined) unique(extra, ['engagement', 'holidays', 'extra'], 'date');

  // Ticketing: each system's keys, names of this engagement, inbound keys unique (and not an integration key).
  const line = (path: Path): number => source.position(path).line;
  const integrationKeys = new Map([...keys].map(([key, { service, path }]) => [key, `service '${service}' at line ${line(path)}`]));
  checkTicketing(ticketingItems(parts, raw), { integrationKeys, line, report, resolve });

  // Security: syslog sources name a service with a security integration; only those carry a log source.
  const services = new Set(parts.services.flatMap((s) => (s.value.id === undefined ? [] : [s.value.id])));
  checkSecurity(parts.security, parts.services, {
    report,
    resolveService: (id, path, context) => {
      if (services.has(id)) return true;
      report(path, `unknown service '${id}'${context};${didYouMean(id, services) || ''} services: ${listing(services)}`);
      return false;
    },
  });

  // Email integrations name their senders; only they take senders, resolve_subjects and dedup_subject.
  checkEmailIntegrations(parts.services, report);

  // Heartbeats say how often a beat is due (at least 10s); only they take every and grace.
  checkHeartbeats(parts.services, { report });

  // Only cloudwatch integrations name the hosts SNS certificates come from.
  checkCloudwatchIntegrations(parts.services, report);

  // Scope: functions of this engagement, at most one A, someone R for incident response of every bound function.
  checkScope(parts.scope.present, parts.scope.activities, {
    report,
    resolveFunction: (name, path, context) => resolve('function', name, path, context),
    functions: parts.functions.map((f) => f.name),
  });

  // Maintenance: windows name services of this engagement, end after they start, and start on their rrule.
  const maintenanceServices = listIds('services');
  checkMaintenance(items(get(raw, 'maintenance'), MaintenanceWindowSchema), {
    report,
    zone: parts.engagement?.timezone,
    resolveService: (id, path, context) => {
      if (maintenanceServices === undefined || maintenanceServices.has(id)) return true;
      report(
        path,
        `unknown service '${id}'${context};${didYouMean(id, maintenanceServices) || ''} services: ${listing(maintenanceServices)}`,
      );
      return false;
    },
  });

  // Status page: components name services of this engagement, once each, and are named once.
  checkStatusPage(get(raw, 'status_page'), { report, services: listIds('services') });

  return diagnostics;
}

/** The ticketing entries that parsed, each with its raw map (for keys that did not). */
function ticketingItems(parts: Parts, raw: unknown): TicketingItem[] {
  return parts.ticketing.map(({ index, value }) => {
    const entry = get(raw, 'ticketing', index);
    return { index, value, raw: isRecord(entry) ? entry : {} };
  });
}

function percentText(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(12))}%`;
}
