// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a proxy must drop them, plus
// every header the Connection header names, or a client could steer the next hop (e.g. smuggle Upgrade, or
// have a Proxy-Authorization meant for us forwarded to the origin).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection', // non-standard, still sent by some clients
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** A copy of `headers` without hop-by-hop headers and without the ones listed in `Connection`. */
export function stripHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set<string>();
  // Node joins repeated Connection headers into one comma-separated value.
  for (const token of (headers.connection ?? '').split(',')) if (token.trim()) named.add(token.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}
