/**
 * attackTags: Sigma rule tags read as ATT&CK tactics and techniques with
 * their names, as SigmaHQ's rules write them.
 */
import { describe, expect, it } from 'vitest';
import { ATTACK_VERSION, attackTags } from './attack.js';

describe('attackTags', () => {
  it.each([
    {
      name: 'a webshell rule: tactic and sub-technique',
      tags: ['attack.persistence', 'attack.t1505.003'],
      tactics: ['Persistence'],
      techniques: [{ id: 'T1505.003', name: 'Server Software Component: Web Shell' }],
    },
    {
      name: 'a technique and its sub-technique',
      tags: ['attack.execution', 'attack.t1059', 'attack.t1059.001'],
      tactics: ['Execution'],
      techniques: [
        { id: 'T1059', name: 'Command and Scripting Interpreter' },
        { id: 'T1059.001', name: 'Command and Scripting Interpreter: PowerShell' },
      ],
    },
    {
      name: "Sigma's snake_case tactics and ATT&CK's kebab-case",
      tags: ['attack.privilege_escalation', 'attack.command-and-control', 'attack.defense_evasion'],
      tactics: ['Privilege Escalation', 'Command and Control', 'Defense Evasion'],
      techniques: [],
    },
    { name: 'a tactic by its id', tags: ['attack.ta0006'], tactics: ['Credential Access'], techniques: [] },
    {
      name: 'upper case and spaces around',
      tags: [' ATTACK.Credential_Access ', 'Attack.T1003.001'],
      tactics: ['Credential Access'],
      techniques: [{ id: 'T1003.001', name: 'OS Credential Dumping: LSASS Memory' }],
    },
    {
      name: 'a revoked id keeps its last name',
      tags: ['attack.t1086'],
      tactics: [],
      techniques: [{ id: 'T1086', name: 'PowerShell' }],
    },
    {
      name: 'an id ATT&CK does not have',
      tags: ['attack.t9999', 'attack.t1505.999'],
      tactics: [],
      techniques: [
        { id: 'T9999', name: null },
        { id: 'T1505.999', name: null },
      ],
    },
    {
      name: 'groups, software, CVEs and other namespaces are neither',
      tags: ['attack.g0016', 'attack.s0002', 'cve.2021-44228', 'detection.emerging-threats', 'car.2016-04-005', 'attack.persistence.extra'],
      tactics: [],
      techniques: [],
    },
    {
      name: 'repeats kept once, in tag order',
      tags: ['attack.t1505.003', 'attack.persistence', 'attack.T1505.003', 'attack.initial_access', 'attack.persistence'],
      tactics: ['Persistence', 'Initial Access'],
      techniques: [{ id: 'T1505.003', name: 'Server Software Component: Web Shell' }],
    },
    {
      name: 'names that are Object.prototype members are not tactics',
      tags: ['attack.constructor', 'attack.__proto__', 'attack.tostring', 'attack.'],
      tactics: [],
      techniques: [],
    },
    { name: 'no tags', tags: [], tactics: [], techniques: [] },
  ])('$name', ({ tags, tactics, techniques }) => {
    expect(attackTags(tags)).toEqual({ tactics, techniques });
  });

  it('names every technique of the ATT&CK Enterprise release it was extracted from', () => {
    expect(ATTACK_VERSION).toBe('18.1');
    expect(attackTags(['attack.t1190']).techniques).toEqual([{ id: 'T1190', name: 'Exploit Public-Facing Application' }]);
    expect(attackTags(['attack.t1486']).techniques).toEqual([{ id: 'T1486', name: 'Data Encrypted for Impact' }]);
    expect(attackTags(['attack.reconnaissance', 'attack.resource_development', 'attack.impact']).tactics).toEqual([
      'Reconnaissance',
      'Resource Development',
      'Impact',
    ]);
  });
});
