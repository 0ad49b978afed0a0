// One step's egress, start to finish: the socket directory, the egress proxy, one model gateway per provider,
// the audit log, and the attachment the sandbox applies to the container. The engine starts a session before
// the container and closes it after (close() is safe to call twice and after a failed start).
import { WaveError } from '../../errors.js';
import { createBodyBudget } from './body-budget.js';
import { createConnectionCap } from './connection-cap.js';
import {
  buildAttachment,
  PROXY_PORT,
  PROXY_SOCKET,
  proxyEnv,
  type BridgeListen,
  type EgressAttachment,
} from './attachment.js';
import { startModelGateway, type ModelGateway } from './gateway.js';
import { DEFAULT_EGRESS_LIMITS, type EgressLimits } from './limits.js';
import { createEgressLog, type EgressRecord } from './log.js';
import { compilePolicy, type NetworkMode } from './policy.js';
import { hostKey, PLACEHOLDER_KEY, PROVIDERS, providerEnv, type ProviderId } from './providers.js';
import { startEgressProxy, type ConnectFn, type EgressProxy } from './proxy.js';
import type { LookupFn } from './resolve.js';
import { createRunDir, type ContainerIdentity, type RunDir } from './run-dir.js';
import type { ResolvedEgress } from './sources.js';

export interface EgressSessionOptions {
  step: string;
  run?: string;
  attempt?: number;
  /** From resolveEgressSources(). */
  egress: ResolvedEgress;
  /** uid:gid the step runs as (must be able to connect to the sockets). */
  containerUser: ContainerIdentity;
  /** NDJSON audit log, e.g. `<traces dir>/<run-id>/egress.ndjson`. */
  logPath?: string;
  /** Every record (allow or deny); map to an egress_decision event with egressDecisionEvent(). */
  onRecord?: (rec: EgressRecord) => void;
  /** runtime.models.<provider>.base_url */
  upstreams?: Partial<Record<ProviderId, string>>;
  /** PEM text of runtime.sandbox.extra_ca_certs, trusted for gateway upstreams. */
  extraCaPem?: string;
  /** Where provider keys are read from. Default process.env. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** The step's host-side limits (the sandbox profile's `egress:`); each missing one is DEFAULT_EGRESS_LIMITS'. */
  limits?: Partial<EgressLimits>;
  /** Parent of the socket directory. Default os.tmpdir(). */
  socketRoot?: string;
  /** Image of the sidecar bridge for images without node. Default wave/base:latest. */
  sidecarImage?: string;
  /** See AttachmentInput.bridgeScriptHostPath. */
  bridgeScriptHostPath?: string;
  /** Tests only. */
  lookup?: LookupFn;
  connect?: ConnectFn;
}

export interface EgressSession {
  mode: NetworkMode;
  /** Host directory mounted at /wave/run; undefined in mode 'none'. */
  runDir: string | undefined;
  proxy: EgressProxy | undefined;
  gateways: readonly ModelGateway[];
  /** What to add to the container; undefined in mode 'none' (no bridge, loopback only). */
  attachment(imageHasBridge: boolean): EgressAttachment | undefined;
  /** Every secret the gateways handled, for the audit scrubber. */
  secretValues(): string[];
  /** Request-body bytes the gateways hold now (within limits.gatewayBodyBudgetBytes). */
  gatewayBodyBytes(): number;
  close: () => Promise<void>;
}

export async function startEgressSession(options: EgressSessionOptions): Promise<EgressSession> {
  const { egress } = options;
  if (egress.mode === 'none') {
    return {
      mode: 'none',
      runDir: undefined,
      proxy: undefined,
      gateways: [],
      attachment: () => undefined,
      secretValues: () => [],
      gatewayBodyBytes: () => 0,
      close: () => Promise.resolve(),
    };
  }
  const { policy, errors } = compilePolicy({ mode: egress.mode, allow: egress.allow, hosts: egress.hosts });
  if (errors.length) {
    throw new WaveError('sandbox_failed', `egress policy for step ${options.step} is invalid`, { details: errors });
  }
  const log = createEgressLog({
    ...(options.logPath ? { path: options.logPath } : {}),
    ...(options.onRecord ? { onRecord: options.onRecord } : {}),
  });
  const ids = {
    step: options.step,
    ...(options.run !== undefined ? { run: options.run } : {}),
    ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
  };
  let dir: RunDir | undefined;
  let proxy: EgressProxy | undefined;
  const gateways: ModelGateway[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled([proxy?.close(), ...gateways.map((g) => g.close())]);
    await log.close();
    await dir?.remove();
  };
  try {
    dir = await createRunDir(options.containerUser, options.socketRoot);
    const d = dir;
    const secure = (p: string) => d.secureSocket(p);
    const hostEnv = options.hostEnv ?? process.env;
    const limits = { ...DEFAULT_EGRESS_LIMITS, ...options.limits };
    // One cap and one body budget for the proxy and every gateway: they are the step's, whichever socket it dials.
    const cap = createConnectionCap(limits.maxConnections);
    const bodyBudget = createBodyBudget(limits.gatewayBodyBudgetBytes);
    proxy = await startEgressProxy({
      ...ids,
      socketPath: dir.socketPath(PROXY_SOCKET),
      policy,
      log,
      onListening: secure,
      cap,
      connectTimeoutMs: limits.connectTimeoutMs,
      requestIdleTimeoutMs: limits.requestIdleTimeoutMs,
      tunnelIdleTimeoutMs: limits.tunnelIdleTimeoutMs,
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.connect ? { connect: options.connect } : {}),
    });
    const listens: BridgeListen[] = [{ port: PROXY_PORT, socket: PROXY_SOCKET }];
    const env: Record<string, string> = proxyEnv(PROXY_PORT);
    for (const id of egress.providers) {
      const spec = PROVIDERS[id];
      const upstream = options.upstreams?.[id];
      gateways.push(
        await startModelGateway({
          ...ids,
          socketPath: dir.socketPath(`${id}.sock`),
          provider: spec,
          credentials: egress.credentials,
          // Test literals of ResolvedEgress may predate the field.
          ...(egress.providerTools?.length ? { allow: egress.providerTools } : {}),
          hostEnv,
          cap,
          bodyBudget,
          connectTimeoutMs: limits.connectTimeoutMs,
          idleTimeoutMs: limits.gatewayIdleTimeoutMs,
          log,
          onListening: secure,
          ...(upstream ? { upstream } : {}),
          ...(options.extraCaPem ? { extraCaPem: options.extraCaPem } : {}),
        }),
      );
      listens.push({ port: spec.port, socket: `${id}.sock` });
      // Passthrough (persona opt-in) is the only way a real key enters the container.
      const key = egress.credentials === 'passthrough' ? (hostKey(spec, hostEnv) ?? PLACEHOLDER_KEY) : PLACEHOLDER_KEY;
      Object.assign(env, providerEnv(spec, key));
    }
    const hostRunDir = dir.path;
    return {
      mode: egress.mode,
      runDir: hostRunDir,
      proxy,
      gateways,
      attachment: (imageHasBridge) =>
        buildAttachment({
          hostRunDir,
          listens,
          env,
          imageHasBridge,
          sidecarImage: options.sidecarImage ?? 'wave/base:latest',
          ...(options.bridgeScriptHostPath ? { bridgeScriptHostPath: options.bridgeScriptHostPath } : {}),
        }),
      secretValues: () => [...new Set(gateways.flatMap((g) => g.secretValues()))],
      gatewayBodyBytes: () => bodyBudget.held(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
