/**
 * A bare SMTP client for tests that need what a polite client never sends:
 * a message over the size limit without declaring its SIZE, random bytes as
 * DATA, commands in a hostile order. It speaks the protocol line by line and
 * returns every reply, so a test can check codes at each step.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface SmtpReply {
  readonly code: number;
  readonly text: string;
}

export interface RawSmtp {
  /** The greeting. */
  readonly greeting: SmtpReply;
  /** Sends one command line (CRLF added) and resolves with its reply. */
  command(line: string): Promise<SmtpReply>;
  /** Sends a message body after a 354 (dot-stuffed, terminated) and resolves with the reply to it. */
  data(body: Buffer | string): Promise<SmtpReply>;
  close(): void;
}

export async function rawSmtp(port: number, host = '127.0.0.1'): Promise<RawSmtp> {
  const socket: Socket = connect({ port, host });
  socket.setNoDelay(true);
  let buffer = '';
  const waiting: Array<(r: SmtpReply) => void> = [];
  const replies: SmtpReply[] = [];
  let lines: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      lines.push(line.slice(4));
      if (line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), text: lines.join('\n') };
        lines = [];
        const next = waiting.shift();
        if (next) next(reply);
        else replies.push(reply);
      }
    }
  });
  socket.on('error', () => {});
  const nextReply = () =>
    new Promise<SmtpReply>((resolve, reject) => {
      const ready = replies.shift();
      if (ready) {
        resolve(ready);
        return;
      }
      const timer = setTimeout(() => reject(new Error('no SMTP reply within 10 s')), 10_000);
      waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const greeting = await nextReply();
  return {
    greeting,
    command(line) {
      socket.write(`${line}\r\n`);
      return nextReply();
    },
    data(body) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      // Dot-stuffing (RFC 5321 4.5.2): a line starting with '.' gets another (after a bare LF too, for lenient servers).
      const text = bytes.toString('latin1').replace(/(^|\n)\./g, '$1..');
      const ending = text.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n';
      socket.write(Buffer.from(text + ending, 'latin1'));
      return nextReply();
    },
    close() {
      socket.destroy();
    },
  };
}
