// The scripted model's HTTP server (node:http, no framework): routes, body reading, recording, and writing
// what respond.ts decided. Every request gets an answer — unknown paths a 404 JSON error — so a CLI probing
// an endpoint we do not implement fails fast instead of hanging.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiErrorBody } from './api-error.js';
import { apiId } from './message.js';
import { Recorder } from './recorder.js';
import { estimateTokens, wantsStream } from './request-read.js';
import { replyToMessages, type Reply } from './respond.js';
import { writeSseMessage } from './sse.js';
import { TurnSelector } from './turns.js';
import type { ModelScript, RecordedRequest } from './types.js';

export interface ScriptedModelOptions {
  script: ModelScript;
  /** Loopback by default: the model gateway forwards to it from the host. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * When set, a request must carry this key (`x-api-key` or `authorization: Bearer`), else 401 like the real
   * API. Proves that the gateway, not the container, supplied the credential.
   */
  requireApiKey?: string;
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

export const MODEL_LIST = ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-haiku-4-5'];

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
    const path = url.split('?')[0] ?? '/';
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

    if (raw.tooLarge) {
      rec.kind = 'invalid';
      rec.note = `request body larger than ${MAX_BODY_BYTES} bytes`;
      sendJson(res, 413, apiErrorBody('request_too_large', `scripted model: ${rec.note}`, requestId));
      return finish(413);
    }
    if (opts.requireApiKey !== undefined && !apiKeysOf(req).includes(opts.requireApiKey)) {
      rec.kind = 'invalid';
      rec.note = 'missing or wrong API key';
      sendJson(res, 401, apiErrorBody('authentication_error', 'invalid x-api-key', requestId));
      return finish(401);
    }

    if (method === 'POST' && path === '/v1/messages') {
      const { reply, ctx } = replyToMessages(body, opts.script, selector, requestId);
      rec.kind = ctx.kind;
      if (ctx.stepId !== undefined) rec.stepId = ctx.stepId;
      if (ctx.attempt !== undefined) rec.attempt = ctx.attempt;
      if (ctx.turnIndex !== undefined) rec.turnIndex = ctx.turnIndex;
      if (ctx.note !== undefined) rec.note = ctx.note;
      if (reply.delayMs) await sleep(reply.delayMs, closing.signal);
      if (closing.signal.aborted) {
        res.destroy();
        return finish(0);
      }
      writeReply(res, reply, wantsStream(body));
      return finish(reply.status);
    }
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      rec.kind = 'count_tokens';
      sendJson(res, 200, { input_tokens: estimateTokens(raw.text) });
      return finish(200);
    }
    if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      rec.kind = 'models';
      const id = path.startsWith('/v1/models/') ? decodeURIComponent(path.slice('/v1/models/'.length)) : undefined;
      if (id === undefined) {
        const data = MODEL_LIST.map(modelInfo);
        sendJson(res, 200, { data, has_more: false, first_id: MODEL_LIST[0], last_id: MODEL_LIST.at(-1) });
      } else {
        // Any id is "available": the script, not the model name, decides the answers.
        sendJson(res, 200, modelInfo(id));
      }
      return finish(200);
    }
    rec.kind = 'not_found';
    rec.note = `no route for ${method} ${path}`;
    sendJson(
      res,
      404,
      apiErrorBody(
        'not_found_error',
        `scripted model: ${method} ${path} is not implemented (it serves POST /v1/messages, ` +
          `POST /v1/messages/count_tokens and GET /v1/models)`,
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

function writeReply(res: ServerResponse, reply: Reply, stream: boolean): void {
  if ('message' in reply) {
    if (stream) {
      writeSseMessage(res, reply.message, {});
    } else {
      sendJson(res, 200, reply.message);
    }
    return;
  }
  // Errors come back as plain JSON even for streaming requests: the real API refuses before the stream starts.
  sendJson(res, reply.status, reply.json, reply.headers);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
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

/** The keys a request offers: `x-api-key` (API keys) and `authorization: Bearer` (gateway/OAuth tokens). */
function apiKeysOf(req: IncomingMessage): string[] {
  const keys: string[] = [];
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key !== '') keys.push(key);
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer (.+)$/i.exec(auth) : null;
  if (m?.[1]) keys.push(m[1]);
  return keys;
}

function modelInfo(id: string): Record<string, string> {
  return { type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' };
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
