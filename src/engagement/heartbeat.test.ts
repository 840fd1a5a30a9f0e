/**
 * Heartbeat integrations in the engagement file (issue 13): a valid one
 * normalizes with its grace defaulted, and each broken variant gets its
 * `file:line:col` diagnostic saying what would be right.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadEngagementText } from './index.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');
const LAPTOPS_KEY = '      - { type: generic, key: "helpdesk-generic-1a9b" }\n';
/** Line of the integration added after the laptops' generic one (1-based). */
const LINE = DEMO.slice(0, DEMO.indexOf(LAPTOPS_KEY) + LAPTOPS_KEY.length).split('\n').length;

function load(integration: string) {
  if (!DEMO.includes(LAPTOPS_KEY)) throw new Error('the demo changed: no laptops integration to add after');
  return loadEngagementText(DEMO.replace(LAPTOPS_KEY, `${LAPTOPS_KEY}      - ${integration}\n`), 'configs/acme.yaml');
}

describe('heartbeat integrations', () => {
  it('normalize: every kept, grace defaulted to a fifth (at least 10s, at most 1h), name kept', () => {
    const { engagement, diagnostics } = load('{ type: heartbeat, key: "hb-laptops-1", every: 5m, name: "MDM sync" }');
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    const hb = engagement?.services.find((s) => s.id === 'laptops')?.integrations.find((i) => i.type === 'heartbeat');
    expect(hb).toEqual({
      type: 'heartbeat',
      key: 'hb-laptops-1',
      every: { text: '5m', n: 5, unit: 'm', ms: 300_000 },
      grace: { text: '1m', n: 1, unit: 'm', ms: 60_000 },
      name: 'MDM sync',
    });
  });

  it('a grace given is kept, 0s included', () => {
    const { engagement } = load('{ type: heartbeat, key: "hb-laptops-1", every: 10s, grace: 0s }');
    const hb = engagement?.services.find((s) => s.id === 'laptops')?.integrations.find((i) => i.type === 'heartbeat');
    expect(hb?.every?.ms).toBe(10_000);
    expect(hb?.grace?.ms).toBe(0);
  });

  it('other integrations carry neither every nor grace', () => {
    const { engagement } = load('{ type: generic, key: "gen-laptops-2" }');
    for (const s of engagement?.services ?? []) for (const i of s.integrations) expect(i.every ?? i.grace).toBeUndefined();
  });

  it.each([
    {
      name: 'a heartbeat without every',
      integration: '{ type: heartbeat, key: "hb-laptops-1" }',
      message: `configs/acme.yaml:${LINE}:9: a heartbeat integration needs 'every', how often a beat is expected, e.g. { type: heartbeat, key: "hb-laptops-1", every: 5m }`,
    },
    {
      name: 'every under 10s',
      integration: '{ type: heartbeat, key: "hb-laptops-1", every: 5s }',
      message: 'every 5s is too short for a heartbeat; expected at least 10s',
    },
    {
      name: 'every that is not a duration',
      integration: '{ type: heartbeat, key: "hb-laptops-1", every: often }',
      message: 'bad duration "often"',
    },
    {
      name: 'every as a bare number',
      integration: '{ type: heartbeat, key: "hb-laptops-1", every: 300 }',
      message: 'bad duration "300": expected <number><unit> with unit s, m, h or d (seconds, minutes, hours or days), e.g. "5m"',
    },
    {
      name: 'a grace that is not a duration',
      integration: '{ type: heartbeat, key: "hb-laptops-1", every: 5m, grace: -1m }',
      message: 'bad duration "-1m"',
    },
    {
      name: 'every on an integration of another type',
      integration: '{ type: generic, key: "gen-laptops-2", every: 5m }',
      message:
        "every is a heartbeat's interval; integration of type generic takes alerts when they happen: remove it or use type: heartbeat",
    },
    {
      name: 'grace on an integration of another type',
      integration: '{ type: alertmanager, key: "am-laptops-2", grace: 1m }',
      message: "grace is a heartbeat's interval; integration of type alertmanager",
    },
    {
      name: 'a misspelt key',
      integration: '{ type: heartbeat, key: "hb-laptops-1", every: 5m, grce: 1m }',
      message: 'grce',
    },
  ])('$name', ({ integration, message }) => {
    const { engagement, diagnostics } = load(integration);
    expect(engagement).toBeUndefined();
    const text = diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain(message);
    expect(text).toContain(`configs/acme.yaml:${LINE}:`);
  });
});
