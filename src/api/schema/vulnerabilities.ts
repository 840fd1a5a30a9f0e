/**
 * Vulnerability findings over the API: importing a scanner's output (admin),
 * listing findings with their deadline and status, and recording a risk
 * exception (admin). A finding has the shape `tandem vulns list --json`
 * prints.
 */
import { z } from 'zod';
import { Instant, listQuery, requiredText } from './common.js';
import { ScopeQuery } from './engagements.js';

export const SCAN_FORMATS = ['trivy', 'grype', 'sarif', 'nessus', 'greenbone'] as const;
export const FINDING_STATUSES = ['open', 'overdue', 'fixed', 'excepted'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** The largest scan file the import takes (its text, in the JSON body). */
export const MAX_SCAN_BYTES = 16 * 1024 * 1024;

export const Finding = z
  .object({
    id: z.number().int(),
    cve: z.string().nullable().meta({ description: 'The CVE, when the finding is one.' }),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    asset: z.string().meta({ description: 'What was scanned: an image, a directory, a repository, a host.' }),
    package: z.string().nullable(),
    first_seen: Instant,
    last_seen: Instant,
    due_at: Instant.meta({
      description:
        'First seen + the deadline for its severity; for a CVE in the KEV catalog (policy due_date) the end of its KEV due date, if earlier.',
    }),
    status: z
      .enum(FINDING_STATUSES)
      .meta({ description: 'overdue: open past due_at; an exception that expired reads as open (or overdue) again.' }),
    kev: z.boolean().meta({ description: "Its CVE is in CISA's Known Exploited Vulnerabilities catalog." }),
  })
  .meta({ id: 'Finding' });

export const FindingList = z
  .object({ findings: z.array(Finding) })
  .meta({ id: 'FindingList', description: 'Findings, most urgent (earliest due) first.' });
export const FindingResponse = z.object({ finding: Finding }).meta({ id: 'FindingResponse' });

export const FindingQuery = ScopeQuery.extend({
  status: listQuery(FINDING_STATUSES).meta({
    description: 'Statuses, comma-separated (default: open, overdue and excepted; fixed only when asked for).',
  }),
  severity: listQuery(SEVERITIES),
});

export const FindingParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a finding id (a whole number)')
    .transform(Number),
});

export const ImportBody = z
  .object({
    engagement: requiredText(200),
    format: z.enum(SCAN_FORMATS).meta({
      description:
        'trivy (`--format json`), grype (`-o json`), sarif (SARIF 2.1.0), nessus (Nessus CSV export), greenbone (Greenbone/OpenVAS CSV results).',
    }),
    service: z.string().min(1).max(200).optional().meta({
      description: "Where an overdue finding's incident opens (default: the engagement's first service of function security).",
    }),
    content: z
      .string({ error: 'is required: the file, as text' })
      .min(1, 'is empty')
      .meta({ description: "The scanner's output file, as text (up to 16 MB)." }),
  })
  .meta({ id: 'VulnerabilityImport' });

export const ImportResult = z
  .object({
    status: z.enum(['imported', 'unchanged']).meta({ description: 'unchanged: this file was imported before; nothing changed.' }),
    findings: z.number().int().meta({ description: 'Findings in the file (one per fingerprint).' }),
    added: z.number().int(),
    seen: z.number().int().meta({ description: 'Known findings the scan reports again.' }),
    fixed: z.number().int().meta({ description: 'Findings the same scanner no longer reports on an asset the scan covered.' }),
  })
  .meta({ id: 'VulnerabilityImportResult' });

export const ExceptionBody = z
  .object({
    reason: requiredText(2000),
    approver: requiredText(200),
    expires_at: Instant.meta({ description: 'Until when the risk is accepted; then the finding is open (or overdue) again.' }),
  })
  .meta({ id: 'FindingException' });

export type Finding = z.output<typeof Finding>;
export type FindingList = z.output<typeof FindingList>;
export type ImportResult = z.output<typeof ImportResult>;
