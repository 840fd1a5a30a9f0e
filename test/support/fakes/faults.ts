/**
 * HTTP plumbing shared by the ServiceNow and ConnectWise fakes: a real server on 127.0.0.1 (a free port) that records
 * every request and can be told to answer the next N requests with a fault (a status the fake builds, a delay, or no
 * answer at all) before the fake's own handler runs. Kept apart so each fake holds only the system it imitates.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fault answered instead of (or, for `delayMs`, before) the real answer; `hang` never answers (dropped at close). */
export type HttpFault =
  | { readonly status: 429; readonly retryAfter?: string | undefined }
  | { readonly status: 503 }
  | { readonly delayMs: number }
  | { readonly hang: true };

/** One request as received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON, or undefined (absent or not JSON). */
  readonly body: unknown;
}

/** What a fake answers. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A running server: where it listens, what it received, and how to inject faults and stop it. */
export interface HttpFakeServer {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  inject(fault: HttpFault, times?: number): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON, or undefined when empty or malformed. */
export function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  if (reply.body !== undefined) headers['content-type'] ??= 'application/json;charset=UTF-8';
  res.writeHead(reply.status, headers).end(payload);
}

/**
 * Starts a server that hands each request to `handle` unless a fault is due; `faultReply` turns a 429/503 fault into
 * the system's own answer. `base` is given the listening URL before the first request.
 */
export async function startHttpFake(
  handle: (request: RecordedRequest) => Reply,
  faultReply: (fault: Extract<HttpFault, { status: number }>) => Reply,
): Promise<HttpFakeServer> {
  const requests: RecordedRequest[] = [];
  const faults: { fault: HttpFault; left: number }[] = [];
  const nextFault = (): HttpFault | undefined => {
    const head = faults[0];
    if (head === undefined) return undefined;
    head.left -= 1;
    if (head.left <= 0) faults.shift();
    return head.fault;
  };
  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rawBody = await readBody(req);
    const request = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      body: parseJson(rawBody),
    };
    requests.push(request);
    const fault = nextFault();
    if (fault !== undefined && 'hang' in fault) await new Promise<never>(() => undefined);
    if (fault !== undefined && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    send(res, fault !== undefined && 'status' in fault ? faultReply(fault) : handle(request));
  };
  const server = createServer((req, res) => {
    respond(req, res).catch((error: unknown) => send(res, { status: 500, body: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inject(fault, times = 1) {
      faults.push({ fault, left: times });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/** The Basic `Authorization` header value for a user and secret. */
export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}
