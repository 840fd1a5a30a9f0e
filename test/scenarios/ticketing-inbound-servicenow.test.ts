/**
 * What happens on Acme's ServiceNow instance comes back to Tandem through the
 * Tandem business rule (issue 10, inbound): Dana takes the incident (In
 * Progress) and it is acknowledged in her name; the rule posting back
 * Tandem's own work note (made by the integration user) acts on nothing; a
 * post with neither a state nor a note is ignored; a bad post names its field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake } from '../support/fakes/servicenow.js';
import { businessRulePost } from '../support/fakes/servicenow-webhooks.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { SNOW_INBOUND, demoWithTicketing, incidentDetail, paymentsDown, serviceNowEntry } from '../support/ticketing.js';

const HOOK = `/integrations/ticketing/${SNOW_INBOUND}`;

describe.each(databaseKinds())('ServiceNow changes reach the incident, on $name', (kind) => {
  let h: Harness | undefined;
  let fake: ServiceNowFake | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = fake = dir = undefined;
  });

  async function paymentsTicket(): Promise<{ h: Harness; fake: ServiceNowFake; id: number; sysId: string }> {
    fake = await startServiceNowFake();
    dir = mkdtempSync(join(tmpdir(), 'tandem-snow-in-'));
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z',
      config: [demoWithTicketing(dir, [serviceNowEntry(fake)])],
      env: { ACME_SN_PASSWORD: 'servicenow-fake-password' },
    });
    const id = await paymentsDown(h);
    return { h, fake, id, sysId: [...fake.incidents.keys()][0] ?? '' };
  }
  const incident = incidentDetail;

  it('Dana sets the ServiceNow incident to In Progress: the Tandem incident is acknowledged by Dana, in ServiceNow', async () => {
    const { h, fake, id, sysId } = await paymentsTicket();
    fake.update(sysId, { state: '2' }, 'dana.reyes');
    expect((await h.ingest(HOOK, businessRulePost(fake, sysId, { byName: 'Dana Reyes', stateChanged: true }))).statusCode).toBe(202);
    await h.settle();
    const now = await incident(h, id);
    expect(now.status).toBe('acknowledged');
    expect(now.timeline.map((e) => e.message)).toContain(
      `Acknowledged by Dana Reyes in ServiceNow (ticket ${fake.incidents.get(sysId)?.['number']})`,
    );
    expect(now.tickets[0]?.state).toBe('in_progress');
    // Not pushed back: ServiceNow's state was changed by Dana, and Tandem sent no PATCH after the create.
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    fake.assertClean();
  });

  it("the business rule posting Tandem's own work note back (the integration user's change) acts on nothing", async () => {
    const { h, fake, id, sysId } = await paymentsTicket();
    const kim = await h.token('responder', ['acme'], 'kim');
    expect((await h.api('POST', `/incidents/${id}/notes`, kim, { text: 'Rolled back the 23:30 deploy.' })).statusCode).toBe(201);
    await h.settle();
    expect(fake.journal.map((j) => j.value)).toEqual(['Kim Tan: Rolled back the 23:30 deploy.']);
    const echo = businessRulePost(fake, sysId, { byName: 'Tandem Integration' });
    expect(echo['sys_updated_by']).toBe(fake.user);
    expect((await h.ingest(HOOK, echo)).statusCode).toBe(202);
    await h.settle();
    expect((await incident(h, id)).timeline.filter((e) => e.kind === 'note').map((e) => e.message)).toEqual([
      'Rolled back the 23:30 deploy.',
    ]);
    const row = await h.tandem.database.db.selectFrom('ticket_inbound').select(['status', 'result']).executeTakeFirst();
    expect(row).toEqual({ status: 'done', result: 'an echo: the change was made by the integration user' });
  });

  it('a post with neither a state nor a note is ignored, and a post without sys_updated_by names the field', async () => {
    const { h, fake, sysId } = await paymentsTicket();
    const post = businessRulePost(fake, sysId, { byName: 'Dana Reyes' });
    const ignored = await h.ingest(HOOK, post);
    expect([ignored.statusCode, ignored.json<{ status: string }>().status]).toEqual([200, 'ignored']);
    const anonymous: Record<string, string> = { ...post, state: '6' };
    delete anonymous['sys_updated_by'];
    const bad = await h.ingest(HOOK, anonymous);
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: string[] }>().errors).toEqual(["'sys_updated_by' is required"]);
    const wrongState = await h.ingest(HOOK, { ...post, state: '5' });
    expect(wrongState.json<{ errors: string[] }>().errors).toEqual([
      '\'state\' must be one of 1, 2, 3, 6, 7, 8 (incident states), not "5"',
    ]);
    expect(await h.tandem.database.db.selectFrom('ticket_inbound').selectAll().execute()).toEqual([]);
  });
});
