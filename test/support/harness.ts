/**
 * A Tandem started in-process for tests: a real database (SQLite or
 * PostgreSQL), the demo engagement, a virtual clock, and the engine driven by
 * hand (`settle()`), so a test reads like the story it checks.
 */
import type { LightMyRequestResponse } from 'fastify';
import { VirtualClock } from '../../src/clock/clock.js';
import { startTandem } from '../../src/server/server.js';
import type { StartOptions, Tandem } from '../../src/server/server.js';
import { parseServeSettings } from '../../src/settings/settings.js';
import { createToken } from '../../src/token/token.js';
import type { Role } from '../../src/token/token.js';
import type { DatabaseKind, TestDatabase } from './databases.js';
import { DEMO } from './paths.js';
import { startPeers } from './peers.js';
import type { Peers } from './peers.js';

export interface Harness {
  readonly tandem: Tandem;
  readonly clock: VirtualClock;
  readonly db: TestDatabase;
  readonly peers: Peers | undefined;
  /** POSTs a body (object or exact text) to an ingest path, with any extra headers. */
  ingest(path: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Calls /api/v1 with a token. */
  api(method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<LightMyRequestResponse>;
  token(role: Role, engagements?: string[], personId?: string): Promise<string>;
  /** Runs the engine until it has nothing left to do at the current virtual time. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions extends StartOptions {
  config?: string[];
  start?: string;
  extraArgs?: string[];
  /** Page real local peers (SMTP, Twilio, Slack, Teams, webhook); without it messages go to the demo inbox. */
  peers?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Share an existing database (several instances); the harness then does not drop it. */
  db?: TestDatabase;
  /** Share a clock between instances. */
  virtualClock?: VirtualClock;
}

export async function startHarness(kind: DatabaseKind, options: HarnessOptions = {}): Promise<Harness> {
  const shared = options.db !== undefined;
  const db = options.db ?? (await kind.create());
  const clock = options.virtualClock ?? new VirtualClock(options.start ?? '2026-11-24T12:00:00Z');
  const configArgs = (options.config ?? [DEMO]).flatMap((c) => ['--config', c]);
  const peers = options.peers ? await startPeers(clock) : undefined;
  const notify = peers ? peers.args : ['--notify', 'inbox'];
  const settings = parseServeSettings(
    [...configArgs, '--db', db.url, '--port', '0', '--log-level', 'silent', '--rate-limit', '0', ...notify, ...(options.extraArgs ?? [])],
    { ...peers?.env, ...options.env },
  );
  let tandem: Tandem;
  try {
    // Every JSON response is checked against its route's schema: a scenario that gets an answer off the contract fails.
    tandem = await startTandem(settings, { clock, listen: false, engineLoop: false, checkResponses: true, ...options });
  } catch (err) {
    await peers?.close();
    if (!shared) await db.drop();
    throw err;
  }
  return {
    tandem,
    clock,
    db,
    peers,
    ingest: async (path, body, headers) =>
      onContract(
        await tandem.http.inject({
          method: 'POST',
          url: path,
          headers: { 'content-type': 'application/json', ...headers },
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    api: async (method, path, token, body) =>
      onContract(
        await tandem.http.inject({
          method,
          url: `/api/v1${path}`,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        }),
      ),
    token: async (role, engagements = ['acme'], personId) =>
      (await createToken(tandem.database.db, { role, engagements, personId: personId ?? null, label: `test-${role}`, at: clock.now() }))
        .secret,
    settle: async () => {
      await tandem.engine.runOnce();
      await tandem.escalation.runOnce();
      await tandem.delivery.runOnce();
    },
    close: async () => {
      await tandem.close();
      await peers?.close();
      if (!shared) await db.drop();
    },
  };
}

/** A response off its route's schema is a 500 naming the route (checkResponses); the test fails here, with the fields at fault. */
function onContract(res: LightMyRequestResponse): LightMyRequestResponse {
  if (res.statusCode === 500 && res.body.includes('does not match its schema'))
    throw new Error(res.json<{ error: { message: string } }>().error.message);
  return res;
}
