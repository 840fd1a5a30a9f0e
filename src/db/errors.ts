/**
 * Which database errors are the database's state rather than the work's: a
 * lost connection, a server shutting down, a busy or locked file, a
 * serialization conflict. Work that failed that way is retried as it is; work
 * that failed any other way is the work's own fault (bad input, a bug) and
 * retrying it unchanged fails the same way.
 */
const PG_TRANSIENT_CLASSES = ['08', '53', '57', '58'];
const PG_TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '55006']);
const NODE_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM|INTERRUPT|PROTOCOL)/;

export function isTransientDatabaseError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_TRANSIENT.test(code) || NODE_TRANSIENT.has(code) || PG_TRANSIENT_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_TRANSIENT_CLASSES.includes(code.slice(0, 2))) return true;
  }
  const message = (err as { message?: unknown }).message;
  if (
    typeof message === 'string' &&
    /Connection terminated|connection is not open|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    )
  )
    return true;
  return false;
}
