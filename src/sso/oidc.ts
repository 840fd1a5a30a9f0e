/**
 * The OpenID Connect relying party: discovery, the authorization request
 * (code flow with PKCE, state and nonce) and the callback's code exchange with
 * its ID token checks (issuer, audience, expiry, nonce, signature by the
 * provider's published keys, RS256 only). All protocol and crypto work is
 * openid-client's; this module keeps its configuration, caches discovery and
 * the provider's keys, and reads the claims Tandem maps.
 */
import * as client from 'openid-client';
import type { Clock } from '../clock/clock.js';
import type { OidcSettings } from '../settings/settings.js';
import { loopbackUrl } from '../settings/settings.js';
import type { SsoClaims } from './mapping.js';

/** What the browser must bring back to the callback (kept in a short-lived httpOnly cookie). */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** The dashboard path to return to. */
  readonly next: string;
}

/** The one signature algorithm accepted on ID tokens: the OpenID default every provider supports. */
export const ID_TOKEN_ALG = 'RS256';

/** A sign-in the provider or its ID token failed; the message says why, for the page and the log. */
export class SignInRefused extends Error {}

export class OidcRelyingParty {
  private discovered: client.Configuration | undefined;
  private jwks: ReturnType<typeof client.getJwksCache>;

  constructor(
    private readonly settings: OidcSettings,
    readonly redirectUri: string,
    private readonly clock: Clock,
  ) {}

  /** The provider's metadata, fetched once (again after a failure). */
  private async configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const issuer = new URL(this.settings.issuer);
      this.discovered = await client.discovery(issuer, this.settings.clientId, this.metadata(), this.auth(), {
        ...(issuer.protocol === 'http:' && loopbackUrl(issuer) ? { execute: [client.allowInsecureRequests] } : {}),
      });
    }
    return this.discovered;
  }

  private metadata(): Partial<client.ClientMetadata> {
    return {
      redirect_uris: [this.redirectUri],
      id_token_signed_response_alg: ID_TOKEN_ALG,
      // Token times are judged by the injected clock (the system clock in production).
      [client.clockSkew]: Math.round((this.clock.now() - Date.now()) / 1000),
    };
  }

  private auth(): client.ClientAuth {
    return this.settings.clientSecret === undefined ? client.None() : client.ClientSecretBasic(this.settings.clientSecret);
  }

  /** A configuration for one exchange: discovery's metadata, this moment's clock skew, the cached keys. */
  private async current(): Promise<client.Configuration> {
    const base = await this.configuration();
    const config = new client.Configuration(base.serverMetadata(), this.settings.clientId, this.metadata(), this.auth());
    if (base.serverMetadata().issuer.startsWith('http:')) client.allowInsecureRequests(config);
    if (this.jwks) client.setJwksCache(config, this.jwks);
    return config;
  }

  /** Where to send the browser, and what its return must match. */
  async start(next: string): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.current();
    const verifier = client.randomPKCECodeVerifier();
    const pending: PendingSignIn = { state: client.randomState(), nonce: client.randomNonce(), verifier, next };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the callback's code and checks the ID token; throws SignInRefused with the reason. */
  async finish(search: string, pending: PendingSignIn): Promise<SsoClaims> {
    const config = await this.current();
    let tokens;
    try {
      tokens = await client.authorizationCodeGrant(config, new URL(`${this.redirectUri}${search}`), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new SignInRefused(refusal(err));
    } finally {
      this.jwks = client.getJwksCache(config) ?? this.jwks;
    }
    const claims = tokens.claims();
    if (!claims) throw new SignInRefused('the identity provider sent no ID token');
    return {
      subject: claims.sub,
      email: typeof claims['email'] === 'string' ? claims['email'] : undefined,
      emailVerified: typeof claims['email_verified'] === 'boolean' ? claims['email_verified'] : undefined,
      groups: groupsOf(claims[this.settings.groupsClaim]),
    };
  }
}

/** A group claim as a list: an array of strings, or one string. */
function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : [];
}

/** The reason of a failed exchange as people can read it: the provider's error, or the failed ID token check. */
function refusal(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError) {
    return `the identity provider answered ${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  }
  // openid-client wraps the failed check (oauth4webapi's, which names the claim) in a general message: use the inner one.
  let inner = err;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const message = inner instanceof Error ? inner.message : String(inner);
  return `the ID token was refused: ${message}`;
}
