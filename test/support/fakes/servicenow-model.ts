/**
 * The in-memory ServiceNow incident the fake keeps, and how ServiceNow shows it: every value a string, reference
 * fields as `{link, value}`, display values on request, `sysparm_query` encoded queries, the incident state model
 * and the default priority lookup (impact x urgency). Split from the server so each stays readable.
 */

/** The fields of an incident the fake knows; all values are strings, as in ServiceNow. */
export const INCIDENT_FIELDS = [
  'sys_id',
  'number',
  'short_description',
  'description',
  'impact',
  'urgency',
  'priority',
  'state',
  'hold_reason',
  'close_code',
  'close_notes',
  'correlation_id',
  'correlation_display',
  'caller_id',
  'assignment_group',
  'assigned_to',
  'category',
  'work_notes',
  'comments',
  'opened_at',
  'resolved_at',
  'closed_at',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
] as const;

/** Fields a client may write (priority is derived; sys_* and number are the instance's). */
export const WRITABLE = new Set([
  'short_description',
  'description',
  'impact',
  'urgency',
  'state',
  'hold_reason',
  'close_code',
  'close_notes',
  'correlation_id',
  'correlation_display',
  'caller_id',
  'assignment_group',
  'assigned_to',
  'category',
  'work_notes',
  'comments',
]);

/** Reference fields (to sys_user / sys_user_group). */
export const REFERENCES: Readonly<Record<string, string>> = {
  caller_id: 'sys_user',
  assignment_group: 'sys_user_group',
  assigned_to: 'sys_user',
};

/** Display values of choice fields. */
export const CHOICES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  state: { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' },
  impact: { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' },
  urgency: { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' },
  priority: { '1': '1 - Critical', '2': '2 - High', '3': '3 - Moderate', '4': '4 - Low', '5': '5 - Planning' },
  hold_reason: { '1': 'Awaiting Caller', '3': 'Awaiting Problem', '4': 'Awaiting Vendor', '5': 'Awaiting Change' },
};

/** Resolution codes of a stock instance. */
export const CLOSE_CODES = new Set([
  'Solution provided',
  'Workaround provided',
  'Resolved by caller',
  'Resolved by change',
  'Resolved by problem',
  'Resolved by request',
  'Known error',
  'Duplicate',
  'User error',
  'No resolution provided',
]);

/** The fields of the tables the sync only reads (its user, its assignment group, the choice lists). */
export const LOOKUP_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  sys_user: new Set(['sys_id', 'user_name', 'name', 'active']),
  sys_user_group: new Set(['sys_id', 'name', 'active']),
  sys_choice: new Set(['sys_id', 'name', 'element', 'value', 'label', 'inactive', 'language']),
};

/** The incident choice lists as sys_choice rows (state, impact, urgency, priority, hold_reason, close_code). */
export function choiceRows(closeCodes: ReadonlySet<string>): Record<string, string>[] {
  const lists: [string, Readonly<Record<string, string>>][] = [
    ...Object.entries(CHOICES),
    ['close_code', Object.fromEntries([...closeCodes].map((c) => [c, c]))],
  ];
  return lists
    .flatMap(([element, choices]) => Object.entries(choices).map(([value, label]) => ({ element, value, label })))
    .map((c, i) => ({
      sys_id: `${i.toString(16).padStart(4, '0')}${'c401'.repeat(7)}`,
      name: 'incident',
      ...c,
      inactive: 'false',
      language: 'en',
    }));
}

/** An incident: field name to string value. */
export type Incident = Record<string, string>;

/** One journal entry (sys_journal_field). */
export interface JournalEntry {
  readonly sys_id: string;
  readonly element_id: string;
  readonly element: 'work_notes' | 'comments';
  readonly value: string;
  readonly name: 'incident';
  readonly sys_created_on: string;
  readonly sys_created_by: string;
}

/** The default priority lookup: impact + urgency (1+1 Critical ... 3+3 Planning). */
export function derivePriority(impact: string, urgency: string): string {
  return String(Math.min(5, Number(impact) + Number(urgency) - 1));
}

/** ServiceNow's glide date-time (UTC): `2026-11-30 06:48:22`. */
export function glideTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** ServiceNow's error envelope. */
export function snowError(message: string, detail: string | null = null): object {
  return { error: { message, detail }, status: 'failure' };
}

/** One clause of an encoded query: `field=value`, `field!=value`, `fieldINa,b`, `fieldISEMPTY`, `fieldISNOTEMPTY`. */
export interface Clause {
  readonly field: string;
  readonly op: '=' | '!=' | 'IN' | 'ISEMPTY' | 'ISNOTEMPTY';
  readonly values: readonly string[];
}

/** Parses a `sysparm_query` (clauses joined by `^`, optional `ORDERBY`/`ORDERBYDESC` terms ignored for order). */
export function parseQuery(query: string, known: ReadonlySet<string>): { clauses: Clause[] } | { error: string } {
  const clauses: Clause[] = [];
  for (const term of query.split('^').filter((t) => t !== '' && t !== 'EQ')) {
    if (term.startsWith('ORDERBY')) continue;
    const m = /^([a-z_]+?)(!=|=|IN|ISNOTEMPTY|ISEMPTY)(.*)$/.exec(term);
    if (m === null) return { error: `the fake cannot read query term '${term}' (use field=value, field!=value, fieldINa,b)` };
    const [, field = '', op = '=', rest = ''] = m;
    if (!known.has(field))
      return { error: `'${field}' is not a field of this table (ServiceNow would ignore the term and match everything)` };
    clauses.push({ field, op: op as Clause['op'], values: op === 'IN' ? rest.split(',') : [rest] });
  }
  return { clauses };
}

/** Whether a record matches every clause. */
export function matches(record: Readonly<Record<string, string>>, clauses: readonly Clause[]): boolean {
  return clauses.every((c) => {
    const v = record[c.field] ?? '';
    if (c.op === 'ISEMPTY') return v === '';
    if (c.op === 'ISNOTEMPTY') return v !== '';
    if (c.op === '!=') return v !== c.values[0];
    return c.values.includes(v);
  });
}

/** How a GET shows records. */
export interface View {
  readonly base: string;
  readonly displayValue: 'true' | 'false' | 'all';
  readonly excludeReferenceLink: boolean;
  readonly fields: readonly string[] | undefined;
}

function display(field: string, value: string): string {
  return CHOICES[field]?.[value] ?? value;
}

/** An incident as the Table API shows it (journal fields always empty). */
export function incidentJson(incident: Incident, view: View): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of view.fields ?? INCIDENT_FIELDS) {
    const value = field === 'work_notes' || field === 'comments' ? '' : (incident[field] ?? '');
    const table = REFERENCES[field];
    if (view.displayValue === 'all') out[field] = { display_value: display(field, value), value };
    else if (view.displayValue === 'true') out[field] = display(field, value);
    else if (table !== undefined && value !== '' && !view.excludeReferenceLink)
      out[field] = { link: `${view.base}/api/now/table/${table}/${value}`, value };
    else out[field] = value;
  }
  return out;
}
