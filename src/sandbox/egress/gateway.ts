// The model gateway: one small HTTP server per provider on a Unix socket, bridged to a loopback port inside the
// container. The agent CLI talks to http://127.0.0.1:<port> with a placeholder key; the gateway swaps in the real
// key from the host's environment and forwards to the configured upstream (the provider, a company LLM proxy or
// the scripted model). A request body is read whole (bounded) and sent with an exact Content-Length, so every
// request of the step becomes exactly one upstream request; responses stream (SSE arrives token by token).
// Upstream connections are kept alive per step connection only: a connection never carries another one's key.
// A step connection carries one request at a time (framing.ts: a pipelined request ends it).
import { createServer, request as httpRequest, Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { rootCertificates } from 'node:tls';
import { createConnectionCap, worthLogging, type ConnectionCap } from './connection-cap.js';
import {
  badFramingResponse, createRequestGate, frameHeaders, judgeFraming, parserErrorDetail, PIPELINED_DETAIL,
} from './framing.js';
import { stripHopByHop } from './hop-by-hop.js';
import type { ProviderTool } from '../../config/types.js';
import type { EgressLog, EgressRecord } from './log.js';
import { hostKey, type ProviderSpec } from './providers.js';
import { checkGatewayRequest, DEFAULT_GATEWAY_MAX_BODY_BYTES, gatewayRefusalResponse } from './gateway-rules.js';
import { listenOnSocket } from './listen.js';


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
export function upstreamPath(spec: ProviderSpec, upstream: URL, requestUrl: string, stripKeyParam: boolean): { path: string; logPath: string } | undefined {
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
export function upstreamHeaders(spec: ProviderSpec, incoming: IncomingMessage['headers'], upstream: URL, key: string | undefined, mode: CredentialMode): OutgoingHttpHeaders {
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

/** Reads a request body whole, or stops at `max` bytes (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<{ body: Buffer } | { tooLarge: true } | { aborted: true }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: { body: Buffer } | { tooLarge: true } | { aborted: true }) => {
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
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ body: Buffer.concat(chunks, size) }));
    req.once('error', () => finish({ aborted: true }));
    req.once('close', () => finish({ aborted: true }));
  });
}

export async function startModelGateway(options: ModelGatewayOptions): Promise<ModelGateway> {
  const spec = options.provider;
  const mode = options.credentials ?? 'placeholder';
  const upstream = new URL(options.upstream ?? spec.defaultUpstream);
  if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:') throw new Error(`model gateway: upstream ${upstream.href} must be http(s)`);
  const key = hostKey(spec, options.hostEnv ?? process.env);
  const isHttps = upstream.protocol === 'https:';
  const cap = options.cap ?? createConnectionCap();
  const maxBody = options.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY_BYTES;
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
      const created = isHttps ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...ca }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
      client.once('close', () => created.destroy());
      agents.set(client, created);
      agent = created;
    }
    return agent;
  };

  const baseRecord = (method: string, started: number): Omit<EgressRecord, 'allowed' | 'reason' | 'bytesUp' | 'bytesDown'> => ({
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let bytesUp = 0;
    let bytesDown = 0;
    let status: number | undefined;
    let error: string | undefined;
    const mapped = /^\//.test(req.url ?? '') ? upstreamPath(spec, upstream, req.url ?? '/', mode === 'placeholder') : undefined;
    const entry = gate.enter(req.socket, res);
    if (entry === 'pipelined') {
      const record = { ...baseRecord(method, started), allowed: false, reason: 'bad_framing' };
      options.log.record({ ...record, detail: PIPELINED_DETAIL, path: '', bytesUp: 0, bytesDown: 0 });
    }
    if (entry !== 'ok') return;
    const refuse = (code: number, reason: string, detail: string) => {
      gate.shut(req.socket);
      res.writeHead(code, { 'content-type': 'text/plain', 'x-wave-egress-reason': reason, connection: 'close' }).end(`wave model gateway: ${spec.id} refused the request (${reason}: ${detail})\n`);
      options.log.record({ ...baseRecord(method, started), allowed: false, reason, detail, status: code, path: mapped?.logPath ?? '', bytesUp: 0, bytesDown: 0 });
    };
    const framing = judgeFraming(method, req.httpVersion, req.rawHeaders);
    if (!framing.ok) return refuse(400, 'bad_framing', framing.detail);
    if (!mapped) return refuse(404, 'bad_request', `${spec.id} serves paths under ${spec.containerBasePath || '/'}`);
    let body: Buffer = Buffer.alloc(0);
    if (framing.body.kind !== 'none') {
      const read = await readBody(req, maxBody);
      if ('aborted' in read) return;
      if ('tooLarge' in read) return refuse(413, 'body_too_large', `request bodies are limited to ${maxBody} bytes`);
      body = read.body;
    }
    // Only the endpoints the CLIs need, with no server-side tool the persona did not allow (gateway-rules.ts).
    const rulePath = new URL(req.url ?? '/', 'http://gateway.invalid').pathname.slice(spec.containerBasePath.length) || '/';
    const verdict = checkGatewayRequest({ provider: spec.id, method, path: rulePath, headers: req.headers, body, maxBodyBytes: maxBody, ...(options.allow ? { allow: options.allow } : {}) });
    if (!verdict.ok) {
      gate.shut(req.socket);
      const reply = gatewayRefusalResponse(spec.id, verdict);
      res.writeHead(reply.status, { ...reply.headers, 'x-wave-egress-reason': verdict.reason, connection: 'close' }).end(reply.body);
      options.log.record({ ...baseRecord(method, started), allowed: false, reason: verdict.reason, detail: verdict.detail, status: reply.status, path: mapped.logPath, bytesUp: 0, bytesDown: 0 });
      return;
    }
    bytesUp = body.length;
    const headers = frameHeaders(upstreamHeaders(spec, req.headers, upstream, key, mode), method, body.length > 0 ? { kind: 'length', length: body.length } : { kind: 'none' });
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
    upReq.on('socket', (s: Socket) => {
      open.add(s);
      s.once('close', () => open.delete(s));
    });
    upReq.on('response', (upRes) => {
      status = upRes.statusCode ?? 502;
      res.writeHead(status, upRes.statusMessage, stripHopByHop(upRes.headers));
      res.flushHeaders(); // an SSE client waits for the headers before the first event
      upRes.on('data', (chunk: Buffer) => { bytesDown += chunk.length; });
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    upReq.on('error', (err) => {
      error = `upstream failed: ${err.message}`;
      if (!res.headersSent) {
        status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`wave model gateway: ${spec.id} upstream failed\n`);
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
        ...(mode === 'placeholder' && key === undefined ? { detail: `no ${spec.hostKeyEnv.join('/')} in the host environment` } : {}),
        ...(error ? { error } : {}),
        ...(status !== undefined ? { status } : {}),
        path: mapped.logPath,
        bytesUp,
        bytesDown,
      });
    });
  }

  const server: Server = createServer({ requestTimeout: 0, headersTimeout: 30_000, noDelay: true }, (req, res) => void handle(req, res).catch(() => res.destroy()));
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const detail = parserErrorDetail(err);
    socket.end(badFramingResponse('wave model gateway', detail));
    options.log.record({ ...baseRecord('', performance.now()), allowed: false, reason: 'bad_framing', detail, status: 400, path: '', bytesUp: 0, bytesDown: 0 });
  });
  const listener = await listenOnSocket(server, options.socketPath, {
    cap,
    onRefuse: (socket) => {
      const detail = `limit ${cap.max} connections per step; ${cap.refused()} refused so far`;
      socket.write(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nX-Wave-Egress-Reason: too_many_connections\r\nConnection: close\r\nContent-Length: ${detail.length + 1}\r\n\r\n${detail}\n`);
      if (worthLogging(cap.refused())) options.log.record({ ...baseRecord('', performance.now()), allowed: false, reason: 'too_many_connections', detail, status: 503, path: '', bytesUp: 0, bytesDown: 0 });
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
