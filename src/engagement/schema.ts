/**
 * The shape of the engagement file, format version 1: the one source of
 * truth for both validation (zod) and the JSON Schema that `tandem schema`
 * prints for editors. Leaf values are parsed here (durations, times, days,
 * percentages...), so a file that passes has typed values; references
 * between entries and other rules that span several keys are checked in
 * rules.ts.
 *
 * Keys are snake_case as in the file; normalize.ts maps them to the model.
 */
import * as z from 'zod';
import { CHANNELS, INTEGRATION_TYPES, PAUSE_STATUSES, RACI, SEVERITIES, SIDES, TICKETING_SYSTEMS } from './model.js';
import type { Parsed } from './duration.js';
import { DEFAULT_DURATION_UNITS, ROTATION_UNITS, durationPattern, parseDuration } from './duration.js';
import {
  DATE_PATTERN,
  DAY_NAMES,
  DAYS_PATTERN,
  END_TIME_PATTERN,
  HANDOFF_PATTERN,
  LOCAL_DATE_TIME_PATTERN,
  TIME_PATTERN,
  parseDate,
  parseDays,
  parseHandoff,
  parseLocalDateTime,
  parseTimeOfDay,
} from './calendar.js';
import {
  CURRENCY_PATTERN,
  E164_PATTERN,
  EMAIL_PATTERN,
  ENV_NAME_PATTERN,
  HOLIDAY_REGION_PATTERN,
  ID_PATTERN,
  INTEGRATION_KEY_PATTERN,
  PERCENT_PATTERN,
  SLUG_PATTERN,
  SLACK_USER_PATTERN,
  TARGET_PATTERN,
  parseCurrency,
  parseEmail,
  parseEnvName,
  parseHolidayRegion,
  parseHttpUrl,
  parseId,
  parseIntegrationKey,
  parsePercent,
  parsePhone,
  parseSlackUser,
  parseSlug,
  parseTarget,
  parseTimeZone,
} from './values.js';
import { oneOf, show } from './diagnostics.js';
import { RiskSectionSchema } from './impact.js';
import { StatusPageSchema } from './status-page.js';
import { SNS_CERT_HOST_PATTERN, parseSnsCertHost } from './cloudwatch.js';
import { SENDER_PATTERN, parseSenderPattern, parseSubjectPattern } from './email.js';
import { MaintenanceSchema } from './maintenance.js';
import { deepFreeze } from './freeze.js';

/**
 * What a value should look like, by the schema that checks its type, so a
 * wrong type reads `expected a duration like "5m", got 5` instead of
 * "expected string". Read by the issue formatter (issues.ts).
 */
export const EXPECTATIONS = new WeakMap<object, { readonly expect: string; readonly parse?: (text: string) => Parsed<unknown> }>();

/** Keeps the default message for a missing key (the formatter names the key); customizes the rest. */
const unlessMissing =
  (message: (input: unknown) => string) =>
  (issue: { readonly input?: unknown }): string | undefined =>
    issue.input === undefined ? undefined : message(issue.input);

/** For whole-number keys: a quoted number is the likely mistake, so say so. */
const numberHint = (input: unknown): string =>
  typeof input === 'string' && input.trim() !== '' && !Number.isNaN(Number(input)) ? '; write the number without quotes' : '';

/**
 * A string value parsed by one of the value parsers. `expect` says what it
 * should look like (for type errors), `pattern` lets editors check it.
 */
function parsed<T>(
  parse: (text: string) => Parsed<T>,
  expect: string,
  jsonSchema: { readonly pattern?: string; readonly examples?: readonly string[]; readonly enum?: readonly string[] } = {},
) {
  const text = z.string().meta({ ...jsonSchema });
  EXPECTATIONS.set(text, { expect, parse });
  return text.transform((value, ctx): T => {
    const result = parse(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error, input: value });
    return z.NEVER;
  });
}

const duration = (units = DEFAULT_DURATION_UNITS, options: { readonly wholePositive?: boolean } = {}) =>
  parsed((t) => parseDuration(t, units, options), `a duration like "5m" (<number><unit>, unit ${units.join(', ')})`, {
    pattern: durationPattern(units),
  });

const id = (what: string) => parsed((t) => parseId(t, what), `an id like "acme-it"`, { pattern: ID_PATTERN });
/** A reference to an id defined elsewhere; existence is checked in rules.ts. */
const ref = (what: string) => id(what);
const name = () => z.string().min(1, { error: unlessMissing(() => 'must not be empty') });
const side = () => z.enum(SIDES);
const timeZone = () =>
  parsed(parseTimeZone, 'an IANA time zone like "America/New_York"', { examples: ['America/New_York', 'Europe/London', 'UTC'] });
const percent = () => parsed(parsePercent, 'a percentage like "50%" (quoted or not, with the % sign)', { pattern: PERCENT_PATTERN });
const priorityName = () => id('priority');
const functionName = () => id('function');

const dayError = unlessMissing((input) => `bad day ${show(input)}: expected ${oneOf([...DAY_NAMES])}`);

const WindowSchema = z
  .strictObject({
    days: z
      .union([z.string().meta({ pattern: DAYS_PATTERN }), z.array(z.enum(DAY_NAMES, { error: dayError })).min(1)], {
        error: unlessMissing(
          (input) => `bad days ${show(input)}: expected a day like "sat", a range like "mon-fri" or a list like [sat, sun]`,
        ),
      })
      .transform((value, ctx): number[] => {
        const result = parseDays(value);
        if (result.ok) return result.value;
        ctx.addIssue({ code: 'custom', message: result.error, input: value });
        return z.NEVER;
      })
      .describe('Days the window starts on: a list [mon, tue], a range "mon-fri" (may wrap: "fri-mon") or one day "sat".'),
    from: parsed((t) => parseTimeOfDay(t, 'start'), 'a time of day like "08:00"', { pattern: TIME_PATTERN }).describe(
      'Start, "HH:MM" (24h, 00:00-23:59).',
    ),
    to: parsed((t) => parseTimeOfDay(t, 'end'), 'a time of day like "18:00"', { pattern: END_TIME_PATTERN }).describe(
      'End, "HH:MM" (24h); "24:00" means until midnight. An end at or before the start runs past midnight.',
    ),
  })
  .meta({ title: 'Weekly window' });

const ContactSchema = z
  .strictObject({
    email: parsed(parseEmail, 'an email address', { pattern: EMAIL_PATTERN }).optional().describe('Email address.'),
    sms: parsed(parsePhone, 'a phone number like "+15550100001" (quoted)', { pattern: E164_PATTERN })
      .optional()
      .describe('Mobile number in E.164 form, quoted: "+15550100001".'),
    voice: parsed(parsePhone, 'a phone number like "+15550100001" (quoted)', { pattern: E164_PATTERN })
      .optional()
      .describe('Number voice calls ring, E.164, quoted; default: the sms number.'),
    slack: parsed(parseHttpUrl, 'an https:// URL', { pattern: '^https?://' }).optional().describe('Slack incoming-webhook URL.'),
    slack_user: parsed(parseSlackUser, 'a Slack member id like "U012AB3CD"', { pattern: SLACK_USER_PATTERN })
      .optional()
      .describe("The person's Slack member id: their Acknowledge and Resolve buttons in Slack act as them."),
    teams: parsed(parseHttpUrl, 'an https:// URL', { pattern: '^https?://' }).optional().describe('Microsoft Teams incoming-webhook URL.'),
    webhook: parsed(parseHttpUrl, 'an https:// URL', { pattern: '^https?://' })
      .optional()
      .describe('URL that receives a JSON POST per notification.'),
  })
  .meta({ title: 'Contact', description: 'How to reach a person; each notify rule needs the contact of its channel.' });

const NotifyRuleSchema = z
  .strictObject({
    channel: z
      .enum(CHANNELS)
      .describe(
        'Channel: email, sms, slack, teams, webhook or voice (the person needs that contact; voice calls contact.voice or else contact.sms).',
      ),
    after: duration().optional().describe('How long after the page to use this channel. Default 0m.'),
  })
  .meta({ title: 'Notification rule' });

/** One person of either side. */
export const PersonSchema = z
  .strictObject({
    id: id('person id').describe('Unique among people; referenced as "person:ID".'),
    name: name().describe('Display name.'),
    side: side().describe('internal (the in-house team) or partner (the MSP).'),
    timezone: timeZone().optional().describe("IANA time zone; default: the engagement's."),
    contact: ContactSchema.optional(),
    notify: z
      .array(NotifyRuleSchema)
      .min(1, { error: unlessMissing(() => 'a person needs at least one notify rule, e.g. - { channel: email, after: 0m }') })
      .describe('Personal notification rules: which channel, how long after paging.'),
  })
  .meta({ title: 'Person' });

/** A team: members of one side, and an optional team address. */
export const TeamSchema = z
  .strictObject({
    id: id('team id').describe('Unique among teams; referenced as "team:ID".'),
    name: name().optional().describe('Display name; default: the id.'),
    side: side().describe('The side the team belongs to; every member must be of this side.'),
    members: z.array(ref('person id')).optional().describe('Person ids.'),
    email: parsed(parseEmail, 'an email address', { pattern: EMAIL_PATTERN })
      .optional()
      .describe('A team address: notify the team without naming people.'),
  })
  .meta({ title: 'Team' });

const RotationSchema = z
  .strictObject({
    every: duration(ROTATION_UNITS, { wholePositive: true }).describe('Shift length in hours, days or weeks: "12h", "1d", "1w".'),
    handoff: parsed(parseHandoff, 'a handoff like "09:00" or "mon 09:00"', { pattern: HANDOFF_PATTERN }).describe(
      'Wall-clock handoff time "HH:MM"; weekly rotations name the weekday: "mon 09:00".',
    ),
    members: z.array(ref('person id')).min(1).describe('Person ids, in turn order.'),
    start: parsed(parseDate, 'a date like "2026-11-02"', { pattern: DATE_PATTERN }).describe(
      "A date (YYYY-MM-DD) in the schedule's zone; the rotation begins at its first handoff on or after it.",
    ),
  })
  .meta({ title: 'Rotation' });

const LayerSchema = z
  .strictObject({
    rotation: RotationSchema,
    only: z.array(WindowSchema).min(1).optional().describe('Restrict the layer to these weekly windows; default: always.'),
  })
  .meta({ title: 'Layer', description: 'A later layer wins wherever it has someone on call.' });

const OverrideSchema = z
  .strictObject({
    person: ref('person id').describe('Who is on call instead.'),
    from: parsed(parseLocalDateTime, 'a local date-time like "2026-11-27T08:00"', { pattern: LOCAL_DATE_TIME_PATTERN }).describe(
      'Local "YYYY-MM-DDTHH:MM" in the schedule\'s zone.',
    ),
    to: parsed(parseLocalDateTime, 'a local date-time like "2026-11-27T18:00"', { pattern: LOCAL_DATE_TIME_PATTERN }).describe(
      'Local "YYYY-MM-DDTHH:MM", after from.',
    ),
  })
  .meta({ title: 'Override' });

/** An on-call schedule: rotation layers plus overrides. */
export const ScheduleSchema = z
  .strictObject({
    id: id('schedule id').describe('Unique among schedules; referenced as "schedule:ID".'),
    timezone: timeZone().optional().describe("IANA time zone of handoffs and windows; default: the engagement's."),
    layers: z.array(LayerSchema).min(1).describe('Rotation layers; a later layer wins wherever it has someone on call.'),
    overrides: z.array(OverrideSchema).optional().describe('Overrides win over layers.'),
  })
  .meta({ title: 'Schedule' });

const coverageSide = (window: string) => side().optional().describe(`Who owns the function ${window}.`);

/** Who owns one function in each coverage window. */
export const FunctionCoverageSchema = z
  .strictObject({
    always: side().optional().describe('One side in every window (not combined with window keys).'),
    business_hours: coverageSide('in business hours'),
    after_hours: coverageSide('after hours'),
    weekend: coverageSide('on weekends (default: after_hours)'),
    holiday: coverageSide('on holidays (default: weekend, then after_hours)'),
  })
  .meta({ title: 'Function coverage' });

/** Capacity overflow: when the owning side has not acknowledged in time. */
export const OverflowSchema = z
  .strictObject({
    after: duration().describe('How long the owning side has to acknowledge.'),
    to: side().describe('The side that takes over (partner: internal overflows to the MSP).'),
    functions: z
      .array(functionName())
      .optional()
      .describe(
        'Functions it applies to; default: every function the other side owns in some window (each needs a routing entry for `to`).',
      ),
  })
  .meta({ title: 'Overflow' });

/** Coverage: business hours, who owns what and when, overflow. */
export const CoverageSchema = z
  .strictObject({
    business_hours: WindowSchema.describe('Business hours; holidays are never business hours.'),
    functions: z
      .record(functionName(), FunctionCoverageSchema)
      .describe('Per function: `always: side`, or a side per window (business_hours, after_hours, weekend, holiday).'),
    overflow: OverflowSchema.optional(),
  })
  .meta({ title: 'Coverage', description: 'Who answers, and when.' });

/** routing.<side>: function -> escalation policy id. */
export const RoutingSideSchema = z.record(functionName(), ref('escalation policy id'));

/** Which escalation policy serves a function for the side that owns it. */
export const RoutingSchema = z
  .strictObject({
    internal: RoutingSideSchema.optional().describe('function -> escalation policy id, when internal owns it.'),
    partner: RoutingSideSchema.optional().describe('function -> escalation policy id, when the partner owns it.'),
  })
  .meta({ title: 'Routing' });

const TierSchema = z
  .strictObject({
    notify: z
      .array(parsed(parseTarget, 'a target like "schedule:ID", "team:ID" or "person:ID"', { pattern: TARGET_PATTERN }))
      .min(1)
      .describe('Targets: "schedule:ID", "team:ID" or "person:ID".'),
    after: duration()
      .optional()
      .describe(
        'When this tier is paged if nobody has acknowledged, counted from the incident opening (tier 1 default 0m); required from tier 2 and never earlier than the tier before.',
      ),
  })
  .meta({ title: 'Tier' });

const repeatError = unlessMissing(
  (input) => `bad repeat ${show(input)}: expected a whole number 0 or more (how many more times the tiers run)${numberHint(input)}`,
);

/** An escalation policy: tiers notified in turn until someone acknowledges. */
export const EscalationPolicySchema = z
  .strictObject({
    id: id('escalation policy id').describe('Unique among escalation policies; referenced from routing.'),
    tiers: z.array(TierSchema).min(1).describe('Tiers, notified in turn until someone acknowledges.'),
    repeat: z
      .number({ error: repeatError })
      .int({ error: repeatError })
      .min(0, { error: repeatError })
      .optional()
      .describe('How many more times the tiers run after the first pass. Default 0.'),
  })
  .meta({ title: 'Escalation policy' });

const criticalityError = unlessMissing(
  (input) => `bad criticality ${show(input)}: expected a whole number from 1 (business-critical) to 4 (low)${numberHint(input)}`,
);

/** A monitored service and the keys its alerts arrive with. */
/** A Sigma log source. */
const LogsourceSchema = z
  .strictObject({
    product: name().optional().describe('e.g. linux, windows.'),
    category: name().optional().describe('e.g. process_creation, webserver.'),
    service: name().optional().describe('e.g. sshd, security.'),
  })
  .meta({ title: 'Log source', description: 'Which Sigma rules look at the events (a rule matches only events of its log source).' });

export const ServiceSchema = z
  .strictObject({
    id: id('service id').describe('Unique among services.'),
    name: name().optional().describe('Display name; default: the id.'),
    function: ref('function').describe('A function of coverage.functions: decides who answers.'),
    criticality: z
      .number({ error: criticalityError })
      .int({ error: criticalityError })
      .min(1, { error: criticalityError })
      .max(4, { error: criticalityError })
      .describe('1 business-critical .. 4 low; with event severity it gives the priority.'),
    downtime_cost_per_minute: z
      .number()
      .min(0)
      .optional()
      .describe('What a minute of downtime costs, in the contract currency (risk model).'),
    integrations: z
      .array(
        z
          .strictObject({
            type: z
              .enum(INTEGRATION_TYPES)
              .describe(
                'pagerduty (Events v2), alertmanager, generic JSON or security (raw events for Sigma rules); azure (Azure Monitor), gcp (Google Cloud Monitoring) or grafana (Grafana alerting) webhooks; cloudwatch (CloudWatch alarms via Amazon SNS); email (alert mail over SMTP); heartbeat (a dead-man switch).',
              ),
            key: parsed(parseIntegrationKey, 'an integration key (quoted)', { pattern: INTEGRATION_KEY_PATTERN }).describe(
              'Secret routing key; unique across all engagements.',
            ),
            logsource: LogsourceSchema.optional().describe('security: the Sigma log source its events are tagged with.'),
            sns_cert_hosts: z
              .array(parsed(parseSnsCertHost, 'a host name like "sns.eu-central-1.amazonaws.com"', { pattern: SNS_CERT_HOST_PATTERN }))
              .min(1)
              .optional()
              .describe(
                'cloudwatch: the only hosts Amazon SNS signing certificates and subscribe URLs are fetched from (https); default any sns.<region>.amazonaws.com(.cn).',
              ),
            senders: z
              .array(parsed(parseSenderPattern, 'a sender pattern like "*@monitoring.acme.example"', { pattern: SENDER_PATTERN }))
              .min(1)
              .optional()
              .describe(
                'email (required): sender patterns whose mail may open incidents; * matches anything, case ignored; "*" alone: anyone.',
              ),
            resolve_subjects: z
              .array(parsed(parseSubjectPattern, 'a regular expression like "^RESOLVED:"'))
              .min(1)
              .optional()
              .describe('email: regular expressions (case-insensitive) of subjects that resolve; default ["^RESOLVED:", "^OK:"].'),
            dedup_subject: parsed(parseSubjectPattern, 'a regular expression like "^(?:Problem|Resolved): (.+)$"')
              .optional()
              .describe(
                'email: a regular expression (case-insensitive); its first group (else its match) of the subject is the dedup key.',
              ),
            every: duration()
              .optional()
              .describe('heartbeat (required): a beat is expected this often, at least 10s; silence past every + grace opens an incident.'),
            grace: duration()
              .optional()
              .describe(
                'heartbeat: how late a beat may be before its silence opens an incident; default every/5, at least 10s, at most 1h.',
              ),
            name: name().optional().describe('What sends to this key, e.g. "nightly ERP export"; a heartbeat incident is titled with it.'),
          })
          .meta({ title: 'Integration' }),
      )
      .optional()
      .describe('How alerts arrive for this service.'),
  })
  .meta({ title: 'Service' });

const matrixRow = (severity: string) =>
  z
    .array(priorityName(), { error: unlessMissing(() => `expected a list of 4 priorities, e.g. [P1, P1, P2, P3]`) })
    .length(4, {
      error: unlessMissing(
        (input) =>
          `matrix row '${severity}' needs exactly 4 priorities, one per criticality 1..4; got ${Array.isArray(input) ? input.length : show(input)}`,
      ),
    })
    .describe(`Priorities of ${severity} events, for criticality 1, 2, 3, 4.`);

/** Event severity x service criticality -> incident priority. */
export const PrioritiesSchema = z
  .strictObject({
    matrix: z
      .strictObject({
        critical: matrixRow('critical'),
        error: matrixRow('error'),
        warning: matrixRow('warning'),
        info: matrixRow('info'),
      } satisfies Record<(typeof SEVERITIES)[number], unknown>)
      .describe('severity -> [priority for criticality 1, 2, 3, 4].'),
    page: z.array(priorityName()).describe('Priorities that page someone; the rest open an incident quietly.'),
  })
  .meta({ title: 'Priorities' });

/** What one side has promised, with optional service credits. */
export const SlaSchema = z
  .strictObject({
    id: id('SLA id').describe('Unique among SLAs.'),
    applies_to: side().describe('Incidents this side owns when they open.'),
    clock: z
      .enum(['24x7', 'business_hours'])
      .describe('24x7, or business_hours: counts only inside coverage.business_hours, and "1d" is one business day.'),
    targets: z
      .record(
        priorityName(),
        z
          .strictObject({
            respond: duration().optional().describe('Time to acknowledge.'),
            resolve: duration().optional().describe('Time to resolve.'),
          })
          .meta({ title: 'SLA target' }),
      )
      .describe('Per priority of priorities.matrix: respond and/or resolve.'),
    warn_at: z.array(percent()).optional().describe('Warn at these shares of a target, ascending, each below 100%.'),
    pause_while: z.array(z.enum(PAUSE_STATUSES)).optional().describe('Incident statuses that pause the clock.'),
    credits: z
      .strictObject({
        per_breach: z.record(priorityName(), percent()).describe('Share of the monthly fee credited per breach, by priority.'),
        cap: percent().optional().describe('At most this share of the monthly fee per month. Default 100%.'),
      })
      .optional()
      .meta({ title: 'Service credits' }),
  })
  .meta({ title: 'SLA' });

const envName = (what: string) =>
  parsed(parseEnvName, 'an environment variable name like "ACME_JIRA_TOKEN"', { pattern: ENV_NAME_PATTERN }).describe(
    `Name of the environment variable that holds ${what}; \`tandem serve\` refuses to start without it.`,
  );

/** A secret written inline: never accepted, the message says what to write instead. */
const inlineSecret = (instead: string) =>
  z
    .never({ error: () => `secrets never go in the engagement file: name an environment variable instead, e.g. ${instead}` })
    .optional()
    .describe(`Not allowed: write ${instead} and set that variable where Tandem runs.`);

/** Credentials of a ticketing system; which keys are required depends on the system (checked in rules). */
export const TicketingAuthSchema = z
  .strictObject({
    user: name().optional().describe('jira: the account email; servicenow: the integration user.'),
    token_env: envName('the Jira API token').optional(),
    password_env: envName("the ServiceNow user's password").optional(),
    company: name().optional().describe('connectwise: the company id you log in with.'),
    public_key_env: envName("the ConnectWise API member's public key").optional(),
    private_key_env: envName("the ConnectWise API member's private key").optional(),
    client_id: name().optional().describe('connectwise: the clientId of your ConnectWise developer account.'),
    token: inlineSecret('token_env: ACME_JIRA_TOKEN'),
    password: inlineSecret('password_env: ACME_SN_PASSWORD'),
    public_key: inlineSecret('public_key_env: NO_CW_PUBLIC'),
    private_key: inlineSecret('private_key_env: NO_CW_PRIVATE'),
  })
  .meta({ title: 'Ticketing credentials', description: 'Secrets only by environment variable name.' });

/** One ticketing system the engagement's incidents are kept in step with, both ways (src/ticketing/). */
export const TicketingSchema = z
  .strictObject({
    id: id('ticketing id').describe('Unique among ticketing entries.'),
    system: z.enum(TICKETING_SYSTEMS).describe('jira, servicenow or connectwise.'),
    side: side().describe('Whose system it is: internal or partner (shown in the UI; decides nothing else).'),
    url: parsed(parseHttpUrl, 'an https:// URL', { pattern: '^https?://' }).describe("Base URL of the system's API."),
    auth: TicketingAuthSchema,
    project: name().optional().describe('jira: the project key tickets are created in, e.g. OPS.'),
    issue_type: name().optional().describe('jira: the issue type, e.g. Incident.'),
    assignment_group: name().optional().describe('servicenow: the assignment group of new incidents.'),
    board: name().optional().describe('connectwise: the service board.'),
    company: name().optional().describe('connectwise: the company (client) tickets are filed under.'),
    sync: z
      .strictObject({
        priorities: z.array(priorityName()).optional().describe('Priorities that get a ticket; default all.'),
        functions: z.array(functionName()).optional().describe('Functions of coverage.functions that get a ticket; default all.'),
      })
      .optional()
      .meta({ title: 'Ticketing sync', description: 'Which incidents get a ticket; default all.' }),
    priorities: z
      .record(priorityName(), name())
      .optional()
      .describe("Tandem priority -> the system's priority name, e.g. { P1: Highest, P2: High }."),
    inbound_key: parsed(parseIntegrationKey, 'an inbound key (quoted)', { pattern: INTEGRATION_KEY_PATTERN }).describe(
      "Secret key of this system's webhooks: POST /integrations/ticketing/{inbound_key}; unique across all engagements.",
    ),
    inbound_secret_env: envName(
      'the secret this system signs its webhooks with (X-Hub-Signature: sha256=...); jira and servicenow',
    ).optional(),
  })
  .meta({ title: 'Ticketing system' });

/** The `security:` section. */
export const SecuritySchema = z
  .strictObject({
    rules: z.array(name()).optional().describe('Sigma rule files or folders, relative to the engagement file.'),
    suppress: duration().optional().describe('One detection per rule and group key in this window; later hits join it. Default 10m.'),
    syslog: z
      .array(
        z
          .strictObject({
            from: name().describe('Sender addresses, an IPv4 or IPv6 CIDR, e.g. "10.20.0.0/16".'),
            service: ref('service').describe('The service (with a security integration) its events belong to.'),
            logsource: LogsourceSchema,
          })
          .meta({ title: 'Syslog source' }),
      )
      .optional()
      .describe('Devices that only speak syslog (tandem serve --syslog-port), mapped by sender address.'),
  })
  .meta({ title: 'Security', description: 'Sigma detection over security events.' });

/** The `vulnerabilities:` section. */
export const VulnerabilitiesSchema = z
  .strictObject({
    deadlines: z
      .strictObject({
        critical: duration().optional(),
        high: duration().optional(),
        medium: duration().optional(),
        low: duration().optional(),
      })
      .optional()
      .describe('Remediation deadline from first seen, per severity; default critical 15d, high 30d, medium 90d, low 180d.'),
    kev: z
      .enum(['due_date', 'ignore'])
      .optional()
      .describe('due_date (default): a CVE in the KEV catalog is due by the earlier of its KEV due date and the deadline.'),
  })
  .meta({ title: 'Vulnerabilities', description: 'Remediation deadlines of vulnerability findings.' });

const raci = () => z.enum(RACI).describe('R responsible, A accountable, C consulted, I informed.');

/** One activity of `scope:`: its id, the functions it applies to and each side's RACI letter. */
export const ScopeActivitySchema = z
  .strictObject({
    id: id('activity id').describe(
      'incident_response, change_priority, security_response and schedule_overrides bind product actions; any other id documents.',
    ),
    function: z
      .union([functionName(), z.array(functionName())])
      .optional()
      .describe('Functions of coverage.functions it applies to; default every function (security_response: security).'),
    internal: raci(),
    partner: raci(),
  })
  .meta({ title: 'Scope activity' });

/** The `scope:` section: who may do what (RACI per activity). */
export const ScopeSchema = z
  .strictObject({
    activities: z
      .array(ScopeActivitySchema)
      .describe("Activities and each side's RACI letter; R or A may perform a bound activity, C or I may read and add notes."),
  })
  .meta({ title: 'Scope', description: 'The written division of work that permissions follow.' });

/** The `engagement:` block: identity, time zone, holidays, contract. */
export const EngagementSectionSchema = z
  .strictObject({
    id: parsed(parseSlug, 'a slug like "acme"', { pattern: SLUG_PATTERN }).describe('Unique slug of the engagement.'),
    name: name().describe('Client organization name.'),
    timezone: timeZone().describe('Default IANA time zone of everything in the file.'),
    holidays: z
      .strictObject({
        country: parsed(parseHolidayRegion, 'a country code like "US" or "US-NY"', { pattern: HOLIDAY_REGION_PATTERN })
          .optional()
          .describe('Public holidays of this country, optionally a region: "US" or "US-NY".'),
        extra: z
          .array(parsed(parseDate, 'a date like "2026-12-24"', { pattern: DATE_PATTERN }))
          .optional()
          .describe('Company closures, whole days (YYYY-MM-DD).'),
      })
      .optional()
      .meta({ title: 'Holidays' }),
    contract: z
      .strictObject({
        monthly_fee: z.number().min(0).describe('What the partner bills per month; service credits are a share of it.'),
        currency: parsed(parseCurrency, 'a currency code like "USD"', { pattern: CURRENCY_PATTERN }).describe('ISO 4217 code, e.g. USD.'),
      })
      .optional()
      .meta({ title: 'Contract', description: 'Required when an SLA has credits.' }),
  })
  .meta({ title: 'Engagement' });

const versionError = unlessMissing(
  (input) => `unsupported version ${show(input)}: this Tandem reads engagement files of version 1; write "version: 1"`,
);

/** The whole engagement file. */
export const EngagementFileSchema = z
  .strictObject({
    version: z.literal(1, { error: versionError }).describe('Format version; 1.'),
    engagement: EngagementSectionSchema,
    sides: z
      .strictObject({
        internal: z.strictObject({ name: name().describe('Name of the in-house IT team.') }),
        partner: z.strictObject({ name: name().describe('Name of the managed service provider.') }),
      })
      .meta({ title: 'Sides' }),
    people: z.array(PersonSchema).describe('Everyone who can be paged, of both sides.'),
    teams: z.array(TeamSchema).optional().describe('Teams: members of one side, notified together.'),
    schedules: z.array(ScheduleSchema).optional().describe('On-call schedules: rotations and overrides.'),
    coverage: CoverageSchema,
    routing: RoutingSchema,
    escalation_policies: z
      .array(EscalationPolicySchema)
      .min(1)
      .describe('How incidents escalate, tier by tier, until someone acknowledges.'),
    services: z.array(ServiceSchema).describe('Monitored services; each belongs to a function of coverage.functions.'),
    priorities: PrioritiesSchema,
    slas: z.array(SlaSchema).optional().describe('What each side has promised.'),
    ticketing: z
      .array(TicketingSchema)
      .optional()
      .describe('Ticketing systems (Jira, ServiceNow, ConnectWise) incidents are kept in step with, both ways.'),
    security: SecuritySchema.optional(),
    vulnerabilities: VulnerabilitiesSchema.optional(),
    scope: ScopeSchema.optional(),
    risk: RiskSectionSchema.optional(),
    status_page: StatusPageSchema.optional(),
    maintenance: MaintenanceSchema.optional(),
  })
  .meta({ title: 'Tandem engagement file (version 1)' });

export type EngagementFileInput = z.input<typeof EngagementFileSchema>;
export type PersonOut = z.output<typeof PersonSchema>;
export type TeamOut = z.output<typeof TeamSchema>;
export type ScheduleOut = z.output<typeof ScheduleSchema>;
export type FunctionCoverageOut = z.output<typeof FunctionCoverageSchema>;
export type OverflowOut = z.output<typeof OverflowSchema>;
export type WindowOut = z.output<typeof WindowSchema>;
export type RoutingSideOut = z.output<typeof RoutingSideSchema>;
export type EscalationPolicyOut = z.output<typeof EscalationPolicySchema>;
export type ServiceOut = z.output<typeof ServiceSchema>;
export type PrioritiesOut = z.output<typeof PrioritiesSchema>;
export type SlaOut = z.output<typeof SlaSchema>;
export type TicketingOut = z.output<typeof TicketingSchema>;
export type SecurityOut = z.output<typeof SecuritySchema>;
export type VulnerabilitiesOut = z.output<typeof VulnerabilitiesSchema>;
export type ScopeOut = z.output<typeof ScopeSchema>;
export type ScopeActivityOut = z.output<typeof ScopeActivitySchema>;
export type EngagementSectionOut = z.output<typeof EngagementSectionSchema>;
export type EngagementFileOutput = z.output<typeof EngagementFileSchema>;
export type SidesOut = z.output<typeof EngagementFileSchema.shape.sides>;

/** The JSON Schema's $id: a name, not a download location (editors load the schema from wherever the $schema modeline points). */
export const SCHEMA_ID = 'urn:tandem:engagement-file:v1';

let jsonSchema: object | undefined;

/**
 * The JSON Schema (draft 2020-12) of the engagement file, generated from the
 * same zod schema the loader validates with, with titles and descriptions on
 * keys for editor completion (VS Code's YAML extension:
 * `# yaml-language-server: $schema=./engagement.schema.json`). Deep-frozen.
 */
export function engagementJsonSchema(): object {
  if (jsonSchema === undefined) {
    const generated = z.toJSONSchema(EngagementFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
    const { $schema, ...rest } = generated;
    jsonSchema = deepFreeze({
      $schema,
      $id: SCHEMA_ID,
      ...rest,
      description:
        'A co-managed IT engagement for Tandem: the two sides, people, teams, schedules, coverage, routing, escalation, services, priorities, SLAs and ticketing systems.',
    });
  }
  return jsonSchema;
}
