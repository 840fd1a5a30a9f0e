/** The link MAC: HMAC-SHA256 cut to length, base64url; only the genuine MAC verifies. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSigner } from './hmac.js';

describe('HmacSigner', () => {
  const signer = new HmacSigner('k3y');

  it('signs as HMAC-SHA256 truncated to the asked length, base64url', () => {
    const full = createHmac('sha256', Buffer.from('k3y', 'utf8')).update('ical:v1:acme:schedule:primary').digest();
    expect(signer.sign('ical:v1:acme:schedule:primary', 20)).toBe(full.subarray(0, 20).toString('base64url'));
    expect(signer.sign('ar~1~p:kim~abc', 16)).toHaveLength(22);
  });

  it('verifies only the genuine MAC of the same payload and length', () => {
    const mac = signer.sign('ar~1~p:kim~abc', 16);
    expect(signer.verify('ar~1~p:kim~abc', 16, mac)).toBe(true);
    expect(signer.verify('ar~2~p:kim~abc', 16, mac)).toBe(false);
    expect(signer.verify('ar~1~p:kim~abc', 20, mac)).toBe(false);
    expect(signer.verify('ar~1~p:kim~abc', 16, mac.slice(0, -1))).toBe(false);
    expect(new HmacSigner('other').verify('ar~1~p:kim~abc', 16, mac)).toBe(false);
  });
});
