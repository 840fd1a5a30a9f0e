import { describe, expect, it } from 'vitest';
import { LinkSigner } from './links.js';

const signer = new LinkSigner('link-signing-key-for-tests', 'https://tandem.example/');
const claims = { notification: 1234, incident: 42, responder: 'person:kim', expires: Date.UTC(2026, 10, 25, 5, 0, 0), via: 'voice' };

describe('callback tokens (Twilio callbacks)', () => {
  it('round-trip the delivery, incident, recipient, expiry and channel', () => {
    const token = signer.callbackToken(claims);
    expect(token).toMatch(/^cv~ya~16~p:kim~[0-9a-z]+~[A-Za-z0-9_-]{22}$/);
    expect(signer.verifyCallback(token)).toEqual(claims);
    expect(signer.verifyCallback(signer.callbackToken({ ...claims, responder: 'team:noc', via: 'sms' }))).toEqual({
      ...claims,
      responder: 'team:noc',
      via: 'sms',
    });
  });

  it('are not respond links, and respond links are not callback tokens', () => {
    const token = signer.callbackToken(claims);
    expect(signer.verify(token)).toBeUndefined();
    const link = signer.token({ incident: 42, responder: 'person:kim', action: 'acknowledge', expires: claims.expires, via: 'voice' });
    expect(signer.verify(link)).toMatchObject({ incident: 42, via: 'voice' });
    expect(signer.verifyCallback(link)).toBeUndefined();
  });

  it('refuse anything changed, another key, or garbage', () => {
    const token = signer.callbackToken(claims);
    expect(signer.verifyCallback(token.replace('~16~', '~17~'))).toBeUndefined();
    expect(signer.verifyCallback(token.replace('p:kim', 'p:sam'))).toBeUndefined();
    expect(new LinkSigner('another-key', 'https://tandem.example').verifyCallback(token)).toBeUndefined();
    for (const junk of ['', '~', 'cv~~~~~', 'x'.repeat(500), `${token}~extra`]) expect(signer.verifyCallback(junk)).toBeUndefined();
  });
});
