/**
 * The Slack side of the chat scenarios: the demo engagement with the issue-12
 * scope, where Kim Tan (NightOwl's NOC) is paged in Slack and Slack knows her
 * and Lee Park (Acme IT) by member id; the Slack app's signing secret; the
 * members who click.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlackMember } from './fakes/slack.js';
import { DEMO } from './paths.js';
import { ISSUE_SCOPE_YAML } from './scope.js';

/** The Slack app's signing secret (Basic Information > App Credentials). */
export const SLACK_SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const KIM: SlackMember = { id: 'U0KIMTAN01', name: 'Kim Tan' };
export const LEE: SlackMember = { id: 'U0LEEPARK1', name: 'Lee Park' };
/** In the channel, but no person of the engagement. */
export const STRANGER: SlackMember = { id: 'U0STRANGE1', name: 'Pat Visitor' };
export const KIM_HOOK = 'https://hooks.slack.com/services/T0ACME0001/B0NOC00001/kimtanhookxyz';

/**
 * Writes the demo engagement with the issue-12 scope, Kim paged in Slack (her
 * incoming webhook, her member id) and Lee's member id; returns its path.
 */
export function slackDemo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-slack-'));
  const file = join(dir, 'acme.yaml');
  let yaml = readFileSync(DEMO, 'utf8');
  const kim = /( {2}- id: kim\n {4}name: Kim Tan\n {4}side: partner\n {4}contact: \{ )([^}]*?)\s*\}\n {4}notify:\n(?: {6}- .*\n)+/;
  if (!kim.test(yaml)) throw new Error('the demo has no Kim Tan block as expected');
  yaml = yaml.replace(
    kim,
    (_m, head: string, contact: string) =>
      `${head}${contact}, slack: "${KIM_HOOK}", slack_user: "${KIM.id}" }\n    notify:\n      - { channel: slack, after: 0m }\n`,
  );
  const lee = /(slack: "https:\/\/hooks\.slack\.example\/services\/T000\/B000\/lee")/;
  if (!lee.test(yaml)) throw new Error('the demo has no Slack contact for Lee Park');
  yaml = yaml.replace(lee, `$1, slack_user: "${LEE.id}"`);
  writeFileSync(file, `${yaml}\n${ISSUE_SCOPE_YAML}\n`);
  return file;
}
