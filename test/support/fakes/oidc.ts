/**
 * A real OpenID provider for tests: the certified `oidc-provider` package on
 * 127.0.0.1 with one static client and a few accounts, its own RSA signing
 * key, and the development login form (any password). `tamperIdTokens` makes
 * the token endpoint answer with an ID token whose claims were changed and
 * re-signed with the provider's own key (a wrong audience that still carries
 * a valid signature), which no honest provider does on request.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface FakeAccount {
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly groups?: readonly string[];
}

export interface FakeOidc {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Changes the claims of the next ID tokens (re-signed with the provider's key); undefined: honest answers. */
  tamperIdTokens: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined;
  close(): Promise<void>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export async function startFakeOidc(options: { redirectUri: string; accounts: Readonly<Record<string, FakeAccount>> }): Promise<FakeOidc> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'tandem';
  const clientSecret = 'a-client-secret-for-tests-only-0123456789';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['a-cookie-key-for-tests-only'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['groups'] },
    // Claims in the ID token itself, where Tandem reads them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 3600 },
    findAccount: (_ctx, id) => {
      const account = options.accounts[id];
      return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
    },
    // A first-party client: no consent screen.
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (accountId === undefined) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const handler = provider.callback();
  const fake: FakeOidc = {
    issuer,
    clientId,
    clientSecret,
    tamperIdTokens: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const tamper = fake.tamperIdTokens;
    if (!tamper || req.method !== 'POST' || req.url !== '/token') return void handler(req, res);
    // Let the provider answer into a buffer, then re-sign the ID token with changed claims.
    const chunks: Buffer[] = [];
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: Buffer | string) => (chunks.push(Buffer.from(chunk)), true)) as typeof res.write;
    res.end = ((chunk?: Buffer | string) => {
      if (chunk) chunks.push(Buffer.from(chunk));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      if (typeof body['id_token'] === 'string') {
        const [header = '', payload = ''] = body['id_token'].split('.');
        const claims = tamper(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>);
        const input = `${header}.${b64(claims)}`;
        body['id_token'] = `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
      }
      const text = JSON.stringify(body);
      res.setHeader('content-length', Buffer.byteLength(text));
      write(text);
      return end();
    }) as typeof res.end;
    void handler(req, res);
  });
  return fake;
}
