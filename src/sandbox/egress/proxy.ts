// The egress proxy: an HTTP proxy on a per-step Unix socket (so every decision knows its step), doing CONNECT
// tunnels and plain-HTTP forwarding (absolute-form URIs). Every connection is judged by the policy, resolved on
// the host, dialled at the address that was checked, and logged once when it ends (or is refused).
// It never follows redirects (responses pass through untouched) and streams bodies with backpressure (pipe for
// forwarded requests, relay.ts for tunnels). Every tunnel must open with a TLS ClientHello whose SNI is the
// CONNECT host, whatever the port, unless a `tcp://host:port` entry lists the target; every forwarded request
// passes the framing policy (framing.ts) and is re-framed by us on a connection of its own, one request at a time
// per step connection (a pipelined request ends it). An upstream must connect, and then carry a byte either way,
// within the step's time limits (limits.ts, timeouts.ts); a cut is answered 504 where a status can still be sent.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { readClientHello } from './client-hello.js';
import { createConnectionCap, worthLogging, type ConnectionCap } from './connection-cap.js';
import {
  badFramingResponse,
  createRequestGate,
  frameHeaders,
  judgeFraming,
  parserErrorDetail,
  PIPELINED_DETAIL,
} from './framing.js';
import { stripHopByHop } from './hop-by-hop.js';
import type { EgressLog, EgressRecord } from './log.js';
import {
  checkAddresses,
  checkTarget,
  normaliseHost,
  parseAuthority,
  type DenyReason,
  type EgressPolicy,
  type TargetCheck,
} from './policy.js';
import { resolveName, systemLookup, type LookupFn } from './resolve.js';
import { listenOnSocket } from './listen.js';
import { DEFAULT_EGRESS_LIMITS } from './limits.js';
import { dialForRelay, relay } from './relay.js';
import { connected, cutWhenIdle, limitUpstream, upstreamFailure } from './timeouts.js';

/**
 * Opens the upstream TCP connection. The only place the proxy dials out; tests instrument it. A tunnel's upstream
 * is dialled for the relay (it reads into one reused buffer, see relay.ts); a forwarded request's is a plain socket.
 */
export type ConnectFn = (target: { host: string; port: number }, use?: 'tunnel' | 'request') => Socket;

export const defaultConnect: ConnectFn = ({ host, port }, use = 'request') => {
  const options = { host, port, allowHalfOpen: true, noDelay: true };
  return use === 'tunnel' ? dialForRelay(options) : netConnect(options);
};

export interface EgressProxyOptions {
  socketPath: string;
  policy: EgressPolicy;
  log: EgressLog;
  step: string;
  run?: string;
  attempt?: number;
  /** The step's connection cap, shared with its gateways; connections beyond it get 503. Default: 64 of its own. */
  cap?: ConnectionCap;
  lookup?: LookupFn;
  connect?: ConnectFn;
  clientHelloTimeoutMs?: number;
  /** Defaults: DEFAULT_EGRESS_LIMITS (limits.ts). */
  connectTimeoutMs?: number;
  requestIdleTimeoutMs?: number;
  tunnelIdleTimeoutMs?: number;
  /** Called once the socket is bound, before anyone can be told about it (chmod/chown). */
  onListening?: (socketPath: string) => Promise<void>;
}

export interface EgressProxy {
  socketPath: string;
  /** Connections the step holds to the proxy (and, with a shared cap, to its gateways). */
  activeConnections(): number;
  close(): Promise<void>;
}

interface Refusal {
  status: number;
  reason: DenyReason;
  detail?: string | undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function refusalBody(host: string, port: number, r: Refusal): string {
  if (!host) return `wave egress: connection refused (${r.reason}${r.detail ? `: ${r.detail}` : ''}).\n`;
  return `wave egress: ${host}:${port} refused (${r.reason}${r.detail ? `: ${r.detail}` : ''}). Allowed hosts come from the persona's sandbox.allowed_domains.\n`;
}

/** Writes a complete HTTP response on a raw socket (CONNECT has no ServerResponse) and closes it. */
function refuseRaw(socket: Duplex, host: string, port: number, r: Refusal): void {
  const body = refusalBody(host, port, r);
  socket.end(
    `HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status] ?? 'Error'}\r\nContent-Type: text/plain\r\nX-Wave-Egress-Reason: ${r.reason}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const { policy, log } = options;
  const cap = options.cap ?? createConnectionCap();
  const lookup = options.lookup ?? systemLookup;
  const connectFn = options.connect ?? defaultConnect;
  const helloTimeout = options.clientHelloTimeoutMs ?? 10_000;
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_EGRESS_LIMITS.connectTimeoutMs;
  const requestIdle = options.requestIdleTimeoutMs ?? DEFAULT_EGRESS_LIMITS.requestIdleTimeoutMs;
  const tunnelIdle = options.tunnelIdleTimeoutMs ?? DEFAULT_EGRESS_LIMITS.tunnelIdleTimeoutMs;
  const open = new Set<Duplex>();
  const gate = createRequestGate();

  const track = (s: Duplex) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };

  const base = (kind: EgressRecord['kind'], method: string, host: string, port: number, started: number) => ({
    time: new Date().toISOString(),
    ...(options.run !== undefined ? { run: options.run } : {}),
    step: options.step,
    ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
    kind,
    method,
    host,
    port,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  });

  /** Policy + host-side resolution. Returns the address to dial, or why not. */
  async function decide(
    host: string,
    port: number,
  ): Promise<
    { check: Extract<TargetCheck, { allowed: true }>; address: string } | (Refusal & { host: string; address?: string })
  > {
    const check = checkTarget(policy, host, port);
    if (!check.allowed)
      return {
        status: check.reason === 'bad_request' || check.reason === 'invalid_host' ? 400 : 403,
        reason: check.reason,
        host: check.host,
        ...(check.detail ? { detail: check.detail } : {}),
      };
    if (check.kind === 'ip') return { check, address: check.address };
    let addresses: string[];
    try {
      addresses = await resolveName(policy, check.host, lookup);
    } catch (err) {
      return { status: 502, reason: 'dns_failed', host: check.host, detail: (err as Error).message };
    }
    const verdict = checkAddresses(addresses, check.exact);
    if (!verdict.allowed) {
      return {
        status: verdict.reason === 'dns_failed' ? 502 : 403,
        reason: verdict.reason,
        host: check.host,
        detail: verdict.detail,
        ...(verdict.address ? { address: verdict.address } : {}),
      };
    }
    return { check, address: verdict.address };
  }

  async function onConnect(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    const started = performance.now();
    track(client);
    client.on('error', () => undefined);
    const authority = parseAuthority(req.url ?? '');
    const host = authority?.host ?? String(req.url ?? '');
    const port = authority?.port ?? 0;
    const deny = (r: Refusal & { host?: string; address?: string }, raw = true) => {
      if (raw) refuseRaw(client, r.host ?? host, port, r);
      else client.destroy();
      log.record({
        ...base('connect', 'CONNECT', r.host ?? host, port, started),
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
    const entry = gate.enter(client);
    if (entry === 'pipelined') return deny({ status: 400, reason: 'bad_framing', detail: PIPELINED_DETAIL }, false);
    if (entry === 'shut') return void client.destroy();
    if (!authority) return deny({ status: 400, reason: 'bad_request', detail: 'CONNECT needs host:port' });
    const framing = judgeFraming('CONNECT', req.httpVersion, req.rawHeaders);
    if (!framing.ok) return deny({ status: 400, reason: 'bad_framing', detail: framing.detail });

    const decision = await decide(authority.host, authority.port);
    if ('reason' in decision) return deny(decision);
    if (client.destroyed) return;
    const { check, address } = decision;
    let hello: Buffer = head;
    let sni: string | undefined;
    // Only a target listed as tcp://host:port may carry something other than TLS (SSH, a database…).
    const isTls = !check.rawTunnel;
    if (isTls) {
      // The client needs the 200 before it sends its ClientHello; the upstream is dialled only after the SNI check.
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const { data, result } = await readClientHello(client, head, helloTimeout);
      hello = data;
      if (result.kind !== 'ok') {
        const why = result.kind === 'invalid' ? result.why : 'incomplete';
        return deny(
          {
            status: 403,
            reason: 'raw_tunnel',
            host: check.host,
            detail: `not a TLS ClientHello (${why}); list tcp://${check.host}:${port} to allow a non-TLS tunnel`,
          },
          false,
        );
      }
      sni = result.sni;
      if (sni === undefined) {
        // RFC 6066 forbids IP literals in SNI, so a listed IP target legitimately has none; a name must have one.
        if (check.kind !== 'ip') return deny({ status: 403, reason: 'sni_missing', host: check.host }, false);
      } else {
        const n = normaliseHost(sni);
        const sniHost = n.kind === 'name' ? n.name : n.kind === 'ip' ? n.text : undefined;
        if (sniHost !== check.host)
          return deny(
            {
              status: 403,
              reason: 'sni_mismatch',
              host: check.host,
              detail: `SNI ${JSON.stringify(sni)} != CONNECT host`,
            },
            false,
          );
      }
    }

    const upstream = connectFn({ host: address, port }, 'tunnel');
    track(upstream);
    upstream.on('error', () => undefined);
    let error: string | undefined;
    let failed: number | undefined;
    let logged = false;
    const finishLog = () => {
      if (logged) return;
      logged = true;
      log.record({
        ...base('connect', 'CONNECT', check.host, port, started),
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
      await connected(upstream, connectTimeout);
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
    const established = isTls ? {} : { toClient: 'HTTP/1.1 200 Connection Established\r\n\r\n' };
    relay(client, upstream, { toUpstream: hello, ...established });
    upstream.once('close', finishLog);
    // Idle only: a tunnel carrying a long stream stays up as long as bytes flow one way or the other.
    cutWhenIdle(upstream, tunnelIdle, (err) => {
      error = `tunnel ${err.message}`;
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let url: URL | undefined;
    try {
      if (/^http:\/\//i.test(req.url ?? '')) url = new URL(req.url ?? '');
    } catch {
      url = undefined;
    }
    const port = url ? Number(url.port || 80) : 0;
    const host = url?.hostname ?? '';
    const method = req.method ?? 'GET';
    const deny = (r: Refusal & { host?: string; address?: string }) => {
      gate.shut(req.socket);
      const body = refusalBody(r.host ?? host, port, r);
      if (!res.headersSent) {
        res.writeHead(r.status, {
          'content-type': 'text/plain',
          'content-length': Buffer.byteLength(body),
          'x-wave-egress-reason': r.reason,
          connection: 'close',
        });
      }
      res.end(body);
      log.record({
        ...base('http', method, r.host ?? host, port, started),
        ...(r.address ? { address: r.address } : {}),
        allowed: false,
        reason: r.reason,
        ...(r.detail ? { detail: r.detail } : {}),
        status: r.status,
        bytesUp: 0,
        bytesDown: 0,
      });
    };
    const entry = gate.enter(req.socket, res);
    if (entry === 'pipelined') {
      const record = { ...base('http', method, host, port, started), allowed: false, reason: 'bad_framing' };
      log.record({ ...record, detail: PIPELINED_DETAIL, bytesUp: 0, bytesDown: 0 });
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

    const decision = await decide(host, port);
    if ('reason' in decision) return deny(decision);
    const { check, address } = decision;
    // A step that left while its request was being judged gets nothing dialled: its connection no longer counts
    // against its cap, so an upstream connection opened now would be one the cap never sees.
    if (req.socket.destroyed) {
      const error = 'the step closed the connection before the request was sent';
      const record = { ...base('http', method, check.host, port, started), address, allowed: true };
      log.record({ ...record, reason: check.reason, error, bytesUp: 0, bytesDown: 0 });
      return;
    }
    // Our own framing, on a connection used for this request only: the upstream reads exactly one request.
    const headers = frameHeaders(stripHopByHop(req.headers), method, framing.body);
    // The Host header must name the host that was checked: otherwise an allowed URL could carry another vhost.
    headers.host = url.host;
    let upstream: Socket | undefined;
    let status: number | undefined;
    let error: string | undefined;
    const upReq = httpRequest({
      host: address,
      port,
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      setHost: false,
      // createConnection without an agent: one fresh upstream connection for this request only, never pooled.
      createConnection: () => {
        upstream = connectFn({ host: address, port });
        track(upstream);
        return upstream;
      },
    });
    limitUpstream(upReq, connectTimeout, requestIdle);
    upReq.on('response', (upRes) => {
      status = upRes.statusCode ?? 502;
      // Redirects included: the client decides whether to follow (and the proxy judges that request anew).
      res.writeHead(status, upRes.statusMessage, stripHopByHop(upRes.headers));
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    upReq.on('error', (err) => {
      const failure = upstreamFailure(err);
      error = failure.error;
      if (!res.headersSent) {
        status = failure.status;
        gate.shut(req.socket);
        const body = refusalBody(check.host, port, { status: failure.status, reason: failure.reason, detail: error });
        res.writeHead(status, {
          'content-type': 'text/plain',
          'content-length': Buffer.byteLength(body),
          'x-wave-egress-reason': failure.reason,
          connection: 'close',
        });
        res.end(body);
      } else {
        res.destroy();
      }
    });
    if (framing.body.kind === 'none') upReq.end();
    else req.pipe(upReq);
    res.once('close', () => {
      upReq.destroy();
      log.record({
        ...base('http', method, check.host, port, started),
        address,
        allowed: true,
        reason: check.reason,
        ...(error ? { error } : {}),
        ...(status !== undefined ? { status } : {}),
        bytesUp: upstream?.bytesWritten ?? 0,
        bytesDown: upstream?.bytesRead ?? 0,
      });
    });
  }

  const server: Server = createServer({ requestTimeout: 0, headersTimeout: 30_000, noDelay: true });
  server.on('connection', (s: Socket) => track(s));
  server.on(
    'connect',
    (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      void onConnect(req, socket, head).catch(() => socket.destroy()),
  );
  server.on(
    'request',
    (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res).catch(() => res.destroy()),
  );
  // Requests Node's parser refuses (TE with Content-Length, duplicate lengths, obs-fold…) get a 400 and a log line.
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const detail = parserErrorDetail(err);
    socket.end(badFramingResponse('wave egress', detail));
    log.record({
      ...base('http', '', '', 0, performance.now()),
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
          ...base('connect', '', '', 0, performance.now()),
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
      for (const s of open) s.destroy();
      await closed;
    },
  };
}
