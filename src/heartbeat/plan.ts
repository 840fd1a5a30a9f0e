/**
 * Heartbeats, the dead-man switch (issue 13): what a beat and a deadline do,
 * decided here as pure functions of (watch, now, configuration); the store
 * writes what they decide (store.ts), the beat command (beat.ts) and the
 * engine module (module.ts) call them.
 *
 * A heartbeat integration is watched from its first beat. Each beat sets the
 * deadline to `beat + every + grace`, with the file's `every` and `grace` at
 * that beat (so a changed `every` takes effect on the next beat). A deadline
 * that passes with no beat opens one incident on the service through the
 * normal event path (a trigger event with the heartbeat's dedup key), and the
 * watch goes silent: more silence opens nothing more. The next beat writes a
 * resolve event for that dedup key and watches again. An integration no
 * longer in the file (or moved to another engagement) is not watched any
 * more; its open incident, if any, is left to people.
 */
import { createHash } from 'node:crypto';
import type { IntegrationRef } from '../deployment/deployment.js';
import { defaultGrace } from '../engagement/heartbeat.js';
import type { Severity } from '../engagement/model.js';
import type { AlertAction } from '../events/event.js';

export const HEARTBEAT_STATES = ['watching', 'silent', 'unwatched'] as const;
/**
 * watching: a deadline is pending; silent: the deadline passed and the
 * incident was opened (the next beat resolves it); unwatched: the
 * integration left the file (the next beat, if it comes back, watches again).
 */
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];

/** A heartbeat's watch, as its row holds it. */
export interface Watch {
  readonly state: HeartbeatState;
  /** The service of the last beat (where the incident opens, and the resolve goes). */
  readonly serviceId: string;
  readonly lastBeatAt: number;
  readonly dueAt: number;
  readonly silentSince: number | null;
}

/** A heartbeat integration as the file says it now. */
export interface HeartbeatConfig {
  readonly serviceId: string;
  readonly serviceName: string;
  /** What the title calls it: the integration's `name`, else the key's hint ("key …rp-1", as the API shows keys). */
  readonly label: string;
  readonly every: { readonly text: string; readonly ms: number };
  readonly grace: { readonly text: string; readonly ms: number };
}

/** The severity of a silence's trigger: like a generic alert's default, so the priority follows the service's criticality. */
export const SILENCE_SEVERITY: Severity = 'error';

/** The hint of a key the API and titles show (never the key: it is a secret that can keep a dead job looking alive). */
export function keyHint(key: string): string {
  return `…${key.slice(-4)}`;
}

/**
 * The heartbeat configuration of `ref` for a watch of `engagementId`, or
 * undefined when the key is no longer a heartbeat of that engagement.
 */
export function heartbeatConfig(ref: IntegrationRef | undefined, engagementId: string): HeartbeatConfig | undefined {
  if (ref === undefined || ref.type !== 'heartbeat' || ref.engagement.id !== engagementId) return undefined;
  const integration = ref.service.integrations.find((i) => i.key === ref.key);
  const every = integration?.every;
  if (every === undefined) return undefined;
  const grace = integration?.grace ?? defaultGrace(every);
  return {
    serviceId: ref.service.id,
    serviceName: ref.service.name,
    label: integration?.name ?? `key ${keyHint(ref.key)}`,
    every: { text: every.text, ms: every.ms },
    grace: { text: grace.text, ms: grace.ms },
  };
}

/**
 * How long the engine may go without looking for passed deadlines after a
 * look that found the earliest pending one (or none). A beat sets its
 * deadline at least 10s after itself (`every` is at least 10s), so a deadline
 * written after a look cannot come due sooner than 10s after it; half of that
 * covers clocks that differ between instances and beats committed just after
 * the look. The events loop runs a pass per batch of events: without this, a
 * storm would also be a storm of heartbeat queries.
 */
export const LOOK_AGAIN_MS = 5_000;

/** What the engine learnt at its last look: when it looked, and the earliest deadline still pending then. */
export interface LastLook {
  readonly at: number;
  readonly nextDue: number | null;
}

/** Whether the engine must look for passed deadlines at `now`. */
export function mustLook(now: number, last: LastLook | undefined): boolean {
  if (last === undefined || now < last.at || now >= last.at + LOOK_AGAIN_MS) return true;
  return last.nextDue !== null && now >= last.nextDue;
}

/** When the engine should look next, as far as the last look tells (undefined: ask the database). */
export function nextLook(now: number, last: LastLook | undefined): number | undefined {
  if (last === undefined || mustLook(now, last)) return undefined;
  return Math.min(last.at + LOOK_AGAIN_MS, last.nextDue ?? Number.POSITIVE_INFINITY);
}

/** When the silence after a beat at `at` opens an incident. */
export function deadline(at: number, config: Pick<HeartbeatConfig, 'every' | 'grace'>): number {
  return at + config.every.ms + config.grace.ms;
}

/** What a beat does: the watch after it, and the service to resolve the silence's incident on when it was silent. */
export interface BeatPlan {
  readonly next: Watch;
  readonly resolveOn?: string;
}

/** A beat at `at`: watch (again) from now; a silent watch's incident is resolved where it was opened. */
export function planBeat(previous: Watch | undefined, at: number, config: HeartbeatConfig): BeatPlan {
  const next: Watch = { state: 'watching', serviceId: config.serviceId, lastBeatAt: at, dueAt: deadline(at, config), silentSince: null };
  return previous?.state === 'silent' ? { next, resolveOn: previous.serviceId } : { next };
}

/** What the engine does with a watch at `now`. */
export type DuePlan =
  /** Nothing: not watched, or its deadline is still ahead (`until`, when watching). */
  | { readonly kind: 'wait'; readonly until: number | null }
  /** The integration left the file: stop watching. */
  | { readonly kind: 'unwatch' }
  /** The deadline passed: open the incident (once: the claim is conditional on the watch as read). */
  | { readonly kind: 'open'; readonly serviceId: string; readonly title: string; readonly silentForMs: number };

export function planDue(watch: Watch, now: number, config: HeartbeatConfig | undefined): DuePlan {
  if (watch.state !== 'watching') return { kind: 'wait', until: null };
  if (now < watch.dueAt) return { kind: 'wait', until: watch.dueAt };
  if (config === undefined) return { kind: 'unwatch' };
  const silentForMs = now - watch.lastBeatAt;
  return { kind: 'open', serviceId: config.serviceId, title: silenceTitle(config, silentForMs), silentForMs };
}

/** "No heartbeat from Payment processing API (nightly export) for 6m": what went silent and for how long. */
export function silenceTitle(config: Pick<HeartbeatConfig, 'serviceName' | 'label'>, silentForMs: number): string {
  return `No heartbeat from ${config.serviceName} (${config.label}) for ${silenceText(silentForMs)}`.slice(0, 1024);
}

/** A length of silence in its two largest units, rounded down: "45s", "6m", "1m 48s", "2h 5m", "3d 4h". */
export function silenceText(ms: number): string {
  const units: ReadonlyArray<readonly [string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  let rest = Math.max(0, Math.floor(ms / 1000) * 1000);
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p, i) => i === 0 || !p.startsWith('0'));
  return shown.length > 0 ? shown.join(' ') : '0s';
}

/** The dedup key of a heartbeat's silences: stable per engagement and key, and not the key itself (a secret). */
export function heartbeatDedupKey(engagementId: string, key: string): string {
  return `heartbeat:${createHash('sha256').update(`${engagementId}\n${key}`).digest('hex').slice(0, 16)}`;
}

const iso = (t: number): string => new Date(t).toISOString();

/** The trigger a silence writes: the title, and in its details what was expected and when the last beat came. */
export function silenceTrigger(
  engagementId: string,
  key: string,
  watch: Watch,
  config: HeartbeatConfig,
  plan: { readonly title: string; readonly silentForMs: number },
): AlertAction {
  return {
    type: 'alert',
    action: 'trigger',
    dedupKey: heartbeatDedupKey(engagementId, key),
    summary: plan.title,
    severity: SILENCE_SEVERITY,
    source: 'tandem heartbeat',
    details: {
      heartbeat: {
        name: config.label,
        key_hint: keyHint(key),
        every: config.every.text,
        grace: config.grace.text,
        last_beat_at: iso(watch.lastBeatAt),
        due_at: iso(watch.dueAt),
        silent_for: silenceText(plan.silentForMs),
      },
    },
  };
}

/** The resolve the next beat writes. */
export function beatResolve(engagementId: string, key: string): AlertAction {
  return { type: 'alert', action: 'resolve', dedupKey: heartbeatDedupKey(engagementId, key) };
}
