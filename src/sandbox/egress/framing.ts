// One HTTP framing policy for everything a step sends through the egress proxy or the model gateway: every
// request becomes exactly one upstream request, or it is refused. Node's parser (llhttp) already refuses much
// (TE together with Content-Length, duplicate or non-numeric Content-Length, obs-fold, bare LF); what it accepts
// but a hop behind us might read differently is refused here, from the raw header list. The body is then
// re-framed by us (an exact Content-Length, or our own chunking), never forwarded with the client's framing.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** How the request body is delimited, as we will send it upstream. */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export type FramingVerdict = { ok: true; body: BodyFraming } | { ok: false; detail: string };

/** Methods whose requests carry no body (RFC 9110 gives a body on them no meaning; a proxy may frame it away). */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** Connection options that name only this hop; any other token names an end-to-end header a hop would drop. */
const CONNECTION_OPTIONS = new Set(['close', 'keep-alive', 'te', 'proxy-connection']);

function valuesOf(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) out.push(rawHeaders[i + 1] as string);
  }
  return out;
}

/** Judges a parsed request's framing from its raw headers (`IncomingMessage.rawHeaders`). */
export function judgeFraming(method: string, httpVersion: string, rawHeaders: readonly string[]): FramingVerdict {
  const refuse = (detail: string): FramingVerdict => ({ ok: false, detail });
  const te = valuesOf(rawHeaders, 'transfer-encoding');
  const cl = valuesOf(rawHeaders, 'content-length');
  const hosts = valuesOf(rawHeaders, 'host');
  if (hosts.length > 1) return refuse('more than one Host header');
  for (const value of valuesOf(rawHeaders, 'connection')) {
    for (const token of value
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean)) {
      if (!CONNECTION_OPTIONS.has(token))
        return refuse(`Connection names ${JSON.stringify(token)}, which is not a hop-by-hop option`);
    }
  }
  if (valuesOf(rawHeaders, 'upgrade').length > 0) return refuse('protocol upgrades are not forwarded');
  if (te.length > 0 && cl.length > 0) return refuse('Transfer-Encoding together with Content-Length');
  if (cl.length > 1) return refuse('more than one Content-Length');
  const bodyless = BODYLESS.has(method.toUpperCase());
  if (te.length > 0) {
    if (httpVersion !== '1.1') return refuse(`Transfer-Encoding on HTTP/${httpVersion}`);
    if (te.length > 1 || (te[0] as string).trim().toLowerCase() !== 'chunked')
      return refuse(`Transfer-Encoding ${JSON.stringify(te.join(', '))}: only a single "chunked" is accepted`);
    if (bodyless) return refuse(`a ${method} request with a body (Transfer-Encoding)`);
    return { ok: true, body: { kind: 'chunked' } };
  }
  if (cl.length === 1) {
    const text = (cl[0] as string).trim();
    if (!/^\d{1,15}$/.test(text)) return refuse(`invalid Content-Length ${JSON.stringify(text)}`);
    const length = Number(text);
    if (length > 0 && bodyless) return refuse(`a ${method} request with a body (Content-Length ${length})`);
    return { ok: true, body: length > 0 ? { kind: 'length', length } : { kind: 'none' } };
  }
  return { ok: true, body: { kind: 'none' } };
}

/**
 * Sets the upstream request's framing headers for `body` (headers must already be without hop-by-hop ones).
 * A body-carrying method without a body says `Content-Length: 0` so no hop waits for one.
 */
export function frameHeaders(headers: OutgoingHttpHeaders, method: string, body: BodyFraming): OutgoingHttpHeaders {
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  delete headers.expect; // we answer 100-continue ourselves; the upstream gets the whole body at once
  if (body.kind === 'length') headers['content-length'] = String(body.length);
  else if (body.kind === 'chunked') headers['transfer-encoding'] = 'chunked';
  else if (!BODYLESS.has(method.toUpperCase())) headers['content-length'] = '0';
  return headers;
}

/** The one-line reason for a request Node's parser refused (`clientError`), for the refusal and the log. */
export function parserErrorDetail(err: Error & { code?: string }): string {
  const code = err.code ?? 'ERR';
  const message = err.message.replace(/^Parse Error: /, '');
  return `${code}: ${message}`.slice(0, 200);
}

/** A complete 400 response for a raw socket, with the reason in a header and the body. */
export function badFramingResponse(service: string, detail: string): string {
  const body = `${service}: request refused (bad_framing: ${detail}). Send one request per message with a single, unambiguous body length.\n`;
  return (
    `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nX-Wave-Egress-Reason: bad_framing\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Whether a step connection may carry another request. 'pipelined': it came before the previous response was
 * complete; 'shut': an earlier request on it was refused (that refusal closes the connection).
 */
export type GateVerdict = 'ok' | 'pipelined' | 'shut';

/**
 * One request at a time per step connection, and none after a refusal. Node's server hands us every pipelined
 * request as soon as it is parsed: without this, one connection could hold any number of upstream requests (and
 * host descriptors), and a request sent behind a refused one would still go upstream. The agent CLIs never
 * pipeline, so a pipelined request ends the connection (the request in flight with it), which leaves nothing
 * behind; a request behind a refusal is ignored and the connection no longer read, so it closes once the refusal
 * is written.
 */
export interface RequestGate {
  /**
   * 'ok' admits the request; with `res`, the connection is busy until that response is complete (ended by us:
   * a client can have all of it only after that, though Node may still be writing it out).
   */
  enter(socket: Duplex, res?: ServerResponse): GateVerdict;
  /** After a refusal: nothing more is served on this connection. */
  shut(socket: Duplex): void;
}

export function createRequestGate(): RequestGate {
  const state = new WeakMap<Duplex, ServerResponse | 'shut'>();
  return {
    enter(socket, res) {
      const current = state.get(socket);
      if (current === 'shut') {
        socket.pause();
        return 'shut';
      }
      if (current && !current.writableEnded && !current.destroyed) {
        state.set(socket, 'shut');
        socket.destroy();
        return 'pipelined';
      }
      if (res) state.set(socket, res);
      return 'ok';
    },
    shut(socket) {
      state.set(socket, 'shut');
    },
  };
}

export const PIPELINED_DETAIL = 'a request sent before the previous response ended (pipelining) closes the connection';
