import { describe, expect, it } from 'vitest';
import { recordingIo } from './io.js';
import { run } from './validate.js';
import { main } from './main.js';

const FIXTURES = 'test/fixtures/engagements';

describe('tandem validate', () => {
  it('prints one summary line per valid engagement and exits 0', async () => {
    const io = recordingIo();
    expect(await run(['demo/acme.yaml', `${FIXTURES}/minimal.yaml`], io)).toBe(0);
    expect(io.stdout).toEqual([
      'demo/acme.yaml: ok: engagement acme (Acme Payments): 6 people, 3 teams, 3 schedules, 4 escalation policies, 4 services, 2 SLAs',
      `${FIXTURES}/minimal.yaml: ok: engagement tiny (Tiny Co): 2 people, 1 team, 1 schedule, 2 escalation policies, 1 service, 0 SLAs`,
    ]);
    expect(io.stderr).toEqual([]);
  });

  it('prints every diagnostic to stderr, sorted by file, line and column, and exits 1', async () => {
    const io = recordingIo();
    expect(await run([`${FIXTURES}/syntax-error.yaml`, `${FIXTURES}/multi-error.yaml`, 'demo/acme.yaml'], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(18);
    expect(io.stderr[0]).toBe(
      `${FIXTURES}/multi-error.yaml:6:13: unknown time zone "Mars/Olympus_Mons": expected an IANA time zone like "America/New_York", "Europe/London" or "UTC"`,
    );
    expect(io.stderr[17]).toMatch(/^test\/fixtures\/engagements\/syntax-error\.yaml:9:11: YAML syntax error: /);
    const positions = io.stderr.map((line) => {
      const [file = '', l = '0', c = '0'] = line.split(':');
      return [file, Number(l), Number(c)] as const;
    });
    const sorted = [...positions].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2]));
    expect(positions).toEqual(sorted);
  });

  it('reads directories and reports clashes across files', async () => {
    const io = recordingIo();
    expect(await run([`${FIXTURES}/dup-key`], io)).toBe(1);
    expect(io.stderr).toEqual([
      `${FIXTURES}/dup-key/b.yaml:54:31: integration key "shared-key-0001" is already used by engagement alpha service web at ${FIXTURES}/dup-key/a.yaml:54:31; keys must be unique across all engagements`,
    ]);
  });

  it('shows help, and exits 2 on bad usage', async () => {
    const help = recordingIo();
    expect(await run(['--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toContain('Usage: tandem validate FILE_OR_DIR...');

    const none = recordingIo();
    expect(await run([], none)).toBe(2);
    expect(none.stderr.join('\n')).toContain('name at least one engagement file or directory');

    const unknown = recordingIo();
    expect(await run(['--frobnicate', 'demo/acme.yaml'], unknown)).toBe(2);
    expect(unknown.stderr.join('\n')).toContain("Unknown option '--frobnicate'");
  });

  it('is reachable through the dispatcher', async () => {
    const io = recordingIo();
    expect(await main(['validate', 'demo/acme.yaml'], io)).toBe(0);
    expect(io.stdout).toHaveLength(1);
  });
});
