/**
 * Who a single sign-on stands for: the identity provider's claims (email,
 * groups) mapped onto the engagements this server runs. A verified email that
 * is a person's `contact.email` in an engagement makes the sign-in that person
 * there; a group named in the deployment's group mapping grants a role, on one
 * engagement or on every engagement the person belongs to. Pure: the routes
 * decide nothing themselves.
 */
import type { Engagement } from '../engagement/model.js';
import { ROLES } from '../token/token.js';
import type { Role } from '../token/token.js';

/** One `--oidc-group GROUP=ROLE[@ENGAGEMENT]`: members of the group get the role on the engagement (or on each of their own). */
export interface GroupRule {
  readonly group: string;
  readonly role: Role;
  /** Undefined: every engagement where the signed-in email is a person. */
  readonly engagement: string | undefined;
}

export interface SsoMapping {
  /** The role of a person found by email, before any group raises it. */
  readonly personRole: Role;
  readonly groups: readonly GroupRule[];
}

/** The claims that matter, read from the validated ID token. */
export interface SsoClaims {
  readonly subject: string;
  readonly email: string | undefined;
  /** `email_verified`; an email explicitly unverified is not used. */
  readonly emailVerified: boolean | undefined;
  readonly groups: readonly string[];
}

export type SsoDecision =
  | {
      readonly ok: true;
      readonly role: Role;
      readonly engagements: readonly string[];
      readonly personId: string | null;
      /** The label of the token the session stands for (`tandem token list` shows it). */
      readonly label: string;
    }
  | { readonly ok: false; readonly reason: string };

/** Higher is more: viewer < responder < admin. */
function rank(role: Role): number {
  return ROLES.length - ROLES.indexOf(role);
}

/** The usable email: present and not explicitly unverified, lower-cased. */
function usableEmail(claims: SsoClaims): string | undefined {
  if (!claims.email || claims.emailVerified === false) return undefined;
  return claims.email.trim().toLowerCase();
}

/**
 * The engagements, role and person a sign-in maps to. A session carries one
 * role for all its engagements (like a token), so it gets the lowest of the
 * roles its engagements grant: no engagement gets more than its mapping says.
 */
export function ssoDecision(claims: SsoClaims, engagements: readonly Engagement[], mapping: SsoMapping): SsoDecision {
  const email = usableEmail(claims);
  const grants = new Map<string, Role>();
  const grant = (engagement: string, role: Role) => {
    const had = grants.get(engagement);
    if (had === undefined || rank(role) > rank(had)) grants.set(engagement, role);
  };
  let personId: string | null = null;
  const memberOf: string[] = [];
  for (const e of [...engagements].sort((a, b) => a.id.localeCompare(b.id))) {
    const person = email === undefined ? undefined : e.people.find((p) => p.contact.email?.trim().toLowerCase() === email);
    if (!person) continue;
    memberOf.push(e.id);
    personId ??= person.id;
    grant(e.id, mapping.personRole);
  }
  const known = new Set(engagements.map((e) => e.id));
  for (const rule of mapping.groups) {
    if (!claims.groups.includes(rule.group)) continue;
    for (const id of rule.engagement === undefined ? memberOf : [rule.engagement]) if (known.has(id)) grant(id, rule.role);
  }
  const who = email ?? claims.email ?? `subject ${claims.subject}`;
  if (grants.size === 0) {
    const why =
      claims.email && email === undefined
        ? `the identity provider says ${claims.email} is not verified`
        : `${who} is not a person of any engagement here, and none of its groups is mapped to one`;
    return { ok: false, reason: why };
  }
  const roles = [...grants.values()];
  const role = roles.reduce((low, r) => (rank(r) < rank(low) ? r : low));
  return { ok: true, role, engagements: [...grants.keys()].sort(), personId, label: `sso ${who}` };
}

/** Parses one `GROUP=ROLE[@ENGAGEMENT]` (the group may itself hold `=`, like an LDAP DN); throws a message naming what is wrong. */
export function parseGroupRule(text: string): GroupRule {
  const eq = text.lastIndexOf('=');
  const m = /^([a-z]+)(?:@([^@=\s]+))?$/.exec(text.slice(eq + 1).trim());
  const group = text.slice(0, Math.max(eq, 0)).trim();
  if (eq < 0 || !m || group === '') throw new Error(`"${text}" is not GROUP=ROLE or GROUP=ROLE@ENGAGEMENT`);
  const [, role = '', engagement] = m;
  if (!(ROLES as readonly string[]).includes(role)) throw new Error(`"${text}": role "${role}" is not one of ${ROLES.join(', ')}`);
  return { group, role: role as Role, engagement };
}
