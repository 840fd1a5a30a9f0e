/**
 * The heartbeat decisions as tables of fixed instants: the deadline a beat
 * sets, what a beat does to a silent watch, what the engine does with a watch
 * at an instant (wait, open once, stop watching), the title, and the default
 * grace.
 */
import { describe, expect, it } from 'vitest';
import { Deployment } from '../deployment/deployment.js';
import { MIN_EVERY_MS, defaultGrace } from '../engagement/heartbeat.js';
import { loadEngagementText } from '../engagement/load.js';
import type { Duration } from '../engagement/model.js';
import { parseDuration } from '../engagement/duration.js';
import {
  beatResolve,
  deadline,
  heartbeatConfig,
  heartbeatDedupKey,
  LOOK_AGAIN_MS,
  mustLook,
  nextLook,
  planBeat,
  planDue,
  silenceText,
  silenceTitle,
  silenceTrigger,
} from './plan.js';
import type { HeartbeatConfig, Watch } from './plan.js';
import { readFileSync } from 'node:fs';

const T0 = Date.parse('2026-11-24T12:00:00Z');
const S = 1_000;
const M = 60_000;
const H = 3_600_000;

function d(text: string): Duration {
  const p = parseDuration(text);
  if (!p.ok) throw new Error(p.error);
  return p.value;
}

const CONFIG: HeartbeatConfig = {
  serviceId: 'erp',
  serviceName: 'ERP',
  label: 'nightly export',
  every: { text: '5m', ms: 5 * M },
  grace: { text: '1m', ms: M },
};

const watching = (lastBeatAt: number, config = CONFIG): Watch => ({
  state: 'watching',
  serviceId: 'erp',
  lastBeatAt,
  dueAt: deadline(lastBeatAt, config),
  silentSince: null,
});

describe('the deadline a beat sets: beat + every + grace', () => {
  it.each([
    { every: '5m', grace: '1m', due: 6 * M },
    { every: '10s', grace: '0s', due: 10 * S },
    { every: '1d', grace: '1h', due: 25 * H },
    { every: '90s', grace: '18s', due: 108 * S },
  ])('every $every, grace $grace: due $due ms after the beat', ({ every, grace, due }) => {
    expect(deadline(T0, { every: d(every), grace: d(grace) })).toBe(T0 + due);
  });
});

describe('a beat', () => {
  it.each<{ name: string; previous: Watch | undefined; resolveOn: string | undefined }>([
    { name: 'the first beat starts watching', previous: undefined, resolveOn: undefined },
    { name: 'a beat while watching moves the deadline', previous: watching(T0 - 2 * M), resolveOn: undefined },
    {
      name: 'a beat after the deadline, before the engine looked, moves it (no incident)',
      previous: watching(T0 - 10 * M),
      resolveOn: undefined,
    },
    {
      name: 'a beat of a silent heartbeat resolves its incident on the service it opened on',
      previous: { state: 'silent', serviceId: 'erp-old', lastBeatAt: T0 - 20 * M, dueAt: T0 - 14 * M, silentSince: T0 - 14 * M },
      resolveOn: 'erp-old',
    },
    {
      name: 'a beat of an unwatched heartbeat (back in the file) watches again',
      previous: { state: 'unwatched', serviceId: 'erp', lastBeatAt: T0 - H, dueAt: T0 - 54 * M, silentSince: null },
      resolveOn: undefined,
    },
  ])('$name', ({ previous, resolveOn }) => {
    const plan = planBeat(previous, T0, CONFIG);
    expect(plan.next).toEqual({ state: 'watching', serviceId: 'erp', lastBeatAt: T0, dueAt: T0 + 6 * M, silentSince: null });
    expect(plan.resolveOn).toBe(resolveOn);
  });

  it('takes the every and grace of the file at the beat (a reload takes effect on the next beat)', () => {
    const longer = { ...CONFIG, every: { text: '1h', ms: H } };
    expect(planBeat(watching(T0 - M), T0, longer).next.dueAt).toBe(T0 + H + M);
  });
});

describe('a watch at an instant', () => {
  const beat = T0;
  it.each<{ name: string; watch: Watch; at: number; config: HeartbeatConfig | undefined; expected: unknown }>([
    {
      name: 'before the deadline: wait for it',
      watch: watching(beat),
      at: beat + 5 * M,
      config: CONFIG,
      expected: { kind: 'wait', until: beat + 6 * M },
    },
    {
      name: 'one millisecond before: still wait',
      watch: watching(beat),
      at: beat + 6 * M - 1,
      config: CONFIG,
      expected: { kind: 'wait', until: beat + 6 * M },
    },
    {
      name: 'at the deadline: open, titled with the silence',
      watch: watching(beat),
      at: beat + 6 * M,
      config: CONFIG,
      expected: { kind: 'open', serviceId: 'erp', title: 'No heartbeat from ERP (nightly export) for 6m', silentForMs: 6 * M },
    },
    {
      name: 'found late (a restart): open, with the silence as long as it is',
      watch: watching(beat),
      at: beat + 47 * M + 12 * S,
      config: CONFIG,
      expected: {
        kind: 'open',
        serviceId: 'erp',
        title: 'No heartbeat from ERP (nightly export) for 47m 12s',
        silentForMs: 47 * M + 12 * S,
      },
    },
    {
      name: 'the key moved to another service: open there',
      watch: watching(beat),
      at: beat + 6 * M,
      config: { ...CONFIG, serviceId: 'erp-2', serviceName: 'ERP 2' },
      expected: { kind: 'open', serviceId: 'erp-2', title: 'No heartbeat from ERP 2 (nightly export) for 6m', silentForMs: 6 * M },
    },
    {
      name: 'due, but no longer in the file: stop watching',
      watch: watching(beat),
      at: beat + 6 * M,
      config: undefined,
      expected: { kind: 'unwatch' },
    },
    {
      name: 'silent: nothing more (one incident per silence)',
      watch: { ...watching(beat), state: 'silent', silentSince: beat + 6 * M },
      at: beat + 3 * H,
      config: CONFIG,
      expected: { kind: 'wait', until: null },
    },
    {
      name: 'unwatched: nothing',
      watch: { ...watching(beat), state: 'unwatched' },
      at: beat + 3 * H,
      config: CONFIG,
      expected: { kind: 'wait', until: null },
    },
  ])('$name', ({ watch, at, config, expected }) => {
    expect(planDue(watch, at, config)).toEqual(expected);
  });
});

describe('the silence in words', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45 * S, '45s'],
    [6 * M, '6m'],
    [6 * M + 400, '6m'],
    [108 * S, '1m 48s'],
    [H, '1h'],
    [2 * H + 5 * M + 30 * S, '2h 5m'],
    [25 * H, '1d 1h'],
    [3 * 86_400_000, '3d'],
  ])('%d ms: %s', (ms, text) => {
    expect(silenceText(ms)).toBe(text);
  });

  it('the title names the service and what sends the beats, never longer than a summary may be', () => {
    expect(silenceTitle({ serviceName: 'Payment processing API', label: 'key …rp-1' }, 6 * M)).toBe(
      'No heartbeat from Payment processing API (key …rp-1) for 6m',
    );
    expect(silenceTitle({ serviceName: 'x'.repeat(2000), label: 'y' }, M)).toHaveLength(1024);
  });
});

describe('the default grace: a fifth of every, 10s..1h', () => {
  it.each([
    ['5m', '1m'],
    ['10s', '10s'],
    ['30s', '10s'],
    ['7m', '84s'],
    ['1h', '12m'],
    ['1d', '1h'],
    ['1.5h', '18m'],
  ])('every %s: grace %s', (every, grace) => {
    const g = defaultGrace(d(every));
    expect(g.text).toBe(grace);
    expect(g.ms).toBe(d(grace).ms);
  });
});

describe('the trigger and resolve a heartbeat writes', () => {
  it('share a dedup key per engagement and key that does not show the key', () => {
    const key = 'hb-erp-secret-1';
    const trigger = silenceTrigger('acme', key, watching(T0), CONFIG, {
      title: 'No heartbeat from ERP (nightly export) for 6m',
      silentForMs: 6 * M,
    });
    expect(trigger).toMatchObject({ action: 'trigger', severity: 'error', summary: 'No heartbeat from ERP (nightly export) for 6m' });
    expect(trigger.details).toEqual({
      heartbeat: {
        name: 'nightly export',
        key_hint: '…et-1',
        every: '5m',
        grace: '1m',
        last_beat_at: '2026-11-24T12:00:00.000Z',
        due_at: '2026-11-24T12:06:00.000Z',
        silent_for: '6m',
      },
    });
    expect(beatResolve('acme', key)).toEqual({ type: 'alert', action: 'resolve', dedupKey: trigger.dedupKey });
    expect(trigger.dedupKey).toMatch(/^heartbeat:[0-9a-f]{16}$/);
    expect(JSON.stringify(trigger)).not.toContain(key);
    expect(heartbeatDedupKey('other', key)).not.toBe(trigger.dedupKey);
  });
});

describe('the configuration of a watch, from the file loaded now', () => {
  const demo = readFileSync('demo/acme.yaml', 'utf8').replace(
    '      - { type: pagerduty, key: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }\n',
    '      - { type: pagerduty, key: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }\n      - { type: heartbeat, key: "hb-shop-0001", every: 5m }\n      - { type: heartbeat, key: "hb-shop-0002", every: 2m, grace: 0s, name: "price feed" }\n',
  );
  const loaded = loadEngagementText(demo, 'acme.yaml');
  const deployment = new Deployment(loaded.engagement ? [{ engagement: loaded.engagement, file: 'acme.yaml', hash: 'h' }] : []);

  it('every, the grace (defaulted) and the label', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(heartbeatConfig(deployment.integration('hb-shop-0001'), 'acme')).toEqual({
      serviceId: 'storefront',
      serviceName: 'Web storefront',
      label: 'key …0001',
      every: { text: '5m', ms: 5 * M },
      grace: { text: '1m', ms: M },
    });
    expect(heartbeatConfig(deployment.integration('hb-shop-0002'), 'acme')).toMatchObject({ label: 'price feed', grace: { ms: 0 } });
  });

  it.each([
    ['a key no longer in the file', 'hb-gone-0001', 'acme'],
    ['a key of another type', '0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'acme'],
    ['a key now in another engagement', 'hb-shop-0001', 'globex'],
  ])('%s: none (not watched)', (_name, key, engagement) => {
    expect(heartbeatConfig(deployment.integration(key), engagement)).toBeUndefined();
  });
});

describe('when the engine looks for passed deadlines', () => {
  const at = T0;
  it.each<{ name: string; now: number; last: { at: number; nextDue: number | null } | undefined; look: boolean; next: number | undefined }>(
    [
      { name: 'never looked (a new server): look', now: at, last: undefined, look: true, next: undefined },
      { name: 'just looked, nothing pending: wait', now: at + S, last: { at, nextDue: null }, look: false, next: at + 5 * S },
      {
        name: '5s after a look: look again (a beat since may be due in 10s)',
        now: at + 5 * S,
        last: { at, nextDue: null },
        look: true,
        next: undefined,
      },
      { name: 'a deadline seen 2s ahead: wait for it', now: at + S, last: { at, nextDue: at + 2 * S }, look: false, next: at + 2 * S },
      { name: 'at the deadline seen: look', now: at + 2 * S, last: { at, nextDue: at + 2 * S }, look: true, next: undefined },
      {
        name: 'a deadline seen an hour ahead: still look every 5s',
        now: at + 4 * S,
        last: { at, nextDue: at + H },
        look: false,
        next: at + 5 * S,
      },
      { name: 'the clock went back (another source of time): look', now: at - S, last: { at, nextDue: null }, look: true, next: undefined },
    ],
  )('$name', ({ now, last, look, next }) => {
    expect(mustLook(now, last)).toBe(look);
    expect(nextLook(now, last)).toBe(next);
  });

  it('no beat can make a deadline the looks miss: every is at least 10s, a look comes at least every 5s', () => {
    expect(LOOK_AGAIN_MS).toBeLessThan(MIN_EVERY_MS);
  });
});
