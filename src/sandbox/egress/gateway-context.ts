// What the gateway's request path shares for one provider of one step: its options with their defaults applied
// (upstream, key, limits), the request gate (one request at a time per step connection), the per-connection
// upstream agents, the sockets still open (destroyed on close) and the fields every log record starts with.
import type { Agent as HttpAgent } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { ProviderTool } from '../../config/types.js';
import { createBodyBudget, type BodyBudget } from './body-budget.js';
import { createConnectionCap, type ConnectionCap } from './connection-cap.js';
import { createRequestGate, type RequestGate } from './framing.js';
import { DEFAULT_GATEWAY_MAX_BODY_BYTES } from './gateway-rules.js';
import { agentPerConnection, type CredentialMode } from './gateway-upstream.js';
import { DEFAULT_EGRESS_LIMITS } from './limits.js';
import type { EgressLog, EgressRecord } from './log.js';
import { hostKey, type ProviderSpec } from './providers.js';

export interface ModelGatewayOptions {
  socketPath: string;
  provider: ProviderSpec;
  /** `runtime.models.<provider>.base_url`; default the provider's public API. */
  upstream?: string;
  /**
   * placeholder (default): replace the client's auth with the host key. passthrough: forward the client's
   * untouched.
   */
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

/** The fields every gateway record starts with. */
export type GatewayRecordBase = Omit<EgressRecord, 'allowed' | 'reason' | 'bytesUp' | 'bytesDown'>;

export interface GatewayContext {
  spec: ProviderSpec;
  mode: CredentialMode;
  upstream: URL;
  isHttps: boolean;
  port: number;
  /** The real key from the host's environment, if there is one. */
  key: string | undefined;
  log: EgressLog;
  allow: readonly ProviderTool[] | undefined;
  cap: ConnectionCap;
  budget: BodyBudget;
  maxBody: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  gate: RequestGate;
  agentFor(client: Socket): HttpAgent;
  /** Every socket the gateway holds (the step's and the upstream ones), destroyed when the gateway closes. */
  open: Set<Duplex>;
  track(socket: Duplex): void;
  baseRecord(method: string, started: number): GatewayRecordBase;
}

export function createGatewayContext(options: ModelGatewayOptions): GatewayContext {
  const spec = options.provider;
  const upstream = new URL(options.upstream ?? spec.defaultUpstream);
  if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:')
    throw new Error(`model gateway: upstream ${upstream.href} must be http(s)`);
  const isHttps = upstream.protocol === 'https:';
  const budget = options.bodyBudget ?? createBodyBudget(DEFAULT_EGRESS_LIMITS.gatewayBodyBudgetBytes);
  const ca = options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {};
  const port = Number(upstream.port || (isHttps ? 443 : 80));
  const open = new Set<Duplex>();
  return {
    spec,
    mode: options.credentials ?? 'placeholder',
    upstream,
    isHttps,
    port,
    key: hostKey(spec, options.hostEnv ?? process.env),
    log: options.log,
    allow: options.allow,
    cap: options.cap ?? createConnectionCap(),
    budget,
    // A body larger than the whole budget could never be taken: it is too large (413), not one to retry (503).
    maxBody: Math.min(options.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY_BYTES, budget.max),
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_EGRESS_LIMITS.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_EGRESS_LIMITS.gatewayIdleTimeoutMs,
    gate: createRequestGate(),
    agentFor: agentPerConnection(isHttps, ca),
    open,
    track(s) {
      open.add(s);
      s.once('close', () => open.delete(s));
    },
    baseRecord: (method, started) => ({
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
    }),
  };
}
