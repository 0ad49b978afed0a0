// Where a step's gateway request goes upstream: the path under the upstream base, the headers (the real key in
// place of the placeholder), and the connection it may use. Upstream connections are kept alive per step
// connection only: a connection never carries another one's key.
import { Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import { stripHopByHop } from './hop-by-hop.js';
import type { ProviderSpec } from './providers.js';

export type CredentialMode = 'placeholder' | 'passthrough';

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

/**
 * One keep-alive agent per step connection, destroyed with it: requests on one step connection may reuse an
 * upstream connection, requests of two step connections never share one.
 */
export function agentPerConnection(isHttps: boolean, tls: HttpsAgentOptions): (client: Socket) => HttpAgent {
  const agents = new WeakMap<Socket, HttpAgent>();
  return (client) => {
    let agent = agents.get(client);
    if (!agent) {
      const created = isHttps
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...tls })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
      client.once('close', () => created.destroy());
      agents.set(client, created);
      agent = created;
    }
    return agent;
  };
}
