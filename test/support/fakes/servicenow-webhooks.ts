/**
 * What the Tandem business rule on a ServiceNow instance posts (the script is
 * in docs/ticketing.md): after an update of an incident, its sys_id, number,
 * correlation id, its state when the state changed, the work note or
 * comment just added (the newest journal entry, without its header), who
 * updated it (`sys_updated_by`, their user name) and their display name.
 * Built from the fake's incident, as the rule would read it.
 */
import type { ServiceNowFake } from './servicenow.js';

/** The post after `by` updated the incident: `stateChanged` when the update moved the state. */
export function businessRulePost(
  fake: ServiceNowFake,
  sysId: string,
  o: { byName: string; stateChanged?: boolean },
): Record<string, string> {
  const incident = fake.incidents.get(sysId);
  if (incident === undefined) throw new Error(`no incident ${sysId}`);
  const by = incident['sys_updated_by'] ?? '';
  const newest = (element: 'work_notes' | 'comments') =>
    fake.journal.filter((j) => j.element_id === sysId && j.element === element && j.sys_created_by === by).at(-1)?.value ?? '';
  return {
    sys_id: sysId,
    number: incident['number'] ?? '',
    correlation_id: incident['correlation_id'] ?? '',
    ...(o.stateChanged === true ? { state: incident['state'] ?? '' } : {}),
    work_notes: newest('work_notes'),
    comments: newest('comments'),
    sys_updated_by: by,
    sys_updated_on: incident['sys_updated_on'] ?? '',
    sys_mod_count: incident['sys_mod_count'] ?? '0',
    updated_by_name: o.byName,
  };
}
