/**
 * The controls an evidence pack supports, per framework, and which of the
 * pack's files support each. Only the controls' identifiers are the
 * standards'; every description is our own one-line summary of what the
 * evidence shows, never the standards' text.
 */

export const FRAMEWORKS = ['soc2', 'iso27001', 'nist-csf', 'hipaa'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** The files of a pack, by name. */
export const EVIDENCE_FILES = {
  'incidents.csv': 'Every incident opened in the period: detected, first paged, acknowledged, escalated and resolved times, SLA outcome.',
  'sla.csv': 'SLA adherence per SLA, priority and kind (respond, resolve): met, breached and the share met.',
  'oncall.csv': 'Who was on call for each function and side, every minute of the period, and which side owned it.',
  'coverage-gaps.csv': 'Stretches in which the owning side had nobody on call for a function.',
  'policy.json': 'The engagement configuration in force: coverage, routing, escalation policies, SLAs, scope.',
  'security.csv': 'Security detections first hit in the period, with their incidents and response times.',
  'findings.csv': 'Vulnerability findings open during the period, with their remediation deadlines met or missed.',
  'verify.json': 'The tamper-evidence check of every incident timeline, with the chain heads to re-verify against.',
} as const;
export type EvidenceFile = keyof typeof EVIDENCE_FILES;

export interface Control {
  readonly id: string;
  readonly title: string;
  /** Our own one-line summary of what the evidence shows for the control. */
  readonly description: string;
  /** The files that support it, most direct first. */
  readonly files: readonly EvidenceFile[];
}

export interface FrameworkInfo {
  readonly id: Framework;
  readonly name: string;
  readonly controls: readonly Control[];
}

const MONITORING: readonly EvidenceFile[] = ['oncall.csv', 'coverage-gaps.csv', 'security.csv', 'findings.csv', 'incidents.csv'];
const RESPONSE: readonly EvidenceFile[] = ['incidents.csv', 'sla.csv', 'policy.json', 'oncall.csv', 'verify.json'];

export const CATALOG: Readonly<Record<Framework, FrameworkInfo>> = {
  soc2: {
    id: 'soc2',
    name: 'SOC 2 (Trust Services Criteria)',
    controls: [
      {
        id: 'CC7.2',
        title: 'Monitoring for anomalies',
        description: 'Alerts from monitored systems reach a named on-call person at every hour of the period.',
        files: MONITORING,
      },
      {
        id: 'CC7.3',
        title: 'Evaluating security events',
        description: 'Each alert became an incident with a priority, and security detections were triaged like any other.',
        files: ['incidents.csv', 'security.csv', 'sla.csv'],
      },
      {
        id: 'CC7.4',
        title: 'Responding to incidents',
        description: 'Incidents were acknowledged, escalated and resolved under written policies with measured SLAs.',
        files: RESPONSE,
      },
      {
        id: 'CC7.5',
        title: 'Recovering from incidents',
        description: 'Every incident has a recorded resolution, and its timeline has not been edited since.',
        files: ['incidents.csv', 'sla.csv', 'findings.csv', 'verify.json'],
      },
    ],
  },
  iso27001: {
    id: 'iso27001',
    name: 'ISO/IEC 27001:2022 (Annex A)',
    controls: [
      {
        id: 'A.5.24',
        title: 'Incident management planning',
        description: 'Who answers which function, when, and how escalation runs was written down before incidents happened.',
        files: ['policy.json', 'oncall.csv', 'coverage-gaps.csv'],
      },
      {
        id: 'A.5.25',
        title: 'Assessing events',
        description: 'Events were assessed into prioritised incidents, security detections included.',
        files: ['incidents.csv', 'security.csv'],
      },
      {
        id: 'A.5.26',
        title: 'Responding to incidents',
        description: 'Incidents were answered by the owning side under its policy, within SLA or recorded as breached.',
        files: RESPONSE,
      },
      {
        id: 'A.5.27',
        title: 'Learning from incidents',
        description: 'Response times and breaches per priority show where the service must improve.',
        files: ['sla.csv', 'incidents.csv', 'coverage-gaps.csv'],
      },
      {
        id: 'A.5.28',
        title: 'Collecting evidence',
        description: 'Incident timelines are hash-chained, and the chain heads let anyone re-check them later.',
        files: ['verify.json', 'incidents.csv'],
      },
      {
        id: 'A.8.16',
        title: 'Monitoring activities',
        description: 'Systems were watched and staffed for the whole period; detections and findings were followed up.',
        files: MONITORING,
      },
    ],
  },
  'nist-csf': {
    id: 'nist-csf',
    name: 'NIST Cybersecurity Framework 2.0',
    controls: [
      {
        id: 'DE.CM',
        title: 'Continuous monitoring',
        description: 'Monitoring fed an on-call rota that covered every minute, with any gap listed.',
        files: MONITORING,
      },
      {
        id: 'DE.AE',
        title: 'Adverse event analysis',
        description: 'Alerts and detections were grouped into incidents and given a priority.',
        files: ['incidents.csv', 'security.csv'],
      },
      {
        id: 'RS.MA',
        title: 'Incident management',
        description: 'Incidents were owned, acknowledged, escalated and resolved under written policies.',
        files: RESPONSE,
      },
      {
        id: 'RS.AN',
        title: 'Incident analysis',
        description: 'Each incident keeps an intact timeline of what happened and who did what.',
        files: ['incidents.csv', 'verify.json', 'security.csv'],
      },
      {
        id: 'RS.CO',
        title: 'Incident reporting and communication',
        description: 'The right people were paged and escalated to, per the policy in force.',
        files: ['incidents.csv', 'policy.json', 'oncall.csv'],
      },
    ],
  },
  hipaa: {
    id: 'hipaa',
    name: 'HIPAA Security Rule (45 CFR Part 164)',
    controls: [
      {
        id: '164.308(a)(1)(ii)(D)',
        title: 'Information system activity review',
        description: 'System activity that raised alerts is listed, with who reviewed it and when.',
        files: ['incidents.csv', 'security.csv', 'verify.json'],
      },
      {
        id: '164.308(a)(6)(ii)',
        title: 'Security incident response and reporting',
        description: 'Incidents were identified, answered, resolved and recorded, with their SLA outcomes.',
        files: ['incidents.csv', 'sla.csv', 'security.csv', 'findings.csv', 'policy.json'],
      },
      {
        id: '164.312(b)',
        title: 'Audit controls',
        description: 'Incident activity is recorded in timelines whose integrity can be verified.',
        files: ['verify.json', 'incidents.csv'],
      },
    ],
  },
};

export function isFramework(text: string): text is Framework {
  return (FRAMEWORKS as readonly string[]).includes(text);
}

/** The framework's controls with only the files the pack has; a control left with none is dropped. */
export function supportedControls(framework: Framework, present: ReadonlySet<string>): Control[] {
  return CATALOG[framework].controls.map((c) => ({ ...c, files: c.files.filter((f) => present.has(f)) })).filter((c) => c.files.length > 0);
}
