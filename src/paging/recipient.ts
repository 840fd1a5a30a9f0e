/**
 * Who a page goes to. Escalation (a tier's people and team addresses) and
 * SLA warnings (the current responders) both name recipients; paging turns
 * each into outbox rows, a person through their notify rules, a team
 * address as one email.
 */

/** One contact to page: a person (through their notify rules) or a team address. */
export type Recipient =
  { readonly kind: 'person'; readonly id: string } | { readonly kind: 'team'; readonly id: string; readonly email: string };
