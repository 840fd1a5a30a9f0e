/**
 * What the server process does with an error nothing caught (issue 8, point
 * 2): a stray rejected promise is logged and the server keeps serving; an
 * uncaught exception is logged and the process exits 1 for its supervisor to
 * restart. Each runs in a real child process, with the compiled module.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths.js';

const policy = pathToFileURL(join(ROOT, 'dist/server/process-policy.js')).href;
const pino = pathToFileURL(join(ROOT, 'node_modules/pino/pino.js')).href;

function child(body: string) {
  const script = `
    const { installProcessPolicy } = await import(${JSON.stringify(policy)});
    const { default: pino } = await import(${JSON.stringify(pino)});
    let rejections = 0;
    installProcessPolicy(pino({ base: null }), { unhandledRejection: () => rejections++ });
    ${body}
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

describe('the process policy', () => {
  it('logs an unhandled rejection, counts it, and keeps serving', () => {
    const res = child(`
      void Promise.reject(new Error('a stray rejection'));
      setTimeout(() => { console.log('still serving after ' + rejections + ' rejection'); }, 50);
    `);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('unhandled promise rejection');
    expect(res.stdout).toContain('a stray rejection');
    expect(res.stdout).toContain('still serving after 1 rejection');
  });

  it('logs an uncaught exception and exits 1, so the supervisor restarts a clean process', () => {
    const res = child(`
      setTimeout(() => { throw new Error('state unknown'); }, 10);
      setTimeout(() => { console.log('should not get here'); }, 2000);
    `);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('uncaught exception');
    expect(res.stdout).toContain('state unknown');
    expect(res.stdout).not.toContain('should not get here');
  });
});
