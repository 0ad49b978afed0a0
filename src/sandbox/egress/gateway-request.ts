// Whether a step's request may go to the provider: one request at a time per step connection, the framing policy
// (framing.ts), a path under the provider's base, a body within its limits (gateway-body.ts), and only the
// endpoints and server-side tools the step may use (gateway-rules.ts). Every refusal closes the connection and is
// logged; an admitted request goes on to gateway-forward.ts, which logs it when it ends.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { judgeFraming, PIPELINED_DETAIL } from './framing.js';
import { receiveBody, type OverBudget } from './gateway-body.js';
import type { GatewayContext } from './gateway-context.js';
import { forwardToProvider } from './gateway-forward.js';
import { checkGatewayRequest, gatewayRefusalResponse } from './gateway-rules.js';
import { upstreamPath } from './gateway-upstream.js';

/** `expectsContinue`: the client waits for a 100 Continue before it sends the body (we send it, or refuse). */
export async function handleGatewayRequest(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue = false,
): Promise<void> {
  const { spec, log } = ctx;
  const started = performance.now();
  const method = req.method ?? 'GET';
  const mapped = /^\//.test(req.url ?? '')
    ? upstreamPath(spec, ctx.upstream, req.url ?? '/', ctx.mode === 'placeholder')
    : undefined;
  const entry = ctx.gate.enter(req.socket, res);
  if (entry === 'pipelined') {
    const record = { ...ctx.baseRecord(method, started), allowed: false, reason: 'bad_framing' };
    log.record({ ...record, detail: PIPELINED_DETAIL, path: '', bytesUp: 0, bytesDown: 0 });
  }
  if (entry !== 'ok') return;
  const refuse = (code: number, reason: string, detail: string) => {
    ctx.gate.shut(req.socket);
    res
      .writeHead(code, { 'content-type': 'text/plain', 'x-wave-egress-reason': reason, connection: 'close' })
      .end(`wave model gateway: ${spec.id} refused the request (${reason}: ${detail})\n`);
    log.record({
      ...ctx.baseRecord(method, started),
      allowed: false,
      reason,
      detail,
      status: code,
      path: mapped?.logPath ?? '',
      bytesUp: 0,
      bytesDown: 0,
    });
  };
  /** A refusal in the provider's own error shape, so the CLI shows the message (and retries a 503). */
  const refuseAsProvider = (status: number, reason: string, detail: string, message: string, extra = {}) => {
    ctx.gate.shut(req.socket);
    const reply = gatewayRefusalResponse(spec.id, { status, message });
    const headers = { ...reply.headers, ...extra, 'x-wave-egress-reason': reason, connection: 'close' };
    res.writeHead(status, headers).end(reply.body);
    const record = { ...ctx.baseRecord(method, started), allowed: false, reason, detail, status };
    log.record({ ...record, path: mapped?.logPath ?? '', bytesUp: 0, bytesDown: 0 });
  };
  const framing = judgeFraming(method, req.httpVersion, req.rawHeaders);
  if (!framing.ok) return refuse(400, 'bad_framing', framing.detail);
  if (!mapped) return refuse(404, 'bad_request', `${spec.id} serves paths under ${spec.containerBasePath || '/'}`);
  let body: Buffer = Buffer.alloc(0);
  // The body's bytes count against the step's budget from the first one until they are sent upstream or the
  // request is gone; a declared length is reserved before anything is read.
  const lease = ctx.budget.lease();
  res.once('close', lease.release);
  if (framing.body.kind !== 'none') {
    const overBudget = ({ size, declared, others }: OverBudget) => {
      const detail =
        `the step's requests may hold ${ctx.budget.max} bytes of request bodies at once; its other requests held ` +
        `${others}, and this one ${declared ? 'declares' : 'had reached'} ${size}`;
      const message = `wave model gateway refused the request: ${detail}; retry once they are done`;
      refuseAsProvider(503, 'body_budget', detail, message, { 'retry-after': '1' });
    };
    const read = await receiveBody(req, res, framing.body, lease, ctx.maxBody, expectsContinue);
    if ('aborted' in read) return;
    if ('tooLarge' in read) return refuse(413, 'body_too_large', `request bodies are limited to ${ctx.maxBody} bytes`);
    if ('overBudget' in read) return overBudget(read.overBudget);
    body = read.body;
  }
  // Only the endpoints the CLIs need, with no server-side tool the persona did not allow (gateway-rules.ts).
  const rulePath =
    new URL(req.url ?? '/', 'http://gateway.invalid').pathname.slice(spec.containerBasePath.length) || '/';
  const verdict = checkGatewayRequest({
    provider: spec.id,
    method,
    path: rulePath,
    headers: req.headers,
    body,
    maxBodyBytes: ctx.maxBody,
    ...(ctx.allow ? { allow: ctx.allow } : {}),
  });
  if (!verdict.ok) return refuseAsProvider(verdict.status, verdict.reason, verdict.detail, verdict.message);
  forwardToProvider(ctx, req, res, { method, started, mapped, body, lease });
}
