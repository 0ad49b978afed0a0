// How the proxy and the gateways answer a forwarded request from its upstream: the response passes through as it
// came (hop-by-hop headers removed, redirects included: the client decides whether to follow, and the proxy judges
// that request anew), streamed with backpressure, never buffered whole. A failed upstream is answered while a
// status can still be sent; after that, all the step can be told is that its response was cut.
import type { ClientRequest, ServerResponse } from 'node:http';
import { stripHopByHop } from './hop-by-hop.js';
import { upstreamFailure, type UpstreamFailure } from './timeouts.js';

/** What happened upstream, for the log line written when the response closes. */
export interface UpstreamOutcome {
  status?: number;
  error?: string;
  /** Response body bytes passed to the step. */
  bytesDown: number;
}

/**
 * Wires `upReq`'s response (or failure) to `res`. `refuse` answers a failure before any header was sent;
 * `flushHeaders`: send the head at once (an SSE client waits for the headers before the first event).
 */
export function answerFromUpstream(
  upReq: ClientRequest,
  res: ServerResponse,
  refuse: (failure: UpstreamFailure) => void,
  flushHeaders = false,
): UpstreamOutcome {
  const outcome: UpstreamOutcome = { bytesDown: 0 };
  upReq.on('response', (upRes) => {
    outcome.status = upRes.statusCode ?? 502;
    res.writeHead(outcome.status, upRes.statusMessage, stripHopByHop(upRes.headers));
    if (flushHeaders) res.flushHeaders();
    upRes.on('data', (chunk: Buffer) => {
      outcome.bytesDown += chunk.length;
    });
    upRes.pipe(res);
    upRes.on('error', () => res.destroy());
  });
  upReq.on('error', (err) => {
    const failure = upstreamFailure(err);
    outcome.error = failure.error;
    if (res.headersSent) return void res.destroy();
    outcome.status = failure.status;
    refuse(failure);
  });
  return outcome;
}
