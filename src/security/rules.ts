/**
 * An engagement's Sigma rules, compiled when its file is loaded (by `serve`,
 * on reload, and by `tandem validate`), so a rule the evaluator refuses fails
 * the file like any other configuration error, reported at the rule as
 * `file:line:col: reason`, and the running rule set stays until it is fixed.
 */
import type { Diagnostic } from '../engagement/diagnostics.js';
import type { Engagement } from '../engagement/model.js';
import type { Position } from '../engagement/diagnostics.js';
import { loadRuleSet } from '../sigma/index.js';
import type { RuleSet } from '../sigma/model.js';

/** The engagement's rule set (none without `security.rules`), or the diagnostics that refuse the file. */
export async function loadDetection(
  engagement: Engagement,
  file: string,
  rulesAt: Position,
): Promise<{ rules?: RuleSet; diagnostics: Diagnostic[] }> {
  const paths = engagement.security.rules;
  if (paths.length === 0) return { diagnostics: [] };
  let set: RuleSet;
  try {
    set = await loadRuleSet(paths);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { diagnostics: [{ file, ...rulesAt, message: `security.rules: cannot read the Sigma rules: ${why}` }] };
  }
  if (set.refusals.length > 0)
    return {
      diagnostics: set.refusals.map((r) => ({
        file: r.file,
        line: r.line,
        col: r.col,
        message: `Sigma rule refused (engagement ${engagement.id}): ${r.reason}`,
      })),
    };
  return { rules: set, diagnostics: [] };
}
