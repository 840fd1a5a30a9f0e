/**
 * The status page's JSON shapes: the public document (only what the view
 * holds) and a note as admins see it through the API (with its author and
 * the incident it was written for). The contracts are in
 * src/api/schema/status.ts.
 */
import type { z } from 'zod';
import type { StatusDocument, StatusNote } from '../api/schema/status.js';
import { STATE_LABELS } from './state.js';
import { statusPaths } from './html.js';
import type { StoredNote } from './store.js';
import type { StatusView } from './view.js';
import { isoInstant, noteState, publicNote } from './view.js';

/** The public JSON document of a page; `publicUrl` is --public-url. */
export function presentStatus(view: StatusView, publicUrl: string): z.output<typeof StatusDocument> {
  return {
    engagement: view.engagementId,
    title: view.title,
    description: view.description ?? null,
    url: `${publicUrl.replace(/\/+$/, '')}${statusPaths(view.engagementId).page}`,
    updated_at: isoInstant(view.generatedAt),
    status: { state: view.overall, description: STATE_LABELS[view.overall].page },
    components: view.components.map((c) => ({
      name: c.name,
      description: c.description ?? null,
      state: c.state,
      maintenance_until: c.maintenanceUntil === undefined ? null : isoInstant(c.maintenanceUntil),
    })),
    notes: view.notes.map((n) => ({
      id: n.id,
      title: n.title,
      state: n.state,
      components: [...n.components],
      created_at: isoInstant(n.createdAt),
      updated_at: isoInstant(n.updatedAt),
      resolved_at: n.resolvedAt === null ? null : isoInstant(n.resolvedAt),
      updates: n.updates.map((u) => ({ at: isoInstant(u.at), state: u.state, text: u.text })),
    })),
  };
}

/** A note as admins see it; `incidentNumber` turns the incident id into ACME-42 when the note has one. */
export function presentNote(n: StoredNote, incidentNumber: (id: number) => string | undefined): z.output<typeof StatusNote> {
  const shown = publicNote(n);
  const number = n.incidentId === null ? undefined : incidentNumber(n.incidentId);
  return {
    id: n.id,
    engagement: n.engagementId,
    title: n.title,
    components: [...n.components],
    state: shown.state,
    incident: n.incidentId === null ? null : { id: n.incidentId, number: number ?? String(n.incidentId) },
    created_by: n.createdBy,
    created_at: isoInstant(n.createdAt),
    updated_at: isoInstant(n.updatedAt),
    resolved_at: n.resolvedAt === null ? null : isoInstant(n.resolvedAt),
    updates: n.updates.map((u) => ({ at: isoInstant(u.at), state: noteState(u.state), text: u.text, author: u.author })),
  };
}
