/**
 * The `security:` and `vulnerabilities:` sections (issue 11): the rules that
 * span keys (a syslog source names a service with a security integration, its
 * `from` is a CIDR; only security integrations carry a log source), and
 * their normalized form (rule paths resolved against the file's folder,
 * defaults filled in). The Sigma rules themselves are read by src/sigma/.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Duration, SecurityConfig, VulnerabilityPolicy } from './model.js';
import type { Path } from './source.js';
import type { SecurityOut, ServiceOut, VulnerabilitiesOut } from './schema.js';

function dur(text: string, n: number, unit: 'm' | 'd', ms: number): Duration {
  return Object.freeze({ text, n, unit, ms });
}

const DAY = 86_400_000;
/** One detection per rule and group key in 10 minutes, unless the file says otherwise. */
export const DEFAULT_SUPPRESS = dur('10m', 10, 'm', 600_000);
/** CISA BOD 22-01's spirit and common MSP contracts: critical 15 days, high 30, medium 90, low 180. */
export const DEFAULT_DEADLINES: VulnerabilityPolicy['deadlines'] = Object.freeze({
  critical: dur('15d', 15, 'd', 15 * DAY),
  high: dur('30d', 30, 'd', 30 * DAY),
  medium: dur('90d', 90, 'd', 90 * DAY),
  low: dur('180d', 180, 'd', 180 * DAY),
});

/** Why `text` is not an IPv4 or IPv6 CIDR (a bare address is a /32 or /128), or null. */
export function cidrProblem(text: string): string | null {
  const [address = '', bits, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${text}" is not a CIDR like "10.20.0.0/16" or "2001:db8::/32"`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${text}": the prefix length must be 0..${max}`;
  return null;
}

/** What the security checks need from the rest of the file. */
export interface SecurityContext {
  readonly report: (path: Path, message: string, at?: 'key' | 'value') => void;
  /** Reports an unknown service; returns whether it is known. */
  readonly resolveService: (id: string, path: Path, context: string) => boolean;
}

/** Checks the security section against the services. */
export function checkSecurity(
  security: Partial<SecurityOut> | undefined,
  services: ReadonlyArray<{ index: number; value: Partial<ServiceOut> }>,
  ctx: SecurityContext,
): void {
  for (const { index, value } of services) {
    (value.integrations ?? []).forEach((integration, i) => {
      if (integration.logsource !== undefined && integration.type !== 'security')
        ctx.report(
          ['services', index, 'integrations', i, 'logsource'],
          `logsource tags security events; integration of type ${integration.type} takes alerts, not events: remove it or use type: security`,
          'key',
        );
    });
  }
  (security?.syslog ?? []).forEach((source, i) => {
    const path = ['security', 'syslog', i];
    const problem = cidrProblem(source.from);
    if (problem !== null) ctx.report([...path, 'from'], problem);
    if (!ctx.resolveService(source.service, [...path, 'service'], ` in security.syslog[${i}]`)) return;
    const service = services.find((s) => s.value.id === source.service)?.value;
    if (service !== undefined && !(service.integrations ?? []).some((x) => x.type === 'security'))
      ctx.report(
        [...path, 'service'],
        `service '${source.service}' has no integration of type security to take syslog events; add one, e.g. { type: security, key: "sec-${source.service}-0001" }`,
      );
  });
}

/** The security section in the model's form; `dir` is the engagement file's folder. */
export function normalizeSecurity(security: SecurityOut | undefined, dir: string): SecurityConfig {
  return {
    rules: (security?.rules ?? []).map((r) => resolve(dir, r)),
    suppress: security?.suppress ?? DEFAULT_SUPPRESS,
    syslog: (security?.syslog ?? []).map((s) => ({ from: s.from, service: s.service, logsource: { ...s.logsource } })),
  };
}

/** The vulnerabilities section in the model's form, defaults filled in. */
export function normalizeVulnerabilities(v: VulnerabilitiesOut | undefined): VulnerabilityPolicy {
  return {
    deadlines: {
      critical: v?.deadlines?.critical ?? DEFAULT_DEADLINES.critical,
      high: v?.deadlines?.high ?? DEFAULT_DEADLINES.high,
      medium: v?.deadlines?.medium ?? DEFAULT_DEADLINES.medium,
      low: v?.deadlines?.low ?? DEFAULT_DEADLINES.low,
    },
    kev: v?.kev ?? 'due_date',
  };
}
