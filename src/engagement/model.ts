/**
 * The engagement, as the rest of Tandem sees it: the engagement file (format
 * version 1) after it has been parsed, validated and normalized. Every value
 * here is already checked (references resolve, durations parsed, time zones
 * exist), so domain code never re-validates. Instances are deep-frozen.
 *
 * Times of day are minutes after local midnight (0..1440; 1440 only as an
 * end). Weekdays are ISO numbers: 1 = Monday .. 7 = Sunday. Durations carry
 * both the text written in the file and milliseconds, because an SLA on a
 * business-hours clock reads "1d" as one business day, not 24 hours.
 *
 * `lookup(engagement)` finds people, teams, schedules, policies, services
 * and SLAs by id without scanning the lists.
 */
import type { RuleSet } from '../sigma/model.js';
import type { ImpactShare } from './impact.js';
import type { Recurrence } from '../maintenance/rrule.js';

export const SIDES = ['internal', 'partner'] as const;
export type Side = (typeof SIDES)[number];

/** Coverage windows, in the order a instant is classified: holiday first. */
export const WINDOWS = ['business_hours', 'after_hours', 'weekend', 'holiday'] as const;
export type CoverageWindow = (typeof WINDOWS)[number];

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CHANNELS = ['email', 'sms', 'slack', 'teams', 'webhook', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

export const INTEGRATION_TYPES = [
  'pagerduty',
  'alertmanager',
  'generic',
  'security',
  'email',
  'heartbeat',
  'azure',
  'gcp',
  'grafana',
  'cloudwatch',
] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

/** Ticketing systems an engagement can name in `ticketing:`. */
export const TICKETING_SYSTEMS = ['jira', 'servicenow', 'connectwise'] as const;
export type TicketingSystem = (typeof TICKETING_SYSTEMS)[number];

/** Incident statuses that pause SLA clocks (`slas[].pause_while`). */
export const PAUSE_STATUSES = ['waiting_on_customer', 'waiting_on_vendor'] as const;
export type PauseStatus = (typeof PAUSE_STATUSES)[number];

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w';

export interface Duration {
  /** As written in the file, e.g. "15m". */
  readonly text: string;
  readonly n: number;
  readonly unit: DurationUnit;
  /** Wall-clock milliseconds (1d = 24h). */
  readonly ms: number;
}

/** A weekly window such as `{ days: mon-fri, from: "08:00", to: "18:00" }`. */
export interface WeeklyWindow {
  /** ISO weekdays the window starts on (1 = Monday). */
  readonly days: readonly number[];
  /** Minutes after local midnight. */
  readonly from: number;
  /** Minutes after local midnight; 1440 = "24:00". When `to <= from` the window runs past midnight into the next day. */
  readonly to: number;
}

export interface Contact {
  readonly email?: string;
  readonly sms?: string;
  /** Phone number for voice calls (E.164); a `voice` rule without it calls `sms`. */
  readonly voice?: string;
  readonly slack?: string;
  /** The person's Slack member id (`contact.slack_user`, e.g. "U012AB3CD"): who pressed a button in a Slack page. */
  readonly slackUser?: string;
  readonly teams?: string;
  readonly webhook?: string;
}

export interface NotifyRule {
  readonly channel: Channel;
  readonly after: Duration;
}

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly side: Side;
  /** IANA zone; the engagement's when the file names none. */
  readonly timezone: string;
  readonly contact: Contact;
  readonly notify: readonly NotifyRule[];
}

export interface Team {
  readonly id: string;
  readonly name: string;
  readonly side: Side;
  readonly members: readonly string[];
  /** A team address: notify the team without naming people. */
  readonly email?: string;
}

export interface Rotation {
  readonly every: Duration;
  /** Weekday of the handoff, for weekly rotations written as "mon 09:00"; absent when the handoff is a time of day only. */
  readonly handoffWeekday?: number;
  /** Minutes after local midnight. */
  readonly handoffMinute: number;
  readonly members: readonly string[];
  /** A date (YYYY-MM-DD) in the schedule's zone; the rotation begins at its first handoff on or after it. */
  readonly start: string;
}

export interface Layer {
  readonly rotation: Rotation;
  /** Restrict the layer to these weekly windows; absent = always. */
  readonly only?: readonly WeeklyWindow[];
}

export interface Override {
  readonly person: string;
  /** Local date-times (YYYY-MM-DDTHH:MM) in the schedule's zone. */
  readonly from: string;
  readonly to: string;
}

export interface Schedule {
  readonly id: string;
  readonly timezone: string;
  readonly layers: readonly Layer[];
  readonly overrides: readonly Override[];
}

/** Which side owns a function in each window. */
export type FunctionCoverage = Readonly<Record<CoverageWindow, Side>>;

export interface Overflow {
  readonly after: Duration;
  readonly to: Side;
  /** Functions the overflow applies to (already defaulted: every function the internal side owns in some window). */
  readonly functions: readonly string[];
}

export interface Coverage {
  readonly businessHours: WeeklyWindow;
  readonly functions: Readonly<Record<string, FunctionCoverage>>;
  readonly overflow?: Overflow;
}

export type Target =
  | { readonly kind: 'schedule'; readonly id: string }
  | { readonly kind: 'team'; readonly id: string }
  | { readonly kind: 'person'; readonly id: string };

export interface Tier {
  readonly targets: readonly Target[];
  /** When this tier is paged, counted from the incident opening (or from the start of a repeat pass), if nobody acknowledged. Non-decreasing across tiers. */
  readonly after: Duration;
}

export interface EscalationPolicy {
  readonly id: string;
  readonly tiers: readonly Tier[];
  /** How many more times the tiers run after the first pass. */
  readonly repeat: number;
}

export interface Integration {
  readonly type: IntegrationType;
  readonly key: string;
  /** security: the Sigma log source its events are tagged with (an event may carry its own). */
  readonly logsource?: Logsource;
  /** email: sender patterns (`*` any run, case ignored) whose mail may open incidents; required on email integrations. */
  readonly senders?: readonly string[];
  /** email: regular expressions (case-insensitive) of subjects that resolve; absent = `^RESOLVED:` and `^OK:`. */
  readonly resolveSubjects?: readonly string[];
  /** email: a regular expression (case-insensitive) whose first group (else its match) of the subject is the dedup key. */
  readonly dedupSubject?: string;
  /** heartbeat: a beat is due this often (at least 10s). Present on, and only on, heartbeat integrations. */
  readonly every?: Duration;
  /** heartbeat: how late a beat may be before the silence opens an incident (already defaulted: every/5, 10s..1h). */
  readonly grace?: Duration;
  /** What sends to this key, e.g. "nightly ERP export"; a heartbeat's incident title names it. */
  readonly name?: string;
  /** cloudwatch: the hosts Amazon SNS signing certificates and subscribe URLs may come from (lower case); absent = sns.<region>.amazonaws.com(.cn). */
  readonly snsCertHosts?: readonly string[];
}

/** A Sigma log source: which rules look at an event (every key a rule names must match). */
export interface Logsource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
}

/** A syslog sender range and where its lines go. */
export interface SyslogSource {
  /** An IPv4 or IPv6 CIDR, e.g. "10.20.0.0/16". */
  readonly from: string;
  /** The service (with a security integration) its events belong to. */
  readonly service: string;
  readonly logsource: Logsource;
}

/** The `security:` section: Sigma rules and how their detections become alerts. */
export interface SecurityConfig {
  /** Rule files or folders, absolute (resolved against the engagement file's folder). */
  readonly rules: readonly string[];
  /** One detection per rule and group key in this window; later hits join it. Default 10m. */
  readonly suppress: Duration;
  readonly syslog: readonly SyslogSource[];
}

export const VULN_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type VulnSeverity = (typeof VULN_SEVERITIES)[number];

/** The `vulnerabilities:` section: remediation deadlines, from first seen. */
export interface VulnerabilityPolicy {
  readonly deadlines: Readonly<Record<VulnSeverity, Duration>>;
  /** due_date: a CVE in the KEV catalog is due by the earlier of its KEV due date and the deadline; ignore: KEV changes nothing. */
  readonly kev: 'due_date' | 'ignore';
}

/** RACI letters of a side on a scope activity: Responsible, Accountable, Consulted, Informed. */
export const RACI = ['R', 'A', 'C', 'I'] as const;
export type Raci = (typeof RACI)[number];

/** One activity of the `scope:` section: who is R, A, C or I for it, for which functions. */
export interface ScopeActivityEntry {
  /** incident_response, change_priority, security_response and schedule_overrides bind product actions; other ids document. */
  readonly id: string;
  /** Functions of coverage.functions it applies to; absent = every function (security_response: security). */
  readonly functions?: readonly string[] | undefined;
  readonly internal: Raci;
  readonly partner: Raci;
}

/** The `scope:` section (issue 12): the written division of work that permissions follow. */
export interface Scope {
  readonly activities: readonly ScopeActivityEntry[];
}

export interface Service {
  readonly id: string;
  readonly name: string;
  readonly function: string;
  /** 1 business-critical .. 4 low. */
  readonly criticality: 1 | 2 | 3 | 4;
  readonly downtimeCostPerMinute: number | null;
  readonly integrations: readonly Integration[];
}

export interface Priorities {
  /** severity -> priority per criticality (index 0 = criticality 1). */
  readonly matrix: Readonly<Record<Severity, readonly [string, string, string, string]>>;
  /** Priorities that page. */
  readonly page: readonly string[];
  /** Every priority named in the matrix, most urgent first (P1, P2, ...). */
  readonly order: readonly string[];
}

export interface SlaTarget {
  readonly respond?: Duration;
  readonly resolve?: Duration;
}

export interface Sla {
  readonly id: string;
  readonly appliesTo: Side;
  readonly clock: '24x7' | 'business_hours';
  readonly targets: Readonly<Record<string, SlaTarget>>;
  /** Fractions of the target (0.5 = 50%), ascending. */
  readonly warnAt: readonly number[];
  readonly pauseWhile: readonly PauseStatus[];
  readonly credits?: {
    /** Fraction of the monthly fee per breach, by priority (0.05 = 5%). */
    readonly perBreach: Readonly<Record<string, number>>;
    /** Fraction of the monthly fee at most per month. */
    readonly cap: number;
  };
}

export interface Engagement {
  readonly version: 1;
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
  readonly holidays: {
    /** ISO 3166 country, e.g. "US". */
    readonly country?: string;
    /** Region within the country, e.g. "NY" for "US-NY". */
    readonly region?: string;
    /** Company closures, whole local days (YYYY-MM-DD). */
    readonly extra: readonly string[];
  };
  readonly contract: { readonly monthlyFee: number; readonly currency: string };
  readonly sides: Readonly<Record<Side, { readonly name: string }>>;
  readonly people: readonly Person[];
  readonly teams: readonly Team[];
  readonly schedules: readonly Schedule[];
  readonly coverage: Coverage;
  /** side -> function -> escalation policy id. */
  readonly routing: Readonly<Record<Side, Readonly<Record<string, string>>>>;
  readonly escalationPolicies: readonly EscalationPolicy[];
  readonly services: readonly Service[];
  readonly priorities: Priorities;
  readonly slas: readonly Sla[];
  /** Ticketing systems the engagement keeps its incidents in step with (src/ticketing/). */
  readonly ticketing: readonly Ticketing[];
  /** Sigma detection (src/sigma/, src/security/); no rules when the file has no `security:`. */
  readonly security: SecurityConfig;
  /** Remediation deadlines of vulnerability findings (src/vulns/); the defaults when the file has no `vulnerabilities:`. */
  readonly vulnerabilities: VulnerabilityPolicy;
  /** Who may do what (src/scope/); undefined when the file has no `scope:`, and then nothing is restricted. */
  readonly scope?: Scope | undefined;
  /** Priority -> the share of a service's downtime cost a late minute costs (src/engagement/impact.ts); every priority of the matrix. */
  readonly impactShares?: Readonly<Record<string, ImpactShare>>;
  /** The longest wait one incident is priced for (`risk.priced_wait_cap`); the default when absent. */
  readonly pricedWaitCapMs?: number;
  /** The public status page (src/status/); undefined when the file has no `status_page:`, and then /status/{engagement} is a 404. */
  readonly statusPage?: StatusPage | undefined;
  /** Planned work (`maintenance:`, src/maintenance/): incidents open quietly; absent or empty = none. */
  readonly maintenance?: readonly MaintenanceWindow[];
}

/** What every ticketing entry has, whatever its system. */
export interface TicketingBase {
  readonly id: string;
  /** Whose system it is (shown in the UI; decides nothing else). */
  readonly side: Side;
  /** Base URL of the system's API. */
  readonly url: string;
  /** Which incidents get a ticket: the file's lists, or every priority and every coverage function. */
  readonly sync: { readonly priorities: readonly string[]; readonly functions: readonly string[] };
  /** Tandem priority -> the system's priority name (only those the file maps). */
  readonly priorities: Readonly<Record<string, string>>;
  /** Tandem takes this system's webhooks at POST /integrations/ticketing/{inboundKey}. */
  readonly inboundKey: string;
  /** When set: the variable holding the secret every webhook must be signed with (X-Hub-Signature); Jira and ServiceNow. */
  readonly inboundSecretEnv?: string;
}

/** Jira Cloud: basic auth with an API token. */
export interface JiraTicketing extends TicketingBase {
  readonly system: 'jira';
  readonly auth: { readonly user: string; readonly tokenEnv: string };
  readonly project: string;
  readonly issueType: string;
}

/** ServiceNow: basic auth of an integration user. */
export interface ServiceNowTicketing extends TicketingBase {
  readonly system: 'servicenow';
  readonly auth: { readonly user: string; readonly passwordEnv: string };
  readonly assignmentGroup: string;
}

/** ConnectWise PSA: API member keys plus a client id. */
export interface ConnectWiseTicketing extends TicketingBase {
  readonly system: 'connectwise';
  readonly auth: { readonly company: string; readonly publicKeyEnv: string; readonly privateKeyEnv: string; readonly clientId: string };
  readonly board: string;
  readonly company: string;
}

/** One entry of `ticketing:`; secrets are names of environment variables (the `...Env` fields). */
export type Ticketing = JiraTicketing | ServiceNowTicketing | ConnectWiseTicketing;

/** An engagement together with where it came from. */
export interface LoadedEngagement {
  readonly engagement: Engagement;
  readonly file: string;
  /** sha256 of the file's bytes; applying the same file twice changes nothing. */
  readonly hash: string;
  /** The compiled Sigma rules of `security.rules` (src/security/rules.ts); absent without any. */
  readonly rules?: RuleSet;
}

/**
 * Constant-time lookups by id in one engagement's people, teams, schedules,
 * policies, services and SLAs. Ids are unique within each list (a rule of the
 * file), so this answers what `list.find((x) => x.id === id)` would.
 */
export interface EngagementIndex {
  person(id: string): Person | undefined;
  team(id: string): Team | undefined;
  schedule(id: string): Schedule | undefined;
  policy(id: string): EscalationPolicy | undefined;
  service(id: string): Service | undefined;
  sla(id: string): Sla | undefined;
  /** The person's name, or the id itself when the engagement no longer has that person. */
  personName(id: string): string;
  /** The service's name, or the id itself when the engagement no longer has that service. */
  serviceName(id: string): string;
}

/** Per engagement object: a spread copy with other lists (`{ ...e, schedules }`) is another object and gets its own index. */
const indexes = new WeakMap<Engagement, EngagementIndex>();

function byId<T extends { readonly id: string }>(list: readonly T[]): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const item of list) if (!map.has(item.id)) map.set(item.id, item);
  return map;
}

function buildIndex(e: Engagement): EngagementIndex {
  const people = byId(e.people);
  const teams = byId(e.teams);
  const schedules = byId(e.schedules);
  const policies = byId(e.escalationPolicies);
  const services = byId(e.services);
  const slas = byId(e.slas);
  return Object.freeze({
    person: (id: string) => people.get(id),
    team: (id: string) => teams.get(id),
    schedule: (id: string) => schedules.get(id),
    policy: (id: string) => policies.get(id),
    service: (id: string) => services.get(id),
    sla: (id: string) => slas.get(id),
    personName: (id: string) => people.get(id)?.name ?? id,
    serviceName: (id: string) => services.get(id)?.name ?? id,
  });
}

/** The id index of an engagement, built on first use and kept as long as the engagement is. */
export function lookup(engagement: Engagement): EngagementIndex {
  let index = indexes.get(engagement);
  if (index === undefined) {
    index = buildIndex(engagement);
    indexes.set(engagement, index);
  }
  return index;
}

/** One component of the page: a public name over services of the engagement. */
export interface StatusComponent {
  readonly name: string;
  /** One line under the name (what it covers); absent when the file gives none. */
  readonly description?: string;
  /** Service ids, each of this engagement, in file order. */
  readonly services: readonly string[];
}

/** The `status_page:` section in the model's form. */
export interface StatusPage {
  readonly title: string;
  /** A paragraph under the title; absent when the file gives none. */
  readonly description?: string;
  readonly components: readonly StatusComponent[];
}

/** One window of the file, normalized. Occurrences are [start, end): an event at `end` is no longer in maintenance. */
export interface MaintenanceWindow {
  readonly services: readonly string[];
  readonly reason: string;
  /** As written in the file. */
  readonly from: string;
  readonly to: string;
  /** The first (or only) occurrence, epoch ms. */
  readonly start: number;
  readonly end: number;
  /** Repeats of the window; absent = once. */
  readonly rrule?: Recurrence;
}
