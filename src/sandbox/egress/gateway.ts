// The model gateway: one small HTTP server per provider on a Unix socket, bridged to a loopback port inside the
// container. The agent CLI talks to http://127.0.0.1:<port> with a placeholder key; the gateway swaps in the real
// key from the host's environment and forwards to the configured upstream (the provider, a company LLM proxy or
// the scripted model). A request body is read whole (at most 32 MiB, and within the step's budget of buffered
// body bytes: body-budget.ts) and sent with an exact Content-Length, so every request of the step becomes exactly
// one upstream request; responses stream with backpressure (SSE arrives token by token), never buffered whole.
// Upstream connections are kept alive per step connection only: a connection never carries another one's key.
// A step connection carries one request at a time (framing.ts: a pipelined request ends it).
// This file sets up the server; a request is admitted by gateway-request.ts and sent by gateway-forward.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { worthLogging } from './connection-cap.js';
import { badFramingResponse, parserErrorDetail } from './framing.js';
import { createGatewayContext, type ModelGatewayOptions } from './gateway-context.js';
import { handleGatewayRequest } from './gateway-request.js';
import { listenOnSocket } from './listen.js';
import type { ProviderSpec } from './providers.js';

export { type ModelGatewayOptions } from './gateway-context.js';
export { upstreamHeaders, upstreamPath, type CredentialMode } from './gateway-upstream.js';

export interface ModelGateway {
  socketPath: string;
  provider: ProviderSpec;
  /** The upstream base URL requests go to. */
  upstream: string;
  /** Secret values this gateway handled, for the audit scrubber (never logged). */
  secretValues(): string[];
  close(): Promise<void>;
}

export async function startModelGateway(options: ModelGatewayOptions): Promise<ModelGateway> {
  const ctx = createGatewayContext(options);
  const { cap, key, log } = ctx;

  const server: Server = createServer(
    { requestTimeout: 0, headersTimeout: 30_000, noDelay: true },
    (req, res) => void handleGatewayRequest(ctx, req, res).catch(() => res.destroy()),
  );
  // Without this listener Node sends 100 Continue before we could refuse a body the step may not send.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    void handleGatewayRequest(ctx, req, res, true).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => ctx.track(s));
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const detail = parserErrorDetail(err);
    socket.end(badFramingResponse('wave model gateway', detail));
    log.record({
      ...ctx.baseRecord('', performance.now()),
      allowed: false,
      reason: 'bad_framing',
      detail,
      status: 400,
      path: '',
      bytesUp: 0,
      bytesDown: 0,
    });
  });
  const listener = await listenOnSocket(server, options.socketPath, {
    cap,
    onRefuse: (socket) => {
      const detail = `limit ${cap.max} connections per step; ${cap.refused()} refused so far`;
      socket.write(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n` +
          `X-Wave-Egress-Reason: too_many_connections\r\nConnection: close\r\n` +
          `Content-Length: ${detail.length + 1}\r\n\r\n${detail}\n`,
      );
      if (worthLogging(cap.refused()))
        log.record({
          ...ctx.baseRecord('', performance.now()),
          allowed: false,
          reason: 'too_many_connections',
          detail,
          status: 503,
          path: '',
          bytesUp: 0,
          bytesDown: 0,
        });
    },
    ...(options.onListening ? { onListening: options.onListening } : {}),
  });

  return {
    socketPath: options.socketPath,
    provider: ctx.spec,
    upstream: ctx.upstream.href,
    secretValues: () => (key ? [key] : []),
    async close() {
      const closed = listener.close();
      for (const s of ctx.open) s.destroy();
      await closed;
    },
  };
}
