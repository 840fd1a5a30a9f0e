/**
 * Syslog over TCP (RFC 6587): a stream of messages, each either
 * octet-counted (`MSG-LEN SP MSG`, MSG-LEN in bytes, as RFC 5425 senders and
 * rsyslog's `TCP_Framing="octet-counted"` do) or ended by a newline (the
 * older non-transparent framing most devices use; a trailing CR or a NUL as
 * the trailer is accepted too). Each frame says which it is by its first
 * byte: a digit starts an octet count, since a syslog message starts with `<`.
 */

/** The longest message taken; a longer frame is refused (and the connection closed). */
export const MAX_FRAME_BYTES = 64 * 1024;

export type FrameResult = { frames: string[]; error?: string };

const LF = 0x0a;
const NUL = 0x00;
const SP = 0x20;

/** Splits one connection's bytes into messages, across chunk boundaries. */
export class SyslogFramer {
  #buffer: Buffer = Buffer.alloc(0);
  #failed = false;

  /** The complete frames in the bytes so far; after an error the stream is abandoned (nothing more is read). */
  push(chunk: Buffer): FrameResult {
    if (this.#failed) return { frames: [] };
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: string[] = [];
    for (;;) {
      const next = this.#next();
      if (next === undefined) break;
      if (typeof next === 'object') {
        this.#failed = true;
        this.#buffer = Buffer.alloc(0);
        return { frames, error: next.error };
      }
      if (next.trim() !== '') frames.push(next);
    }
    if (this.#buffer.length > MAX_FRAME_BYTES + 8) {
      this.#failed = true;
      this.#buffer = Buffer.alloc(0);
      return { frames, error: `a message of more than ${MAX_FRAME_BYTES} bytes without a newline` };
    }
    return { frames };
  }

  /** At the end of the stream: a last message without its newline is still a message. */
  end(): string[] {
    if (this.#failed || this.#buffer.length === 0) return [];
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    if (isDigit(rest[0])) return [];
    const text = trimTrailer(rest.toString('utf8'));
    return text.trim() === '' ? [] : [text];
  }

  /** The next frame, undefined when the buffer holds no complete one, or an error. */
  #next(): string | undefined | { error: string } {
    const b = this.#buffer;
    if (b.length === 0) return undefined;
    if (isDigit(b[0])) {
      const space = b.indexOf(SP);
      if (space < 0) return b.length > 10 ? { error: 'an octet count longer than 10 digits' } : undefined;
      const count = b.subarray(0, space).toString('latin1');
      if (!/^[1-9]\d{0,9}$/.test(count)) return { error: `"${count.slice(0, 12)}" is not an octet count (MSG-LEN SP MSG)` };
      const length = Number(count);
      if (length > MAX_FRAME_BYTES) return { error: `a message of ${length} bytes is over the limit of ${MAX_FRAME_BYTES}` };
      if (b.length < space + 1 + length) return undefined;
      this.#buffer = b.subarray(space + 1 + length);
      return trimTrailer(b.subarray(space + 1, space + 1 + length).toString('utf8'));
    }
    let end = -1;
    for (let i = 0; i < b.length; i++)
      if (b[i] === LF || b[i] === NUL) {
        end = i;
        break;
      }
    if (end < 0) return undefined;
    this.#buffer = b.subarray(end + 1);
    return trimTrailer(b.subarray(0, end).toString('utf8'));
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** A CR (CRLF senders) or newline at the end of a message is framing, not text. */
function trimTrailer(s: string): string {
  return s.replace(/[\r\n]+$/, '');
}

/** A UDP datagram is one message (RFC 5426); some senders pack several lines into one, so each line is one. */
export function datagramMessages(datagram: Buffer): string[] {
  return datagram
    .toString('utf8')
    .split(/\r?\n|\0/)
    .filter((l) => l.trim() !== '');
}
