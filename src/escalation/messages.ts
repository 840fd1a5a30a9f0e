/**
 * The sentences escalation writes into incident timelines, in one place, so
 * the plan reads as decisions and the wording can be read (and changed)
 * together. Each function only formats; nothing here decides.
 */

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}

/** "Routing: business hours: internal owns infrastructure; policy internal-infra." */
export function routed(reason: string): string {
  return `Routing: ${reason}.`;
}

/** Routing, for a priority that pages nobody. */
export function routedWithoutPaging(reason: string, priority: string): string {
  return `Routing: ${reason}. ${priority} pages nobody (priorities.page).`;
}

/** "Tier 2 of partner-noc (1st pass of 3)": the tier and pass, 1-based; the pass only when the policy repeats. */
export function tierLabel(policyId: string, tier: number, pass: number, passes: number): string {
  return `Tier ${tier + 1} of ${policyId}${passes > 1 ? ` (${ordinal(pass + 1)} pass of ${passes})` : ''}`;
}

/** Who the outbox rows of a page are for, as each notification's reason. */
export function pageReason(label: string, sideName: string): string {
  return `${label}, ${sideName}`;
}

/** A tier was paged; `plan` describes who and how ("Kim Tan (sms), noc@nightowl.example"). */
export function paged(label: string, plan: string): string {
  return `${label}: paging ${plan}.`;
}

/** A tier resolved to nobody; `nextTier` (0-based) is paged at once, when there is one. */
export function skipped(label: string, emptySchedules: readonly string[], nextTier: number | undefined): string {
  const gap = emptySchedules.length ? ` (nobody on call in ${emptySchedules.join(', ')})` : '';
  return `${label}: nobody to page${gap}; skipped${nextTier === undefined ? '' : `, tier ${nextTier + 1} paged now`}.`;
}

/** The escalation stopped because the incident is no longer triggered. */
export function stoppedAnswered(policyId: string, why: 'acknowledged' | 'resolved'): string {
  return `Escalation ${policyId} stopped: the incident was ${why}.`;
}

/** The escalation stopped because its policy or tier left the engagement file (tier 0-based). */
export function stoppedPolicyGone(policyId: string, tier: number): string {
  return `Escalation ${policyId} stopped: the policy or its tier ${tier + 1} is no longer in the engagement file.`;
}

/** Every tier of every pass was paged and nobody acknowledged. */
export function finished(policyId: string, repeat: number): string {
  return `Escalation ${policyId} finished: every tier paged${repeat ? ` ${repeat + 1} times` : ''} and nobody acknowledged.`;
}

/** The owning side did not acknowledge in time; the other side's policy starts (or none, when routing has none). */
export function overflowed(fromName: string, after: string, toName: string, policyId: string | undefined): string {
  return `Overflow: ${fromName} did not acknowledge within ${after}; ${toName}'s policy ${policyId ?? '(none)'} starts.`;
}
