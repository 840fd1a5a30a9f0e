/** CISA's KEV feed: the real excerpt reads whole; a bad entry refuses the catalog, naming the entry and field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/support/paths.js';
import { formatProblem } from './finding.js';
import { parseKev } from './kev.js';

describe('parseKev', () => {
  it('reads the feed layout', () => {
    const r = parseKev(readFileSync(join(FIXTURES, 'scanners', 'kev-excerpt.json'), 'utf8'));
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.catalog.version).toBe('2025.08.25');
    expect(r.catalog.entries).toHaveLength(5);
    expect(r.catalog.entries.find((e) => e.cve === 'CVE-2022-22965')).toEqual({
      cve: 'CVE-2022-22965',
      vendor: 'VMware',
      product: 'Spring Framework',
      name: 'Spring Framework JDK 9+ Remote Code Execution Vulnerability',
      dateAdded: '2022-04-04',
      dueDate: '2022-04-25',
      ransomware: 'Unknown',
    });
  });

  it.each([
    ['{', '(document): not JSON'],
    ['{"catalogVersion": "1"}', "vulnerabilities: not CISA's KEV feed"],
    [
      '{"catalogVersion": "1", "vulnerabilities": [{"cveID": "CVE-2024-1234", "vendorProject": "v", "product": "p", "vulnerabilityName": "n", "dateAdded": "2024-01-01", "dueDate": "21 Jan 2024"}]}',
      'vulnerabilities[0].dueDate: "21 Jan 2024" is not a date (YYYY-MM-DD)',
    ],
    [
      '{"catalogVersion": "1", "vulnerabilities": [{"cveID": "not-a-cve", "vendorProject": "v", "product": "p", "vulnerabilityName": "n", "dateAdded": "2024-01-01", "dueDate": "2024-01-21"}]}',
      'vulnerabilities[0].cveID: "not-a-cve" is not a CVE id',
    ],
  ])('%s', (text, message) => {
    const r = parseKev(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map(formatProblem).join('\n')).toContain(message);
  });
});
