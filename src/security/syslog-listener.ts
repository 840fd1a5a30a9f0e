/**
 * `tandem serve --syslog-port N`: syslog over UDP (RFC 5426) and TCP
 * (RFC 6587, octet-counted and newline framing) on the server's listen
 * address, for devices that speak nothing else. Each sender is mapped by its
 * address to the first `security.syslog` range that holds it (its service's
 * security integration and log source); a sender in no range is dropped and
 * counted. Lines then take the HTTP path's steps (parse, detect, rate limit,
 * durable store), batched: the lines of one sender range that arrive in one
 * turn of the event loop are one stored event, its raw text the lines.
 */
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { BlockList, createServer, isIP } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { Deployment, SyslogRoute } from '../deployment/deployment.js';
import type { EventSink } from '../events/inbox.js';
import { storableText } from '../events/json-shape.js';
import type { RateLimiter } from '../ingest/rate-limit.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { SecurityEvent } from './body.js';
import { MAX_EVENTS_PER_REQUEST, textEvent } from './body.js';
import { SyslogFramer, datagramMessages } from './framing.js';
import { detectOn, detectionLevel } from './ingest.js';

export interface SyslogDeps {
  readonly deployment: Deployment;
  readonly inbox: EventSink;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export interface SyslogListener {
  /** The port both listeners are bound to (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  /** Stops listening and stores what is batched. */
  close(): Promise<void>;
}

/** IPv4 peers of a dual-stack socket show as ::ffff:10.20.0.5. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Which range a sender is in: the first of the file's `security.syslog` that holds it, rebuilt when the deployment reloads. */
export class SenderMap {
  #routes: readonly SyslogRoute[] | undefined;
  #lists: Array<{ list: BlockList; route: SyslogRoute }> = [];

  constructor(private readonly deployment: Deployment) {}

  route(address: string): SyslogRoute | undefined {
    const routes = this.deployment.syslogRoutes();
    if (routes !== this.#routes) this.#build(routes);
    const plain = plainAddress(address);
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(plain) === 0) return undefined;
    return this.#lists.find((l) => l.list.check(plain, family))?.route;
  }

  #build(routes: readonly SyslogRoute[]): void {
    this.#routes = routes;
    this.#lists = routes.map((route) => {
      const list = new BlockList();
      const [address = '', bits] = route.from.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      list.addSubnet(address, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
      return { list, route };
    });
  }
}

/** Lines waiting to be stored, per sender range, flushed once per turn of the event loop. */
class Batcher {
  readonly #pending = new Map<SyslogRoute, string[]>();
  #scheduled = false;
  readonly #flushing = new Set<Promise<void>>();

  constructor(private readonly deps: SyslogDeps) {}

  add(route: SyslogRoute, lines: readonly string[]): void {
    let list = this.#pending.get(route);
    if (!list) this.#pending.set(route, (list = []));
    list.push(...lines);
    if (list.length >= MAX_EVENTS_PER_REQUEST) this.#store(route, this.#take(route));
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Stores every batch now; resolves when all stores in flight are done. */
  async flush(): Promise<void> {
    this.#scheduled = false;
    for (const route of [...this.#pending.keys()]) this.#store(route, this.#take(route));
    await Promise.all([...this.#flushing]);
  }

  #take(route: SyslogRoute): string[] {
    const lines = this.#pending.get(route) ?? [];
    this.#pending.delete(route);
    return lines;
  }

  #store(route: SyslogRoute, lines: string[]): void {
    if (lines.length === 0) return;
    const p = storeLines(this.deps, route, lines).finally(() => this.#flushing.delete(p));
    this.#flushing.add(p);
  }
}

/** Parses, detects, rate limits and stores one batch of a sender range's lines; never throws. */
export async function storeLines(deps: SyslogDeps, route: SyslogRoute, lines: readonly string[]): Promise<void> {
  const { metrics } = deps;
  const events: SecurityEvent[] = [];
  const kept: string[] = [];
  for (const line of lines) {
    const event = textEvent(line);
    if (typeof event === 'string') {
      metrics.syslogLines.inc({ result: 'invalid' });
      deps.log.debug({ problem: event }, 'syslog line dropped');
      continue;
    }
    events.push(event);
    kept.push(line);
  }
  if (events.length === 0) return;
  const ref = route.integration;
  if (deps.limiter.take(ref.key, events.length) > 0) {
    metrics.syslogLines.inc({ result: 'rate_limited' }, events.length);
    return;
  }
  const batch = detectOn(ref, events, route.logsource);
  try {
    await deps.inbox.append({
      engagementId: ref.engagement.id,
      serviceId: ref.service.id,
      integrationType: ref.type,
      integrationKey: ref.key,
      kind: 'alert',
      receivedAt: deps.clock.now(),
      requestId: null,
      raw: storableText(kept.join('\n')),
      actions: batch.actions,
    });
  } catch (err) {
    metrics.syslogLines.inc({ result: 'error' }, events.length);
    deps.log.error({ err, lines: events.length }, 'syslog lines not stored');
    return;
  }
  metrics.syslogLines.inc({ result: 'accepted' }, events.length);
  metrics.securityEvents.inc({ source: 'syslog' }, events.length);
  metrics.eventsAccepted.inc({ integration: ref.type });
  for (const a of batch.actions) metrics.securityDetections.inc({ level: detectionLevel(a) });
}

/** Starts the UDP and TCP listeners on `host:port` (port 0: one free port, the same for both). */
export async function startSyslogListener(deps: SyslogDeps, host: string, port: number): Promise<SyslogListener> {
  const senders = new SenderMap(deps.deployment);
  const batcher = new Batcher(deps);
  const take = (address: string | undefined, lines: readonly string[]) => {
    if (lines.length === 0) return;
    const route = address === undefined ? undefined : senders.route(address);
    if (route === undefined) deps.metrics.syslogLines.inc({ result: 'unknown_sender' }, lines.length);
    else batcher.add(route, lines);
  };
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    const framer = new SyslogFramer();
    socket.on('data', (chunk: Buffer) => {
      const r = framer.push(chunk);
      take(socket.remoteAddress, r.frames);
      if (r.error !== undefined) {
        deps.metrics.syslogLines.inc({ result: 'invalid' });
        deps.log.warn({ sender: socket.remoteAddress, problem: r.error }, 'syslog connection closed: bad framing');
        socket.destroy();
      }
    });
    socket.on('end', () => take(socket.remoteAddress, framer.end()));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await listenTcp(tcp, host, port);
  const address = tcp.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  let udp: UdpSocket;
  try {
    udp = await bindUdp(host, bound, (msg, from) => take(from, datagramMessages(msg)));
  } catch (err) {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    throw err;
  }
  return {
    port: bound,
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      for (const s of sockets) s.end();
      await new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await batcher.flush();
    },
  };
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function bindUdp(host: string, port: number, onMessage: (msg: Buffer, from: string) => void): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(host) === 6 || host === '::' ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.on('message', (msg, rinfo) => onMessage(msg, rinfo.address));
    socket.bind({ address: host, port }, () => {
      socket.off('error', reject);
      // A bad datagram never stops the listener.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}
