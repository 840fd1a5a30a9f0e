import { describe, expect, it } from 'vitest';
import { blockKitProblem } from '../../test/support/receivers/http.js';
import { slackPayload } from '../notify/slack.js';
import { redactUrl } from '../server/http.js';
import { bundleMessage, incident, pageMessage } from '../notify/test-fixtures.js';
import type { IncidentState, SlackBlock } from './slack-interaction.js';
import { decodeInteraction, isSlackResponseUrl, stateLine, updatedMessage } from './slack-interaction.js';

const RESPONSE_URL = 'https://hooks.slack.com/actions/T0ACME0001/123/abcdef';

function click(overrides: Record<string, unknown> = {}, action: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: 'U0KIMTAN01', username: 'kim', team_id: 'T0ACME0001' },
    team: { id: 'T0ACME0001', domain: 'nightowl' },
    response_url: RESPONSE_URL,
    message: { type: 'message', text: 'ACME-42 down', ts: '1764045600.000100', blocks: [{ type: 'divider', block_id: 'x' }] },
    actions: [{ type: 'button', action_id: 'acknowledge', block_id: 'tandem-42', value: '42', action_ts: '1764045600.1', ...action }],
    ...overrides,
  };
}
const form = (payload: unknown): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

describe('reading a Slack interaction', () => {
  it('a click on Acknowledge: the action, the incident from the value, the member, the response URL and the message', () => {
    expect(decodeInteraction(form(click()))).toEqual({
      kind: 'click',
      click: {
        action: 'acknowledge',
        incidentId: 42,
        userId: 'U0KIMTAN01',
        responseUrl: RESPONSE_URL,
        message: { text: 'ACME-42 down', blocks: [{ type: 'divider', block_id: 'x' }] },
      },
    });
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['Resolve', 'resolve', { action_id: 'resolve' }],
    ["a bundle's Acknowledge", 'acknowledge', { action_id: 'acknowledge-42' }],
  ])('%s', (_what, action, a) => {
    const decoded = decodeInteraction(form(click({}, a)));
    expect(decoded.kind === 'click' && decoded.click.action).toBe(action);
  });

  it.each<[string, string]>([
    ['the link button Acknowledge all', form(click({}, { action_id: 'acknowledge-all', url: 'https://t/respond/x' }))],
    ['the link button Open in Tandem', form(click({}, { action_id: 'open' }))],
    ['a message shortcut', form({ type: 'message_action', user: { id: 'U1' } })],
    ['a modal submission', form({ type: 'view_submission' })],
  ])('ignores %s', (_what, body) => {
    expect(decodeInteraction(body).kind).toBe('ignored');
  });

  it.each<[string, string, string]>([
    ['no payload field', 'foo=bar', 'payload'],
    ['two payload fields', 'payload=%7B%7D&payload=%7B%7D', 'payload'],
    ['payload not JSON', 'payload=%7Bnope', 'payload'],
    ['payload an array', form([1]), 'payload'],
    ['no type', form({ ...click(), type: undefined }), 'payload.type'],
    ['no user', form(click({ user: null })), 'payload.user'],
    ['a display name for a member id', form(click({ user: { id: '@kim' } })), 'payload.user.id'],
    ['no actions', form(click({ actions: [] })), 'payload.actions'],
    ['an action that is a string', form(click({ actions: ['acknowledge'] })), 'payload.actions[0]'],
    ['no action_id', form(click({}, { action_id: 7 })), 'payload.actions[0].action_id'],
    ['no value', form(click({}, { value: undefined })), 'payload.actions[0].value'],
    ['a value that is no id', form(click({}, { value: '42; drop table' })), 'payload.actions[0].value'],
    ['id 0', form(click({}, { value: '0' })), 'payload.actions[0].value'],
    ['an id past the database integers', form(click({}, { value: '2147483648' })), 'payload.actions[0].value'],
    ['a bundle button of another incident', form(click({}, { action_id: 'acknowledge-41' })), 'payload.actions[0].value'],
    ['a response URL elsewhere', form(click({ response_url: 'https://evil.example/actions/1' })), 'payload.response_url'],
    ['a plain-http response URL', form(click({ response_url: 'http://hooks.slack.com/actions/1' })), 'payload.response_url'],
    ['a response URL that is a number', form(click({ response_url: 7 })), 'payload.response_url'],
  ])('refuses %s, naming the field', (_what, body, field) => {
    const decoded = decodeInteraction(body);
    expect(decoded).toMatchObject({ kind: 'invalid', field });
  });

  it('acts without a message or a response URL (nothing to update then)', () => {
    const decoded = decodeInteraction(form(click({ message: undefined, response_url: undefined })));
    expect(decoded).toMatchObject({ kind: 'click', click: { message: undefined, responseUrl: undefined } });
  });

  it.each<[string, boolean]>([
    ['https://hooks.slack.com/actions/T1/2/x', true],
    ['https://hooks.slack.com:8443/actions/T1/2/x', false],
    ['https://user:pw@hooks.slack.com/actions/T1/2/x', false],
    ['https://hooks.slack.com.evil.example/actions', false],
    ['not a url', false],
  ])('response URL %s: %s', (url, ok) => {
    expect(isSlackResponseUrl(url)).toBe(ok);
  });
});

const ACKED: IncidentState = {
  number: 'ACME-42',
  status: 'acknowledged',
  acknowledgedBy: 'Kim Tan',
  acknowledgedAt: Date.parse('2026-11-24T04:49:00Z'),
  resolvedBy: undefined,
  resolvedAt: undefined,
};
const RESOLVED: IncidentState = { ...ACKED, status: 'resolved', resolvedBy: 'Lee <Park>', resolvedAt: Date.parse('2026-11-24T05:10:00Z') };

describe('the message after a click', () => {
  it("says who acknowledged and when, in each reader's time zone, and nothing while nobody has", () => {
    const at = (iso: string) => Date.parse(iso) / 1000;
    expect(stateLine(ACKED)).toBe(
      `:eyes: *Acknowledged* by Kim Tan <!date^${at('2026-11-24T04:49:00Z')}^{date_short_pretty} at {time}|2026-11-24 04:49 UTC>`,
    );
    expect(stateLine({ ...ACKED, status: 'waiting_on_vendor' })).toContain('· now waiting on vendor');
    expect(stateLine(RESOLVED)).toBe(
      `:white_check_mark: *Resolved* by Lee &lt;Park&gt; <!date^${at('2026-11-24T05:10:00Z')}^{date_short_pretty} at {time}|2026-11-24 05:10 UTC>`,
    );
    expect(stateLine({ ...ACKED, status: 'triggered' })).toBeUndefined();
  });

  const page = slackPayload(pageMessage({ channel: 'slack' }), { interactive: true });
  const id = incident(42).id;

  it('page, acknowledged: the buttons give way to the line, Resolve stays, Status follows; the rest is as it was', () => {
    const updated = updatedMessage({ text: page.text, blocks: page.blocks }, id, ACKED);
    expect(updated?.replace_original).toBe(true);
    expect(updated?.text).toBe(page.text);
    const blocks = updated?.blocks ?? [];
    expect(blockKitProblem(blocks)).toBeUndefined();
    expect(blocks[0]).toEqual(page.blocks[0]);
    const buttons = blocks.filter((b) => b['type'] === 'actions').flatMap((b) => b['elements'] as SlackBlock[]);
    expect(buttons.map((b) => b['action_id'])).toEqual(['resolve']);
    expect(JSON.stringify(blocks)).toContain('*Acknowledged* by Kim Tan');
    expect(JSON.stringify(blocks)).toContain('*Status*\\nacknowledged');
  });

  it('page, then resolved (from the acknowledged message): one line, no button', () => {
    const acked = updatedMessage({ text: page.text, blocks: page.blocks }, id, ACKED);
    const resolved = updatedMessage({ text: page.text, blocks: acked?.blocks ?? [] }, id, RESOLVED);
    const blocks = resolved?.blocks ?? [];
    expect(blockKitProblem(blocks)).toBeUndefined();
    expect(blocks.filter((b) => b['type'] === 'actions')).toEqual([]);
    const lines = JSON.stringify(blocks);
    expect(lines).toContain('*Resolved* by Lee &lt;Park&gt;');
    expect(lines).not.toContain('*Acknowledged*');
    expect(blocks).toHaveLength(page.blocks.length);
  });

  it('bundle: only that incident loses its button and gains the line', () => {
    const bundle = slackPayload(bundleMessage(3, { channel: 'slack' }), { interactive: true });
    const second = bundleMessage(3).incidents[1]?.id ?? 0;
    const updated = updatedMessage({ text: bundle.text, blocks: bundle.blocks }, second, ACKED);
    const blocks = updated?.blocks ?? [];
    expect(blockKitProblem(blocks)).toBeUndefined();
    const accessories = blocks.map((b) => (b['accessory'] as SlackBlock | undefined)?.['action_id']).filter((a) => a !== undefined);
    expect(accessories).toHaveLength(2);
    expect(accessories).not.toContain(`acknowledge-${second}`);
    expect(blocks).toHaveLength(bundle.blocks.length);
    expect(JSON.stringify(blocks)).toContain('*Acknowledged* by Kim Tan');
  });

  it("a message without Tandem's blocks gets the line at the end; a still-open incident changes nothing", () => {
    const updated = updatedMessage({ text: '', blocks: [{ type: 'divider' }] }, 7, ACKED);
    expect(updated?.blocks).toHaveLength(2);
    expect(updated?.text).toBe('ACME-42 is acknowledged (acknowledged by Kim Tan).');
    expect(updatedMessage({ text: '', blocks: [] }, 7, { ...ACKED, status: 'triggered' })).toBeUndefined();
  });
});

describe('request logs', () => {
  it('keep the interactivity URL (nothing secret in it) and still hide integration keys', () => {
    expect(redactUrl('/integrations/slack/interactions')).toBe('/integrations/slack/interactions');
    expect(redactUrl('/integrations/slack/interactions?x=1')).toBe('/integrations/slack/interactions?x=1');
    expect(redactUrl('/integrations/slack/interactionsX')).toBe('/integrations/slack/[redacted]');
    expect(redactUrl('/integrations/generic/edr-generic-77d2')).toBe('/integrations/generic/[redacted]');
  });
});
