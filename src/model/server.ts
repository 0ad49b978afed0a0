// The scripted model's HTTP server (node:http, no framework): routes each request to the protocol (API shape)
// that serves its path, reads the body, records it, lets respond.ts decide and the protocol write the answer.
// Every request gets an answer — unknown paths a 404 JSON error — so a CLI probing an endpoint we do not
// implement fails fast instead of hanging.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiErrorBody } from './api-error.js';
import { sendJson } from './http.js';
import { apiId } from './message.js';
import type { Protocol, RouteMatch } from './protocol.js';
import { anthropicProtocol } from './protocols/anthropic.js';
import { PROTOCOLS } from './protocols/index.js';
import { Recorder } from './recorder.js';
import { decide } from './respond.js';
import { TurnSelector } from './turns.js';
import type { ModelScript, RecordedRequest } from './types.js';

export interface ScriptedModelOptions {
  script: ModelScript;
  /** Loopback by default: the model gateway forwards to it from the host. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * When set, a request must carry this key (`x-api-key`, `x-goog-api-key`, `?key=` or `authorization: Bearer`),
   * else 401 like the real API. Proves that the gateway, not the container, supplied the credential.
   */
  requireApiKey?: string;
  /**
   * The run's input: what `{{ input }}` in the script's texts and actions becomes (empty when unset). Wave passes
   * the input of the run it serves the offline demo for.
   */
  input?: string;
  /** Called after each request was answered (serve.ts logs with it). */
  onRequest?: (r: RecordedRequest) => void;
}

export interface ScriptedModel {
  /** `http://host:port`, without a trailing slash: the value for ANTHROPIC_BASE_URL or the SDK's baseURL. */
  url: string;
  port: number;
  /** Every request so far, in arrival order (the same array for the server's lifetime). */
  requests: RecordedRequest[];
  /** Forgets recorded requests and all turn/attempt counters. */
  reset(): void;
  close(): Promise<void>;
}

/** Claude Code's requests carry the whole conversation and tool list; a few MB is normal. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startScriptedModel(opts: ScriptedModelOptions): Promise<ScriptedModel> {
  const host = opts.host ?? '127.0.0.1';
  const recorder = new Recorder();
  const selector = new TurnSelector(opts.script);
  // Pending delays end early on close(), so a scripted "slow model" never keeps a test process alive.
  const closing = new AbortController();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, apiErrorBody('api_error', `scripted model: ${(err as Error).message}`, apiId('req')));
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const parsed = new URL(url, 'http://scripted-model.invalid');
    const path = parsed.pathname;
    const method = req.method ?? 'GET';
    const requestId = apiId('req');
    res.setHeader('request-id', requestId);

    const raw = await readBody(req);
    const body = parseBody(raw.text);
    const rec = recorder.start(req, path, raw.tooLarge ? undefined : body);
    const finish = (status: number): void => {
      rec.status = status;
      opts.onRequest?.(rec);
    };
    const route = routeOf(method, path, parsed.searchParams);
    // Errors before a protocol answers use the matched protocol's error shape (Anthropic's for unknown paths).
    const errorProtocol = route?.protocol ?? anthropicProtocol;
    const refuse = (
      status: number,
      type: 'request_too_large' | 'authentication_error',
      note: string,
      message: string,
    ) => {
      rec.kind = 'invalid';
      rec.note = note;
      errorProtocol.writeError(res, { status, type, message }, requestId);
      finish(status);
    };

    if (raw.tooLarge)
      return refuse(
        413,
        'request_too_large',
        `request body larger than ${MAX_BODY_BYTES} bytes`,
        `scripted model: request body larger than ${MAX_BODY_BYTES} bytes`,
      );
    if (opts.requireApiKey !== undefined && !apiKeysOf(req, parsed.searchParams).includes(opts.requireApiKey)) {
      return refuse(401, 'authentication_error', 'missing or wrong API key', 'invalid x-api-key');
    }

    if (route) {
      rec.protocol = route.protocol.name;
      const view = route.protocol.read(body, route.match);
      if (typeof view === 'string') {
        rec.kind = 'invalid';
        rec.note = view;
        route.protocol.writeError(res, { status: 400, type: 'invalid_request_error', message: view }, requestId);
        return finish(400);
      }
      const { decision, ctx } = decide(view, opts.script, selector, opts.input);
      rec.kind = ctx.kind;
      if (ctx.stepId !== undefined) rec.stepId = ctx.stepId;
      if (ctx.attempt !== undefined) rec.attempt = ctx.attempt;
      if (ctx.turnIndex !== undefined) rec.turnIndex = ctx.turnIndex;
      if (ctx.note !== undefined) rec.note = ctx.note;
      if (decision.delayMs) await sleep(decision.delayMs, closing.signal);
      if (closing.signal.aborted) {
        res.destroy();
        return finish(0);
      }
      if (decision.kind === 'answer') {
        route.protocol.writeAnswer(res, decision.answer, view.stream, requestId, view);
        return finish(200);
      }
      // Errors come back as plain JSON even for streaming requests: the real APIs refuse before a stream starts.
      route.protocol.writeError(res, decision.error, requestId);
      return finish(decision.error.status);
    }
    for (const protocol of PROTOCOLS) {
      const kind = protocol.serveOther?.(method, path, raw.text, res);
      if (kind !== undefined) {
        rec.kind = kind;
        rec.protocol = protocol.name;
        return finish(res.statusCode);
      }
    }
    rec.kind = 'not_found';
    rec.note = `no route for ${method} ${path}`;
    sendJson(
      res,
      404,
      apiErrorBody(
        'not_found_error',
        `scripted model: ${method} ${path} is not implemented (it serves ${PROTOCOLS.map((p) => p.name).join(', ')})`,
        requestId,
      ),
    );
    return finish(404);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests: recorder.requests,
    reset() {
      recorder.clear();
      selector.reset();
    },
    close() {
      closing.abort();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of the SDK or the CLI would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
  });
}

/** JSON when it parses; the raw text otherwise (recorded as-is); undefined for an empty body. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The protocol whose answering route this request is. */
function routeOf(
  method: string,
  path: string,
  query: URLSearchParams,
): { protocol: Protocol; match: RouteMatch } | undefined {
  for (const protocol of PROTOCOLS) {
    const match = protocol.match(method, path, query);
    if (match) return { protocol, match };
  }
  return undefined;
}

/**
 * The keys a request offers: `x-api-key` (Anthropic), `x-goog-api-key` or `?key=` (Gemini) and
 * `authorization: Bearer` (OpenAI, gateway and OAuth tokens).
 */
function apiKeysOf(req: IncomingMessage, query: URLSearchParams): string[] {
  const keys: string[] = [];
  for (const name of ['x-api-key', 'x-goog-api-key']) {
    const key = req.headers[name];
    if (typeof key === 'string' && key !== '') keys.push(key);
  }
  const queryKey = query.get('key');
  if (queryKey) keys.push(queryKey);
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer (.+)$/i.exec(auth) : null;
  if (m?.[1]) keys.push(m[1]);
  return keys;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
