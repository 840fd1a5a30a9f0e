/**
 * The price of the gap and the simulation, from the command line and the
 * API, on small histories imported into the demo engagement whose answers
 * are worked out by hand:
 *
 * - the first week of August: payments down Tuesday 23:00, the partner
 *   acknowledges after 12 minutes (7 too late x 150 = 1,050); a storefront
 *   alert answered in 4 minutes (0); payments Thursday 10:00 nobody
 *   acknowledges, resolved after 25 minutes (20 x 150 = 3,000); payments
 *   incidents are P1 (impact share 100%, 50% at the low end);
 * - September: three nights the partner answered in 4 minutes, three days
 *   Acme IT answered in 6. Without the partner (demo/internal-only.yaml)
 *   the nights wait for 08:00, each priced up to the 4h cap.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { PresentedRisk, PresentedSimulation } from '../../src/risk/present.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { ROOT } from '../support/paths.js';

const INTERNAL_ONLY = `${ROOT}demo/internal-only.yaml`;
const HEADER = 'number,service,title,side,created_at,acknowledged_at,resolved_at';
const AUGUST = [
  HEADER,
  'R1,payments-api,Payments down at night,,2026-08-04T23:00:00-04:00,2026-08-04T23:12:00-04:00,2026-08-05T00:30:00-04:00',
  'R2,storefront,Storefront slow,,2026-08-05T10:00:00-04:00,2026-08-05T10:04:00-04:00,2026-08-05T11:00:00-04:00',
  'R3,payments-api,Payments blip nobody took,,2026-08-06T10:00:00-04:00,,2026-08-06T10:25:00-04:00',
].join('\n');
const SEPTEMBER = [
  HEADER,
  ...['2026-09-08T23:00', '2026-09-09T02:00', '2026-09-10T21:00'].map(
    (t, i) => `N${i},payments-api,Night ${i},,${t}:00-04:00,${addMin(t, 4)},${addMin(t, 60)}`,
  ),
  ...['2026-09-08T10:00', '2026-09-09T11:00', '2026-09-10T14:00'].map(
    (t, i) => `D${i},payments-api,Day ${i},,${t}:00-04:00,${addMin(t, 6)},${addMin(t, 60)}`,
  ),
].join('\n');

/** "2026-09-08T23:00" (New York, EDT) plus minutes, as an ISO instant. */
function addMin(local: string, min: number): string {
  return new Date(Date.parse(`${local}:00-04:00`) + min * 60_000).toISOString();
}

describe.each(databaseKinds())('risk and simulation, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  let viewer: string;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-risk-'));
  async function cli(...args: string[]) {
    const io = recordingIo();
    const code = await main([...args, '--db', h.db.url], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  }

  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-11-24T12:00:00Z' });
    admin = await h.token('admin');
    viewer = await h.token('viewer');
    for (const [name, text] of [
      ['august.csv', AUGUST],
      ['september.csv', SEPTEMBER],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const r = await cli('import', 'incidents', '--engagement', 'acme', path);
      expect(r.err).toBe('');
    }
  });
  afterAll(async () => h.close());

  describe('risk, a week of August worked out by hand', () => {
    const expected = {
      engagement: 'acme',
      from: '2026-08-03T04:00:00.000Z',
      to: '2026-08-10T04:00:00.000Z',
      first_response_s: 300,
      currency: 'USD',
      incidents: 3,
      priced_incidents: 3,
      excess_minutes: 27,
      exposure: 4050,
      exposure_range: { low: 2025, high: 4050 },
      annualized: Math.round(((4050 * 365) / 7) * 100) / 100,
      by_window: {
        business_hours: { incidents: 2, excess_minutes: 20, exposure: 3000, low: 1500, high: 3000 },
        after_hours: { incidents: 1, excess_minutes: 7, exposure: 1050, low: 525, high: 1050 },
        weekend: { incidents: 0, excess_minutes: 0, exposure: 0, low: 0, high: 0 },
        holiday: { incidents: 0, excess_minutes: 0, exposure: 0, low: 0, high: 0 },
      },
      by_side: {
        internal: { incidents: 1, excess_minutes: 20, exposure: 3000, low: 1500, high: 3000 },
        partner: { incidents: 2, excess_minutes: 7, exposure: 1050, low: 525, high: 1050 },
      },
    };

    it('tandem risk --json', async () => {
      const r = await cli('risk', '--engagement', 'acme', '--from', '2026-08-03', '--to', '2026-08-10', '--json');
      expect(r.code).toBe(0);
      const risk = JSON.parse(r.out) as PresentedRisk;
      expect(risk).toMatchObject(expected);
      expect(risk.top.map((t) => [t.title, t.exposure, t.side, t.window])).toEqual([
        ['Payments blip nobody took', 3000, 'internal', 'business_hours'],
        ['Payments down at night', 1050, 'partner', 'after_hours'],
      ]);
      expect(risk.unpriced_services.map((u) => [u.service, u.incidents])).toEqual([
        ['edr', 0],
        ['laptops', 0],
      ]);
    });

    it('GET /engagements/acme/risk gives the same answer, to any token of the engagement', async () => {
      const res = await h.api('GET', '/engagements/acme/risk?from=2026-08-03T04:00:00Z&to=2026-08-10T04:00:00Z', viewer);
      expect(res.statusCode).toBe(200);
      const cliAnswer = JSON.parse(
        (await cli('risk', '--engagement', 'acme', '--from', '2026-08-03', '--to', '2026-08-10', '--json')).out,
      ) as PresentedRisk;
      expect(res.json()).toEqual(cliAnswer);
    });

    it('first_response moves the line: at 10m, the blip is 15 minutes late (x 150) and the night 2', async () => {
      const res = await h.api('GET', '/engagements/acme/risk?from=2026-08-03&to=2026-08-10&first_response=10m', viewer);
      expect(res.json<PresentedRisk>()).toMatchObject({ first_response_s: 600, exposure: 15 * 150 + 2 * 150 });
    });

    it('the human table', async () => {
      const r = await cli('risk', '--engagement', 'acme', '--from', '2026-08-03', '--to', '2026-08-10');
      expect(r.out).toContain('Acme Payments: the price of the gap, 2026-08-03 .. 2026-08-10 (7 days, America/New_York)');
      expect(r.out).toContain('exposure $4,050  (annualized $211,178.57)');
      expect(r.out).toMatch(/after hours\s+1\s+7m 00s\s+\$1,050/);
      // Every figure shows its formula and inputs.
      expect(r.out).toContain(
        'payments-api P1: 27 late minutes x $150/min x 100% (50%..100%) = $4,050 (low $2,025, high $4,050; 2 incidents)',
      );
      expect(r.out).toContain('not priced: edr (0 incidents), laptops (0 incidents)');
    });

    it('bad requests', async () => {
      expect((await h.api('GET', '/engagements/acme/risk?from=2026-08-10&to=2026-08-03', viewer)).json()).toMatchObject({
        error: { code: 'INVALID_QUERY', field: 'to' },
      });
      expect((await h.api('GET', '/engagements/acme/risk?to=2026-08-03', viewer)).json()).toMatchObject({
        error: { code: 'INVALID_QUERY', field: 'from' },
      });
      expect((await h.api('GET', '/engagements/acme/risk?from=2026-08-03&to=2026-08-10&first_response=soon', viewer)).json()).toMatchObject(
        { error: { code: 'INVALID_QUERY', field: 'first_response' } },
      );
      expect((await h.api('GET', '/engagements/globex/risk?from=2026-08-03&to=2026-08-10', viewer)).statusCode).toBe(404);
      expect((await cli('risk', '--engagement', 'acme', '--from', 'then', '--to', '2026-08-10')).code).toBe(2);
    });
  });

  describe('simulate: September without the partner', () => {
    const hours = (h: number) => h * 60;

    function check(s: PresentedSimulation) {
      expect(s).toMatchObject({
        engagement: 'acme',
        alternative_file: { engagement: 'acme-internal-only' },
        incidents: 6,
        currency: 'USD',
      });
      expect(s.actual).toEqual({ mtta_s: 300, unattended_minutes: 0, exposure: 450, exposure_range: { low: 225, high: 450 }, fee: 18_000 });
      // Nights wait 9h, 6h and 11h for 08:00, then Acme IT takes its usual 6 minutes: 541, 361 and 661 minutes
      // late, each priced up to the 4h cap (3 x 240 minutes), plus the days' 3 minutes, at 150.
      expect(s.alternative.unattended_minutes).toBe(hours(26));
      expect(s.alternative.exposure).toBe(450 + 3 * 240 * 150);
      expect(s.alternative.fee).toBe(0);
      expect(s.difference.exposure).toBe(s.alternative.exposure - 450);
      expect(s.net).toMatchObject({ exposure_avoided: 108_000, extra_fee: 18_000, net: 90_000, range: { low: 36_000, high: 90_000 } });
      expect(s.verdict).toMatch(/^Co-managed coverage pays for itself/);
      expect(s.model_check).toMatchObject({ mtta_s: 300, exposure: 450 });
    }

    it('tandem simulate --config demo/internal-only.yaml', async () => {
      const json = await cli(
        'simulate',
        '--engagement',
        'acme',
        '--from',
        '2026-09-01',
        '--to',
        '2026-10-01',
        '--config',
        INTERNAL_ONLY,
        '--json',
      );
      expect(json.err).toBe('');
      check(JSON.parse(json.out) as PresentedSimulation);
      const text = await cli('simulate', '--engagement', 'acme', '--from', '2026-09-01', '--to', '2026-10-01', '--config', INTERNAL_ONLY);
      expect(text.out).toMatch(/unattended\s+0 min\s+1,560 min\s+\+1,560 min/);
      expect(text.out).toMatch(/partner fee\s+\$18,000\s+\$0\s+-\$18,000/);
    });

    it('POST /engagements/acme/simulate (admin) gives the same answer', async () => {
      const config = readFileSync(INTERNAL_ONLY, 'utf8');
      const res = await h.api('POST', '/engagements/acme/simulate', admin, {
        from: '2026-09-01',
        to: '2026-10-01',
        config,
        first_response: '5m',
      });
      expect(res.statusCode).toBe(200);
      check(res.json<PresentedSimulation>());
      const cliAnswer = JSON.parse(
        (await cli('simulate', '--engagement', 'acme', '--from', '2026-09-01', '--to', '2026-10-01', '--config', INTERNAL_ONLY, '--json'))
          .out,
      ) as PresentedSimulation;
      expect(res.json()).toEqual(cliAnswer);
    });

    it('admin only; a bad file is a 400 listing file:line:col problems; so is a file missing a service', async () => {
      const config = readFileSync(INTERNAL_ONLY, 'utf8');
      const body = { from: '2026-09-01', to: '2026-10-01', config };
      expect((await h.api('POST', '/engagements/acme/simulate', viewer, body)).json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      const bad = await h.api('POST', '/engagements/acme/simulate', admin, {
        ...body,
        config: config.replace('always: internal }', 'always: nobody }'),
        file: 'alt.yaml',
      });
      expect(bad.statusCode).toBe(400);
      const error = bad.json<{ error: { code: string; message: string; field: string } }>().error;
      expect(error).toMatchObject({ code: 'INVALID_BODY', field: 'config' });
      expect(error.message).toMatch(/^the alternative engagement file has \d+ problems?:\nalt\.yaml:\d+:\d+: /);
      const noPayments = config.replace(/ {2}- id: payments-api\n(?: {4}.*\n)+/, '');
      expect((await h.api('POST', '/engagements/acme/simulate', admin, { ...body, config: noPayments })).json()).toMatchObject({
        error: { code: 'INVALID_BODY', message: expect.stringContaining('no service "payments-api"') },
      });
      expect((await h.api('POST', '/engagements/acme/simulate', admin, { from: '2026-09-01', to: '2026-10-01' })).json()).toMatchObject({
        error: { code: 'INVALID_BODY', field: 'config' },
      });
    });

    it('live incidents: the tier that answered comes from the escalation timeline', async () => {
      // Tuesday 07:00 in New York (the harness clock): payments down, the partner NOC's on-call is paged,
      // nobody answers, tier 2 (the whole NOC team) is paged at +5m, and someone acknowledges at +7m.
      await h.ingest('/v2/enqueue', {
        routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
        event_action: 'trigger',
        payload: { summary: 'Live payments outage', source: 'x', severity: 'critical' },
      });
      await h.settle();
      h.clock.advance(5 * 60_000);
      await h.settle();
      h.clock.advance(2 * 60_000);
      const live = (await h.api('GET', '/incidents?status=triggered', admin)).json<{ incidents: Array<{ id: number }> }>().incidents[0];
      expect((await h.api('POST', `/incidents/${live?.id ?? 0}/acknowledge`, admin)).statusCode).toBe(200);
      const res = await h.api('POST', '/engagements/acme/simulate', admin, {
        from: '2026-11-24',
        to: '2026-11-25',
        config: readFileSync(`${ROOT}demo/acme.yaml`, 'utf8'),
      });
      const s = res.json<PresentedSimulation>();
      expect(s.model.tier_shares).toEqual([{ side: 'partner', tier: 2, n: 1, share: 1 }]);
      // Two minutes from tier 2's page to the acknowledgement: the model replays the same 7 minutes.
      expect(s.model.response_delays).toEqual([{ side: 'partner', window: 'after_hours', paged: true, n: 1, median_s: 120, mean_s: 120 }]);
      expect(s.alternative.mtta_s).toBe(7 * 60);
      expect(s.actual.mtta_s).toBe(7 * 60);
    });

    it('a bad alternative file on the command line: file:line:col, exit 1', async () => {
      const path = join(dir, 'alt.yaml');
      writeFileSync(path, 'version: 2\n');
      const r = await cli('simulate', '--engagement', 'acme', '--from', '2026-09-01', '--to', '2026-10-01', '--config', path);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    });
  });
});
