import { describe, expect, it } from 'vitest';
import { recordingIo } from './io.js';
import { run } from './schema.js';

describe('tandem schema', () => {
  it('prints the JSON Schema as pretty JSON', async () => {
    const io = recordingIo();
    expect(await run([], io)).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const printed = io.stdout[0] ?? '';
    expect(printed).toMatch(/^\{\n {2}"\$schema": "https:\/\/json-schema\.org\/draft\/2020-12\/schema",\n/);
    const schema = JSON.parse(printed) as { title?: string; properties?: Record<string, unknown> };
    expect(schema.title).toBe('Tandem engagement file (version 1)');
    expect(Object.keys(schema.properties ?? {})).toContain('escalation_policies');
  });

  it('explains in --help how to use it with VS Code', async () => {
    const io = recordingIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('# yaml-language-server: $schema=./engagement.schema.json');
  });

  it('takes no arguments', async () => {
    const io = recordingIo();
    expect(await run(['extra'], io)).toBe(2);
  });
});
