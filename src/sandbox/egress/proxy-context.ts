// What the proxy's tunnel and forwarding paths share for one step: its options with their defaults applied, the
// request gate (one request at a time per step connection), the sockets still open (destroyed on close) and the
// fields every log record starts with.
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { createConnectionCap, type ConnectionCap } from './connection-cap.js';
import { createRequestGate, type RequestGate } from './framing.js';
import { DEFAULT_EGRESS_LIMITS } from './limits.js';
import type { EgressLog, EgressRecord } from './log.js';
import type { EgressPolicy } from './policy.js';
import { dialForRelay } from './relay.js';
import { systemLookup, type LookupFn } from './resolve.js';

/**
 * Opens the upstream TCP connection. The only place the proxy dials out; tests instrument it. A tunnel's upstream
 * is dialled for the relay (it reads into one reused buffer, see relay.ts); a forwarded request's is a plain socket.
 */
export type ConnectFn = (target: { host: string; port: number }, use?: 'tunnel' | 'request') => Socket;

export const defaultConnect: ConnectFn = ({ host, port }, use = 'request') => {
  const options = { host, port, allowHalfOpen: true, noDelay: true };
  return use === 'tunnel' ? dialForRelay(options) : netConnect(options);
};

export interface EgressProxyOptions {
  socketPath: string;
  policy: EgressPolicy;
  log: EgressLog;
  step: string;
  run?: string;
  attempt?: number;
  /** The step's connection cap, shared with its gateways; connections beyond it get 503. Default: 64 of its own. */
  cap?: ConnectionCap;
  lookup?: LookupFn;
  connect?: ConnectFn;
  clientHelloTimeoutMs?: number;
  /** Defaults: DEFAULT_EGRESS_LIMITS (limits.ts). */
  connectTimeoutMs?: number;
  requestIdleTimeoutMs?: number;
  tunnelIdleTimeoutMs?: number;
  /** Called once the socket is bound, before anyone can be told about it (chmod/chown). */
  onListening?: (socketPath: string) => Promise<void>;
}

/** The fields every proxy record starts with. */
export type ProxyRecordBase = Pick<
  EgressRecord,
  'time' | 'run' | 'step' | 'attempt' | 'kind' | 'method' | 'host' | 'port' | 'durationMs'
>;

export interface ProxyContext {
  policy: EgressPolicy;
  log: EgressLog;
  cap: ConnectionCap;
  lookup: LookupFn;
  connect: ConnectFn;
  helloTimeoutMs: number;
  connectTimeoutMs: number;
  requestIdleTimeoutMs: number;
  tunnelIdleTimeoutMs: number;
  gate: RequestGate;
  /** Every socket the proxy holds (the step's and the upstream ones), destroyed when the proxy closes. */
  open: Set<Duplex>;
  track(socket: Duplex): void;
  base(kind: EgressRecord['kind'], method: string, host: string, port: number, started: number): ProxyRecordBase;
}

export function createProxyContext(options: EgressProxyOptions): ProxyContext {
  const open = new Set<Duplex>();
  return {
    policy: options.policy,
    log: options.log,
    cap: options.cap ?? createConnectionCap(),
    lookup: options.lookup ?? systemLookup,
    connect: options.connect ?? defaultConnect,
    helloTimeoutMs: options.clientHelloTimeoutMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_EGRESS_LIMITS.connectTimeoutMs,
    requestIdleTimeoutMs: options.requestIdleTimeoutMs ?? DEFAULT_EGRESS_LIMITS.requestIdleTimeoutMs,
    tunnelIdleTimeoutMs: options.tunnelIdleTimeoutMs ?? DEFAULT_EGRESS_LIMITS.tunnelIdleTimeoutMs,
    gate: createRequestGate(),
    open,
    track(s) {
      open.add(s);
      s.once('close', () => open.delete(s));
    },
    base: (kind, method, host, port, started) => ({
      time: new Date().toISOString(),
      ...(options.run !== undefined ? { run: options.run } : {}),
      step: options.step,
      ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
      kind,
      method,
      host,
      port,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    }),
  };
}
