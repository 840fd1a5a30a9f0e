/**
 * The public status page as one value, which the HTML page, the JSON
 * document and the Atom feed all render: the page's title, each component's
 * state, and the published notes. Nothing else of the engagement is in it,
 * so nothing else can reach the public: no incident title, number, person,
 * timeline or internal service id. A note carries what its admin wrote and
 * when, never its author or the incident it was written for.
 */
import type { Engagement } from '../engagement/model.js';
import type { StatusPage } from '../engagement/status-page.js';
import type { ComponentState, ComponentView, OpenIncident, ServiceMaintenance } from './state.js';
import { COMPONENT_STATES, componentStates, overallState } from './state.js';
import type { StoredNote } from './store.js';

/** A note's state as published: a component state, or resolved. */
export type NoteState = ComponentState | 'resolved';

/** One update of a published note, as the public sees it. */
export interface PublicUpdate {
  readonly at: number;
  readonly state: NoteState;
  readonly text: string;
}

/** A published note, as the public sees it. */
export interface PublicNote {
  readonly id: number;
  readonly title: string;
  readonly state: NoteState;
  readonly components: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  /** Newest first. */
  readonly updates: readonly PublicUpdate[];
}

export interface StatusView {
  readonly engagementId: string;
  readonly title: string;
  readonly description?: string;
  /** The engagement's zone: times on the HTML page are shown in it. */
  readonly timezone: string;
  readonly generatedAt: number;
  readonly overall: ComponentState;
  readonly components: readonly ComponentView[];
  readonly notes: readonly PublicNote[];
}

/** An instant as the page's JSON and feed write it: ISO 8601 in UTC with milliseconds. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** How long a resolved note stays on the page. */
export const RESOLVED_NOTES_SHOWN_MS = 7 * 86_400_000;
/** The most notes the page shows. */
export const NOTES_SHOWN = 50;

/** A stored state as a note state (a value of another version reads as degraded: it was published as a problem). */
export function noteState(text: string): NoteState {
  return text === 'resolved' || (COMPONENT_STATES as readonly string[]).includes(text) ? (text as NoteState) : 'degraded';
}

/** A stored note, reduced to what was published. */
export function publicNote(n: StoredNote): PublicNote {
  return {
    id: n.id,
    title: n.title,
    state: n.resolvedAt === null ? noteState(n.state) : 'resolved',
    components: n.components,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    resolvedAt: n.resolvedAt,
    updates: [...n.updates].reverse().map((u) => ({ at: u.at, state: noteState(u.state), text: u.text })),
  };
}

/** Builds the page from what was read: the open incidents of its services, their maintenance, the notes. */
export function statusView(i: {
  engagement: Engagement;
  page: StatusPage;
  incidents: readonly OpenIncident[];
  maintenanceOf: (serviceId: string) => ServiceMaintenance | undefined;
  notes: readonly StoredNote[];
  now: number;
}): StatusView {
  const notes = i.notes.map(publicNote);
  const impacts = notes.flatMap((n) => (n.state === 'resolved' ? [] : [{ components: n.components, state: n.state }]));
  const components = componentStates(i.page, i.engagement.priorities, i.incidents, i.maintenanceOf, impacts);
  return {
    engagementId: i.engagement.id,
    title: i.page.title,
    ...(i.page.description === undefined ? {} : { description: i.page.description }),
    timezone: i.engagement.timezone,
    generatedAt: i.now,
    overall: overallState(components),
    components,
    notes,
  };
}
