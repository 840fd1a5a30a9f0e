/**
 * `tandem route`: explains, without a server, who an incident on a service
 * would page at an instant: the coverage window, the owning side, the policy,
 * and each tier resolved to the people it would page then.
 */
import { formatDiagnostic, loadEngagements } from '../engagement/index.js';
import { lookup } from '../engagement/model.js';
import type { Engagement } from '../engagement/model.js';
import { explainRoute } from '../routing/route.js';
import { governingActivities } from '../scope/scope.js';
import type { RouteExplanation } from '../routing/route.js';
import { isoWithOffset, looksLikeInstant, parseInstantIn } from './instant.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';

const HELP = `Usage: tandem route --config FILE --service ID --at ISO8601 [--engagement ID] [--json]

Explains which side owns an incident on SERVICE opened at the instant, which
escalation policy runs, and who each tier would page then (schedules resolved
to the people on call). --at takes an instant with an offset or Z
(2026-11-24T23:47:00-05:00), or a local time without one (2026-11-24T23:47),
read in the engagement's time zone. The answer shows the instant with its offset,
and, when the engagement has a scope section, the activities that govern the
service's incidents with each side's RACI letter (R or A may act; C or I may
read and add notes).`;

/** Runs `tandem route`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'route', HELP, args, {
    config: { type: 'string', multiple: true },
    service: { type: 'string' },
    at: { type: 'string' },
    engagement: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.config?.length || !values.service || !values.at) {
    io.err(`tandem route: --config, --service and --at are required\n\n${HELP}`);
    return 2;
  }
  const atText = values.at;
  if (!looksLikeInstant(atText)) {
    io.err(
      `tandem route: --at "${atText}" is not an ISO 8601 instant (e.g. 2026-11-24T23:47:00-05:00, or 2026-11-24T23:47 in the engagement's time zone)`,
    );
    return 2;
  }
  const { loaded, diagnostics } = await loadEngagements(values.config);
  if (diagnostics.length) {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    return 1;
  }
  const candidates = loaded
    .filter((l) => !values.engagement || l.engagement.id === values.engagement)
    .flatMap((l) => l.engagement.services.filter((s) => s.id === values.service).map((s) => ({ engagement: l.engagement, service: s })));
  const match = candidates[0];
  if (!match) {
    io.err(
      `tandem route: no service "${values.service}"${values.engagement ? ` in engagement ${values.engagement}` : ''}; services: ${loaded.flatMap((l) => l.engagement.services.map((s) => s.id)).join(', ')}`,
    );
    return 1;
  }
  if (candidates.length > 1) {
    io.err(`tandem route: service "${values.service}" is in several engagements; pick one with --engagement`);
    return 2;
  }
  const e = match.engagement;
  // Without an offset, --at is a time in the engagement's zone (validated above, so never undefined).
  const at = parseInstantIn(atText, e.timezone) ?? Number.NaN;
  const x = explainRoute(e, match.service, at);
  const scope = governingActivities(e, match.service.function).map((a) => ({ activity: a.id, internal: a.internal, partner: a.partner }));
  if (values.json) {
    io.out(JSON.stringify({ ...x, at: isoWithOffset(at, e.timezone), timezone: e.timezone, scope }, null, 2));
    return 0;
  }
  io.out(routeText(e, x, at));
  if (e.scope !== undefined) io.out(scopeText(match.service.function, scope));
  return 0;
}

/** "  scope (infrastructure): incident_response internal A, partner R; change_priority internal A, partner C". */
function scopeText(fn: string, scope: ReadonlyArray<{ activity: string; internal: string; partner: string }>): string {
  const entries = scope.map((s) => `${s.activity} internal ${s.internal}, partner ${s.partner}`);
  return `  scope (${fn}): ${entries.length === 0 ? 'no activity binds this function: both sides may act' : entries.join('; ')}`;
}

/** The human answer: the instant, the reason, each tier with who it pages, repeats and overflow. */
function routeText(e: Engagement, x: RouteExplanation, at: number): string {
  const name = lookup(e).personName;
  const local = new Date(at).toLocaleString('en-US', { timeZone: e.timezone, dateStyle: 'full', timeStyle: 'short' });
  const lines = [`${x.service} at ${local} (${e.timezone})`, `  ${x.reason}`];
  for (const t of x.tiers) {
    const who =
      [...t.people.map(name), ...t.team_addresses].join(', ') ||
      `nobody${t.empty_schedules.length ? ` (gap in ${t.empty_schedules.join(', ')})` : ''}`;
    lines.push(`  tier ${t.tier} at +${t.after_s / 60}m: ${t.targets.join(', ')} -> ${who}`);
  }
  if (x.repeat) lines.push(`  then ${x.repeat} more pass${x.repeat > 1 ? 'es' : ''}, every ${(x.pass_length_s ?? 0) / 60}m`);
  if (x.overflow) {
    lines.push(
      `  overflow: if nobody acknowledges within ${x.overflow.after_s / 60}m, ${x.overflow.to}'s policy ${x.overflow.policy ?? '(none)'} starts too:`,
    );
    for (const t of x.overflow.tiers) {
      const who = [...t.people.map(name), ...t.team_addresses].join(', ') || 'nobody';
      lines.push(`    tier ${t.tier} at +${(x.overflow.after_s + t.after_s) / 60}m: ${t.targets.join(', ')} -> ${who}`);
    }
  }
  return lines.join('\n');
}
