// The model gateway: one small HTTP server per provider on a Unix socket, bridged to a loopback port inside the
// container. The agent CLI talks to http://127.0.0.1:<port> with a placeholder key; the gateway swaps in the real
// key from the host's environment and forwards to the configured upstream (the provider, a company LLM proxy or
// the scripted model). Bodies stream both ways (SSE arrives token by token); nothing is buffered.
import { createServer, request as httpRequest, Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { rootCertificates } from 'node:tls';
import { stripHopByHop } from './hop-by-hop.js';
import type { ProviderTool } from '../../config/types.js';
import type { EgressLog } from './log.js';
import { hostKey, type ProviderSpec } from './providers.js';
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

export async function startModelGateway(options: ModelGatewayOptions): Promise<ModelGateway> {
  const spec = options.provider;
  const mode = options.credentials ?? 'placeholder';
  const upstream = new URL(options.upstream ?? spec.defaultUpstream);
  if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:') throw new Error(`model gateway: upstream ${upstream.href} must be http(s)`);
  const key = hostKey(spec, options.hostEnv ?? process.env);
  const isHttps = upstream.protocol === 'https:';
  const agent = isHttps
    ? new HttpsAgent({ keepAlive: true, ...(options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {}) })
    : new HttpAgent({ keepAlive: true });
  const port = Number(upstream.port || (isHttps ? 443 : 80));
  const open = new Set<Socket>();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let bytesUp = 0;
    let bytesDown = 0;
    let status: number | undefined;
    let error: string | undefined;
    const mapped = /^\//.test(req.url ?? '') ? upstreamPath(spec, upstream, req.url ?? '/', mode === 'placeholder') : undefined;
    const record = () =>
      options.log.record({
        time: new Date().toISOString(),
        ...(options.run !== undefined ? { run: options.run } : {}),
        step: options.step,
        ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
        kind: 'gateway',
        method,
        host: upstream.hostname,
        port,
        allowed: mapped !== undefined,
        reason: mapped ? 'gateway' : 'bad_request',
        ...(mode === 'placeholder' && key === undefined && mapped ? { detail: `no ${spec.hostKeyEnv.join('/')} in the host environment` } : {}),
        ...(error ? { error } : {}),
        ...(status !== undefined ? { status } : {}),
        provider: spec.id,
        path: mapped?.logPath ?? '',
        bytesUp,
        bytesDown,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      });
    if (!mapped) {
      status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`wave model gateway: ${spec.id} serves paths under ${spec.containerBasePath || '/'}\n`);
      record();
      return;
    }
    const send = isHttps ? httpsRequest : httpRequest;
    const upReq = send({
      protocol: upstream.protocol,
      hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
      port,
      method,
      path: mapped.path,
      headers: upstreamHeaders(spec, req.headers, upstream, key, mode),
      agent,
      ...(isHttps ? { servername: upstream.hostname } : {}),
    });
    upReq.on('socket', (s: Socket) => {
      open.add(s);
      s.once('close', () => open.delete(s));
    });
    req.on('data', (chunk: Buffer) => { bytesUp += chunk.length; });
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
    req.pipe(upReq);
    res.once('close', () => {
      // The client went away (or the response ended): stop the upstream request too.
      if (!res.writableFinished) upReq.destroy();
      record();
    });
  }

  const server: Server = createServer({ requestTimeout: 0, headersTimeout: 30_000, noDelay: true }, handle);
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  await listenOnSocket(server, options.socketPath, options.onListening);

  return {
    socketPath: options.socketPath,
    provider: spec,
    upstream: upstream.href,
    secretValues: () => (key ? [key] : []),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of open) s.destroy();
      agent.destroy();
      await closed;
      await unlink(options.socketPath).catch(() => undefined);
    },
  };
}
