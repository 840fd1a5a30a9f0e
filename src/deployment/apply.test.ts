/**
 * Applying engagement files to the database, on each database: services, integration keys and people are
 * upserted many rows per statement (issue 14: 2,000 engagements at start), with the same rows as one at a time:
 * those dropped from a file archived, renamed ones updated, a key moved to another service, more rows than one
 * statement's chunk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/support/databases.js';
import type { DatabaseKind } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';
import type { Engagement, LoadedEngagement } from '../engagement/model.js';
import { applyEngagements } from './apply.js';

const T0 = Date.parse('2026-11-25T04:47:00Z');

describe.each(databaseKinds())('applying engagements, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('upserts services, keys and people in chunks; archives what a file dropped; moves a key', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    const { db } = h.tandem.database;
    const acme = h.tandem.deployment.engagement('acme') as Engagement;
    const [payments, storefront] = acme.services;
    if (!payments || !storefront) throw new Error('acme has no services');
    const many = Array.from({ length: 450 }, (_, i) => ({
      ...storefront,
      id: `extra-${i}`,
      name: `Extra ${i}`,
      integrations: [{ ...storefront.integrations[0], key: `extra-key-${String(i).padStart(4, '0')}` }],
    }));
    // payments-api renamed and given storefront's key; storefront, edr and laptops dropped; 450 new services.
    const paymentsKeys = payments.integrations.map((i) => i.key);
    const changed = {
      ...acme,
      services: [
        { ...payments, name: 'Payments, renamed', criticality: 2, integrations: [...payments.integrations, ...storefront.integrations] },
        ...many,
      ],
      people: acme.people.slice(1).map((p) => ({ ...p, name: `${p.name} (moved)` })),
    } as Engagement;
    const loaded: LoadedEngagement = { engagement: changed, file: 'demo/acme.yaml', hash: 'changed' };
    expect(await applyEngagements(h.tandem.database, [loaded], T0 + 1000)).toEqual([{ engagement: 'acme', changed: true }]);

    const services = await db.selectFrom('services').selectAll().where('engagement_id', '=', 'acme').orderBy('id').execute();
    expect(services).toHaveLength(4 + 450);
    const byId = new Map(services.map((s) => [s.id, s]));
    expect(byId.get('payments-api')).toMatchObject({ name: 'Payments, renamed', criticality: 2, archived: 0, updated_at: T0 + 1000 });
    expect(['storefront', 'edr', 'laptops'].map((id) => byId.get(id)?.archived)).toEqual([1, 1, 1]);
    expect(byId.get('extra-449')).toMatchObject({ name: 'Extra 449', function: storefront.function, archived: 0 });

    const keys = await db.selectFrom('integration_keys').selectAll().where('engagement_id', '=', 'acme').execute();
    const key = new Map(keys.map((k) => [k.key, k]));
    expect(keys.filter((k) => k.archived === 0)).toHaveLength(paymentsKeys.length + 1 + 450);
    expect(key.get(storefront.integrations[0]?.key ?? '')).toMatchObject({ service_id: 'payments-api', archived: 0 });
    expect(key.get('extra-key-0449')).toMatchObject({ service_id: 'extra-449', type: storefront.integrations[0]?.type, archived: 0 });
    expect(keys.filter((k) => k.archived === 1).map((k) => k.service_id)).toEqual(expect.arrayContaining(['edr', 'laptops']));

    const people = await db.selectFrom('people').selectAll().where('engagement_id', '=', 'acme').orderBy('id').execute();
    const first = acme.people[0];
    expect(people.find((p) => p.id === first?.id)).toMatchObject({ archived: 1, name: first?.name });
    const second = acme.people[1];
    expect(people.find((p) => p.id === second?.id)).toMatchObject({
      archived: 0,
      name: `${second?.name ?? ''} (moved)`,
      email: second?.contact.email ?? null,
      side: second?.side,
      timezone: second?.timezone,
    });

    // The same file again changes nothing.
    expect(await applyEngagements(h.tandem.database, [loaded], T0 + 2000)).toEqual([{ engagement: 'acme', changed: false }]);
  });

  it('applies many engagements a group per transaction, reporting each in order; unchanged ones are left alone', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    const { db } = h.tandem.database;
    const acme = h.tandem.deployment.engagement('acme') as Engagement;
    const client = (n: number, hash: string): LoadedEngagement => ({
      engagement: {
        ...acme,
        id: `client-${n}`,
        services: acme.services.map((s) => ({ ...s, integrations: s.integrations.map((i) => ({ ...i, key: `${i.key}-${n}` })) })),
      } as Engagement,
      file: `clients/${n}.yaml`,
      hash,
    });
    const clients = Array.from({ length: 120 }, (_, n) => client(n, 'v1'));
    const first = await applyEngagements(h.tandem.database, clients, T0);
    expect(first.map((r) => r.engagement)).toEqual(clients.map((l) => l.engagement.id));
    expect(first.every((r) => r.changed)).toBe(true);
    const stored = await db
      .selectFrom('engagements')
      .select(['id', 'config_hash', 'incident_prefix'])
      .where('id', 'like', 'client-%')
      .execute();
    expect(stored).toHaveLength(120);
    expect(stored.find((r) => r.id === 'client-119')).toEqual({ id: 'client-119', config_hash: 'v1', incident_prefix: 'CLIENT-119' });
    const keys = await db.selectFrom('integration_keys').select('key').where('engagement_id', '=', 'client-77').execute();
    expect(keys).toHaveLength(acme.services.flatMap((s) => s.integrations).length);
    // New engagements are written together, many per statement: each still gets its own services and people.
    const services = await db.selectFrom('services').select(['id', 'archived']).where('engagement_id', '=', 'client-119').execute();
    expect(services.map((s) => s.id).sort()).toEqual(acme.services.map((s) => s.id).sort());
    const people = await db.selectFrom('people').select(['id', 'email']).where('engagement_id', '=', 'client-3').execute();
    expect(people).toHaveLength(acme.people.length);

    // Again, with one file changed: only that one is applied.
    const again = clients.map((l, n) => (n === 60 ? client(60, 'v2') : l));
    const second = await applyEngagements(h.tandem.database, again, T0 + 1000);
    expect(second.filter((r) => r.changed).map((r) => r.engagement)).toEqual(['client-60']);
    expect(second).toHaveLength(120);
  });
});
