/**
 * One-click respond links: acknowledge or resolve an incident from a page,
 * without logging in. Each link is signed (HMAC-SHA256 with the server's
 * key), expires, and is bound to one incident and one responder, so using it
 * is recorded as that person's action. The token is the capability; there is
 * nothing else to steal.
 */
import type { Channel } from '../engagement/model.js';
import { HmacSigner } from '../secrets/hmac.js';

export type RespondAction = 'acknowledge' | 'resolve';

export interface LinkClaims {
  /** Incident id. */
  readonly incident: number;
  /** Who the link is for: "person:kim" or "team:nightowl-noc". */
  readonly responder: string;
  readonly action: RespondAction;
  /** Expiry, epoch ms (kept to the second). */
  readonly expires: number;
  /** The channel the link went out on, for the timeline ("sms"). */
  readonly via: string;
}

/**
 * What a provider's callback URL names (Twilio's delivery reports and a
 * call's keypresses): one delivery, its incident and its recipient. The
 * token is the callback's capability, as a respond link's is.
 */
export interface CallbackClaims {
  /** The notification (outbox row) that carried the message or placed the call. */
  readonly notification: number;
  readonly incident: number;
  /** "person:kim" or "team:nightowl-noc". */
  readonly responder: string;
  /** Expiry, epoch ms (kept to the second). */
  readonly expires: number;
  /** The channel ("voice", "sms"). */
  readonly via: string;
}

/** How long a respond link works. A page is about now; a day covers a slow morning. */
export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

/** One letter per channel in the signed link; a channel added to the engagement model must be given one here (the type says so). */
const VIA = { email: 'e', sms: 's', slack: 'k', teams: 't', webhook: 'w', voice: 'v', link: 'l' } as const satisfies Record<
  Channel | 'link',
  string
>;
const VIA_BACK: Record<string, string> = Object.fromEntries(Object.entries(VIA).map(([k, v]) => [v, k]));
/** 128 bits of HMAC: forging a link means guessing it. */
const MAC_BYTES = 16;

/**
 * Tokens are short because they ride in text messages (two links must fit in
 * one SMS): `<action><via>~<incident base36>~<p|t>:<id>~<expiry s base36>~<mac>`.
 * Ids in the engagement file never contain "~".
 */
export class LinkSigner {
  readonly #signer: HmacSigner;
  readonly #baseUrl: string;

  constructor(key: string, baseUrl: string) {
    this.#signer = new HmacSigner(key);
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }

  token(claims: LinkClaims): string {
    const [kind, id = ''] = claims.responder.split(':');
    const via = VIA[claims.via as keyof typeof VIA] ?? 'l';
    const payload = [
      `${claims.action === 'acknowledge' ? 'a' : 'r'}${via}`,
      claims.incident.toString(36),
      `${kind === 'team' ? 't' : 'p'}:${id}`,
      Math.floor(claims.expires / 1000).toString(36),
    ].join('~');
    return `${payload}~${this.#signer.sign(payload, MAC_BYTES)}`;
  }

  url(claims: LinkClaims): string {
    return `${this.#baseUrl}/respond/${this.token(claims)}`;
  }

  /**
   * A callback token: `c<via>~<notification base36>~<incident base36>~<p|t>:<id>~<expiry s base36>~<mac>`.
   * Its head ("c") keeps it apart from respond links: neither verifies as the other.
   */
  callbackToken(claims: CallbackClaims): string {
    const [kind, id = ''] = claims.responder.split(':');
    const via = VIA[claims.via as keyof typeof VIA] ?? 'l';
    const payload = [
      `c${via}`,
      claims.notification.toString(36),
      claims.incident.toString(36),
      `${kind === 'team' ? 't' : 'p'}:${id}`,
      Math.floor(claims.expires / 1000).toString(36),
    ].join('~');
    return `${payload}~${this.#signer.sign(payload, MAC_BYTES)}`;
  }

  /** The claims of a genuine callback token (expired or not), or undefined for anything forged, malformed or not a callback token. */
  verifyCallback(token: string): CallbackClaims | undefined {
    if (token.length > 400) return undefined;
    const cut = token.lastIndexOf('~');
    if (cut < 0) return undefined;
    const payload = token.slice(0, cut);
    if (!this.#signer.verify(payload, MAC_BYTES, token.slice(cut + 1))) return undefined;
    const [head = '', notification = '', incident = '', responder = '', expires = '', ...rest] = payload.split('~');
    const m = /^c([a-z])$/.exec(head);
    const r = /^(p|t):(.+)$/.exec(responder);
    const base36 = /^[0-9a-z]{1,11}$/;
    if (!m || !r || rest.length > 0 || !base36.test(notification) || !base36.test(incident) || !base36.test(expires)) return undefined;
    return {
      notification: parseInt(notification, 36),
      incident: parseInt(incident, 36),
      responder: `${r[1] === 't' ? 'team' : 'person'}:${r[2]}`,
      expires: parseInt(expires, 36) * 1000,
      via: VIA_BACK[m[1] ?? ''] ?? 'link',
    };
  }

  /** The claims of a genuine token (expired or not), or undefined for anything forged or malformed. */
  verify(token: string): LinkClaims | undefined {
    if (token.length > 400) return undefined;
    const cut = token.lastIndexOf('~');
    if (cut < 0) return undefined;
    const payload = token.slice(0, cut);
    if (!this.#signer.verify(payload, MAC_BYTES, token.slice(cut + 1))) return undefined;
    const [head = '', incident = '', responder = '', expires = ''] = payload.split('~');
    const m = /^(a|r)([a-z])$/.exec(head);
    const r = /^(p|t):(.+)$/.exec(responder);
    if (!m || !r || !/^[0-9a-z]+$/.test(incident) || !/^[0-9a-z]+$/.test(expires)) return undefined;
    return {
      incident: parseInt(incident, 36),
      responder: `${r[1] === 't' ? 'team' : 'person'}:${r[2]}`,
      action: m[1] === 'a' ? 'acknowledge' : 'resolve',
      expires: parseInt(expires, 36) * 1000,
      via: VIA_BACK[m[2] ?? ''] ?? 'link',
    };
  }
}
