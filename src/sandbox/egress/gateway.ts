// The model gateway: one small HTTP server per provider on a Unix socket, bridged to a loopback port inside the
// container. The agent CLI talks to http://127.0.0.1:<port> with a placeholder key; the gateway swaps in the real
// key from the host's environment and forwards to the configured upstream (the provider, a company LLM proxy or
// the scripted model). A request body is read whole (at most 32 MiB, and within the step's budget of buffered
// body bytes: body-budget.ts) and sent with an exact Content-Length, so every request of the step becomes exactly
// one upstream request; responses stream with backpressure (SSE arrives token by token), never buffered whole.
// Upstream connections are kept alive per step connection only: a connection never carries another one's key.
// A step connection carries one request at a time (framing.ts: a pipelined request ends it).
import {
  createServer,
  request as httpRequest,
  Agent as HttpAgent,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { rootCertificates } from 'node:tls';
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
import type { ProviderTool } from '../../config/types.js';
import type { EgressLog, EgressRecord } from './log.js';
import { hostKey, type ProviderSpec } from './providers.js';
import { checkGatewayRequest, DEFAULT_GATEWAY_MAX_BODY_BYTES, gatewayRefusalResponse } from './gateway-rules.js';
import { listenOnSocket } from './listen.js';
import { createBodyBudget, type BodyBudget, type BodyLease } from './body-budget.js';
import { DEFAULT_EGRESS_LIMITS } from './limits.js';
import { limitUpstream, upstreamFailure } from './timeouts.js';

export type CredentialMode = 'placeholder' | 'passthrough';

export interface ModelGatewayOptions {
  socketPath: string;
  provider: ProviderSpec;
  /** `runtime.models.<provider>.base_url`; default the provider's public API. */
  upstream?: string;
  /** placeholder (default): replace the client's auth with the host key. passthrough: forward the client's untouched. */
  credentials?: CredentialMode;
  /** Where the real key is read from. Default process.env. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Extra trusted CAs (PEM text of `runtime.sandbox.extra_ca_certs`), added to Node's root store. */
  extraCaPem?: string;
  log: EgressLog;
  step: string;
  run?: string;
  attempt?: number;
  /** The step's connection cap, shared with its proxy. Default: 64 of its own. */
  cap?: ConnectionCap;
  /** Default DEFAULT_GATEWAY_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** The step's budget of request-body bytes held at once, shared with its other gateways. Default: its own. */
  bodyBudget?: BodyBudget;
  /** Defaults: DEFAULT_EGRESS_LIMITS (limits.ts). */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** The persona's sandbox.provider_tools: the server-side tools checkGatewayRequest() lets through. Default none. */
  allow?: readonly ProviderTool[];
  onListening?: (socketPath: string) => Promise<void>;
}

export interface ModelGateway {
  socketPath: string;
  provider: ProviderSpec;
  /** The upstream base URL requests go to. */
  upstream: string;
  /** Secret values this gateway handled, for the audit scrubber (never logged). */
  secretValues(): string[];
  close(): Promise<void>;
}

const AUTH_HEADERS = ['x-api-key', 'authorization', 'x-goog-api-key'];

/** Maps a container path onto the upstream base; undefined when the path is outside the container base path. */
export function upstreamPath(
  spec: ProviderSpec,
  upstream: URL,
  requestUrl: string,
  stripKeyParam: boolean,
): { path: string; logPath: string } | undefined {
  const url = new URL(requestUrl, 'http://gateway.invalid');
  const base = spec.containerBasePath;
  if (base && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return undefined;
  const rest = url.pathname.slice(base.length);
  const prefix = upstream.pathname.replace(/\/+$/, '');
  // Gemini clients may pass the key as ?key=; in placeholder mode it is the placeholder and must not leak upstream.
  if (stripKeyParam) url.searchParams.delete('key');
  const search = url.searchParams.toString();
  const path = `${prefix}${rest}` || '/';
  return { path: `${path}${search ? `?${search}` : ''}`, logPath: path };
}

/** Outgoing headers: hop-by-hop removed, Host set to the upstream, auth replaced unless passthrough. */
export function upstreamHeaders(
  spec: ProviderSpec,
  incoming: IncomingMessage['headers'],
  upstream: URL,
  key: string | undefined,
  mode: CredentialMode,
): OutgoingHttpHeaders {
  const headers = stripHopByHop(incoming);
  headers.host = upstream.host;
  if (mode === 'passthrough') return headers;
  for (const name of AUTH_HEADERS) delete headers[name];
  if (key !== undefined) {
    if (spec.auth === 'bearer') headers.authorization = `Bearer ${key}`;
    else headers[spec.auth] = key;
  }
  return headers;
}

/** A body the step's budget could not take: its declared length, or its size when it went over. */
interface OverBudget {
  size: number;
  declared: boolean;
  /** What the step's other requests held then. */
  others: number;
}

type BodyRead = { body: Buffer } | { tooLarge: true } | { overBudget: OverBudget } | { aborted: true };

/**
 * Reads a request body whole, taking each chunk from `lease` as it arrives (no lease: the body is reserved
 * already); past `max` bytes it stops at once. Once the lease refuses a chunk (or from the start, given
 * `refused`), what was read is given back and the rest of the body is read and dropped: the client, done sending,
 * then reads the 503, which one still writing when its connection closes would never see.
 */
function readBody(req: IncomingMessage, max: number, lease?: BodyLease, refused?: OverBudget): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = refused;
    let done = false;
    const finish = (v: BodyRead) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        return finish({ tooLarge: true });
      }
      if (over) return;
      if (!lease || lease.take(chunk.length)) return void chunks.push(chunk);
      over = { size, declared: false, others: lease.others() };
      lease.release();
      chunks.length = 0;
    };
    req.on('data', onData);
    req.once('end', () => finish(over ? { overBudget: over } : { body: Buffer.concat(chunks, size) }));
    req.once('error', () => finish({ aborted: true }));
    req.once('close', () => finish({ aborted: true }));
  });
}

export async function startModelGateway(options: ModelGatewayOptions): Promise<ModelGateway> {
  const spec = options.provider;
  const mode = options.credentials ?? 'placeholder';
  const upstream = new URL(options.upstream ?? spec.defaultUpstream);
  if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:')
    throw new Error(`model gateway: upstream ${upstream.href} must be http(s)`);
  const key = hostKey(spec, options.hostEnv ?? process.env);
  const isHttps = upstream.protocol === 'https:';
  const cap = options.cap ?? createConnectionCap();
  const budget = options.bodyBudget ?? createBodyBudget(DEFAULT_EGRESS_LIMITS.gatewayBodyBudgetBytes);
  // A body larger than the whole budget could never be taken: it is too large (413), not one to retry (503).
  const maxBody = Math.min(options.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY_BYTES, budget.max);
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_EGRESS_LIMITS.connectTimeoutMs;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_EGRESS_LIMITS.gatewayIdleTimeoutMs;
  const ca = options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {};
  const port = Number(upstream.port || (isHttps ? 443 : 80));
  const open = new Set<Socket | Duplex>();
  // One keep-alive agent per step connection, destroyed with it: requests on one step connection may reuse an
  // upstream connection, requests of two step connections never share one.
  const agents = new WeakMap<Socket, HttpAgent>();
  const gate = createRequestGate();
  const agentFor = (client: Socket): HttpAgent => {
    let agent = agents.get(client);
    if (!agent) {
      const created = isHttps
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...ca })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
      client.once('close', () => created.destroy());
      agents.set(client, created);
      agent = created;
    }
    return agent;
  };

  const baseRecord = (
    method: string,
    started: number,
  ): Omit<EgressRecord, 'allowed' | 'reason' | 'bytesUp' | 'bytesDown'> => ({
    time: new Date().toISOString(),
    ...(options.run !== undefined ? { run: options.run } : {}),
    step: options.step,
    ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
    kind: 'gateway',
    method,
    host: upstream.hostname,
    port,
    provider: spec.id,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  });

  /** `expectsContinue`: the client waits for a 100 Continue before it sends the body (we send it, or refuse). */
  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue = false): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let bytesUp = 0;
    let bytesDown = 0;
    let status: number | undefined;
    let error: string | undefined;
    const mapped = /^\//.test(req.url ?? '')
      ? upstreamPath(spec, upstream, req.url ?? '/', mode === 'placeholder')
      : undefined;
    const entry = gate.enter(req.socket, res);
    if (entry === 'pipelined') {
      const record = { ...baseRecord(method, started), allowed: false, reason: 'bad_framing' };
      options.log.record({ ...record, detail: PIPELINED_DETAIL, path: '', bytesUp: 0, bytesDown: 0 });
    }
    if (entry !== 'ok') return;
    const refuse = (code: number, reason: string, detail: string) => {
      gate.shut(req.socket);
      res
        .writeHead(code, { 'content-type': 'text/plain', 'x-wave-egress-reason': reason, connection: 'close' })
        .end(`wave model gateway: ${spec.id} refused the request (${reason}: ${detail})\n`);
      options.log.record({
        ...baseRecord(method, started),
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
      gate.shut(req.socket);
      const reply = gatewayRefusalResponse(spec.id, { status, message });
      const headers = { ...reply.headers, ...extra, 'x-wave-egress-reason': reason, connection: 'close' };
      res.writeHead(status, headers).end(reply.body);
      const record = { ...baseRecord(method, started), allowed: false, reason, detail, status };
      options.log.record({ ...record, path: mapped?.logPath ?? '', bytesUp: 0, bytesDown: 0 });
    };
    const framing = judgeFraming(method, req.httpVersion, req.rawHeaders);
    if (!framing.ok) return refuse(400, 'bad_framing', framing.detail);
    if (!mapped) return refuse(404, 'bad_request', `${spec.id} serves paths under ${spec.containerBasePath || '/'}`);
    let body: Buffer = Buffer.alloc(0);
    // The body's bytes count against the step's budget from the first one until they are sent upstream or the
    // request is gone; a declared length is reserved before anything is read.
    const lease = budget.lease();
    res.once('close', lease.release);
    if (framing.body.kind !== 'none') {
      const tooLarge = () => refuse(413, 'body_too_large', `request bodies are limited to ${maxBody} bytes`);
      const overBudget = ({ size, declared, others }: OverBudget) => {
        const detail =
          `the step's requests may hold ${budget.max} bytes of request bodies at once; its other requests held ` +
          `${others}, and this one ${declared ? 'declares' : 'had reached'} ${size}`;
        const message = `wave model gateway refused the request: ${detail}; retry once they are done`;
        refuseAsProvider(503, 'body_budget', detail, message, { 'retry-after': '1' });
      };
      const declared = framing.body.kind === 'length' ? framing.body.length : undefined;
      if (declared !== undefined && declared > maxBody) return tooLarge();
      const refused =
        declared !== undefined && !lease.take(declared)
          ? { size: declared, declared: true, others: lease.others() }
          : undefined;
      // A client waiting for 100 Continue has sent nothing yet: it can have its answer at once.
      if (refused && expectsContinue) return overBudget(refused);
      if (expectsContinue) res.writeContinue();
      const read = await readBody(req, maxBody, declared === undefined ? lease : undefined, refused);
      if ('aborted' in read) return;
      if ('tooLarge' in read) return tooLarge();
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
      maxBodyBytes: maxBody,
      ...(options.allow ? { allow: options.allow } : {}),
    });
    if (!verdict.ok) return refuseAsProvider(verdict.status, verdict.reason, verdict.detail, verdict.message);
    bytesUp = body.length;
    const headers = frameHeaders(
      upstreamHeaders(spec, req.headers, upstream, key, mode),
      method,
      body.length > 0 ? { kind: 'length', length: body.length } : { kind: 'none' },
    );
    const send = isHttps ? httpsRequest : httpRequest;
    const upReq = send({
      protocol: upstream.protocol,
      hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
      port,
      method,
      path: mapped.path,
      headers,
      agent: agentFor(req.socket),
      ...(isHttps ? { servername: upstream.hostname } : {}),
    });
    limitUpstream(upReq, connectTimeout, idleTimeout);
    upReq.once('finish', lease.release);
    upReq.on('socket', (s: Socket) => {
      open.add(s);
      s.once('close', () => open.delete(s));
    });
    upReq.on('response', (upRes) => {
      status = upRes.statusCode ?? 502;
      res.writeHead(status, upRes.statusMessage, stripHopByHop(upRes.headers));
      res.flushHeaders(); // an SSE client waits for the headers before the first event
      upRes.on('data', (chunk: Buffer) => {
        bytesDown += chunk.length;
      });
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    upReq.on('error', (err) => {
      const failure = upstreamFailure(err);
      error = failure.error;
      if (!res.headersSent) {
        status = failure.status;
        const text = `wave model gateway: ${spec.id} upstream failed (${failure.reason})\n`;
        res.writeHead(status, { 'content-type': 'text/plain', 'x-wave-egress-reason': failure.reason }).end(text);
      } else {
        res.destroy();
      }
    });
    upReq.end(body);
    res.once('close', () => {
      // The client went away (or the response ended): stop the upstream request too.
      if (!res.writableFinished) upReq.destroy();
      options.log.record({
        ...baseRecord(method, started),
        allowed: true,
        reason: 'gateway',
        ...(mode === 'placeholder' && key === undefined
          ? { detail: `no ${spec.hostKeyEnv.join('/')} in the host environment` }
          : {}),
        ...(error ? { error } : {}),
        ...(status !== undefined ? { status } : {}),
        path: mapped.logPath,
        bytesUp,
        bytesDown,
      });
    });
  }

  const server: Server = createServer(
    { requestTimeout: 0, headersTimeout: 30_000, noDelay: true },
    (req, res) => void handle(req, res).catch(() => res.destroy()),
  );
  // Without this listener Node sends 100 Continue before we could refuse a body the step may not send.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res, true).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const detail = parserErrorDetail(err);
    socket.end(badFramingResponse('wave model gateway', detail));
    options.log.record({
      ...baseRecord('', performance.now()),
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
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nX-Wave-Egress-Reason: too_many_connections\r\nConnection: close\r\nContent-Length: ${detail.length + 1}\r\n\r\n${detail}\n`,
      );
      if (worthLogging(cap.refused()))
        options.log.record({
          ...baseRecord('', performance.now()),
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
    provider: spec,
    upstream: upstream.href,
    secretValues: () => (key ? [key] : []),
    async close() {
      const closed = listener.close();
      for (const s of open) s.destroy();
      await closed;
    },
  };
}
