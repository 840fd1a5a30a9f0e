/**
 * The one path security events take, over HTTP or syslog: the body read as
 * events, each matched against the engagement's rules, and the request
 * stored whole (the raw body is the evidence, matching or not) with a
 * trigger per detection. What is stored is an ordinary IngestEvent, so the
 * engine, routing, escalation, SLAs and tickets need nothing new.
 */
import type { IntegrationRef } from '../deployment/deployment.js';
import type { Logsource } from '../engagement/model.js';
import type { AlertAction } from '../events/event.js';
import type { SecurityEvent } from './body.js';
import { detect } from './detect.js';

/** What a request or a syslog batch stores: its triggers, and how many events it held (the rate limit's cost). */
export interface SecurityBatch {
  readonly events: number;
  readonly actions: AlertAction[];
}

/** The triggers a batch of events makes on a security integration; `logsource` overrides the integration's (syslog sources). */
export function detectOn(ref: IntegrationRef, events: readonly SecurityEvent[], logsource?: Logsource): SecurityBatch {
  const actions = detect(events, ref.rules, logsource ?? ref.logsource, ref.engagement.security.suppress.ms);
  return { events: events.length, actions };
}

/** The level of the rule a detection came from (for metrics). */
export function detectionLevel(action: AlertAction): string {
  const detection = action.details?.['detection'];
  const rule = typeof detection === 'object' && detection !== null ? (detection as { rule?: { level?: unknown } }).rule : undefined;
  return typeof rule?.level === 'string' ? rule.level : 'unknown';
}
