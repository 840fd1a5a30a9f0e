/**
 * Nothing twice, when people press at the same moment: six responders hit
 * Acknowledge on the same page within a few milliseconds (from the API, a
 * respond link, Slack or a phone: all run the same incident command). One
 * acknowledgement is recorded, by one person; the others find the incident
 * already acknowledged and change nothing. Likewise for resolve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const ACME_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const PEOPLE = ['dana', 'lee', 'sam', 'kim', 'ana', 'mo'];

describe.each(databaseKinds())('responders pressing at the same moment, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let tokens: string[];
  const entries = async (number: string, entryKind: string) => {
    const res = await h.api('GET', `/incidents/${number}`, tokens[0]);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ incident: { timeline: Array<{ kind: string }> } }>().incident.timeline.filter((e) => e.kind === entryKind);
  };

  beforeAll(async () => {
    h = await startHarness(kind);
    tokens = await Promise.all(PEOPLE.map((p) => h.token('admin', ['acme'], p)));
  });
  afterAll(async () => h.close());

  for (const round of [1, 2, 3]) {
    it(`round ${round}: six acknowledgements at once record one; six resolves at once record one`, async () => {
      await h.ingest('/v2/enqueue', {
        routing_key: ACME_KEY,
        event_action: 'trigger',
        dedup_key: `db-${round}`,
        payload: { summary: 'Database down', source: 's', severity: 'critical' },
      });
      await h.settle();
      const number = `ACME-${round}`;
      const acks = await Promise.all(tokens.map((t) => h.api('POST', `/incidents/${number}/acknowledge`, t)));
      expect(acks.map((r) => r.statusCode)).toEqual(Array(PEOPLE.length).fill(200));
      expect(await entries(number, 'incident.acknowledged')).toHaveLength(1);
      const resolves = await Promise.all(tokens.map((t) => h.api('POST', `/incidents/${number}/resolve`, t)));
      expect(resolves.map((r) => r.statusCode).filter((s) => s !== 200 && s !== 409)).toEqual([]);
      expect(await entries(number, 'incident.resolved')).toHaveLength(1);
    });
  }
});
