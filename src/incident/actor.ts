/**
 * Who did something to an incident. Recorded on every timeline entry and on
 * status changes ("acknowledged by person:kim").
 */
export type ActorType = 'person' | 'team' | 'token' | 'integration' | 'system';

export interface Actor {
  readonly type: ActorType;
  /** Person id, token id, integration type; null for the system. */
  readonly id: string | null;
  /** Display name, when known. */
  readonly name?: string;
}

export const SYSTEM: Actor = Object.freeze({ type: 'system', id: null, name: 'Tandem' });

/** "person:kim", "integration:pagerduty", "system". */
export function actorRef(actor: Actor): string {
  return actor.id === null ? actor.type : `${actor.type}:${actor.id}`;
}

export function actorLabel(actor: Actor): string {
  if (actor.name) return actor.name;
  switch (actor.type) {
    case 'integration':
      return `${actor.id ?? 'an'} integration`;
    case 'system':
      return 'Tandem';
    default:
      return actorRef(actor);
  }
}
