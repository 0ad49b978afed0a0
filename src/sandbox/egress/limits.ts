// The host-side limits of one step's egress (its proxy and model gateways), with their defaults. The step is an
// attacker here: whatever it sends, leaves open or makes an upstream do, it holds no more of the Wave process than
// these allow, and a stalled upstream does not hold its connections for ever. The sandbox profile
// (sandbox-profiles/default.yaml, `egress:`) sets them for every step; README "The host side of the socket" lists them.
import { DEFAULT_MAX_CONNECTIONS } from './connection-cap.js';

export interface EgressLimits {
  /** Connections the step may hold to its proxy and gateways together, counted at accept. */
  maxConnections: number;
  /** Request bodies the step's gateways may hold in memory at once, over all its connections. */
  gatewayBodyBudgetBytes: number;
  /** Dialling an upstream: a target of the proxy, a gateway's provider. */
  connectTimeoutMs: number;
  /** A forwarded plain-HTTP request whose upstream connection carries no byte either way for this long. */
  requestIdleTimeoutMs: number;
  /** A CONNECT tunnel that carries no byte either way for this long (a long stream is fine while bytes flow). */
  tunnelIdleTimeoutMs: number;
  /** A model request with no byte either way for this long: a non-streaming answer may take minutes to start. */
  gatewayIdleTimeoutMs: number;
}

export const DEFAULT_EGRESS_LIMITS: Readonly<EgressLimits> = {
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  // Two requests of the gateways' largest body size (32 MiB) at once; the CLIs send one or two of a few MB.
  gatewayBodyBudgetBytes: 64 * 1024 * 1024,
  connectTimeoutMs: 30_000,
  requestIdleTimeoutMs: 5 * 60_000,
  tunnelIdleTimeoutMs: 5 * 60_000,
  // The provider SDKs give a non-streaming request 10 minutes.
  gatewayIdleTimeoutMs: 10 * 60_000,
};
