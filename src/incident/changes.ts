/**
 * Incident changes other parts of Tandem follow. A command that moves an
 * incident's status or priority tells its writer, and the writer runs the
 * subscribers in the same transaction (SLA clocks look again), so the
 * incident module never writes another domain's rows itself.
 */
import type { IncidentRow } from '../db/schema.js';
import type { IncidentWriter } from './writer.js';

/** What changed on an incident, after the change (`incident` is the updated row). */
export interface IncidentChange {
  readonly incident: IncidentRow;
  readonly fields: ReadonlyArray<'status' | 'priority' | 'note'>;
  /** The note added, when `fields` has 'note' (ticketing turns it into a comment). */
  readonly note?: { readonly text: string; readonly author: string | null };
  /** The ticketing entry the change came from (an inbound webhook): ticketing pushes it to every other entry, never back. */
  readonly origin?: string;
}

/** A subscriber to incident changes; it writes through `w`, in the command's transaction. */
export type IncidentChangeHook = (w: IncidentWriter, change: IncidentChange, at: number) => Promise<void>;

/** The subscribers a writer tells about changes (the engine's `IncidentHooks` is one). */
export interface ChangeHooks {
  readonly changed: readonly IncidentChangeHook[];
}
