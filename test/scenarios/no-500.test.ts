/**
 * Inputs that used to answer 500 (issue 8, point 6) now get a 4xx with a
 * stable code naming what is wrong, on SQLite and PostgreSQL alike: a badly
 * %-encoded session cookie, `Origin: null` with a valid session, a month in
 * year 0, incident ids, numbers and cursors beyond what the database stores,
 * and a NUL character in a note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/api/schema/common.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

interface ApiError {
  error: { code: string; message: string; field?: string };
}

describe.each(databaseKinds())('what used to be a 500 is a 4xx, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness(kind);
    admin = await h.token('admin');
    expect(
      (
        await h.ingest('/v2/enqueue', {
          routing_key: PAYMENTS,
          event_action: 'trigger',
          dedup_key: 'disk',
          payload: { summary: 'Disk full', source: 'db-1', severity: 'critical' },
        })
      ).statusCode,
    ).toBe(202);
    await h.settle();
    const signIn = await h.tandem.http.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: admin }),
    });
    expect(signIn.statusCode).toBe(200);
    cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
  });
  afterAll(async () => h.close());

  const get = (url: string, headers: Record<string, string> = { authorization: `Bearer ${admin}` }) =>
    h.tandem.http.inject({ method: 'GET', url: `/api/v1${url}`, headers });

  it('a badly %-encoded session cookie is an invalid session, not a crash', async () => {
    for (const value of ['%E0%A4%A', '%', 'abc%zz']) {
      const res = await get('/incidents', { cookie: `tandem_session=${value}` });
      expect(res.statusCode, value).toBe(401);
      expect(res.json<ApiError>().error).toMatchObject({ code: 'AUTH_INVALID', field: 'Cookie' });
    }
    const signOut = await h.tandem.http.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie: 'tandem_session=%E0%A4%A' },
    });
    expect(signOut.statusCode).toBe(204);
    // The real session still works beside it.
    expect((await get('/incidents', { cookie })).statusCode).toBe(200);
  });

  it('a change sent with Origin: null (a sandboxed frame, a file: page) is refused with 403', async () => {
    for (const origin of ['null', 'not a url']) {
      const res = await h.tandem.http.inject({
        method: 'POST',
        url: '/api/v1/incidents/ACME-1/notes',
        headers: { cookie, origin, 'content-type': 'application/json' },
        payload: JSON.stringify({ text: 'from a frame' }),
      });
      expect(res.statusCode, origin).toBe(403);
      expect(res.json<ApiError>().error.code).toBe('FORBIDDEN');
      expect(res.json<ApiError>().error.message).toContain(origin);
    }
    // The same change from the server's own origin goes through.
    const own = await h.tandem.http.inject({
      method: 'POST',
      url: '/api/v1/incidents/ACME-1/notes',
      headers: { cookie, origin: 'http://tandem.example:8080', host: 'tandem.example:8080', 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'from the dashboard' }),
    });
    expect(own.statusCode).toBe(201);
  });

  it('a month before 1970 or after 9999 is a 400 naming month', async () => {
    for (const path of [
      '/engagements/acme/credits?month=0000-01',
      '/engagements/acme/reports/monthly?month=0000-01',
      '/engagements/acme/credits?month=1969-12',
      '/engagements/acme/reports/monthly?month=10000-01',
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(400);
      expect(res.json<ApiError>().error).toMatchObject({ code: 'INVALID_QUERY', field: 'month' });
      expect(res.json<ApiError>().error.message).toContain('from 1970-01 to 9999-12');
    }
    expect((await get('/engagements/acme/credits?month=1970-01')).statusCode).toBe(200);
    expect((await get('/engagements/acme/reports/monthly?month=1970-01')).statusCode).toBe(200);
    expect((await get('/engagements/acme/reports/monthly?month=9999-12')).statusCode).toBe(200);
  });

  it('incident ids and numbers beyond what the database holds are 404, cursors beyond it are 400', async () => {
    for (const ref of [
      '2147483648',
      '9223372036854775807',
      '9223372036854775808',
      '99999999999999999999999',
      'ACME-2147483648',
      'ACME-99999999999999999999',
      'ACME-0',
    ]) {
      const res = await get(`/incidents/${ref}`);
      expect(res.statusCode, ref).toBe(404);
      expect(res.json<ApiError>().error).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      const ack = await h.api('POST', `/incidents/${ref}/acknowledge`, admin);
      expect(ack.statusCode, ref).toBe(404);
    }
    for (const raw of ['i:9223372036854775808', 'i:99999999999999999999999']) {
      const res = await get(`/incidents?cursor=${Buffer.from(raw).toString('base64url')}`);
      expect(res.statusCode, raw).toBe(400);
      expect(res.json<ApiError>().error).toMatchObject({ code: 'INVALID_CURSOR', field: 'cursor' });
    }
    // A cursor this server issued still pages.
    expect(
      (await get(`/incidents?cursor=${encodeCursor(2)}`)).json<{ incidents: Array<{ number: string }> }>().incidents.map((i) => i.number),
    ).toEqual(['ACME-1']);
  });

  it('a NUL character in a note is refused with 400 naming the field', async () => {
    const res = await h.api('POST', '/incidents/ACME-1/notes', admin, { text: 'before\u0000after' });
    expect(res.statusCode).toBe(400);
    const error = res.json<ApiError>().error;
    expect(error).toMatchObject({ code: 'INVALID_BODY', field: 'text' });
    expect(error.message).toContain('NUL characters are not allowed');
    const incident = (await h.api('GET', '/incidents/ACME-1', admin)).json<{
      incident: { timeline: Array<{ text?: string; message?: string }> };
    }>().incident;
    expect(JSON.stringify(incident.timeline)).not.toContain('before');
  });

  it('a NUL character anywhere in a query or an incident reference is a 4xx, not a database error', async () => {
    for (const path of [
      '/incidents?service=pay%00ments',
      '/incidents?priority=P%001',
      '/changes?service=a%00b',
      '/engagements/acme/metrics?from=2026-11-01T00:00:00Z%00',
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(400);
      expect(res.json<ApiError>().error.code, path).toBe('INVALID_QUERY');
      expect(res.json<ApiError>().error.message, path).toContain('NUL characters are not allowed');
    }
    for (const path of ['/incidents/ACME%00-1', '/incidents/AC%00ME-1', '/engagements/ac%00me', '/schedules/acme/x%00y/on-call']) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(404);
    }
  });

  it('a path with a bad percent-encoding is 400 INVALID_PATH in the error format, on the API, ingest and public pages alike', async () => {
    for (const url of [
      '/api/v1/incidents/%zz',
      '/api/v1/incidents/ACME-1%',
      '/integrations/generic/%E0%A4%A',
      '/status/acme%',
      '/respond/%zz',
    ]) {
      const res = await h.tandem.http.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json<ApiError>().error, url).toEqual({ code: 'INVALID_PATH', message: expect.stringContaining('percent-encoded') });
    }
  });

  it('keeps serving after all of it', async () => {
    expect((await h.api('GET', '/incidents/ACME-1', admin)).statusCode).toBe(200);
    expect((await h.tandem.http.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
