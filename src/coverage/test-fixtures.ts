/**
 * Typed builders for engagements in tests: the demo engagement
 * (shared/spec/engagement.example.yaml) as the normalized model, with any
 * top-level field replaced. Independent of the YAML loader on purpose.
 *
 * Instants in test tables are written either as UTC (`utc("2026-03-08T14:00Z")`)
 * where the exact instant is the point of the test, or as wall-clock time
 * through luxon (`wall("America/New_York", "2026-11-24T23:47")`), an
 * implementation independent of ours, so tests do not grade their own homework.
 */
import { normalizeSecurity, normalizeVulnerabilities } from '../engagement/security.js';
import { DateTime } from 'luxon';
import type { Coverage, Engagement, WeeklyWindow } from '../engagement/model.js';
import { deepFreeze, demoSchedules, dur, weekly } from '../schedule/test-fixtures.js';

export { days, dur, hm, weekly } from '../schedule/test-fixtures.js';

/** An ISO instant with an explicit offset or Z -> epoch ms. */
export function utc(iso: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`bad instant ${iso}`);
  return t;
}

/** A wall-clock time in a zone -> epoch ms (luxon; for unambiguous times only). */
export function wall(zone: string, local: string): number {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${local} in ${zone}: ${dt.invalidExplanation ?? ''}`);
  return dt.toMillis();
}

/** An instant shown as UTC ISO, for readable assertion failures. */
export function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

/** The demo coverage block: business hours mon-fri 08:00-18:00. */
export function demoCoverage(businessHours: WeeklyWindow = weekly('mon-fri', '08:00', '18:00')): Coverage {
  return {
    businessHours,
    functions: {
      infrastructure: { business_hours: 'internal', after_hours: 'partner', weekend: 'partner', holiday: 'partner' },
      cloud: { business_hours: 'partner', after_hours: 'partner', weekend: 'partner', holiday: 'partner' },
      security: { business_hours: 'partner', after_hours: 'partner', weekend: 'partner', holiday: 'partner' },
      end_user: { business_hours: 'internal', after_hours: 'internal', weekend: 'internal', holiday: 'internal' },
    },
    overflow: { after: dur('10m'), to: 'partner', functions: ['infrastructure'] },
  };
}

/** The demo engagement (Acme Payments, America/New_York, US holidays + 12-24 and 12-31), with fields replaced by `over`. Deep-frozen. */
export function buildEngagement(over: Partial<Engagement> = {}): Engagement {
  const s = demoSchedules();
  const base: Engagement = {
    version: 1,
    id: 'acme',
    name: 'Acme Payments',
    timezone: 'America/New_York',
    holidays: { country: 'US', extra: ['2026-12-24', '2026-12-31'] },
    contract: { monthlyFee: 18000, currency: 'USD' },
    sides: { internal: { name: 'Acme IT' }, partner: { name: 'NightOwl MSP' } },
    people: [
      { id: 'dana', name: 'Dana Reyes', side: 'internal', timezone: 'America/New_York', contact: { email: 'dana@acme.example' }, notify: [] },
      { id: 'lee', name: 'Lee Park', side: 'internal', timezone: 'America/New_York', contact: { email: 'lee@acme.example' }, notify: [] },
      { id: 'sam', name: 'Sam Okafor', side: 'partner', timezone: 'Europe/London', contact: { email: 'sam@nightowl.example' }, notify: [] },
      { id: 'kim', name: 'Kim Tan', side: 'partner', timezone: 'America/New_York', contact: { email: 'kim@nightowl.example' }, notify: [] },
      { id: 'ana', name: 'Ana Souza', side: 'partner', timezone: 'America/New_York', contact: { email: 'ana@nightowl.example' }, notify: [] },
      { id: 'mo', name: 'Mo Haddad', side: 'partner', timezone: 'America/New_York', contact: { email: 'mo@nightowl.example' }, notify: [] },
    ],
    teams: [],
    schedules: [s.acmePrimary, s.nocOncall, s.socOncall],
    coverage: demoCoverage(),
    routing: {
      internal: { infrastructure: 'internal-infra', end_user: 'internal-helpdesk' },
      partner: { infrastructure: 'partner-noc', cloud: 'partner-noc', security: 'partner-soc' },
    },
    escalationPolicies: [],
    services: [],
    priorities: {
      matrix: {
        critical: ['P1', 'P1', 'P2', 'P3'],
        error: ['P1', 'P2', 'P3', 'P4'],
        warning: ['P2', 'P3', 'P4', 'P5'],
        info: ['P4', 'P5', 'P5', 'P5'],
      },
      page: ['P1', 'P2', 'P3'],
      order: ['P1', 'P2', 'P3', 'P4', 'P5'],
    },
    slas: [],
    ticketing: [],
    security: normalizeSecurity(undefined, '.'),
    vulnerabilities: normalizeVulnerabilities(undefined),
  };
  return deepFreeze({ ...base, ...over });
}

/** An engagement in another place: zone, holiday country/region and business hours replaced. */
export function engagementIn(
  timezone: string,
  holidays: Engagement['holidays'],
  businessHours: WeeklyWindow = weekly('mon-fri', '08:00', '18:00'),
): Engagement {
  return buildEngagement({ timezone, holidays, coverage: demoCoverage(businessHours) });
}
