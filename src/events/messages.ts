/**
 * What the timeline says when an event moves an alert or opens an incident.
 * The sentences live here so the plan (plan.ts) reads as decisions; the
 * wording is part of the audit trail, so changing it changes the evidence.
 */
import type { PriorityDecision } from '../priority/priority.js';

/** "pagerduty event": how the action reached Tandem. */
export const via = (integrationType: string): string => `${integrationType} event`;

export const retriggered = (dedupKey: string, summary: string): string =>
  `Trigger for the open alert "${dedupKey}" added to its log: ${summary}. Nobody paged again.`;

/** A security detection's later hit within the suppress window, after the detection was resolved. */
export const suppressed = (dedupKey: string, summary: string, sinceMs: number): string =>
  `Detection "${dedupKey}" hit again ${Math.max(0, Math.round(sinceMs / 60_000))} min after it opened, within its suppress window: added to its log (${summary}). It stays resolved; nobody paged.`;

export const joinedGroup = (dedupKey: string, integrationType: string, summary: string): string =>
  `Alert "${dedupKey}" joined the incident (same ${integrationType} group): ${summary}`;

export const incidentOpened = (serviceName: string, summary: string, decision: PriorityDecision): string =>
  `Incident opened on ${serviceName}: ${summary}. Priority ${decision.priority} (${decision.reason})${decision.pages ? '' : `; ${decision.priority} pages nobody`}.`;

export const alertOpened = (dedupKey: string, integrationType: string, summary: string): string =>
  `Alert "${dedupKey}" opened by a ${via(integrationType)}: ${summary}`;

export const acknowledgeEvent = (dedupKey: string): string => `Acknowledge event for alert "${dedupKey}"`;

export const resolveEvent = (dedupKey: string): string => `Resolve event for alert "${dedupKey}"`;

/** The `via` of the incident resolved because its last open alert was. */
export const lastAlertResolved = (integrationType: string): string => `its last alert resolved by a ${via(integrationType)}`;
