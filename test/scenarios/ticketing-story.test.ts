/**
 * The co-managed ticket story (issue 10): at 23:47 the payments incident opens
 * a ServiceNow ticket for Acme IT and a ConnectWise ticket for NightOwl (and
 * an issue in Acme's Jira); Kim acknowledges by SMS link and every ticket
 * moves to in progress; Dana comments in ServiceNow and the note reaches the
 * timeline, the ConnectWise ticket and Jira, but not back to ServiceNow;
 * resolving in Jira resolves the incident and closes the other tickets. Each
 * fake checks every request against its vendor's contract.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startConnectWiseFake } from '../support/fakes/connectwise.js';
import type { ConnectWiseFake } from '../support/fakes/connectwise.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { deliveryHeaders, issueUpdated } from '../support/fakes/jira-webhooks.js';
import { startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake } from '../support/fakes/servicenow.js';
import { businessRulePost } from '../support/fakes/servicenow-webhooks.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import {
  CW_INBOUND,
  JIRA_INBOUND,
  SNOW_INBOUND,
  connectWiseEntry,
  demoWithTicketing,
  incidentDetail,
  jiraEntry,
  paymentsDown,
  serviceNowEntry,
} from '../support/ticketing.js';

describe.each(databaseKinds())('one incident, three ticketing systems, on $name', (kind) => {
  let h: Harness | undefined;
  let fakes: { jira: JiraFake; snow: ServiceNowFake; cw: ConnectWiseFake } | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await Promise.all([fakes?.jira.close(), fakes?.snow.close(), fakes?.cw.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = fakes = dir = undefined;
  });

  async function start(): Promise<{ h: Harness; jira: JiraFake; snow: ServiceNowFake; cw: ConnectWiseFake }> {
    const [jira, snow, cw] = await Promise.all([startJiraFake(), startServiceNowFake(), startConnectWiseFake({ company: 'nightowl' })]);
    fakes = { jira, snow, cw };
    dir = mkdtempSync(join(tmpdir(), 'tandem-story-'));
    const config = demoWithTicketing(dir, [serviceNowEntry(snow), connectWiseEntry(cw, 'AcmeCorp', 'Service Desk'), jiraEntry(jira)]);
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z', // Tuesday 23:47 in New York
      config: [config],
      peers: true,
      env: {
        ACME_JIRA_TOKEN: jira.token,
        ACME_SN_PASSWORD: 'servicenow-fake-password',
        NO_CW_PUBLIC: 'cwPublicKey1',
        NO_CW_PRIVATE: 'cwPrivateKey1',
      },
    });
    return { h, jira, snow, cw };
  }
  async function at(t: Harness, iso: string): Promise<void> {
    t.clock.set(iso);
    await t.settle();
  }
  const incident = incidentDetail;

  it("ServiceNow and ConnectWise tickets open, move with Kim's SMS acknowledgement, carry Dana's ServiceNow note to the others, and close when Jira resolves", async () => {
    const { h, jira, snow, cw } = await start();
    const id = await paymentsDown(h);

    // 23:47: one ticket in each system, each findable again by its correlation id.
    const [sysId, snowTicket] = [...snow.incidents.entries()][0] ?? ['', {}];
    expect(snow.incidents.size).toBe(1);
    expect(snowTicket).toMatchObject({
      short_description: '[ACME-1] Payments API 5xx above 2%',
      correlation_id: 'tandem:ACME-1',
      state: '1',
    });
    const cwTicket = [...cw.tickets.values()][0];
    expect(cw.tickets.size).toBe(1);
    expect(cwTicket).toMatchObject({ summary: '[ACME-1] Payments API 5xx above 2%', externalXRef: 'ACME-1' });
    expect(cwTicket?.status.name).toBe('New');
    expect([...jira.issues.keys()]).toEqual(['OPS-1']);
    const shown = (await incident(h, id)).tickets.map((t) => `${t.system} ${t.side} ${t.key} ${t.state}`);
    expect(shown).toEqual([
      `servicenow internal ${snowTicket['number']} open`,
      `connectwise partner #${cwTicket?.id} open`,
      'jira internal OPS-1 open',
    ]);

    // 23:52: tier 2 texts Kim; 23:53 she acknowledges from the link in the text.
    await at(h, '2026-11-25T04:52:00Z');
    await at(h, '2026-11-25T04:53:00Z');
    const sms = h.peers?.twilio.messages[0]?.body ?? '';
    const ack = [...sms.matchAll(/https?:\/\/\S+\/respond\/\S+/g)].map((m) => new URL(m[0]).pathname)[0] ?? '';
    const done = await h.tandem.http.inject({
      method: 'POST',
      url: ack,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(done.statusCode).toBe(200);
    await h.settle();
    expect(snow.incidents.get(sysId)?.['state']).toBe('2');
    expect(cw.tickets.get(cwTicket?.id ?? 0)?.status.name).toBe('In Progress');
    expect(jira.issues.get('OPS-1')?.status.category).toBe('indeterminate');

    // 00:01: Dana writes a work note in ServiceNow; the business rule posts it to Tandem.
    h.clock.set('2026-11-25T05:01:00Z');
    snow.update(
      sysId,
      { work_notes: 'Card processor confirms an outage on their side; failover to the backup acquirer started.' },
      'dana.reyes',
    );
    const post = businessRulePost(snow, sysId, { byName: 'Dana Reyes' });
    expect((await h.ingest(`/integrations/ticketing/${SNOW_INBOUND}`, post)).statusCode).toBe(202);
    await h.settle();
    const note = (await incident(h, id)).timeline.find((e) => e.kind === 'note');
    expect(note).toMatchObject({
      message: 'Card processor confirms an outage on their side; failover to the backup acquirer started.',
      actor: { type: 'integration', id: 'ticketing:acme-snow' },
      data: { via: `ticket ${snowTicket['number']}` },
    });
    const relayed = 'Dana Reyes in ServiceNow: Card processor confirms an outage on their side; failover to the backup acquirer started.';
    expect(cw.tickets.get(cwTicket?.id ?? 0)?.notes.map((n) => n.text)).toContain(relayed);
    expect(JSON.stringify(jira.issues.get('OPS-1')?.comments)).toContain('failover to the backup acquirer');
    // Not back to ServiceNow: its journal has Dana's note once, and nothing from Tandem.
    expect(snow.journal.filter((j) => j.element_id === sysId).map((j) => j.sys_created_by)).toEqual(['dana.reyes']);

    // 00:20: Lee resolves OPS-1 in Jira; the incident resolves, ServiceNow and ConnectWise close.
    h.clock.set('2026-11-25T05:20:00Z');
    jira.setStatus('OPS-1', 'done');
    const lee = { accountId: '712020:aa01', displayName: 'Lee Park', emailAddress: 'lee@acme.example' };
    const issue = jira.issues.get('OPS-1');
    if (issue === undefined) throw new Error('OPS-1 is missing');
    const transitionsBefore = jira.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/transitions')).length;
    expect(
      (await h.ingest(`/integrations/ticketing/${JIRA_INBOUND}`, issueUpdated(jira.url, issue, lee, 'In Progress'), deliveryHeaders()))
        .statusCode,
    ).toBe(202);
    await h.settle();
    const after = await incident(h, id);
    expect(after.status).toBe('resolved');
    expect(after.timeline.map((e) => e.message)).toContain('Resolved by Lee Park in Jira (ticket OPS-1)');
    expect(snow.incidents.get(sysId)).toMatchObject({ state: '6', close_code: 'Solution provided' });
    expect(cw.tickets.get(cwTicket?.id ?? 0)?.status.name).toBe('Closed');
    expect(jira.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/transitions')).length).toBe(transitionsBefore);
    expect(after.tickets.map((t) => t.state)).toEqual(['done', 'done', 'done']);

    // Exactly one ticket each, no failed operation, and every request as the vendors' contracts say.
    expect([snow.incidents.size, cw.tickets.size, jira.issues.size]).toEqual([1, 1, 1]);
    const failed = await h.tandem.database.db.selectFrom('ticket_ops').select('last_error').where('status', '!=', 'done').execute();
    expect(failed).toEqual([]);
    jira.assertClean();
    snow.assertClean();
    cw.assertClean();
  });

  it("A NightOwl technician's note and close in ConnectWise reach the incident and the other systems; the callback of Tandem's own note, and a repeated callback, act on nothing", async () => {
    const { h, jira, snow, cw } = await start();
    const id = await paymentsDown(h);
    const ticketId = [...cw.tickets.keys()][0] ?? 0;
    const [sysId] = [...snow.incidents.keys()];
    const hook = `/integrations/ticketing/${CW_INBOUND}`;

    // Kim acknowledges and writes a note in Tandem; ConnectWise calls back about the ticket Tandem just changed.
    const kim = await h.token('responder', ['acme'], 'kim');
    expect((await h.api('POST', `/incidents/${id}/acknowledge`, kim)).statusCode).toBe(200);
    expect((await h.api('POST', `/incidents/${id}/notes`, kim, { text: 'Rolled back the 23:30 deploy.' })).statusCode).toBe(201);
    await h.settle();
    // The first note is the initial description, as ConnectWise files it; then Kim's.
    expect(cw.tickets.get(ticketId)?.notes.map((n) => n.text.split('\n')[0])).toEqual([
      'Service: Payment processing API',
      'Kim Tan: Rolled back the 23:30 deploy.',
    ]);
    expect((await h.ingest(hook, cw.callbackBody(ticketId, 'updated'))).statusCode).toBe(202);
    await h.settle();
    const notes = async () => (await incident(h, id)).timeline.filter((e) => e.kind === 'note').map((e) => e.message);
    expect(await notes()).toEqual(['Rolled back the 23:30 deploy.']);

    // 00:05: Tariq writes in ConnectWise; the callback only says the ticket changed, so Tandem reads it back.
    h.clock.set('2026-11-25T05:05:00Z');
    cw.addNote(ticketId, 'Acquirer failover complete; error rate back under 0.1%.', 'TRahman');
    const callback = cw.callbackBody(ticketId, 'updated');
    expect((await h.ingest(hook, callback)).statusCode).toBe(202);
    const again = await h.ingest(hook, callback);
    expect([again.statusCode, again.json<{ status: string }>().status]).toEqual([200, 'duplicate']);
    await h.settle();
    expect(await notes()).toEqual(['Rolled back the 23:30 deploy.', 'Acquirer failover complete; error rate back under 0.1%.']);
    const relayed = 'TRahman in ConnectWise: Acquirer failover complete; error rate back under 0.1%.';
    expect(snow.journal.filter((j) => j.element_id === sysId).map((j) => j.value)).toContain(relayed);
    expect(JSON.stringify(jira.issues.get('OPS-1')?.comments)).toContain('Acquirer failover complete');
    expect(cw.tickets.get(ticketId)?.notes).toHaveLength(3);

    // 00:09: Tariq closes the ticket; the incident resolves and the other tickets follow.
    h.clock.set('2026-11-25T05:09:00Z');
    cw.setStatus(ticketId, 'Closed', 'TRahman');
    const patchesBefore = cw.requests.filter((r) => r.method === 'PATCH').length;
    expect((await h.ingest(hook, cw.callbackBody(ticketId, 'updated'))).statusCode).toBe(202);
    await h.settle();
    const after = await incident(h, id);
    expect(after.status).toBe('resolved');
    expect(after.timeline.map((e) => e.message)).toContain(`Resolved by TRahman in ConnectWise (ticket #${ticketId})`);
    expect(snow.incidents.get(sysId ?? '')?.['state']).toBe('6');
    expect(jira.issues.get('OPS-1')?.status.category).toBe('done');
    expect(cw.requests.filter((r) => r.method === 'PATCH').length).toBe(patchesBefore);
    jira.assertClean();
    snow.assertClean();
    cw.assertClean();
  });
});
