/**
 * Single sign-on against a real OpenID provider (oidc-provider on
 * 127.0.0.1): the browser's round trip is real HTTP with manual redirects,
 * Tandem's half goes through its own HTTP stack. A person found by email
 * gets a dashboard session with their engagement, person and role; a group
 * grants a role; a wrong audience, an expired ID token and an account no
 * engagement knows get a page saying why and no session.
 */
import { activeTokensByLabel } from '../../src/token/store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { startHarness } from '../support/harness.js';
import { databaseKinds } from '../support/databases.js';
import { startFakeOidc } from '../support/fakes/oidc.js';
import type { FakeOidc } from '../support/fakes/oidc.js';

const PUBLIC_URL = 'http://tandem.test';
const ACCOUNTS = {
  kim: { email: 'Kim@NightOwl.example', email_verified: true, groups: ['nightowl-staff'] },
  dana: { email: 'dana@acme.example', email_verified: true, groups: ['acme-it-leads'] },
  auditor: { email: 'audit@kpmg.example', email_verified: true, groups: ['acme-auditors'] },
  stranger: { email: 'someone@elsewhere.example', email_verified: true, groups: ['marketing'] },
  unverified: { email: 'lee@acme.example', email_verified: false },
};

/** The session a sign-in answer set; fails the test when there is none. */
function sessionOf(headers: Record<string, unknown>): string {
  const session = setCookie(headers, 'tandem_session');
  if (!session) throw new Error('no session cookie');
  return session;
}

/** The value of a cookie set by a response, or undefined. */
function setCookie(headers: Record<string, unknown>, name: string): string | undefined {
  const all = ([] as string[]).concat((headers['set-cookie'] as string | string[] | undefined) ?? []);
  const line = all.find((c) => c.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}

/** Goes through the provider's sign-in as a browser would: follows its redirects, fills its login form, stops at Tandem's callback. */
async function throughProvider(start: string, account: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = start;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${PUBLIC_URL}/`)) return url;
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    init = {};
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (res.status !== 200 || !action || !page.includes('name="login"'))
      throw new Error(`unexpected provider page ${res.status}: ${page.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: account, password: 'any' }).toString(),
    };
  }
  throw new Error('too many redirects at the provider');
}

describe.each(databaseKinds())('single sign-on ($name)', (kind) => {
  let h: Harness;
  let idp: FakeOidc;

  beforeAll(async () => {
    idp = await startFakeOidc({ redirectUri: `${PUBLIC_URL}/auth/callback`, accounts: ACCOUNTS });
    h = await startHarness(kind, {
      start: new Date().toISOString(),
      extraArgs: [
        '--public-url',
        PUBLIC_URL,
        '--oidc-issuer',
        idp.issuer,
        '--oidc-client-id',
        idp.clientId,
        '--oidc-group',
        'acme-it-leads=admin',
        '--oidc-group',
        'acme-auditors=viewer@acme',
      ],
      env: { TANDEM_OIDC_CLIENT_SECRET: idp.clientSecret },
    });
  });
  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  /** Signs `account` in from /auth/login to Tandem's answer at /auth/callback; `beforeCallback` runs in between. */
  async function signIn(account: string, beforeCallback?: () => void) {
    // The ID token's times come from the provider's (real) clock: Tandem's virtual clock starts level with it.
    h.clock.set(Math.max(Date.now(), h.clock.now()));
    const login = await h.tandem.http.inject({ method: 'GET', url: '/auth/login?next=/incidents/ACME-1' });
    expect(login.statusCode).toBe(302);
    const pending = setCookie(login.headers, 'tandem_sso');
    expect(pending).toBeTruthy();
    const authorize = new URL(String(login.headers.location));
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/callback`);
    const callback = new URL(await throughProvider(authorize.href, account));
    beforeCallback?.();
    return h.tandem.http.inject({
      method: 'GET',
      url: `${callback.pathname}${callback.search}`,
      headers: { cookie: `tandem_sso=${pending}` },
    });
  }

  async function me(session: string) {
    const res = await h.tandem.http.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `tandem_session=${session}` } });
    expect(res.statusCode).toBe(200);
    return res.json<{ token: { role: string; engagements: string[]; person: string | null; label: string | null } }>().token;
  }

  it('a person found by verified email gets a session as that person, a responder on their engagement, and lands where they were going', async () => {
    const res = await signIn('kim');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/incidents/ACME-1');
    const session = sessionOf(res.headers);
    expect(setCookie(res.headers, 'tandem_sso')).toBe('');
    expect(await me(session)).toMatchObject({
      role: 'responder',
      engagements: ['acme'],
      person: 'kim',
      label: 'sso kim@nightowl.example',
    });
    // The session works like any dashboard session.
    const list = await h.tandem.http.inject({ method: 'GET', url: '/api/v1/incidents', headers: { cookie: `tandem_session=${session}` } });
    expect(list.statusCode).toBe(200);
  });

  it('signing in again reuses the identity`s token; a mapped group raises the role; a group may grant an engagement to someone who is not a person of it', async () => {
    const again = sessionOf((await signIn('kim')).headers);
    const first = await me(again);
    expect(first.label).toBe('sso kim@nightowl.example');
    const dana = sessionOf((await signIn('dana')).headers);
    expect(await me(dana)).toMatchObject({ role: 'admin', engagements: ['acme'], person: 'dana' });
    const auditor = sessionOf((await signIn('auditor')).headers);
    expect(await me(auditor)).toMatchObject({ role: 'viewer', engagements: ['acme'], person: null });
    // One token per identity, however often it signs in (sessions stand for a token; its secret is never shown).
    expect(await activeTokensByLabel(h.tandem.database.db, 'sso kim@nightowl.example')).toHaveLength(1);
  });

  it('an ID token for another audience is refused with a page saying so, and no session', async () => {
    idp.tamperIdTokens = (claims) => ({ ...claims, aud: 'some-other-app' });
    try {
      const res = await signIn('kim');
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('Sign-in refused');
      expect(res.body).toContain('&quot;aud&quot; (audience)');
      expect(setCookie(res.headers, 'tandem_session')).toBeUndefined();
    } finally {
      idp.tamperIdTokens = undefined;
    }
  });

  it('an account no engagement knows gets a clear page and no session; so does an unverified email', async () => {
    const res = await signIn('stranger');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('No engagement for this account');
    expect(res.body).toContain('someone@elsewhere.example is not a person of any engagement here');
    expect(setCookie(res.headers, 'tandem_session')).toBeUndefined();
    const unverified = await signIn('unverified');
    expect(unverified.statusCode).toBe(403);
    expect(unverified.body).toContain('lee@acme.example is not verified');
    expect(setCookie(unverified.headers, 'tandem_session')).toBeUndefined();
  });

  it('the dashboard`s sign-in page learns that the organization`s sign-in is on', async () => {
    const res = await h.tandem.http.inject({ method: 'GET', url: '/auth/sso' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sso: true, login: '/auth/login' });
  });

  it('a return path to another site is not followed', async () => {
    const login = await h.tandem.http.inject({ method: 'GET', url: '/auth/login?next=//evil.example/x' });
    const pending = JSON.parse(Buffer.from(setCookie(login.headers, 'tandem_sso') ?? '', 'base64url').toString('utf8')) as { next: string };
    expect(pending.next).toBe('/');
  });

  it('a callback without the sign-in it answers (another browser, a replay) starts no session', async () => {
    const res = await h.tandem.http.inject({ method: 'GET', url: '/auth/callback?code=abc&state=def' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Sign-in expired');
    expect(setCookie(res.headers, 'tandem_session')).toBeUndefined();
  });

  // Last: it moves Tandem's clock two hours past the provider's.
  it('an ID token that has expired by Tandem`s clock is refused, and no session', async () => {
    const res = await signIn('kim', () => h.clock.advance(2 * 60 * 60 * 1000));
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Sign-in refused');
    expect(res.body).toContain('&quot;exp&quot; (expiration time)');
    expect(setCookie(res.headers, 'tandem_session')).toBeUndefined();
  });
});
