// The egress proxy: an HTTP proxy on a per-step Unix socket (so every decision knows its step), doing CONNECT
// tunnels (proxy-tunnel.ts) and plain-HTTP forwarding of absolute-form URIs (proxy-forward.ts). Every connection is
// judged by the policy, resolved on the host, dialled at the address that was checked (proxy-decision.ts), and
// logged once when it ends (or is refused: proxy-refusal.ts).
// It never follows redirects (responses pass through untouched) and streams bodies with backpressure (pipe for
// forwarded requests, relay.ts for tunnels). Every tunnel must open with a TLS ClientHello whose SNI is the
// CONNECT host, whatever the port, unless a `tcp://host:port` entry lists the target; every forwarded request
// passes the framing policy (framing.ts) and is re-framed by us on a connection of its own, one request at a time
// per step connection (a pipelined request ends it). An upstream must connect, and then carry a byte either way,
// within the step's time limits (limits.ts, timeouts.ts); a cut is answered 504 where a status can still be sent.
// This file sets up the server: what it hands to the two paths, parser refusals, the connection cap, closing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { worthLogging } from './connection-cap.js';
import { badFramingResponse, parserErrorDetail } from './framing.js';
import { listenOnSocket } from './listen.js';
import { createProxyContext, type EgressProxyOptions } from './proxy-context.js';
import { forwardRequest } from './proxy-forward.js';
import { refuseRaw, type Refusal } from './proxy-refusal.js';
import { handleTunnel } from './proxy-tunnel.js';

export { defaultConnect, type ConnectFn, type EgressProxyOptions } from './proxy-context.js';

export interface EgressProxy {
  socketPath: string;
  /** Connections the step holds to the proxy (and, with a shared cap, to its gateways). */
  activeConnections(): number;
  close(): Promise<void>;
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const ctx = createProxyContext(options);
  const { cap, log } = ctx;

  const server: Server = createServer({ requestTimeout: 0, headersTimeout: 30_000, noDelay: true });
  server.on('connection', (s: Socket) => ctx.track(s));
  server.on(
    'connect',
    (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      void handleTunnel(ctx, req, socket, head).catch(() => socket.destroy()),
  );
  server.on(
    'request',
    (req: IncomingMessage, res: ServerResponse) => void forwardRequest(ctx, req, res).catch(() => res.destroy()),
  );
  // Requests Node's parser refuses (TE with Content-Length, duplicate lengths, obs-fold…) get a 400 and a log line.
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const detail = parserErrorDetail(err);
    socket.end(badFramingResponse('wave egress', detail));
    log.record({
      ...ctx.base('http', '', '', 0, performance.now()),
      allowed: false,
      reason: 'bad_framing',
      detail,
      status: 400,
      bytesUp: 0,
      bytesDown: 0,
    });
  });

  const listener = await listenOnSocket(server, options.socketPath, {
    cap,
    onRefuse: (socket) => {
      const r: Refusal = {
        status: 503,
        reason: 'too_many_connections',
        detail: `limit ${cap.max} connections per step; ${cap.refused()} refused so far`,
      };
      refuseRaw(socket, '', 0, r);
      if (worthLogging(cap.refused())) {
        log.record({
          ...ctx.base('connect', '', '', 0, performance.now()),
          allowed: false,
          reason: r.reason,
          detail: r.detail,
          status: 503,
          bytesUp: 0,
          bytesDown: 0,
        });
      }
    },
    ...(options.onListening ? { onListening: options.onListening } : {}),
  });

  return {
    socketPath: options.socketPath,
    activeConnections: () => cap.active(),
    async close() {
      const closed = listener.close();
      for (const s of ctx.open) s.destroy();
      await closed;
    },
  };
}
