/**
 * The Sigma engine's public shapes: a compiled rule, a refusal (a rule the
 * engine cannot honour exactly, left out and reported as file:line:col), and
 * a rule set that matches events against every rule at once.
 */
import type { Logsource } from '../engagement/model.js';

/** A rule's `level`: how serious a match is. */
export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** The levels in increasing order of seriousness. */
export const SIGMA_LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** One compiled Sigma detection rule. */
export interface SigmaRule {
  /** The rule's id (UUID), or its file name and position ("name.yml#2") when it has none. */
  readonly id: string;
  readonly title: string;
  /** 'medium' when the rule has none. */
  readonly level: SigmaLevel;
  /** e.g. ['attack.persistence', 'attack.t1505.003']. */
  readonly tags: readonly string[];
  /** The rule's `fields` (the detection's group key); may be empty. */
  readonly fields: readonly string[];
  readonly logsource: Logsource;
  readonly file: string;
  readonly description?: string;
  /** Whether the event matches (logsource pre-filter included). */
  matches(event: Readonly<Record<string, unknown>>, logsource: Logsource): boolean;
}

/** A rule left out because the engine cannot honour it exactly, and why. */
export interface Refusal {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  readonly reason: string;
}

/** The rules of a deployment, compiled once. */
export interface RuleSet {
  readonly rules: readonly SigmaRule[];
  readonly refusals: readonly Refusal[];
  /** Every rule that matches the event, in rule order. */
  match(event: Readonly<Record<string, unknown>>, logsource: Logsource): SigmaRule[];
}

/** A position in a rule file (1-based). */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** Thrown while compiling a rule: the rule is refused with this reason at this position. */
export class Refused extends Error {
  constructor(
    readonly pos: Position,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'Refused';
  }
}

/** "file:line:col: reason", as `tandem sigma check` prints it. */
export function formatRefusal(r: Refusal): string {
  return `${r.file}:${r.line}:${r.col}: ${r.reason}`;
}
