/**
 * The "Detection" panel of an incident whose alert came from a Sigma rule
 * (issue 11): the rule (title, level, id, description), its ATT&CK tactics
 * and techniques with their names, linked to attack.mitre.org, the log
 * source, and the event that matched, field by field. It reads the alert's
 * `details.detection`, written at ingest (src/security/detect.ts).
 */
import type { Alert } from '../api';

interface Technique {
  readonly id: string;
  readonly name: string | null;
}

/** `details.detection` as ingest writes it, read defensively (details are any JSON). */
export interface DetectionDetails {
  readonly rule: { readonly id: string; readonly title: string; readonly level: string; readonly description?: string };
  readonly attack: { readonly tactics: readonly string[]; readonly techniques: readonly Technique[] };
  readonly logsource: Readonly<Record<string, string>>;
  readonly event: Readonly<Record<string, unknown>>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The alert's detection, or null when it did not come from a Sigma rule. */
export function detectionOf(alert: Alert): DetectionDetails | null {
  const d = isRecord(alert.details) ? alert.details['detection'] : undefined;
  if (!isRecord(d) || !isRecord(d['rule']) || !isRecord(d['event'])) return null;
  const rule = d['rule'];
  if (typeof rule['id'] !== 'string' || typeof rule['title'] !== 'string') return null;
  const attack = isRecord(d['attack']) ? d['attack'] : {};
  const techniques = Array.isArray(attack['techniques'])
    ? attack['techniques']
        .filter(isRecord)
        .flatMap((t): Technique[] =>
          typeof t['id'] === 'string' ? [{ id: t['id'], name: typeof t['name'] === 'string' ? t['name'] : null }] : [],
        )
    : [];
  const logsource = isRecord(d['logsource'])
    ? Object.fromEntries(Object.entries(d['logsource']).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
  return {
    rule: {
      id: rule['id'],
      title: rule['title'],
      level: typeof rule['level'] === 'string' ? rule['level'] : 'medium',
      ...(typeof rule['description'] === 'string' ? { description: rule['description'] } : {}),
    },
    attack: { tactics: strings(attack['tactics']), techniques },
    logsource,
    event: d['event'],
  };
}

/** attack.mitre.org's page of a technique: T1505.003 -> /techniques/T1505/003/. */
function techniqueUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function DetectionPanel({ detection }: { detection: DetectionDetails }) {
  const { rule, attack, logsource, event } = detection;
  return (
    <div className="detection">
      <div className="alert-top">
        <span className={`alert-sev detection-${rule.level}`}>{rule.level}</span>
        <span className="muted small">Sigma rule</span>
      </div>
      <p className="alert-summary">{rule.title}</p>
      <p className="muted small mono">{rule.id}</p>
      {rule.description ? <p className="small">{rule.description}</p> : null}
      {attack.techniques.length > 0 || attack.tactics.length > 0 ? (
        <>
          <h3 className="detection-head">ATT&amp;CK</h3>
          <ul className="detection-attack" aria-label="ATT&CK techniques">
            {attack.techniques.map((t) => (
              <li key={t.id}>
                <a href={techniqueUrl(t.id)} target="_blank" rel="noopener noreferrer" className="mono">
                  {t.id}
                </a>{' '}
                {t.name ?? <span className="muted">(name not known)</span>}
              </li>
            ))}
            {attack.tactics.length > 0 ? <li className="muted small">Tactics: {attack.tactics.join(', ')}</li> : null}
          </ul>
        </>
      ) : null}
      {Object.keys(logsource).length > 0 ? (
        <p className="muted small">
          Log source:{' '}
          {Object.entries(logsource)
            .map(([k, v]) => `${k} ${v}`)
            .join(' · ')}
        </p>
      ) : null}
      <h3 className="detection-head">Matching event</h3>
      <dl className="detection-event">
        {Object.entries(event).map(([k, v]) => (
          <div key={k}>
            <dt className="mono">{k}</dt>
            <dd className="mono">{show(v)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
