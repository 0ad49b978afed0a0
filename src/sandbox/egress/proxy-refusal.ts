// How the proxy refuses: a plain-text response naming the reason (also in X-Wave-Egress-Reason, for the step's
// tools and our tests), then the connection closes. A CONNECT has no ServerResponse, so its refusal is written raw.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DenyReason } from './policy.js';

export interface Refusal {
  status: number;
  reason: DenyReason;
  detail?: string | undefined;
}

/** A refusal about a given target: the host as checked (normalised) and the address that was refused, if any. */
export type TargetRefusal = Refusal & { host?: string; address?: string };

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function refusalBody(host: string, port: number, r: Refusal): string {
  const why = `${r.reason}${r.detail ? `: ${r.detail}` : ''}`;
  if (!host) return `wave egress: connection refused (${why}).\n`;
  const hint = "Allowed hosts come from the persona's sandbox.allowed_domains.";
  return `wave egress: ${host}:${port} refused (${why}). ${hint}\n`;
}

/** Writes a complete HTTP response on a raw socket (CONNECT has no ServerResponse) and closes it. */
export function refuseRaw(socket: Duplex, host: string, port: number, r: Refusal): void {
  const body = refusalBody(host, port, r);
  socket.end(
    `HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status] ?? 'Error'}\r\n` +
      `Content-Type: text/plain\r\nX-Wave-Egress-Reason: ${r.reason}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Answers a forwarded request with the refusal (its head only if none was sent yet) and ends the response. */
export function refuseResponse(res: ServerResponse, host: string, port: number, r: Refusal): void {
  const body = refusalBody(host, port, r);
  if (!res.headersSent) {
    res.writeHead(r.status, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      'x-wave-egress-reason': r.reason,
      connection: 'close',
    });
  }
  res.end(body);
}
