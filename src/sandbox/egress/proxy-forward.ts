// A forwarded plain-HTTP request (absolute-form URI). It must pass the framing policy (framing.ts); it is then
// re-framed by us and sent on an upstream connection of its own, never pooled, so the upstream reads exactly this
// one request; the response streams back untouched (redirects included) with backpressure. Logged once, when the
// response closes or the request is refused.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { frameHeaders, judgeFraming, PIPELINED_DETAIL } from './framing.js';
import { stripHopByHop } from './hop-by-hop.js';
import type { ProxyContext } from './proxy-context.js';
import { decideTarget } from './proxy-decision.js';
import { refuseResponse, type TargetRefusal } from './proxy-refusal.js';
import { limitUpstream } from './timeouts.js';
import { answerFromUpstream } from './upstream-response.js';

/** The request's absolute http:// URL; undefined for anything else (origin-form, https:, garbage). */
function absoluteHttpUrl(target: string): URL | undefined {
  try {
    return /^http:\/\//i.test(target) ? new URL(target) : undefined;
  } catch {
    return undefined;
  }
}

export async function forwardRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const url = absoluteHttpUrl(req.url ?? '');
  const port = url ? Number(url.port || 80) : 0;
  const host = url?.hostname ?? '';
  const method = req.method ?? 'GET';
  const deny = (r: TargetRefusal) => {
    ctx.gate.shut(req.socket);
    refuseResponse(res, r.host ?? host, port, r);
    ctx.log.record({
      ...ctx.base('http', method, r.host ?? host, port, started),
      ...(r.address ? { address: r.address } : {}),
      allowed: false,
      reason: r.reason,
      ...(r.detail ? { detail: r.detail } : {}),
      status: r.status,
      bytesUp: 0,
      bytesDown: 0,
    });
  };
  const entry = ctx.gate.enter(req.socket, res);
  if (entry === 'pipelined') {
    const record = { ...ctx.base('http', method, host, port, started), allowed: false, reason: 'bad_framing' };
    ctx.log.record({ ...record, detail: PIPELINED_DETAIL, bytesUp: 0, bytesDown: 0 });
  }
  if (entry !== 'ok') return;
  // Origin-form requests (GET /path) mean someone is talking to the proxy as if it were a server: refuse.
  if (!url)
    return deny({
      status: 400,
      reason: 'bad_request',
      detail: 'a proxy request needs an absolute http:// URL (use CONNECT for https)',
    });
  const framing = judgeFraming(method, req.httpVersion, req.rawHeaders);
  if (!framing.ok) return deny({ status: 400, reason: 'bad_framing', detail: framing.detail });

  const decision = await decideTarget(ctx, host, port);
  if ('reason' in decision) return deny(decision);
  const { check, address } = decision;
  // A step that left while its request was being judged gets nothing dialled: its connection no longer counts
  // against its cap, so an upstream connection opened now would be one the cap never sees.
  if (req.socket.destroyed) {
    const error = 'the step closed the connection before the request was sent';
    const record = { ...ctx.base('http', method, check.host, port, started), address, allowed: true };
    ctx.log.record({ ...record, reason: check.reason, error, bytesUp: 0, bytesDown: 0 });
    return;
  }
  // Our own framing, on a connection used for this request only: the upstream reads exactly one request.
  const headers = frameHeaders(stripHopByHop(req.headers), method, framing.body);
  // The Host header must name the host that was checked: otherwise an allowed URL could carry another vhost.
  headers.host = url.host;
  let upstream: Socket | undefined;
  const upReq = httpRequest({
    host: address,
    port,
    method,
    path: `${url.pathname}${url.search}`,
    headers,
    setHost: false,
    // createConnection without an agent: one fresh upstream connection for this request only, never pooled.
    createConnection: () => {
      upstream = ctx.connect({ host: address, port });
      ctx.track(upstream);
      return upstream;
    },
  });
  limitUpstream(upReq, ctx.connectTimeoutMs, ctx.requestIdleTimeoutMs);
  const outcome = answerFromUpstream(upReq, res, (failure) => {
    ctx.gate.shut(req.socket);
    refuseResponse(res, check.host, port, { status: failure.status, reason: failure.reason, detail: failure.error });
  });
  if (framing.body.kind === 'none') upReq.end();
  else req.pipe(upReq);
  res.once('close', () => {
    upReq.destroy();
    ctx.log.record({
      ...ctx.base('http', method, check.host, port, started),
      address,
      allowed: true,
      reason: check.reason,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      bytesUp: upstream?.bytesWritten ?? 0,
      bytesDown: upstream?.bytesRead ?? 0,
    });
  });
}
