// An admitted gateway request, sent upstream: the body whole with an exact Content-Length (so it becomes exactly
// one upstream request), on the step connection's own keep-alive agent; the response streams back with
// backpressure (SSE arrives token by token), never buffered whole. Logged once, when the response closes.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { BodyLease } from './body-budget.js';
import { frameHeaders } from './framing.js';
import type { GatewayContext } from './gateway-context.js';
import { upstreamHeaders } from './gateway-upstream.js';
import { limitUpstream } from './timeouts.js';
import { answerFromUpstream } from './upstream-response.js';

export interface AdmittedRequest {
  method: string;
  started: number;
  /** The upstream path, and the one logged (without its query). */
  mapped: { path: string; logPath: string };
  body: Buffer;
  /** The body's share of the step's budget, given back once it is sent. */
  lease: BodyLease;
}

export function forwardToProvider(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  { method, started, mapped, body, lease }: AdmittedRequest,
): void {
  const { spec, upstream, isHttps, key, mode } = ctx;
  const bytesUp = body.length;
  const headers = frameHeaders(
    upstreamHeaders(spec, req.headers, upstream, key, mode),
    method,
    body.length > 0 ? { kind: 'length', length: body.length } : { kind: 'none' },
  );
  const send = isHttps ? httpsRequest : httpRequest;
  const upReq = send({
    protocol: upstream.protocol,
    hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
    port: ctx.port,
    method,
    path: mapped.path,
    headers,
    agent: ctx.agentFor(req.socket),
    ...(isHttps ? { servername: upstream.hostname } : {}),
  });
  limitUpstream(upReq, ctx.connectTimeoutMs, ctx.idleTimeoutMs);
  upReq.once('finish', lease.release);
  upReq.on('socket', (s: Socket) => ctx.track(s));
  const outcome = answerFromUpstream(
    upReq,
    res,
    (failure) => {
      const text = `wave model gateway: ${spec.id} upstream failed (${failure.reason})\n`;
      res.writeHead(failure.status, { 'content-type': 'text/plain', 'x-wave-egress-reason': failure.reason }).end(text);
    },
    true,
  );
  upReq.end(body);
  res.once('close', () => {
    // The client went away (or the response ended): stop the upstream request too.
    if (!res.writableFinished) upReq.destroy();
    ctx.log.record({
      ...ctx.baseRecord(method, started),
      allowed: true,
      reason: 'gateway',
      ...(mode === 'placeholder' && key === undefined
        ? { detail: `no ${spec.hostKeyEnv.join('/')} in the host environment` }
        : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      path: mapped.logPath,
      bytesUp,
      bytesDown: outcome.bytesDown,
    });
  });
}
