/**
 * No event can stall the pipeline (issue 8, points 1 and 2). Each of the three
 * inputs that once stopped event processing for every engagement is now
 * stored as something every database holds, or refused at the door with the
 * limit named; and whatever else makes an event impossible to apply, that
 * event is set aside with its error while every event after it goes on. An
 * admin sees the quarantined event, and puts it back once the cause is fixed.
 */
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { BIN } from '../support/paths.js';

const tandem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

const KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const trigger = (dedupKey: string, summary = `Alert ${dedupKey}`, extra: Record<string, unknown> = {}) => ({
  routing_key: KEY,
  event_action: 'trigger',
  dedup_key: dedupKey,
  payload: { summary, source: 'db-1', severity: 'critical', ...extra },
});

/** `{"a":{"a":...}}` nested `levels` deep, built as text (no recursion). */
function nested(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

const deepBody = (levels: number) =>
  `{"routing_key":"${KEY}","event_action":"trigger","dedup_key":"deep","payload":{"summary":"Deep","source":"x","severity":"error","custom_details":${nested(levels)}}}`;

describe.each(databaseKinds())('a poison event never stalls the pipeline, on $name', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  async function incidents(token: string): Promise<Array<{ title: string; number: string }>> {
    const res = await h.api('GET', '/incidents?limit=100', token);
    expect(res.statusCode).toBe(200);
    return (res.json() as { incidents: Array<{ title: string; number: string }> }).incidents;
  }

  async function unapplied(): Promise<number> {
    const row = await h.tandem.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('processed_at', 'is', null)
      .where('quarantined_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('a dedup key with a lone surrogate, sent twice, is one alert, and the events after it are applied', async () => {
    // Sent as the JSON escape, exactly as the fuzzer found it.
    const lone = `{"routing_key":"${KEY}","event_action":"trigger","dedup_key":"\\udfff","payload":{"summary":"Lone \\ud800 surrogate","source":"x","severity":"critical"}}`;
    expect((await h.ingest('/v2/enqueue', lone)).statusCode).toBe(202);
    expect((await h.ingest('/v2/enqueue', lone)).statusCode).toBe(202);
    expect((await h.ingest('/v2/enqueue', trigger('after-the-surrogate'))).statusCode).toBe(202);
    await h.settle();

    expect(await unapplied()).toBe(0);
    const token = await h.token('admin');
    const titles = (await incidents(token)).map((i) => i.title);
    expect(titles).toContain('Lone \uFFFD surrogate');
    expect(titles.filter((t) => t === 'Lone \uFFFD surrogate')).toHaveLength(1);
    expect(titles).toContain('Alert after-the-surrogate');
    const alerts = await h.tandem.database.db
      .selectFrom('alerts')
      .select(['dedup_key', 'event_count'])
      .where('dedup_key', '=', '\uFFFD')
      .execute();
    expect(alerts).toEqual([{ dedup_key: '\uFFFD', event_count: 2 }]);
  });

  it('events an older version accepted with a lone surrogate or a NUL are repaired when applied, not quarantined', async () => {
    // Stored as they were before ingest made text storable: the actions JSON holds the escapes.
    const actions = (dedupKey: string) =>
      JSON.stringify([{ type: 'alert', action: 'trigger', dedupKey, summary: `Old ${dedupKey}`, severity: 'error' }]);
    const row = (dedupKey: string) => ({
      engagement_id: 'acme',
      service_id: 'payments-api',
      integration_type: 'pagerduty',
      integration_key: KEY,
      kind: 'alert',
      received_at: h.clock.now(),
      request_id: null,
      raw: '{}',
      actions: actions(dedupKey),
      processed_at: null,
    });
    expect(actions('\udfff')).toContain('\\udfff');
    await h.tandem.database.db
      .insertInto('events')
      .values([row('\udfff'), row('\udfff'), row('nul\u0000'), row('plain')])
      .execute();
    await h.settle();
    expect(await unapplied()).toBe(0);
    expect((await h.api('GET', '/events/quarantined', await h.token('admin'))).json().events).toEqual([]);
    const alerts = await h.tandem.database.db.selectFrom('alerts').select(['dedup_key', 'event_count']).orderBy('id').execute();
    expect(alerts).toEqual([
      { dedup_key: '\uFFFD', event_count: 2 },
      { dedup_key: 'nul\uFFFD', event_count: 1 },
      { dedup_key: 'plain', event_count: 1 },
    ]);
  });

  it('a NUL in the dedup key, summary and details is stored as U+FFFD, and the events after it are applied', async () => {
    const body = trigger('nul\u0000key', 'Disk\u0000full', { custom_details: { 'k\u0000': 'v\u0000', list: ['a\u0000'] } });
    expect((await h.ingest('/v2/enqueue', body)).statusCode).toBe(202);
    expect((await h.ingest('/integrations/generic/edr-generic-77d2', { summary: 'EDR\u0000 alert', details: 'x\u0000y' })).statusCode).toBe(
      202,
    );
    expect((await h.ingest('/v2/enqueue', trigger('after-the-nul'))).statusCode).toBe(202);
    await h.settle();

    expect(await unapplied()).toBe(0);
    const token = await h.token('admin');
    const list = await incidents(token);
    expect(list.map((i) => i.title)).toEqual(expect.arrayContaining(['Disk\uFFFDfull', 'EDR\uFFFD alert', 'Alert after-the-nul']));
    const disk = list.find((i) => i.title === 'Disk\uFFFDfull');
    const detail = await h.api('GET', `/incidents/${disk?.number ?? ''}`, token);
    expect(detail.statusCode).toBe(200);
    const alert = (detail.json() as { incident: { alerts: Array<{ dedup_key: string; details: Record<string, unknown> }> } }).incident
      .alerts[0];
    expect(alert?.dedup_key).toBe('nul\uFFFDkey');
    expect(alert?.details).toMatchObject({ custom_details: { 'k\uFFFD': 'v\uFFFD', list: ['a\uFFFD'] } });
  });

  it('details nested past the limit are refused with a 400 naming the limit, and the server keeps serving', async () => {
    for (const levels of [40, 4_150, 5_000]) {
      const res = await h.ingest('/v2/enqueue', deepBody(levels));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        status: 'invalid event',
        errors: [expect.stringContaining('nested deeper than the limit of 32 levels')],
      });
      expect(res.json().errors[0]).toContain("'payload.custom_details");
    }
    // Exactly at the limit (the body 32 levels deep: body, payload, custom_details and 29 more) is accepted
    // and applied, by every format, though the stored actions wrap it deeper still.
    expect((await h.ingest('/v2/enqueue', deepBody(30))).statusCode).toBe(202);
    expect((await h.ingest('/v2/enqueue', deepBody(31))).statusCode).toBe(400);
    expect(
      (
        await h.ingest(
          '/v2/change/enqueue',
          `{"routing_key":"${KEY}","payload":{"summary":"Deploy","source":"ci","custom_details":${nested(30)}}}`,
        )
      ).statusCode,
    ).toBe(202);
    expect(
      (await h.ingest('/integrations/generic/edr-generic-77d2', `{"summary":"At the limit","details":${nested(31)}}`)).statusCode,
    ).toBe(202);
    const amAtLimit = `{"version":"4","groupKey":"g","status":"firing","receiver":"r","alerts":[{"status":"firing","fingerprint":"f0","labels":{"alertname":"At the limit"},"annotations":{"summary":"At the limit"}}]}`;
    expect((await h.ingest('/integrations/alertmanager/am-payments-3c8e1f', amAtLimit)).statusCode).toBe(202);
    // So are Alertmanager and generic bodies: the limit is the same door for every format.
    const am = `{"version":"4","groupKey":"g","status":"firing","receiver":"r","alerts":[{"status":"firing","fingerprint":"f1","labels":{"alertname":"A"},"annotations":{"x":"y"},"extra":${nested(5_000)}}]}`;
    expect((await h.ingest('/integrations/alertmanager/am-payments-3c8e1f', am)).statusCode).toBe(400);
    expect((await h.ingest('/integrations/generic/edr-generic-77d2', `{"summary":"s","details":${nested(5_000)}}`)).statusCode).toBe(400);
    await h.settle();
    expect(await unapplied()).toBe(0);
    expect((await h.api('GET', '/events/quarantined', await h.token('admin'))).json().events).toEqual([]);
    expect((await h.tandem.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('an event the inbox cannot serialize fails alone: its batch-mates are stored and nothing is left hanging', async () => {
    const base = {
      engagementId: 'acme',
      serviceId: 'payments-api',
      integrationType: 'pagerduty' as const,
      integrationKey: KEY,
      kind: 'alert' as const,
      receivedAt: h.clock.now(),
      requestId: null,
      raw: '{}',
    };
    const action = (dedupKey: string, details?: Record<string, unknown>) => ({
      type: 'alert' as const,
      action: 'trigger' as const,
      dedupKey,
      summary: `Inbox ${dedupKey}`,
      severity: 'error' as const,
      ...(details ? { details } : {}),
    });
    // Appended in one turn of the event loop, so all three ride in one commit.
    const results = await Promise.allSettled([
      h.tandem.inbox.append({ ...base, actions: [action('first')] }),
      h.tandem.inbox.append({ ...base, actions: [action('unserializable', { n: 10n })] }),
      h.tandem.inbox.append({ ...base, actions: [action('third')] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await h.settle();
    expect((await incidents(await h.token('viewer'))).map((i) => i.title).sort()).toEqual(['Inbox first', 'Inbox third']);
  });

  it('a body with more keys than the limit is refused with the limit named', async () => {
    // Small items, so the body stays under the 512 KB size limit.
    const res = await h.ingest('/v2/enqueue', trigger('many', 'Many keys', { custom_details: { items: new Array(100_001).fill(0) } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toContain('more than the limit of 100000 keys and array items');
  });

  it('an incident whose stored details are nested too deep still opens, with the deep part noted', async () => {
    expect((await h.ingest('/v2/enqueue', trigger('deep-stored'))).statusCode).toBe(202);
    await h.settle();
    // Stored before the ingest limit existed: written straight to the table.
    await h.tandem.database.db
      .updateTable('alerts')
      .set({ details: nested(5_000) })
      .where('dedup_key', '=', 'deep-stored')
      .execute();
    const token = await h.token('viewer');
    const [incident] = await incidents(token);
    const res = await h.api('GET', `/incidents/${incident?.number ?? ''}`, token);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('nested deeper than 32 levels');
  });

  it('an event that cannot be applied is quarantined with its error; the rest of its batch and the later events are applied', async () => {
    const admin = await h.token('admin');
    // A defect that makes one incident impossible to store (a trigger refusing its title).
    await refuseIncidentTitled(h, 'Poison pill');
    expect((await h.ingest('/v2/enqueue', trigger('before'))).statusCode).toBe(202);
    expect((await h.ingest('/v2/enqueue', trigger('poison', 'Poison pill'))).statusCode).toBe(202);
    expect((await h.ingest('/v2/enqueue', trigger('after'))).statusCode).toBe(202);
    await h.settle();
    expect((await h.ingest('/v2/enqueue', trigger('much-later'))).statusCode).toBe(202);
    await h.settle();

    expect((await incidents(admin)).map((i) => i.title).sort()).toEqual(['Alert after', 'Alert before', 'Alert much-later']);
    expect(await unapplied()).toBe(0);

    // The admin sees it, with its error and the body as received.
    const list = await h.api('GET', '/events/quarantined', admin);
    expect(list.statusCode).toBe(200);
    const events = (list.json() as { events: Array<{ id: number; engagement: string; error: string; raw: string; integration: string }> })
      .events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ engagement: 'acme', integration: 'pagerduty', error: expect.stringContaining('refused by test') });
    expect(events[0]?.raw).toContain('Poison pill');
    // Responders and viewers do not.
    expect((await h.api('GET', '/events/quarantined', await h.token('responder'))).statusCode).toBe(403);
    const backlog = (await h.api('GET', '/events/backlog', admin)).json();
    expect(backlog).toMatchObject({ waiting: 0, quarantined: 1 });
    const metrics = await h.tandem.http.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^tandem_events_quarantined 1$/m);
    expect(metrics.body).toMatch(/^tandem_events_quarantined_total 1$/m);

    // Retried while the cause is still there: quarantined again, nothing else disturbed.
    const retried = await h.api('POST', '/events/quarantined/retry', admin, { ids: [events[0]?.id] });
    expect(retried.json()).toMatchObject({ retried: [events[0]?.id], not_quarantined: [] });
    await h.settle();
    expect((await h.api('GET', '/events/quarantined', admin)).json().events).toHaveLength(1);

    // The cause fixed, a retry applies it.
    await allowAllTitles(h);
    expect((await h.api('POST', '/events/quarantined/retry', admin, { all: true })).json()).toMatchObject({ retried: [events[0]?.id] });
    await h.settle();
    expect((await incidents(admin)).map((i) => i.title)).toContain('Poison pill');
    expect((await h.api('GET', '/events/quarantined', admin)).json().events).toHaveLength(0);
    expect(await unapplied()).toBe(0);
  });

  it('a stored event whose actions are not even JSON is quarantined, not retried forever', async () => {
    await h.tandem.database.db
      .insertInto('events')
      .values({
        engagement_id: 'acme',
        service_id: 'payments-api',
        integration_type: 'pagerduty',
        integration_key: KEY,
        kind: 'alert',
        received_at: h.clock.now(),
        request_id: null,
        raw: '{}',
        actions: '{not json',
        processed_at: null,
      })
      .execute();
    expect((await h.ingest('/v2/enqueue', trigger('after-garbage'))).statusCode).toBe(202);
    await h.settle();
    await h.settle();
    const admin = await h.token('admin');
    expect((await incidents(admin)).map((i) => i.title)).toEqual(['Alert after-garbage']);
    const events = (await h.api('GET', '/events/quarantined', admin)).json().events as Array<{ error: string }>;
    expect(events).toHaveLength(1);
    expect(events[0]?.error).toMatch(/SyntaxError/);
  });

  it('the operator lists the quarantined event and retries it from the command line once the cause is fixed', async () => {
    await refuseIncidentTitled(h, 'Poison pill');
    expect((await h.ingest('/v2/enqueue', trigger('poison', 'Poison pill'))).statusCode).toBe(202);
    await h.settle();

    const list = tandem('events', 'list', '--db', h.db.url);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('0 event(s) waiting to be applied; 1 quarantined.');
    expect(list.stdout).toMatch(/#\d+ {2}acme\/payments-api {2}pagerduty/);
    expect(list.stdout).toContain('refused by test');
    const json = JSON.parse(tandem('events', 'list', '--json', '--db', h.db.url).stdout) as {
      quarantined: Array<{ id: number; error: string }>;
    };
    const id = json.quarantined[0]?.id ?? 0;
    expect(json.quarantined).toHaveLength(1);

    // Said wrongly: a clear line and exit 2, nothing changed.
    expect(tandem('events', 'retry', '--db', h.db.url).status).toBe(2);
    const notAnId = tandem('events', 'retry', 'ACME-1', '--db', h.db.url);
    expect(notAnId.status).toBe(2);
    expect(notAnId.stderr).toContain('"ACME-1" is not an event id');
    expect(tandem('events', 'retry', '--help').status).toBe(0);

    await allowAllTitles(h);
    const retry = tandem('events', 'retry', String(id), '--db', h.db.url);
    expect(retry.status, retry.stderr).toBe(0);
    expect(retry.stdout).toContain(`1 event(s) back in the queue: ${id}.`);
    await h.settle();
    expect((await incidents(await h.token('viewer'))).map((i) => i.title)).toEqual(['Poison pill']);

    const again = tandem('events', 'retry', String(id), '--db', h.db.url);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`event ${id} is not quarantined`);
  });

  it('retry refuses a malformed request with the field named', async () => {
    const admin = await h.token('admin');
    for (const body of [{}, { ids: [] }, { ids: ['x'] }, { ids: [-1] }, { all: 'yes' }]) {
      const res = await h.api('POST', '/events/quarantined/retry', admin, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'INVALID_BODY', field: 'ids' } });
    }
  });

  it('/readyz fails while the oldest waiting event is older than the limit, and recovers once it is applied', async () => {
    expect((await h.tandem.http.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await h.ingest('/v2/enqueue', trigger('waiting'))).statusCode).toBe(202);
    h.clock.advance(301_000);
    const stuck = await h.tandem.http.inject({ method: 'GET', url: '/readyz' });
    expect(stuck.statusCode).toBe(503);
    expect(stuck.json()).toMatchObject({ status: 'not ready', database: 'ok', events: expect.stringContaining('limit 300 s') });
    const metrics = await h.tandem.http.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^tandem_event_backlog_oldest_age_seconds 301$/m);
    expect(metrics.body).toMatch(/^tandem_event_backlog_events 1$/m);
    await h.settle();
    expect((await h.tandem.http.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await h.tandem.http.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^tandem_event_backlog_oldest_age_seconds 0$/m);
  });
});

describe.each(databaseKinds().slice(0, 1))('--max-event-lag 0, on $name', (kind) => {
  it('turns the backlog check off: /readyz stays ready however old the waiting event', async () => {
    const h = await startHarness(kind, { extraArgs: ['--max-event-lag', '0'] });
    try {
      expect((await h.ingest('/v2/enqueue', trigger('waiting'))).statusCode).toBe(202);
      h.clock.advance(3_600_000);
      const res = await h.tandem.http.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ready', database: 'ok' });
    } finally {
      await h.close();
    }
  });
});

/** A database trigger that refuses incidents with one title: a stand-in for any defect that makes one event impossible to apply. */
async function refuseIncidentTitled(h: Harness, title: string): Promise<void> {
  const db = h.tandem.database.db;
  if (h.tandem.database.dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger test_refuse before insert on incidents when new.title = '${title}' begin select raise(abort, 'refused by test'); end`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `create function test_refuse() returns trigger language plpgsql as $$ begin if new.title = '${title}' then raise exception 'refused by test'; end if; return new; end $$`,
      )
      .execute(db);
    await sql.raw('create trigger test_refuse before insert on incidents for each row execute function test_refuse()').execute(db);
  }
}

async function allowAllTitles(h: Harness): Promise<void> {
  const db = h.tandem.database.db;
  if (h.tandem.database.dialect === 'sqlite') await sql.raw('drop trigger test_refuse').execute(db);
  else await sql.raw('drop trigger test_refuse on incidents').execute(db);
}
