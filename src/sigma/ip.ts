/**
 * IP addresses and CIDR ranges for the `cidr` modifier, IPv4 and IPv6 (an
 * IPv4-mapped IPv6 address such as ::ffff:10.1.2.3 is in the IPv4 ranges).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type Address = Uint8Array;

function v4(text: string): Address {
  return Uint8Array.from(text.split('.').map(Number));
}

function v6(text: string): Address {
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.', lastColon)) {
    tail = [...v4(body.slice(lastColon + 1))];
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** The address, or undefined when the text is not an IP address (a zone id, %eth0, is ignored). */
export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  if (isIPv4(t)) return v4(t);
  const noZone = t.split('%')[0] ?? '';
  if (isIPv6(noZone)) return v6(noZone);
  return undefined;
}

/** A CIDR range: its network bytes and prefix length. */
export interface Cidr {
  readonly network: Address;
  readonly prefix: number;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a single address; throws with the reason when it is not one. */
export function parseCidr(text: string): Cidr {
  const [addr = '', len, extra] = text.trim().split('/');
  const network = parseAddress(addr);
  if (network === undefined || extra !== undefined) throw new Error(`"${text}" is not an IPv4 or IPv6 CIDR range`);
  const max = network.length * 8;
  const prefix = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new Error(`"${text}": the prefix length must be 0 to ${max}`);
  if (network.some((b, i) => maskedOut(b, i, prefix))) {
    throw new Error(`"${text}" has host bits set (write the network address)`);
  }
  return { network, prefix };
}

function maskedOut(byte: number, index: number, prefix: number): boolean {
  const bits = Math.max(0, Math.min(8, prefix - index * 8));
  return (byte & (0xff >> bits)) !== 0;
}

/** Whether the address is in the range. */
export function cidrContains(range: Cidr, address: Address): boolean {
  let addr = address;
  if (range.network.length === 4 && addr.length === 16) {
    const mapped = addr.slice(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
    if (!mapped) return false;
    addr = addr.slice(12);
  }
  if (addr.length !== range.network.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const bits = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    const i = bit / 8;
    if (((addr[i] ?? 0) & mask) !== ((range.network[i] ?? 0) & mask)) return false;
  }
  return true;
}
