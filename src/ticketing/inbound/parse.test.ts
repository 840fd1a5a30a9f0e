/**
 * The webhook parsers, field by field: what each system's body must be, the
 * message that names each bad field, the deliveries that are well formed but
 * change nothing Tandem follows (ignored, so the system gets its 2xx), and
 * what a good one becomes (the change stored in `ticket_inbound`).
 */
import { describe, expect, it } from 'vitest';
import { parseConnectWise, parseInbound, parseJira, parseServiceNow } from './parse.js';
import type { Inbound, InboundChange } from './parse.js';

const SAM = { accountId: '712020:5e8d7c', displayName: 'Sam Okafor' };
const SYS_ID = '9d385017c611228701d22104cc95c371';

/** The body of a Jira status change to `category` ("indeterminate" is In Progress). */
function jiraStatus(category: string | undefined, name = 'In Progress'): Record<string, unknown> {
  return {
    webhookEvent: 'jira:issue_updated',
    user: SAM,
    issue: {
      key: 'OPS-7',
      fields: { status: { name, ...(category === undefined ? {} : { statusCategory: { key: category } }) } },
    },
    changelog: { items: [{ field: 'status', fromString: 'To Do', toString: name }] },
  };
}

function jiraComment(comment: Record<string, unknown>): Record<string, unknown> {
  return { webhookEvent: 'comment_created', user: SAM, issue: { key: 'OPS-7' }, comment: { id: '10077', author: SAM, ...comment } };
}

function snow(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sys_id: SYS_ID, number: 'INC0010001', state: '2', sys_updated_by: 'dana.w', updated_by_name: 'Dana Whitfield', ...extra };
}

function cw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Type: 'ticket', Action: 'updated', ID: 1001, Entity: JSON.stringify({ id: 1001, _info: { updatedBy: 'KLee' } }), ...extra };
}

const errorsOf = (r: Inbound): string[] => (r.ok ? [] : r.errors);
const changeOf = (r: Inbound): InboundChange | undefined => (r.ok && r.kind === 'change' ? r.change : undefined);
const ignoredOf = (r: Inbound): string | undefined => (r.ok && r.kind === 'ignored' ? r.reason : undefined);

/** A body with one key replaced (undefined: removed). */
function set(body: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
  if (value !== undefined) out[key] = value;
  return out;
}

describe('parseJira refuses', () => {
  it.each<[string, unknown, string[]]>([
    ['null', null, ['the body must be a JSON object (a Jira webhook)']],
    ['an array', [jiraStatus('done')], ['the body must be a JSON object (a Jira webhook)']],
    ['a string', 'jira:issue_updated', ['the body must be a JSON object (a Jira webhook)']],
    ['an empty object', {}, ["'webhookEvent' is required", "'issue' is required"]],
    ['webhookEvent null', set(jiraStatus('done'), 'webhookEvent', null), ["'webhookEvent' is required"]],
    ['webhookEvent empty', set(jiraStatus('done'), 'webhookEvent', '  '), ["'webhookEvent' must not be empty"]],
    ['webhookEvent a boolean', set(jiraStatus('done'), 'webhookEvent', true), ["'webhookEvent' must be a string, not boolean"]],
    ['webhookEvent an array', set(jiraStatus('done'), 'webhookEvent', ['x']), ["'webhookEvent' must be a string, not an array"]],
    ['webhookEvent an object', set(jiraStatus('done'), 'webhookEvent', {}), ["'webhookEvent' must be a string, not object"]],
    // JSON.parse('1e400') is Infinity: a number, but not one a string can stand for.
    ['webhookEvent Infinity', set(jiraStatus('done'), 'webhookEvent', Infinity), ["'webhookEvent' must be a string, not number"]],
    ['issue a string', set(jiraStatus('done'), 'issue', 'OPS-7'), ["'issue' must be an object"]],
    ['issue an array', set(jiraStatus('done'), 'issue', [{ key: 'OPS-7' }]), ["'issue' must be an object"]],
    ['issue without key', set(jiraStatus('done'), 'issue', {}), ["'issue.key' is required"]],
    ['issue.key empty', set(jiraStatus('done'), 'issue', { key: '' }), ["'issue.key' must not be empty"]],
    ['issue.key a boolean', set(jiraStatus('done'), 'issue', { key: false }), ["'issue.key' must be a string, not boolean"]],
    [
      'changelog.items an object',
      set(jiraStatus('done'), 'changelog', { items: { field: 'status' } }),
      ["'changelog.items' must be an array"],
    ],
    ['changelog a string', set(jiraStatus('done'), 'changelog', 'status'), ["'changelog' must be an object"]],
    ['issue.fields a string', set(jiraStatus('done'), 'issue', { key: 'OPS-7', fields: 'x' }), ["'issue.fields' must be an object"]],
    [
      'issue.fields.status a number',
      set(jiraStatus('done'), 'issue', { key: 'OPS-7', fields: { status: 3 } }),
      ["'issue.fields.status' must be an object"],
    ],
    ['user a string', set(jiraStatus('done'), 'user', 'sam'), ["'user' must be an object"]],
  ])('%s', (_what, body, errors) => {
    expect(errorsOf(parseJira(body))).toEqual(errors);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['without comment', set(jiraComment({}), 'comment', undefined), ["'comment' is required"]],
    ['comment a string', set(jiraComment({}), 'comment', 'hello'), ["'comment' must be an object"]],
    ['without comment.id', jiraComment({ id: undefined, body: 'x' }), ["'comment.id' is required"]],
    ['comment.id empty', jiraComment({ id: ' ', body: 'x' }), ["'comment.id' must not be empty"]],
    ['comment.body missing', jiraComment({}), ["'comment.body' must be a string or an ADF document"]],
    ['comment.body an array', jiraComment({ body: ['x'] }), ["'comment.body' must be a string or an ADF document"]],
    ['comment.body a number', jiraComment({ body: 7 }), ["'comment.body' must be a string or an ADF document"]],
    ['comment.author a string', jiraComment({ body: 'x', author: 'sam' }), ["'comment.author' must be an object"]],
  ])('comment_created %s', (_what, body, errors) => {
    expect(errorsOf(parseJira(body))).toEqual(errors);
  });
});

describe('parseJira ignores', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['another event', set(jiraStatus('done'), 'webhookEvent', 'jira:issue_created'), 'Tandem does not act on jira:issue_created'],
    ['an edited comment', set(jiraComment({ body: 'x' }), 'webhookEvent', 'comment_updated'), 'Tandem does not act on comment_updated'],
    ['an update without a changelog', set(jiraStatus('done'), 'changelog', undefined), 'the update does not change the status'],
    [
      'an update of other fields',
      set(jiraStatus('done'), 'changelog', { items: [{ field: 'summary', toString: 'New title' }, 'status', null] }),
      'the update does not change the status',
    ],
    ['an empty comment', jiraComment({ body: ' \n ' }), 'the comment is empty'],
    [
      'an ADF comment without text',
      jiraComment({ body: { type: 'doc', version: 1, content: [{ type: 'paragraph' }] } }),
      'the comment is empty',
    ],
  ])('%s', (_what, body, reason) => {
    expect(ignoredOf(parseJira(body))).toBe(reason);
  });
});

describe('parseJira reads', () => {
  it.each<[string, string, 'open' | 'in_progress' | 'done']>([
    ['In Progress', 'indeterminate', 'in_progress'],
    ['Done', 'done', 'done'],
    ['To Do', 'new', 'open'],
    ['Triage', 'undefined', 'open'],
  ])('a move to %s (category %s) as %s, the person from user', (name, category, state) => {
    expect(changeOf(parseJira(jiraStatus(category, name)))).toEqual({
      ticketId: 'OPS-7',
      ticketKey: 'OPS-7',
      actor: { name: 'Sam Okafor', login: '712020:5e8d7c' },
      notes: [],
      status: name,
      state,
    });
  });

  it('the email as the login when the profile shows it, and no person when there is no user', () => {
    const withEmail = set(jiraStatus('done'), 'user', { ...SAM, emailAddress: 'sam@acme.example' });
    expect(changeOf(parseJira(withEmail))?.actor).toEqual({ name: 'Sam Okafor', login: 'sam@acme.example' });
    expect(changeOf(parseJira(set(jiraStatus('done'), 'user', undefined)))?.actor).toEqual({ name: null, login: null });
  });

  it('a status change without the status category as "read it back", named from the changelog', () => {
    const body = set(jiraStatus(undefined), 'issue', { key: 'OPS-7' });
    expect(changeOf(parseJira(body))).toMatchObject({ refetch: true, status: 'In Progress' });
    expect(changeOf(parseJira(body))?.state).toBeUndefined();
  });

  it('a changelog item without toString as an empty status name, not a function of Object.prototype', () => {
    const body = { ...set(jiraStatus(undefined), 'issue', { key: 'OPS-7' }), changelog: { items: [{ field: 'status' }] } };
    expect(changeOf(parseJira(body))?.status).toBe('');
  });

  it('numbers where Jira sends strings (an issue key, a comment id)', () => {
    expect(changeOf(parseJira(set(jiraStatus('done'), 'issue', { key: 7, fields: { status: { name: 'Done' } } })))?.ticketKey).toBe('7');
    expect(changeOf(parseJira(jiraComment({ id: 10077, body: 'x' })))?.notes).toEqual([{ id: '10077', text: 'x' }]);
    expect(ignoredOf(parseJira(set(jiraStatus('done'), 'webhookEvent', 5)))).toBe('Tandem does not act on 5');
  });

  it('a comment as a note with its id, by its author (else the user), trimmed', () => {
    expect(changeOf(parseJira(jiraComment({ body: '  Vendor confirms.\n' })))).toEqual({
      ticketId: 'OPS-7',
      ticketKey: 'OPS-7',
      actor: { name: 'Sam Okafor', login: '712020:5e8d7c' },
      notes: [{ id: '10077', text: 'Vendor confirms.' }],
    });
    const noAuthor = jiraComment({ body: 'x', author: undefined });
    delete (noAuthor['comment'] as Record<string, unknown>)['author'];
    expect(changeOf(parseJira({ ...noAuthor, user: { displayName: 'Kim Tan', accountId: 'k1' } }))?.actor).toEqual({
      name: 'Kim Tan',
      login: 'k1',
    });
  });

  it('an ADF comment: paragraphs on their own lines, a hardBreak as a line break, marks and mentions as their text', () => {
    const body = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Card processor ' },
            { type: 'text', text: 'confirms', marks: [{ type: 'strong' }] },
            { type: 'hardBreak' },
            { type: 'text', text: 'an outage.' },
          ],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'ETA 30 min.' }] },
      ],
    };
    expect(changeOf(parseJira(jiraComment({ body })))?.notes).toEqual([
      { id: '10077', text: 'Card processor confirms\nan outage.\nETA 30 min.' },
    ]);
  });

  it('a note over 32,000 characters clipped with an ellipsis; one at the limit kept whole', () => {
    const long = changeOf(parseJira(jiraComment({ body: 'x'.repeat(40_000) })))?.notes[0]?.text ?? '';
    expect(long).toBe(`${'x'.repeat(32_000)}…`);
    expect(changeOf(parseJira(jiraComment({ body: 'y'.repeat(32_000) })))?.notes[0]?.text).toBe('y'.repeat(32_000));
  });
});

describe('parseServiceNow refuses', () => {
  it.each<[string, unknown, string[]]>([
    ['null', null, ['the body must be a JSON object (the Tandem business rule posts one)']],
    ['an array', [snow()], ['the body must be a JSON object (the Tandem business rule posts one)']],
    ['an empty object', {}, ["'sys_id' is required", "'number' is required", "'sys_updated_by' is required"]],
    ['a short sys_id', snow({ sys_id: 'abc123' }), ["'sys_id' must be 32 hexadecimal characters (an incident's sys_id)"]],
    ['an upper-case sys_id', snow({ sys_id: SYS_ID.toUpperCase() }), ["'sys_id' must be 32 hexadecimal characters (an incident's sys_id)"]],
    [
      'an empty sys_id',
      snow({ sys_id: '' }),
      ["'sys_id' must not be empty", "'sys_id' must be 32 hexadecimal characters (an incident's sys_id)"],
    ],
    ['sys_id an object', snow({ sys_id: { value: SYS_ID } }), ["'sys_id' must be a string, not object"]],
    ['number empty', snow({ number: '' }), ["'number' must not be empty"]],
    ['number a boolean', snow({ number: true }), ["'number' must be a string, not boolean"]],
    ['an unknown state', snow({ state: '5' }), [`'state' must be one of 1, 2, 3, 6, 7, 8 (incident states), not "5"`]],
    ['a state by name', snow({ state: 'Resolved' }), [`'state' must be one of 1, 2, 3, 6, 7, 8 (incident states), not "Resolved"`]],
    [
      'a state named like a property of every object',
      snow({ state: 'toString' }),
      [`'state' must be one of 1, 2, 3, 6, 7, 8 (incident states), not "toString"`],
    ],
    ['state __proto__', snow({ state: '__proto__' }), [`'state' must be one of 1, 2, 3, 6, 7, 8 (incident states), not "__proto__"`]],
    ['state an array', snow({ state: ['6'] }), ["'state' must be a string, not an array"]],
    ['work_notes an object', snow({ work_notes: { text: 'x' } }), ["'work_notes' must be a string, not object"]],
    ['comments a boolean', snow({ comments: false }), ["'comments' must be a string, not boolean"]],
    ['without sys_updated_by', snow({ sys_updated_by: undefined }), ["'sys_updated_by' is required"]],
    ['sys_updated_by empty', snow({ sys_updated_by: ' ' }), ["'sys_updated_by' must not be empty"]],
    ['updated_by_name a number out of range', snow({ updated_by_name: -Infinity }), ["'updated_by_name' must be a string, not number"]],
  ])('%s', (_what, body, errors) => {
    expect(errorsOf(parseServiceNow(body))).toEqual(errors);
  });
});

describe('parseServiceNow reads', () => {
  it('neither a state nor a note as ignored (blank notes count as none)', () => {
    expect(ignoredOf(parseServiceNow(snow({ state: undefined })))).toBe('neither a state nor a note');
    expect(ignoredOf(parseServiceNow(snow({ state: null, work_notes: '  ', comments: '' })))).toBe('neither a state nor a note');
  });

  it.each<[string, 'open' | 'in_progress' | 'done', string]>([
    ['1', 'open', 'New'],
    ['2', 'in_progress', 'In Progress'],
    ['3', 'open', 'On Hold'],
    ['6', 'done', 'Resolved'],
    ['7', 'done', 'Closed'],
    ['8', 'done', 'Canceled'],
  ])('state %s as %s (%s)', (value, state, status) => {
    expect(changeOf(parseServiceNow(snow({ state: value })))).toEqual({
      ticketId: SYS_ID,
      ticketKey: 'INC0010001',
      actor: { name: 'Dana Whitfield', login: 'dana.w' },
      notes: [],
      state,
      status,
    });
  });

  it('a state given as a number, as the string it stands for', () => {
    expect(changeOf(parseServiceNow(snow({ state: 6 })))).toMatchObject({ state: 'done', status: 'Resolved' });
    expect(errorsOf(parseServiceNow(snow({ state: 6.5 })))).toEqual([
      `'state' must be one of 1, 2, 3, 6, 7, 8 (incident states), not "6.5"`,
    ]);
  });

  it('work notes and comments both, trimmed, in that order, without ids; each clipped at 32,000 characters', () => {
    const change = changeOf(parseServiceNow(snow({ state: undefined, work_notes: ' BGP flap. ', comments: 'w'.repeat(33_000) })));
    expect(change?.notes).toEqual([
      { id: null, text: 'BGP flap.' },
      { id: null, text: `${'w'.repeat(32_000)}…` },
    ]);
    expect(change?.state).toBeUndefined();
  });

  it('the login as the name when the rule sends no name', () => {
    expect(changeOf(parseServiceNow(snow({ updated_by_name: '' })))?.actor).toEqual({ name: 'dana.w', login: 'dana.w' });
    expect(changeOf(parseServiceNow(snow({ updated_by_name: undefined })))?.actor).toEqual({ name: 'dana.w', login: 'dana.w' });
  });
});

describe('parseConnectWise refuses', () => {
  const ID = "'ID' must be the ticket's id (a positive integer)";
  it.each<[string, unknown, string[]]>([
    ['null', null, ['the body must be a JSON object (a ConnectWise callback)']],
    ['an array', [cw()], ['the body must be a JSON object (a ConnectWise callback)']],
    ['an empty object', {}, ["'Type' is required", "'Action' is required", ID]],
    ['Type empty', cw({ Type: '' }), ["'Type' must not be empty"]],
    ['Type an object', cw({ Type: { name: 'ticket' } }), ["'Type' must be a string, not object"]],
    ['an unknown Action', cw({ Action: 'created' }), [`'Action' must be added, updated or deleted, not "created"`]],
    ['Action in capitals', cw({ Action: 'Updated' }), [`'Action' must be added, updated or deleted, not "Updated"`]],
    ['Action a number', cw({ Action: 1 }), [`'Action' must be added, updated or deleted, not "1"`]],
    ['ID zero', cw({ ID: 0 }), [ID]],
    ['ID negative', cw({ ID: -4 }), [ID]],
    ['ID a fraction', cw({ ID: 1.5 }), [ID]],
    ['ID past 2^53', cw({ ID: 2 ** 53 }), [ID]],
    ['ID with a leading zero', cw({ ID: '01001' }), [ID]],
    ['ID as words', cw({ ID: 'ticket 1001' }), [ID]],
    ['ID an array', cw({ ID: [1001] }), [ID]],
    ['without ID', cw({ ID: undefined }), [ID]],
    ['Entity a number', cw({ Entity: 1001 }), ["'Entity' must be the ticket as a JSON string"]],
    ['Entity an object', cw({ Entity: { id: 1001 } }), ["'Entity' must be the ticket as a JSON string"]],
    ['Entity not JSON', cw({ Entity: '{"id": 1001,' }), ["'Entity' must be the ticket as a JSON string; it is not valid JSON"]],
    ['Entity a JSON array', cw({ Entity: '[1001]' }), ["'Entity' must be the ticket as a JSON string; it is not valid JSON"]],
  ])('%s', (_what, body, errors) => {
    expect(errorsOf(parseConnectWise(body))).toEqual(errors);
  });
});

describe('parseConnectWise reads', () => {
  it('a ticket callback as "read ticket 1001 back", by the member who updated it', () => {
    expect(changeOf(parseConnectWise(cw()))).toEqual({
      ticketId: '1001',
      ticketKey: '#1001',
      actor: { name: 'KLee', login: 'KLee' },
      notes: [],
      refetch: true,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an ID given as a string', cw({ ID: '1001' })],
    ['Type in any case', cw({ Type: 'Ticket' })],
    ['an added ticket', cw({ Action: 'added' })],
  ])('%s', (_what, body) => {
    expect(changeOf(parseConnectWise(body))?.ticketId).toBe('1001');
  });

  it('no member when the Entity is missing, null or does not say who', () => {
    for (const Entity of [undefined, null, '{}', '{"_info": {"updatedBy": 7}}', '{"_info": "KLee"}'])
      expect(changeOf(parseConnectWise(cw({ Entity })))?.actor).toEqual({ name: null, login: null });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another type of callback', cw({ Type: 'company' }), 'Tandem follows ticket callbacks, not company'],
    ['a deleted ticket', cw({ Action: 'deleted' }), 'a deleted ticket changes nothing in Tandem'],
  ])('ignores %s', (_what, body, reason) => {
    expect(ignoredOf(parseConnectWise(body))).toBe(reason);
  });
});

describe('parseInbound', () => {
  it("reads each body as its entry's system", () => {
    expect(changeOf(parseInbound('jira', jiraStatus('done')))?.ticketKey).toBe('OPS-7');
    expect(changeOf(parseInbound('servicenow', snow()))?.ticketKey).toBe('INC0010001');
    expect(changeOf(parseInbound('connectwise', cw()))?.ticketKey).toBe('#1001');
    expect(parseInbound('servicenow', jiraStatus('done')).ok).toBe(false);
  });
});
