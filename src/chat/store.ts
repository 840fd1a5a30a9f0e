/**
 * The chat_actions table (migration 0017): what chat members asked of
 * incidents, one row per member, incident and action.
 */
import type { Executor } from '../db/executor.js';

export interface ChatAction {
  /** "slack". */
  readonly source: string;
  /** The member, the incident and the action, e.g. "U0KIMTAN01:42:acknowledge". */
  readonly key: string;
  readonly engagementId: string;
  readonly incidentId: number;
  readonly action: string;
  /** Who acted, as the timeline names actors ("person:kim"). */
  readonly actor: string;
  readonly at: number;
}

/**
 * Records the action unless it already is: true when this call wrote it. Run
 * in the transaction that acts, a second caller waits for the first to
 * commit and then gets false.
 */
export async function claimChatAction(ex: Executor, a: ChatAction): Promise<boolean> {
  const result = await ex
    .insertInto('chat_actions')
    .values({
      source: a.source,
      key: a.key,
      engagement_id: a.engagementId,
      incident_id: a.incidentId,
      action: a.action,
      actor: a.actor,
      at: a.at,
    })
    .onConflict((oc) => oc.columns(['source', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
