/**
 * The ticketing section from the command line, as a user meets it: `tandem
 * validate` points at a secret written inline and exits 1; `tandem serve`
 * refuses to start, in one line, when a variable the section names is unset.
 * Spawns dist/ (build with `npx tsc -p tsconfig.json`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, FIXTURES } from '../support/paths.js';

const DIR = join(FIXTURES, 'engagements', 'ticketing');

/** Runs the CLI with only the environment given (plus PATH), so no variable of this shell leaks in. */
const tandem = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 });

describe('ticketing from the command line', () => {
  it('tandem validate prints the diagnostic of an inline secret at its position and exits 1', () => {
    const file = join(DIR, 'inline-secret.yaml');
    const res = tandem({}, 'validate', file);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      `${file}:67:47: secrets never go in the engagement file: name an environment variable instead, e.g. token_env: ACME_JIRA_TOKEN`,
    ]);
  });

  it('tandem validate accepts a valid section', () => {
    const res = tandem({}, 'validate', join(DIR, 'ok.yaml'));
    expect(res.status, res.stderr).toBe(0);
  });

  it('tandem serve refuses to start when a variable the section names is unset, naming each in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-ticketing-'));
    try {
      const env = { TINY_SN_PASSWORD: 'p', MSP_CW_PUBLIC: 'pub' };
      const res = tandem(env, 'serve', '--config', join(DIR, 'ok.yaml'), '--db', `sqlite:${join(dir, 't.db')}`, '--port', '0');
      expect(res.status).toBe(1);
      expect(res.stderr.trim()).toBe(
        'tandem serve: missing environment variables named by ticketing: TINY_JIRA_TOKEN (engagement tiny, ticketing tiny-jira), MSP_CW_PRIVATE (engagement tiny, ticketing msp-cw); set them and start again',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
