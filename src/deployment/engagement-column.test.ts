/** engagements.config: the stored model reads back equal to what was applied, frozen; a broken one fails with the column's name. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEngagementText } from '../engagement/index.js';
import { engagementConfig } from './engagement-column.js';

describe('engagementConfig', () => {
  for (const file of ['demo/acme.yaml', 'demo/internal-only.yaml', 'test/fixtures/engagements/ticketing/ok.yaml']) {
    it(`round-trips ${file}`, () => {
      const loaded = loadEngagementText(readFileSync(file, 'utf8'), file).engagement;
      if (loaded === undefined) throw new Error(`${file} did not load`);
      const stored = engagementConfig.parse(engagementConfig.stringify(loaded));
      expect(stored).toEqual(JSON.parse(JSON.stringify(loaded)));
      expect(Object.isFrozen(stored.people[0])).toBe(true);
    });
  }

  it('reads a model stored before the ticketing section existed as having none', () => {
    const loaded = loadEngagementText(readFileSync('demo/acme.yaml', 'utf8'), 'demo/acme.yaml').engagement;
    if (loaded === undefined) throw new Error('demo/acme.yaml did not load');
    const { ticketing, ...older } = loaded;
    expect(ticketing).toEqual([]);
    expect(engagementConfig.parse(JSON.stringify(older)).ticketing).toEqual([]);
  });

  it('refuses a stored model of another shape, naming the column', () => {
    expect(() => engagementConfig.parse('{"version":1,"id":"acme"}')).toThrow(/^engagements\.config: stored value is not valid/);
  });
});
