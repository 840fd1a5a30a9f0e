/**
 * What every ingest format is normalized to before it is stored. One accepted
 * request is one event; an Alertmanager webhook can carry many alerts, so an
 * event holds a list of actions, applied in order by the engine.
 */
import type { IntegrationType, Severity } from '../engagement/model.js';

export type AlertActionName = 'trigger' | 'acknowledge' | 'resolve';

export interface AlertAction {
  readonly type: 'alert';
  readonly action: AlertActionName;
  readonly dedupKey: string;
  /** Present on trigger. */
  readonly summary?: string;
  readonly severity?: Severity;
  readonly source?: string;
  /** When the sender says it happened (epoch ms), if it said. */
  readonly occurredAt?: number;
  /** Free-form details kept on the alert: custom_details, labels, annotations. */
  readonly details?: Record<string, unknown>;
  /** Alerts sharing a group key (an Alertmanager group) share one open incident. */
  readonly groupKey?: string;
  /**
   * Security detections (src/security/detect.ts): a trigger with no open alert
   * joins the alert of its dedup key opened less than this many ms before,
   * even if it was resolved since, instead of opening a new incident.
   */
  readonly suppressMs?: number;
}

export interface ChangeAction {
  readonly type: 'change';
  readonly summary: string;
  readonly source?: string;
  readonly occurredAt?: number;
  readonly details?: Record<string, unknown>;
}

export type IngestAction = AlertAction | ChangeAction;

/** A validated event, ready for the inbox. */
export interface IngestEvent {
  readonly engagementId: string;
  readonly serviceId: string;
  readonly integrationType: IntegrationType;
  readonly integrationKey: string;
  readonly kind: 'alert' | 'change';
  readonly receivedAt: number;
  readonly requestId: string | null;
  readonly raw: string;
  readonly actions: readonly IngestAction[];
}

/** The result of parsing a body in some format: actions, or every problem found (each naming its field). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };
