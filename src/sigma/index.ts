/**
 * The Sigma detection engine: rules (Sigma specification v2.1) parsed and
 * compiled once into predicates, matched against security events.
 */
export type { Refusal, RuleSet, SigmaLevel, SigmaRule } from './model.js';
export { SIGMA_LEVELS, formatRefusal } from './model.js';
export { loadRuleSet, ruleSet } from './load.js';
import type { Refusal, SigmaRule } from './model.js';
import { parseRules as parse } from './rule.js';

/** One file's text (may hold several YAML documents, incl. Sigma rule collections with action: global). */
export function parseRules(text: string, file: string): { rules: SigmaRule[]; refusals: Refusal[] } {
  return parse(text, file);
}
