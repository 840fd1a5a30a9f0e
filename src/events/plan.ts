/**
 * What an accepted event does, decided without a database, with PagerDuty's
 * dedup semantics (shared/spec/ingest-contract.md): a trigger for an open
 * alert adds to its log and pages nobody; a trigger with no open alert opens
 * one, on the open incident of its group if it names one, else on a new
 * incident with its priority and owner decided now; acknowledge or resolve
 * with no open alert changes nothing; the last open alert resolving resolves
 * its incident. A change event is recorded beside the incidents.
 *
 * The instant of every decision is when Tandem received the event, not when
 * the engine applies it: MTTA and SLAs must not trust a sender's clock, and a
 * backlog applied late must not move them. The apply module (apply.ts)
 * gathers the inputs (the open alert, the incident), writes the plan, and
 * keeps the batch's view of open alerts current between events.
 */
import type { NewAlertRow, RetriggerUpdate } from '../alert/store.js';
import type { NewChange } from '../change/store.js';
import type { AlertRow, IncidentRow } from '../db/schema.js';
import type { Engagement, Service } from '../engagement/model.js';
import type { OpenedIncident } from '../incident/hooks.js';
import type { Actor } from '../incident/actor.js';
import type { CommandOptions } from '../incident/commands.js';
import type { NewIncident } from '../incident/store.js';
import type { TimelineEntry, TimelineKind } from '../incident/timeline.js';
import type { AlertAction, ChangeAction } from './event.js';
import { priorityFor } from '../priority/priority.js';
import type { PriorityDecision } from '../priority/priority.js';
import { routeIncident } from '../routing/route.js';
import * as say from './messages.js';
import type { EventToApply } from './store.js';

/** As much of an accepted event as deciding needs. */
export type PlannedEvent = Pick<EventToApply, 'id' | 'engagement_id' | 'service_id' | 'integration_type' | 'received_at'>;

/** A timeline entry of a plan; the incident and alert it is about are set when they are written (a new one has no id before). */
export type PlannedEntry = Omit<TimelineEntry, 'incidentId' | 'alertId'>;

/** A new alert, all but the incident it joins (a new incident has no id before it is written). */
export type PlannedAlert = Omit<NewAlertRow, 'incident_id'>;

/** A re-trigger's share of the one update per alert a batch makes: newest summary and details (null keeps the alert's), when. */
export type Retrigger = Omit<RetriggerUpdate, 'id'>;

/** What one alert action does. */
export type AlertPlan =
  | {
      readonly type: 'retrigger';
      readonly alert: AlertRow;
      readonly update: Omit<Retrigger, 'count'>;
      readonly timeline: readonly PlannedEntry[];
    }
  | { readonly type: 'join'; readonly incident: IncidentRow; readonly alert: PlannedAlert; readonly timeline: readonly PlannedEntry[] }
  | {
      readonly type: 'open';
      readonly incident: Omit<NewIncident, 'number'>;
      readonly alert: PlannedAlert;
      /** What the opened hooks (routing, SLA) are told; only when the engagement is loaded. */
      readonly hooks?: Omit<OpenedIncident, 'incident'>;
      readonly timeline: readonly PlannedEntry[];
    }
  | {
      readonly type: 'acknowledge';
      /** The alert after the event. */
      readonly alert: AlertRow;
      readonly incident: IncidentRow;
      /** Whether the alert moves from triggered to acknowledged. */
      readonly alertChanged: boolean;
      readonly actor: Actor;
      /** Set when the incident is acknowledged too (it was triggered). */
      readonly acknowledgeIncident?: CommandOptions;
      readonly timeline: readonly PlannedEntry[];
    }
  | {
      readonly type: 'resolve';
      readonly alert: AlertRow;
      readonly incident: IncidentRow;
      readonly actor: Actor;
      /** Set when this was the incident's last open alert, so the incident resolves too. */
      readonly resolveIncident?: CommandOptions;
      readonly timeline: readonly PlannedEntry[];
    }
  | { readonly type: 'ignore'; readonly reason: string };

/** A change event, recorded as it came. */
export interface ChangePlan {
  readonly type: 'change';
  readonly change: NewChange;
}

/** Everything an alert action is decided from. */
export interface AlertInput {
  readonly event: PlannedEvent;
  readonly action: AlertAction;
  /** The open alert for (engagement, service, dedup key), as the batch knows it now. */
  readonly alert: AlertRow | undefined;
  /** The incident {@link incidentToRead} named, if it exists. */
  readonly incident: IncidentRow | undefined;
  readonly engagement: Engagement | undefined;
  readonly service: Service | undefined;
}

/** The integration that sent the event, as the timeline names it. */
export function eventActor(event: Pick<PlannedEvent, 'integration_type'>): Actor {
  return { type: 'integration', id: event.integration_type, name: `${event.integration_type} integration` };
}

/**
 * The incident an action needs to be decided: the alert's own for acknowledge
 * and resolve; the group's open incident for a trigger that opens an alert
 * and names a group; none otherwise.
 */
export function incidentToRead(
  action: AlertAction,
  alert: AlertRow | undefined,
): { readonly id: number } | { readonly groupKey: string } | undefined {
  if (action.action !== 'trigger') return alert ? { id: alert.incident_id } : undefined;
  // An empty group key groups nothing (it is stored as given on the incident it opens).
  return alert || !action.groupKey ? undefined : { groupKey: action.groupKey };
}

/** What an alert action does. */
export function planAlertAction(input: AlertInput): AlertPlan {
  const { action, alert } = input;
  if (action.action === 'trigger') {
    if (alert) return planRetrigger(input, alert);
    return input.incident ? planJoin(input, input.incident) : planOpen(input);
  }
  // acknowledge / resolve: with no open alert for the key, accepted and nothing changes.
  if (!alert) return { type: 'ignore', reason: `no open alert for "${action.dedupKey}"` };
  if (!input.incident) return { type: 'ignore', reason: `the incident of alert ${alert.id} is not there` };
  return action.action === 'acknowledge' ? planAcknowledge(input, alert, input.incident) : planResolve(input, alert, input.incident);
}

/** A change event as recorded: when the sender says it happened, else when it was received. */
export function planChange(event: PlannedEvent, change: ChangeAction): ChangePlan {
  return {
    type: 'change',
    change: {
      engagement_id: event.engagement_id,
      service_id: event.service_id,
      at: change.occurredAt ?? event.received_at,
      summary: change.summary,
      source: change.source ?? null,
      data: change.details === undefined ? null : JSON.stringify(change.details),
      event_id: event.id,
    },
  };
}

/** Folds one more re-trigger of an alert into the batch's update for it. */
export function foldRetrigger(prior: Retrigger | undefined, next: Omit<Retrigger, 'count'>): Retrigger {
  return { count: (prior?.count ?? 0) + 1, summary: next.summary, details: next.details ?? prior?.details ?? null, at: next.at };
}

function entry(event: PlannedEvent, kind: TimelineKind, message: string, data: Record<string, unknown>): PlannedEntry {
  return { engagementId: event.engagement_id, at: event.received_at, actor: eventActor(event), eventId: event.id, kind, message, data };
}

/** A trigger for an open alert, or (a security detection within its suppress window) for one resolved since: added to its log. */
function planRetrigger({ event, action }: AlertInput, alert: AlertRow): AlertPlan {
  const summary = action.summary ?? alert.summary;
  const message =
    alert.status === 'resolved'
      ? say.suppressed(action.dedupKey, summary, event.received_at - alert.created_at)
      : say.retriggered(action.dedupKey, summary);
  return {
    type: 'retrigger',
    alert: { ...alert, summary },
    update: { summary, details: action.details === undefined ? null : JSON.stringify(action.details), at: event.received_at },
    timeline: [
      entry(event, 'alert.retriggered', message, {
        dedup_key: action.dedupKey,
        summary,
        ...(alert.status === 'resolved' ? { suppressed: true } : {}),
      }),
    ],
  };
}

/** The alert a trigger opens, built once: its details keep the sender's source and time beside its own. */
function newAlert({ event, action }: AlertInput): PlannedAlert {
  const details = {
    ...(action.details ?? {}),
    ...(action.source ? { source: action.source } : {}),
    ...(action.occurredAt ? { occurred_at: new Date(action.occurredAt).toISOString() } : {}),
  };
  return {
    engagement_id: event.engagement_id,
    service_id: event.service_id,
    dedup_key: action.dedupKey,
    status: 'triggered',
    summary: action.summary ?? action.dedupKey,
    severity: action.severity ?? 'error',
    source: action.source ?? null,
    details: Object.keys(details).length ? JSON.stringify(details) : null,
    integration_type: event.integration_type,
    created_at: event.received_at,
    updated_at: event.received_at,
    resolved_at: null,
    event_count: 1,
  };
}

/**
 * What a Sigma detection adds to its `alert.triggered` entry: the rule and its
 * ATT&CK techniques with their names, so the timeline says what was seen
 * ("ATT&CK T1505.003 Server Software Component: Web Shell; tactics Persistence").
 */
export function detectionContext(action: AlertAction): { text: string; data: Record<string, unknown> } | undefined {
  const d = action.details?.['detection'];
  if (typeof d !== 'object' || d === null) return undefined;
  const detection = d as { rule?: { id?: unknown }; attack?: { tactics?: unknown; techniques?: unknown } };
  const techniques = Array.isArray(detection.attack?.techniques)
    ? detection.attack.techniques.flatMap((t: unknown) => {
        const x = t as { id?: unknown; name?: unknown };
        return typeof x.id === 'string' ? [{ id: x.id, name: typeof x.name === 'string' ? x.name : null }] : [];
      })
    : [];
  const tactics = Array.isArray(detection.attack?.tactics)
    ? detection.attack.tactics.filter((t): t is string => typeof t === 'string')
    : [];
  const parts = [
    ...(techniques.length > 0 ? [`ATT&CK ${techniques.map((t) => (t.name === null ? t.id : `${t.id} ${t.name}`)).join(', ')}`] : []),
    ...(tactics.length > 0 ? [`tactics ${tactics.join(', ')}`] : []),
  ];
  const rule = typeof detection.rule?.id === 'string' ? detection.rule.id : null;
  return { text: parts.length > 0 ? ` (${parts.join('; ')})` : '', data: { rule, techniques, tactics } };
}

/** The alert.triggered entry of a new alert: a detection's rule and techniques, when it is one. */
function triggeredEntry(event: PlannedEvent, action: AlertAction, message: string, severity: string): PlannedEntry {
  const detection = detectionContext(action);
  return entry(event, 'alert.triggered', `${message}${detection?.text ?? ''}`, {
    dedup_key: action.dedupKey,
    severity,
    ...(detection === undefined ? {} : { detection: detection.data }),
  });
}

function planJoin(input: AlertInput, incident: IncidentRow): AlertPlan {
  const { event, action } = input;
  const alert = newAlert(input);
  const message = say.joinedGroup(action.dedupKey, event.integration_type, alert.summary);
  return { type: 'join', incident, alert, timeline: [triggeredEntry(event, action, message, alert.severity)] };
}

function planOpen(input: AlertInput): AlertPlan {
  const { event, action, engagement, service } = input;
  const alert = newAlert(input);
  const { summary, severity } = alert;
  const at = event.received_at;
  const criticality = service?.criticality ?? 3;
  const decision: PriorityDecision = engagement
    ? priorityFor(engagement, action.severity ?? 'error', criticality)
    : { priority: 'P3', pages: true, reason: `severity ${severity}; engagement not loaded` };
  // Who owns it is decided at the instant it opens; the routing hook records why.
  const route = engagement && service ? routeIncident(engagement, service, at) : undefined;
  const incident = {
    engagementId: event.engagement_id,
    serviceId: event.service_id,
    title: summary,
    severity,
    priority: decision.priority,
    groupKey: action.groupKey ?? null,
    side: route?.side ?? null,
    at,
  };
  const opened = say.incidentOpened(service?.name ?? event.service_id, summary, decision);
  const timeline = [
    entry(event, 'incident.triggered', opened, {
      priority: decision.priority,
      severity,
      criticality,
      pages: decision.pages,
      service: event.service_id,
    }),
    triggeredEntry(event, action, say.alertOpened(action.dedupKey, event.integration_type, summary), severity),
  ];
  const hooks = engagement ? { engagement, service, pages: decision.pages, ...(route ? { route } : {}) } : undefined;
  return { type: 'open', incident, alert, ...(hooks ? { hooks } : {}), timeline };
}

function planAcknowledge({ event, action }: AlertInput, alert: AlertRow, incident: IncidentRow): AlertPlan {
  const alertChanged = alert.status === 'triggered';
  const options = { via: say.via(event.integration_type), eventId: event.id, alertId: alert.id };
  return {
    type: 'acknowledge',
    alert: alertChanged ? { ...alert, status: 'acknowledged' } : alert,
    incident,
    alertChanged,
    actor: eventActor(event),
    ...(incident.status === 'triggered' ? { acknowledgeIncident: options } : {}),
    timeline: [entry(event, 'alert.acknowledged', say.acknowledgeEvent(action.dedupKey), { dedup_key: action.dedupKey })],
  };
}

function planResolve({ event, action }: AlertInput, alert: AlertRow, incident: IncidentRow): AlertPlan {
  const last = incident.open_alert_count - 1 <= 0;
  const options = { via: say.lastAlertResolved(event.integration_type), eventId: event.id, alertId: alert.id };
  return {
    type: 'resolve',
    alert,
    incident,
    actor: eventActor(event),
    ...(last ? { resolveIncident: options } : {}),
    timeline: [entry(event, 'alert.resolved', say.resolveEvent(action.dedupKey), { dedup_key: action.dedupKey })],
  };
}
