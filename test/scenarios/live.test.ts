/**
 * The dashboard's plumbing: signing in with an API token gives an httpOnly,
 * SameSite=Strict session cookie that acts with the token's role and scope;
 * the live stream pushes a new incident, only to those who may see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO, ROOT } from '../support/paths.js';

const GLOBEX = `${ROOT}test/fixtures/deployments/globex.yaml`;

describe.each(databaseKinds())('sessions and the live stream, on $name', (kind) => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    h = await startHarness(kind, { config: [DEMO, GLOBEX], clock: systemClock, listen: true, engineLoop: true });
    url = h.tandem.url ?? '';
  });
  afterAll(async () => h.close());

  async function signIn(token: string): Promise<string> {
    const res = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tandem_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    return cookie.split(';')[0] ?? '';
  }

  it('a session acts with its token: scope, role, and sign-out', async () => {
    const viewer = await h.token('viewer', ['acme']);
    const cookie = await signIn(viewer);
    const me = await fetch(`${url}/api/v1/me`, { headers: { cookie } });
    expect(((await me.json()) as { token: { role: string } }).token.role).toBe('viewer');
    expect((await fetch(`${url}/api/v1/engagements/globex`, { headers: { cookie } })).status).toBe(404);
    const bad = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'tdm_nope' }),
    });
    expect(bad.status).toBe(401);
    // A change from another origin with the cookie is refused.
    const responder = await signIn(await h.token('responder', ['acme']));
    const cross = await fetch(`${url}/api/v1/incidents/1/acknowledge`, {
      method: 'POST',
      headers: { cookie: responder, origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    const out = await fetch(`${url}/api/v1/session`, { method: 'DELETE', headers: { cookie } });
    expect(out.status).toBe(204);
    expect((await fetch(`${url}/api/v1/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('the stream pushes a new incident without polling, and only to those who may see it', async () => {
    const acme = await signIn(await h.token('viewer', ['acme']));
    const globex = await signIn(await h.token('viewer', ['globex']));
    const listen = async (cookie: string) => {
      const controller = new AbortController();
      const res = await fetch(`${url}/api/v1/stream`, { headers: { cookie }, signal: controller.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body?.getReader();
      let text = '';
      const done = (async () => {
        for (;;) {
          const chunk = await reader?.read().catch(() => undefined);
          if (!chunk || chunk.done) return;
          text += Buffer.from(chunk.value).toString('utf8');
        }
      })();
      return {
        text: () => text,
        stop: async () => {
          controller.abort();
          await done;
          return text;
        },
      };
    };
    const a = await listen(acme);
    const g = await listen(globex);
    const trigger = async (routingKey: string, dedupKey: string, summary: string) => {
      const res = await fetch(`${url}/v2/enqueue`, {
        method: 'POST',
        body: JSON.stringify({
          routing_key: routingKey,
          event_action: 'trigger',
          dedup_key: dedupKey,
          payload: { summary, source: 's', severity: 'critical' },
        }),
      });
      expect(res.status).toBe(202);
    };
    await trigger('9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c', 'live-1', 'Live payments outage');
    // No time bound: the stream delivers it (the test's own timeout catches a stream that never does).
    await expect.poll(() => a.text(), { timeout: 30_000, interval: 50 }).toContain('Live payments outage');
    // Globex's viewer sees a Globex incident opened after it, and never Acme's.
    await trigger('globex-pd-5e1d0c7a9b2f4e3d8c6a1b0f', 'live-g', 'Globex portal slow');
    await expect.poll(() => g.text(), { timeout: 30_000, interval: 50 }).toContain('Globex portal slow');
    const [acmeText, globexText] = await Promise.all([a.stop(), g.stop()]);
    const events = acmeText.split('\n\n').filter((e) => e.startsWith('event: incident'));
    expect(events.length).toBeGreaterThan(0);
    const first = JSON.parse(events[0]?.split('\ndata: ')[1] ?? '{}') as { title: string; engagement: string };
    expect(first).toMatchObject({ title: 'Live payments outage', engagement: 'acme' });
    expect(globexText).not.toContain('Live payments outage');
    expect(acmeText).not.toContain('Globex portal slow');
  });
});
