// A CONNECT tunnel. A TLS tunnel gets its 200 first (the client sends its ClientHello only then) and the upstream
// is dialled only once the hello's SNI names the CONNECT host, whatever the port (no domain fronting); only a target
// listed as tcp://host:port may carry something other than TLS. After that the proxy only copies bytes (relay.ts),
// until the tunnel carries no byte either way for the idle limit. Logged once, when the tunnel ends or is refused.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { readClientHello, type ClientHelloResult } from './client-hello.js';
import { judgeFraming, PIPELINED_DETAIL } from './framing.js';
import { normaliseHost, parseAuthority } from './policy.js';
import type { ProxyContext } from './proxy-context.js';
import { decideTarget, type AllowedTarget } from './proxy-decision.js';
import { refuseRaw, type TargetRefusal } from './proxy-refusal.js';
import { relay } from './relay.js';
import { connected, cutWhenIdle, upstreamFailure } from './timeouts.js';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/** Whether the tunnel's first bytes may go to `check`'s host: its SNI (undefined: none, for an IP), or why not. */
function judgeHello(result: ClientHelloResult, check: AllowedTarget, port: number): { sni?: string } | TargetRefusal {
  if (result.kind !== 'ok') {
    const why = result.kind === 'invalid' ? result.why : 'incomplete';
    return {
      status: 403,
      reason: 'raw_tunnel',
      host: check.host,
      detail: `not a TLS ClientHello (${why}); list tcp://${check.host}:${port} to allow a non-TLS tunnel`,
    };
  }
  const sni = result.sni;
  if (sni === undefined) {
    // RFC 6066 forbids IP literals in SNI, so a listed IP target legitimately has none; a name must have one.
    return check.kind === 'ip' ? {} : { status: 403, reason: 'sni_missing', host: check.host };
  }
  const n = normaliseHost(sni);
  const sniHost = n.kind === 'name' ? n.name : n.kind === 'ip' ? n.text : undefined;
  if (sniHost !== check.host)
    return {
      status: 403,
      reason: 'sni_mismatch',
      host: check.host,
      detail: `SNI ${JSON.stringify(sni)} != CONNECT host`,
    };
  return { sni };
}

export async function handleTunnel(
  ctx: ProxyContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  const started = performance.now();
  ctx.track(client);
  client.on('error', () => undefined);
  const authority = parseAuthority(req.url ?? '');
  const host = authority?.host ?? String(req.url ?? '');
  const port = authority?.port ?? 0;
  const deny = (r: TargetRefusal, raw = true) => {
    if (raw) refuseRaw(client, r.host ?? host, port, r);
    else client.destroy();
    ctx.log.record({
      ...ctx.base('connect', 'CONNECT', r.host ?? host, port, started),
      ...(r.address ? { address: r.address } : {}),
      allowed: false,
      reason: r.reason,
      ...(r.detail ? { detail: r.detail } : {}),
      ...(raw ? { status: r.status } : {}),
      bytesUp: 0,
      bytesDown: 0,
    });
  };
  // A CONNECT behind a request still being answered would share the connection with that response.
  const entry = ctx.gate.enter(client);
  if (entry === 'pipelined') return deny({ status: 400, reason: 'bad_framing', detail: PIPELINED_DETAIL }, false);
  if (entry === 'shut') return void client.destroy();
  if (!authority) return deny({ status: 400, reason: 'bad_request', detail: 'CONNECT needs host:port' });
  const framing = judgeFraming('CONNECT', req.httpVersion, req.rawHeaders);
  if (!framing.ok) return deny({ status: 400, reason: 'bad_framing', detail: framing.detail });

  const decision = await decideTarget(ctx, authority.host, authority.port);
  if ('reason' in decision) return deny(decision);
  if (client.destroyed) return;
  const { check, address } = decision;
  let hello: Buffer = head;
  let sni: string | undefined;
  // Only a target listed as tcp://host:port may carry something other than TLS (SSH, a database…).
  const isTls = !check.rawTunnel;
  if (isTls) {
    // The client needs the 200 before it sends its ClientHello; the upstream is dialled only after the SNI check.
    client.write(ESTABLISHED);
    const { data, result } = await readClientHello(client, head, ctx.helloTimeoutMs);
    hello = data;
    const verdict = judgeHello(result, check, port);
    if ('reason' in verdict) return deny(verdict, false);
    sni = verdict.sni;
  }

  const upstream = ctx.connect({ host: address, port }, 'tunnel');
  ctx.track(upstream);
  upstream.on('error', () => undefined);
  let error: string | undefined;
  let failed: number | undefined;
  let logged = false;
  const finishLog = () => {
    if (logged) return;
    logged = true;
    ctx.log.record({
      ...ctx.base('connect', 'CONNECT', check.host, port, started),
      address,
      allowed: true,
      reason: check.reason,
      ...(error ? { error } : {}),
      status: failed ?? 200,
      ...(sni !== undefined ? { sni } : {}),
      bytesUp: upstream.bytesWritten ?? 0,
      bytesDown: upstream.bytesRead ?? 0,
    });
  };
  try {
    await connected(upstream, ctx.connectTimeoutMs);
  } catch (err) {
    const failure = upstreamFailure(err as Error);
    error = failure.error;
    upstream.destroy();
    if (isTls) {
      // The client already has its 200: all it can be told is that the tunnel closed.
      client.destroy();
    } else {
      failed = failure.status;
      refuseRaw(client, check.host, port, { status: failure.status, reason: failure.reason, detail: error });
    }
    return finishLog();
  }
  if (client.destroyed) {
    upstream.destroy();
    return finishLog();
  }
  // From here on the proxy only copies bytes (relay.ts handles both sockets' errors).
  const established = isTls ? {} : { toClient: ESTABLISHED };
  relay(client, upstream, { toUpstream: hello, ...established });
  upstream.once('close', finishLog);
  // Idle only: a tunnel carrying a long stream stays up as long as bytes flow one way or the other.
  cutWhenIdle(upstream, ctx.tunnelIdleTimeoutMs, (err) => {
    error = `tunnel ${err.message}`;
  });
}
