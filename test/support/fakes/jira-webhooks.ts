/**
 * The bodies Jira Cloud's admin webhooks post, as Atlassian documents them
 * (developer.atlassian.com, "Webhooks": `timestamp`, `webhookEvent`, `user`,
 * `issue` with its fields, `changelog.items[{field, fromString, toString}]`,
 * `comment` for comment events, whose `body` is wiki markup text), built
 * from the fake's issues so a test posts what Jira would have posted.
 */
import { randomUUID } from 'node:crypto';
import type { FakeIssue } from './jira-model.js';

/** A Jira user as webhooks show one (the email only when the user's profile shows it). */
export interface WebhookUser {
  readonly accountId: string;
  readonly displayName: string;
  readonly emailAddress?: string;
}

function issueJson(base: string, issue: FakeIssue): Record<string, unknown> {
  return {
    id: issue.id,
    self: `${base}/rest/api/2/issue/${issue.id}`,
    key: issue.key,
    fields: {
      summary: issue.summary,
      labels: issue.labels,
      status: {
        self: `${base}/rest/api/2/status/${issue.status.id}`,
        name: issue.status.name,
        id: issue.status.id,
        statusCategory: { id: 0, key: issue.status.category, name: issue.status.category },
      },
    },
  };
}

function userJson(base: string, user: WebhookUser): Record<string, unknown> {
  return { self: `${base}/rest/api/2/user?accountId=${user.accountId}`, active: true, timeZone: 'America/New_York', ...user };
}

/** `jira:issue_updated` after `user` moved the issue from `from` to its current status. */
export function issueUpdated(base: string, issue: FakeIssue, user: WebhookUser, from: string): Record<string, unknown> {
  return {
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    user: userJson(base, user),
    issue: issueJson(base, issue),
    changelog: {
      id: String(Math.floor(Math.random() * 1e6)),
      items: [
        {
          field: 'status',
          fieldtype: 'jira',
          fieldId: 'status',
          from: '1',
          fromString: from,
          to: issue.status.id,
          toString: issue.status.name,
        },
      ],
    },
  };
}

/** `comment_created` by `user` on the issue. */
export function commentCreated(
  base: string,
  issue: FakeIssue,
  user: WebhookUser,
  comment: { id: string; body: string },
): Record<string, unknown> {
  const author = userJson(base, user);
  return {
    timestamp: Date.now(),
    webhookEvent: 'comment_created',
    comment: {
      self: `${base}/rest/api/2/issue/${issue.id}/comment/${comment.id}`,
      id: comment.id,
      author,
      body: comment.body,
      updateAuthor: author,
      created: new Date().toISOString(),
      updated: new Date().toISOString(),
      jsdPublic: true,
    },
    issue: issueJson(base, issue),
  };
}

/** The headers of one delivery; a retry of it sends the same identifier. */
export function deliveryHeaders(identifier: string = randomUUID()): Record<string, string> {
  return { 'x-atlassian-webhook-identifier': identifier, 'user-agent': 'Atlassian Webhook HTTP Client' };
}
