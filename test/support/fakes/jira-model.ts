/**
 * The in-memory Jira behind the Jira fake: issues of one project, a To Do -> In Progress -> Done workflow whose
 * transition ids differ per fake (the sync must look them up by target status category), the JQL subset the sync
 * sends, and Jira Cloud's response shapes. Kept apart from the HTTP plumbing in jira.ts so each stays small.
 */

/** Jira's three status categories, as `GET .../transitions` reports them in `to.statusCategory`. */
export type StatusCategoryKey = 'new' | 'indeterminate' | 'done';

/** One status of the workflow. */
export interface FakeStatus {
  readonly id: string;
  readonly name: string;
  readonly category: StatusCategoryKey;
}

/** One comment as stored (body in Atlassian Document Format, as sent). */
export interface FakeComment {
  readonly id: string;
  readonly body: unknown;
  readonly created: string;
}

/** One issue as stored. */
export interface FakeIssue {
  readonly id: string;
  readonly key: string;
  readonly project: string;
  summary: string;
  issueType: string;
  description: unknown;
  labels: string[];
  priority: string;
  status: FakeStatus;
  readonly comments: FakeComment[];
  readonly created: string;
  updated: string;
}

const CATEGORIES: Record<StatusCategoryKey, { id: number; colorName: string; name: string }> = {
  new: { id: 2, colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, colorName: 'green', name: 'Done' },
};

/** The workflow's statuses, in order; transition ids come from the fake's options. */
export const STATUSES: readonly FakeStatus[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'Done', category: 'done' },
];

/** Jira's error body: `{ errorMessages, errors }`. */
export function jiraError(messages: readonly string[], errors: Record<string, string> = {}): object {
  return { errorMessages: [...messages], errors };
}

/** A status as Jira's StatusDetails, with its category. */
export function statusDetails(base: string, status: FakeStatus): object {
  const category = CATEGORIES[status.category];
  return {
    self: `${base}/rest/api/3/status/${status.id}`,
    description: '',
    iconUrl: `${base}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: { self: `${base}/rest/api/3/statuscategory/${category.id}`, key: status.category, ...category },
  };
}

/** The issue as `GET /rest/api/3/issue/{key}` and search answer it. */
export function issueJson(base: string, issue: FakeIssue): object {
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    key: issue.key,
    self: `${base}/rest/api/3/issue/${issue.id}`,
    fields: {
      summary: issue.summary,
      issuetype: { name: issue.issueType },
      project: { key: issue.project },
      description: issue.description,
      labels: issue.labels,
      priority: { name: issue.priority },
      status: statusDetails(base, issue.status),
      created: issue.created,
      updated: issue.updated,
      comment: {
        comments: issue.comments.map((c) => commentJson(base, issue, c)),
        maxResults: issue.comments.length,
        total: issue.comments.length,
        startAt: 0,
      },
    },
  };
}

/** A comment as Jira answers it. */
export function commentJson(base: string, issue: FakeIssue, comment: FakeComment): object {
  const author = { accountId: '5b10a2844c20165700ede21g', displayName: 'Tandem integration', active: true };
  return {
    self: `${base}/rest/api/3/issue/${issue.id}/comment/${comment.id}`,
    id: comment.id,
    author,
    updateAuthor: author,
    body: comment.body,
    created: comment.created,
    updated: comment.created,
    jsdPublic: true,
  };
}

/** True when a value is an Atlassian Document Format document (`{ type: 'doc', version: 1, content: [...] }`). */
export function isAdf(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const doc = value as { type?: unknown; version?: unknown; content?: unknown };
  return doc.type === 'doc' && doc.version === 1 && Array.isArray(doc.content);
}

/** One clause of the JQL subset: a field compared with one or several values. */
interface Clause {
  readonly field: 'project' | 'labels' | 'key' | 'status' | 'statuscategory';
  readonly values: readonly string[];
  readonly negate: boolean;
}

const VALUE = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z0-9_.-]+`;
const CLAUSE = new RegExp(
  String.raw`^\s*(project|labels|key|issuekey|status|statusCategory)\s*(=|!=|in|not in)\s*(\((?:\s*(?:${VALUE})\s*,?)+\)|${VALUE})\s*$`,
  'i',
);

function unquote(token: string): string {
  const t = token.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

/**
 * Parses the JQL the sync sends: clauses `field = v`, `field != v`, `field in (a, b)`, `field not in (...)` on
 * project, labels, key, status and statusCategory, joined by AND, with an optional ORDER BY. Anything else answers
 * an error message as Jira words it; the fake answers 400 with it.
 */
export function parseJql(jql: string): { clauses: Clause[] } | { error: string } {
  const [where = ''] = jql.split(/\s+order\s+by\s+/i);
  if (where.trim() === '') return { error: 'The JQL query is empty; the fake needs at least one clause.' };
  const clauses: Clause[] = [];
  for (const part of where.split(/\s+AND\s+/i)) {
    const m = CLAUSE.exec(part);
    if (m === null) return { error: `Error in the JQL Query: the fake cannot parse "${part.trim()}".` };
    const [, rawField = '', op = '', rawValue = ''] = m;
    const lower = rawField.toLowerCase();
    const field = (lower === 'issuekey' ? 'key' : lower) as Clause['field'];
    const list = rawValue.startsWith('(') ? (rawValue.slice(1, -1).match(new RegExp(VALUE, 'g')) ?? []) : [rawValue];
    clauses.push({ field, values: list.map(unquote), negate: op.startsWith('!') || op.toLowerCase().startsWith('not') });
  }
  return { clauses };
}

function fieldValues(issue: FakeIssue, field: Clause['field']): string[] {
  switch (field) {
    case 'project':
      return [issue.project];
    case 'labels':
      return issue.labels;
    case 'key':
      return [issue.key, issue.id];
    case 'status':
      return [issue.status.name, issue.status.id];
    case 'statuscategory':
      return [issue.status.category, CATEGORIES[issue.status.category].name];
  }
}

/** True when an issue satisfies every clause (case-insensitive values, as JQL compares them). */
export function matchesJql(issue: FakeIssue, clauses: readonly Clause[]): boolean {
  return clauses.every((clause) => {
    const have = new Set(fieldValues(issue, clause.field).map((v) => v.toLowerCase()));
    const hit = clause.values.some((v) => have.has(v.toLowerCase()));
    return clause.negate ? !hit : hit;
  });
}

/** The priorities a Jira site has by default (Jira Cloud's five), as `GET /rest/api/3/priority` lists them. */
export const DEFAULT_PRIORITIES: readonly string[] = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];

/** The issue types the fake's project has by default. */
export const DEFAULT_ISSUE_TYPES: readonly string[] = ['Incident', 'Task', 'Bug'];

/** What the fake's site and project look like to the check (`tandem ticketing check`). */
export interface FakeSite {
  readonly email: string;
  readonly displayName: string;
  readonly project: string;
  readonly issueTypes: readonly string[];
  readonly priorities: readonly string[];
  /** The status categories each issue type's workflow reaches; an issue type not named has all three. */
  readonly workflows: Readonly<Record<string, readonly StatusCategoryKey[]>>;
}

/** The signed-in user, as `GET /rest/api/3/myself` answers it. */
export function userJson(base: string, site: FakeSite): object {
  const accountId = '5b10a2844c20165700ede21g';
  return {
    self: `${base}/rest/api/3/user?accountId=${accountId}`,
    accountId,
    accountType: 'atlassian',
    emailAddress: site.email,
    displayName: site.displayName,
    active: true,
    timeZone: 'Europe/Berlin',
    locale: 'en_US',
  };
}

function issueTypeId(index: number): string {
  return String(10001 + index);
}

/** The project, as `GET /rest/api/3/project/{key}` answers it (issue types included, as Jira does). */
export function projectJson(base: string, site: FakeSite): object {
  return {
    expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
    self: `${base}/rest/api/3/project/10000`,
    id: '10000',
    key: site.project,
    name: `${site.project} operations`,
    projectTypeKey: 'software',
    simplified: false,
    style: 'classic',
    isPrivate: false,
    issueTypes: site.issueTypes.map((name, i) => ({
      self: `${base}/rest/api/3/issuetype/${issueTypeId(i)}`,
      id: issueTypeId(i),
      description: `A ${name.toLowerCase()}.`,
      iconUrl: `${base}/images/icons/issuetypes/generic.png`,
      name,
      subtask: false,
      hierarchyLevel: 0,
    })),
  };
}

/** The statuses of each issue type of the project, as `GET /rest/api/3/project/{key}/statuses` answers them. */
export function projectStatusesJson(base: string, site: FakeSite): object[] {
  return site.issueTypes.map((name, i) => {
    const categories = site.workflows[name] ?? ['new', 'indeterminate', 'done'];
    return {
      self: `${base}/rest/api/3/issuetype/${issueTypeId(i)}`,
      id: issueTypeId(i),
      name,
      subtask: false,
      statuses: STATUSES.filter((s) => categories.includes(s.category)).map((s) => statusDetails(base, s)),
    };
  });
}

/** The site's priorities, as `GET /rest/api/3/priority` answers them. */
export function prioritiesJson(base: string, site: FakeSite): object[] {
  return site.priorities.map((name, i) => ({
    self: `${base}/rest/api/3/priority/${i + 1}`,
    statusColor: '#cfcfcf',
    description: `${name} priority.`,
    iconUrl: `${base}/images/icons/priorities/${name.toLowerCase()}.svg`,
    name,
    id: String(i + 1),
  }));
}
