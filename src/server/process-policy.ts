/**
 * What the server process does with an error nothing caught.
 *
 * A rejected promise nobody awaited is a bug in one request or one engine
 * pass; every piece of work Tandem does is either answered already or kept as
 * rows that the engine retries, so the safe course is to log it loudly and
 * keep serving (Node's default exits the process and stops all paging).
 *
 * A synchronous exception that unwound to the event loop may have left memory
 * half-updated: that process logs and exits with status 1, and its supervisor
 * (systemd, Kubernetes) restarts it; accepted events are already durable.
 */
import type { Logger } from 'pino';

export interface ProcessPolicyCounters {
  unhandledRejection(): void;
}

export function installProcessPolicy(log: Logger, counters?: ProcessPolicyCounters): () => void {
  const onRejection = (reason: unknown) => {
    counters?.unhandledRejection();
    log.error({ err: reason }, 'unhandled promise rejection (a bug); logged, and the server keeps serving');
  };
  const onException = (err: Error) => {
    log.fatal({ err }, 'uncaught exception; exiting so the supervisor restarts a clean process');
    log.flush?.();
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
