import { describe, expect, it } from 'vitest';
import { CATALOG, EVIDENCE_FILES, FRAMEWORKS, supportedControls } from './controls.js';

describe('the control catalog', () => {
  it('lists the controls the issue names, per framework', () => {
    expect(Object.fromEntries(FRAMEWORKS.map((f) => [f, CATALOG[f].controls.map((c) => c.id)]))).toEqual({
      soc2: ['CC7.2', 'CC7.3', 'CC7.4', 'CC7.5'],
      iso27001: ['A.5.24', 'A.5.25', 'A.5.26', 'A.5.27', 'A.5.28', 'A.8.16'],
      'nist-csf': ['DE.CM', 'DE.AE', 'RS.MA', 'RS.AN', 'RS.CO'],
      hipaa: ['164.308(a)(1)(ii)(D)', '164.308(a)(6)(ii)', '164.312(b)'],
    });
  });

  it('gives every control a one-line description of our own and known files', () => {
    for (const f of FRAMEWORKS)
      for (const c of CATALOG[f].controls) {
        expect(c.description, c.id).toMatch(/^[A-Z].{20,130}\.$/);
        expect(c.description).not.toContain('\n');
        for (const file of c.files) expect(Object.keys(EVIDENCE_FILES)).toContain(file);
      }
  });

  it('keeps only the files a pack has, and drops a control left with none', () => {
    const present = new Set(['policy.json']);
    expect(supportedControls('iso27001', present).map((c) => [c.id, c.files])).toEqual([
      ['A.5.24', ['policy.json']],
      ['A.5.26', ['policy.json']],
    ]);
    expect(supportedControls('soc2', new Set())).toEqual([]);
  });
});
