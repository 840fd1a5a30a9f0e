/**
 * What the public status page shows, decided from the engagement's open
 * incidents, its maintenance windows and the notes an admin published. Pure:
 * the caller reads the rows and the time.
 *
 * The mapping (docs/status-page.md):
 * - an open incident of the engagement's most urgent priority (P1 in the
 *   usual matrix) makes its service an **outage**;
 * - an open incident of another priority that pages (`priorities.page`, P2
 *   and P3 in the demo) makes it **degraded**, and so does one whose priority
 *   the file no longer has (it cannot be classified, and it is open);
 * - incidents of priorities that page nobody (P4, P5) change nothing;
 * - a service inside a maintenance window is **maintenance**, whatever is
 *   open on it: planned work raises alerts that page nobody and are expected;
 * - a component is the worst of its services (outage > degraded >
 *   maintenance > operational), and of the open notes published about it.
 *
 * A published note can make a component look worse than its incidents, never
 * better: the page must not hide an outage that is still open.
 */
import type { Priorities } from '../engagement/model.js';
import type { StatusPage } from '../engagement/status-page.js';

/** A component's state, least to most severe. */
export const COMPONENT_STATES = ['operational', 'maintenance', 'degraded', 'outage'] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

/** An open incident as the page sees it: its service and priority, nothing else. */
export interface OpenIncident {
  readonly serviceId: string;
  readonly priority: string;
}

/** What an open published note says about components. */
export interface NoteImpact {
  readonly components: readonly string[];
  readonly state: ComponentState;
}

/** A service's maintenance right now: until when. */
export interface ServiceMaintenance {
  readonly until: number;
}

/** One component as shown. */
export interface ComponentView {
  readonly name: string;
  readonly description?: string;
  readonly state: ComponentState;
  /** When the state is maintenance: the latest end of its services' windows. */
  readonly maintenanceUntil?: number;
}

/** The more severe of two states. */
export function worst(a: ComponentState, b: ComponentState): ComponentState {
  return COMPONENT_STATES.indexOf(a) >= COMPONENT_STATES.indexOf(b) ? a : b;
}

/** The state one open incident of `priority` gives its service. */
export function incidentState(priorities: Priorities, priority: string): ComponentState {
  if (priorities.order[0] === priority) return 'outage';
  if (priorities.page.includes(priority)) return 'degraded';
  return priorities.order.includes(priority) ? 'operational' : 'degraded';
}

/** A service's state from its open incidents, unless it is in maintenance. */
export function serviceState(
  priorities: Priorities,
  incidents: readonly OpenIncident[],
  maintenance: ServiceMaintenance | undefined,
): ComponentState {
  if (maintenance !== undefined) return 'maintenance';
  return incidents.reduce<ComponentState>((s, i) => worst(s, incidentState(priorities, i.priority)), 'operational');
}

/**
 * Every component of the page, in file order, with its state: the worst of
 * its services' and of the open notes naming it.
 */
export function componentStates(
  page: StatusPage,
  priorities: Priorities,
  incidents: readonly OpenIncident[],
  maintenanceOf: (serviceId: string) => ServiceMaintenance | undefined,
  notes: readonly NoteImpact[],
): ComponentView[] {
  const byService = new Map<string, OpenIncident[]>();
  for (const i of incidents) byService.set(i.serviceId, [...(byService.get(i.serviceId) ?? []), i]);
  return page.components.map((component) => {
    let state: ComponentState = 'operational';
    let until: number | undefined;
    for (const service of component.services) {
      const maintenance = maintenanceOf(service);
      state = worst(state, serviceState(priorities, byService.get(service) ?? [], maintenance));
      if (maintenance !== undefined) until = Math.max(until ?? 0, maintenance.until);
    }
    for (const note of notes) if (note.components.includes(component.name)) state = worst(state, note.state);
    return {
      name: component.name,
      ...(component.description === undefined ? {} : { description: component.description }),
      state,
      ...(state === 'maintenance' && until !== undefined ? { maintenanceUntil: until } : {}),
    };
  });
}

/** The page's overall state: the worst of its components. */
export function overallState(components: readonly ComponentView[]): ComponentState {
  return components.reduce<ComponentState>((s, c) => worst(s, c.state), 'operational');
}

/** How the page words a state, for a component and for the whole page. */
export const STATE_LABELS: Readonly<Record<ComponentState, { readonly component: string; readonly page: string }>> = {
  operational: { component: 'Operational', page: 'All systems operational' },
  maintenance: { component: 'Under maintenance', page: 'Maintenance in progress' },
  degraded: { component: 'Degraded performance', page: 'Some systems are degraded' },
  outage: { component: 'Outage', page: 'Some systems are down' },
};
