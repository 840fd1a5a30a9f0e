/**
 * MITRE ATT&CK names for a Sigma rule's tags: `attack.t1505.003` is the
 * technique T1505.003 "Server Software Component: Web Shell", and
 * `attack.persistence` the tactic Persistence. Detections show these on the
 * timeline and in the dashboard, so a responder reads what the rule means
 * without looking the id up. The names are ATT&CK Enterprise's
 * (attack-techniques.json, extracted from MITRE's STIX data; attribution and
 * version in attack-techniques.md). Other tags (groups `attack.g0016`,
 * software `attack.s0002`, `cve.*`, `detection.*`) are not tactics or
 * techniques and are left out.
 */
import data from './attack-techniques.json' with { type: 'json' };

/** A technique a rule is tagged with; `name` is null for an id ATT&CK Enterprise does not have. */
export interface AttackTechnique {
  readonly id: string;
  readonly name: string | null;
}

/** The ATT&CK context of a rule's tags, each list in tag order without repeats. */
export interface AttackTags {
  /** Tactic names, e.g. 'Persistence'. */
  readonly tactics: string[];
  readonly techniques: AttackTechnique[];
}

/** The ATT&CK Enterprise release the names come from. */
export const ATTACK_VERSION: string = data.version;

const TECHNIQUES: Readonly<Record<string, string>> = data.techniques;

/** Tactics by Sigma's spelling (`privilege_escalation`; ATT&CK's own `privilege-escalation` too) and by id (`ta0004`). */
const TACTICS = new Map<string, string>(
  Object.entries(data.tactics).flatMap(([short, t]) => [
    [short, t.name],
    [short.replaceAll('-', '_'), t.name],
    [t.id.toLowerCase(), t.name],
  ]),
);

const TECHNIQUE_TAG = /^t\d{4}(?:\.\d{3})?$/;

/** Reads the tactics and techniques out of a rule's tags (`attack.*`, case-insensitive). */
export function attackTags(tags: readonly string[]): AttackTags {
  const tactics: string[] = [];
  const techniques: AttackTechnique[] = [];
  for (const tag of tags) {
    const lower = tag.trim().toLowerCase();
    if (!lower.startsWith('attack.')) continue;
    const rest = lower.slice('attack.'.length);
    if (TECHNIQUE_TAG.test(rest)) {
      const id = rest.toUpperCase();
      if (!techniques.some((t) => t.id === id))
        techniques.push({ id, name: Object.hasOwn(TECHNIQUES, id) ? (TECHNIQUES[id] ?? null) : null });
      continue;
    }
    const tactic = TACTICS.get(rest);
    if (tactic !== undefined && !tactics.includes(tactic)) tactics.push(tactic);
  }
  return { tactics, techniques };
}
