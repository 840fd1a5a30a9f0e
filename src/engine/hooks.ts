/**
 * What other parts of Tandem do when an incident opens, inside the same
 * transaction (routing and escalation, SLA clocks). The incident module does
 * not know them; they register here.
 */
import type { IncidentWriter } from '../incident/writer.js';
import type { IncidentRow } from '../db/schema.js';
import type { Engagement, Service } from '../engagement/model.js';
import type { RouteDecision } from '../routing/route.js';

export interface OpenedIncident {
  readonly incident: IncidentRow;
  readonly engagement: Engagement;
  readonly service: Service | undefined;
  /** Whether the priority pages anyone (`priorities.page`). */
  readonly pages: boolean;
  /** The routing decision made when it opened, when the opener made one (saves deciding twice). */
  readonly route?: RouteDecision;
}

export interface IncidentHooks {
  opened: Array<(w: IncidentWriter, opened: OpenedIncident, at: number) => Promise<void>>;
}

export function emptyHooks(): IncidentHooks {
  return { opened: [] };
}
