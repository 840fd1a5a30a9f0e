/**
 * From a checked file (snake_case, optional keys) to the model every other
 * part of Tandem uses (camelCase, defaults applied, deep-frozen). Runs only
 * on files with no diagnostics, so it assumes every rule holds.
 */
import type {
  Duration,
  Engagement,
  EscalationPolicy,
  FunctionCoverage,
  Person,
  Priorities,
  Schedule,
  Service,
  Sla,
  Team,
} from './model.js';
import { SEVERITIES, lookup } from './model.js';
import type { EngagementFileOutput, PrioritiesOut } from './schema.js';
import { defaultOverflowFunctions, resolveCoverage } from './rules.js';
import { deepFreeze, dictionary } from './freeze.js';
import { normalizeTicketing } from './ticketing.js';
import { normalizeSecurity, normalizeVulnerabilities } from './security.js';
import { normalizeHeartbeat } from './heartbeat.js';
import { normalizeScope } from './scope.js';
import { DEFAULT_PRICED_WAIT_CAP_MS, normalizeImpactShares } from './impact.js';
import { normalizeStatusPage } from './status-page.js';
import { normalizeMaintenance } from './maintenance.js';

/** "0m": the default delay of notify rules and of a policy's first tier. */
const NO_DELAY: Duration = Object.freeze({ text: '0m', n: 0, unit: 'm', ms: 0 });

/** The contract of a file without one (only allowed when no SLA has credits). */
const NO_CONTRACT = { monthlyFee: 0, currency: 'USD' };

/**
 * Priorities most urgent first. Names ending in a number (P1, SEV2) sort by
 * that number, the usual convention; other names keep the order they first
 * appear in the matrix read row by row (critical first, criticality 1 first).
 */
export function priorityOrder(matrix: PrioritiesOut['matrix']): string[] {
  const names = [...new Set(SEVERITIES.flatMap((s) => matrix[s]))];
  const numbered = names.map((name) => ({ name, match: /^(.*?)(\d+)$/.exec(name) }));
  const prefixes = new Set(numbered.map((n) => n.match?.[1]));
  if (numbered.every((n) => n.match !== null) && prefixes.size === 1) {
    return numbered.sort((a, b) => Number(a.match?.[2]) - Number(b.match?.[2])).map((n) => n.name);
  }
  return names;
}

function matrixRow(row: readonly string[]): readonly [string, string, string, string] {
  const [a = '', b = '', c = '', d = ''] = row;
  return [a, b, c, d];
}

/** The contact as the model names it: `slack_user` becomes `slackUser`; the channel addresses keep their keys. */
function contactOf(contact: EngagementFileOutput['people'][number]['contact']): Person['contact'] {
  if (contact === undefined) return {};
  const { slack_user: slackUser, ...addresses } = contact;
  return { ...addresses, ...(slackUser === undefined ? {} : { slackUser }) };
}

/** Builds the deep-frozen {@link Engagement} of a file that passed every check. */
export function normalize(file: EngagementFileOutput, dir = '.'): Engagement {
  const section = file.engagement;
  const zone = section.timezone;

  const people: Person[] = file.people.map((p) => ({
    id: p.id,
    name: p.name,
    side: p.side,
    timezone: p.timezone ?? zone,
    contact: contactOf(p.contact),
    notify: p.notify.map((rule) => ({ channel: rule.channel, after: rule.after ?? NO_DELAY })),
  }));

  const teams: Team[] = (file.teams ?? []).map((t) => ({
    id: t.id,
    name: t.name ?? t.id,
    side: t.side,
    members: t.members ?? [],
    ...(t.email === undefined ? {} : { email: t.email }),
  }));

  const schedules: Schedule[] = (file.schedules ?? []).map((s) => ({
    id: s.id,
    timezone: s.timezone ?? zone,
    layers: s.layers.map((layer) => ({
      rotation: {
        every: layer.rotation.every,
        ...(layer.rotation.handoff.weekday === undefined ? {} : { handoffWeekday: layer.rotation.handoff.weekday }),
        handoffMinute: layer.rotation.handoff.minute,
        members: layer.rotation.members,
        start: layer.rotation.start,
      },
      ...(layer.only === undefined ? {} : { only: layer.only }),
    })),
    overrides: (s.overrides ?? []).map((o) => ({ person: o.person, from: o.from, to: o.to })),
  }));

  const functions = new Map<string, FunctionCoverage>();
  for (const [name, entry] of Object.entries(file.coverage.functions)) {
    const { coverage } = resolveCoverage(entry);
    if (coverage !== undefined) functions.set(name, coverage);
  }
  const overflow = file.coverage.overflow;

  const escalationPolicies: EscalationPolicy[] = file.escalation_policies.map((p) => ({
    id: p.id,
    tiers: p.tiers.map((tier) => ({ targets: tier.notify, after: tier.after ?? NO_DELAY })),
    repeat: p.repeat ?? 0,
  }));

  const services: Service[] = file.services.map((s) => ({
    id: s.id,
    name: s.name ?? s.id,
    function: s.function,
    // The schema admits only whole numbers 1..4.
    criticality: s.criticality === 1 || s.criticality === 2 || s.criticality === 3 ? s.criticality : 4,
    downtimeCostPerMinute: s.downtime_cost_per_minute ?? null,
    integrations: (s.integrations ?? []).map((i) => ({
      type: i.type,
      key: i.key,
      ...(i.logsource === undefined ? {} : { logsource: { ...i.logsource } }),
      ...(i.sns_cert_hosts === undefined ? {} : { snsCertHosts: [...new Set(i.sns_cert_hosts)] }),
      ...normalizeHeartbeat(i),
      ...(i.name === undefined ? {} : { name: i.name }),
      ...(i.senders === undefined ? {} : { senders: [...i.senders] }),
      ...(i.resolve_subjects === undefined ? {} : { resolveSubjects: [...i.resolve_subjects] }),
      ...(i.dedup_subject === undefined ? {} : { dedupSubject: i.dedup_subject }),
    })),
  }));

  const matrix = file.priorities.matrix;
  const priorities: Priorities = {
    matrix: {
      critical: matrixRow(matrix.critical),
      error: matrixRow(matrix.error),
      warning: matrixRow(matrix.warning),
      info: matrixRow(matrix.info),
    },
    page: file.priorities.page,
    order: priorityOrder(matrix),
  };

  const slas: Sla[] = (file.slas ?? []).map((s) => ({
    id: s.id,
    appliesTo: s.applies_to,
    clock: s.clock,
    targets: dictionary(
      Object.entries(s.targets).map(([priority, t]) => [
        priority,
        { ...(t.respond === undefined ? {} : { respond: t.respond }), ...(t.resolve === undefined ? {} : { resolve: t.resolve }) },
      ]),
    ),
    warnAt: s.warn_at ?? [],
    pauseWhile: s.pause_while ?? [],
    ...(s.credits === undefined
      ? {}
      : { credits: { perBreach: dictionary(Object.entries(s.credits.per_breach)), cap: s.credits.cap ?? 1 } }),
  }));

  const holidays = section.holidays;
  const engagement: Engagement = {
    version: 1,
    id: section.id,
    name: section.name,
    timezone: zone,
    holidays: {
      ...(holidays?.country === undefined ? {} : holidays.country),
      extra: holidays?.extra ?? [],
    },
    contract:
      section.contract === undefined ? NO_CONTRACT : { monthlyFee: section.contract.monthly_fee, currency: section.contract.currency },
    sides: { internal: { name: file.sides.internal.name }, partner: { name: file.sides.partner.name } },
    people,
    teams,
    schedules,
    coverage: {
      businessHours: file.coverage.business_hours,
      functions: dictionary(functions),
      ...(overflow === undefined
        ? {}
        : {
            overflow: {
              after: overflow.after,
              to: overflow.to,
              functions: overflow.functions ?? defaultOverflowFunctions(functions, overflow.to),
            },
          }),
    },
    routing: {
      internal: dictionary(Object.entries(file.routing.internal ?? {})),
      partner: dictionary(Object.entries(file.routing.partner ?? {})),
    },
    escalationPolicies,
    services,
    priorities,
    slas,
    ticketing: normalizeTicketing(file.ticketing ?? [], priorities.order, [...functions.keys()]),
    security: normalizeSecurity(file.security, dir),
    vulnerabilities: normalizeVulnerabilities(file.vulnerabilities),
    impactShares: normalizeImpactShares(file.risk?.impact_share, priorities.order),
    pricedWaitCapMs: file.risk?.priced_wait_cap?.ms ?? DEFAULT_PRICED_WAIT_CAP_MS,
    ...(file.scope === undefined ? {} : { scope: normalizeScope(file.scope) }),
    ...(file.status_page === undefined ? {} : { statusPage: normalizeStatusPage(file.status_page) }),
    ...(file.maintenance === undefined ? {} : { maintenance: normalizeMaintenance(file.maintenance, zone) }),
  };
  // Every object here is new (built above or by the schema's parse), so freezing in place touches nothing the caller owns.
  const frozen = deepFreeze(engagement);
  // Build the id index now, while loading, rather than on the first page or request that needs it.
  lookup(frozen);
  return frozen;
}
