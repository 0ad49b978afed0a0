// What a sandbox backend must add to a step container so its loopback reaches the host's egress proxy and model
// gateways: a narrow, backend-agnostic description (mounts, env, argv wrapping or a sidecar). The docker backend
// applies it; nothing here talks to Docker.
import { SANDBOX_PATHS } from '../../config/sandbox-paths.js';

/** Where the bridge lives in images built from images/base (and in the sidecar image). */
export const BRIDGE_SCRIPT = '/usr/local/lib/wave/bridge.mjs';
/** Image label saying "this image has node and the bridge at BRIDGE_SCRIPT" (set in images/base/Dockerfile). */
export const BRIDGE_LABEL = 'wave.bridge';
/** The host socket directory is mounted here. */
export const RUN_DIR = SANDBOX_PATHS.run;
export const PROXY_PORT = 3128;
export const PROXY_SOCKET = 'egress.sock';
/** The line a sidecar bridge prints once it listens: start the step only after it. */
export const BRIDGE_READY_LINE = 'wave-bridge: ready';

export interface EgressMount {
  host: string;
  container: string;
  readOnly: boolean;
}

export interface BridgeListen {
  /** Loopback port inside the container. */
  port: number;
  /** Socket file name inside RUN_DIR. */
  socket: string;
}

export interface SidecarSpec {
  /** An image with node and the bridge (wave/base). */
  image: string;
  /** The whole command (no image ENTRYPOINT): node BRIDGE_SCRIPT --listen … (no child command). */
  argv: string[];
  mounts: EgressMount[];
  /** Start the step container only after this line appears on the sidecar's stdout. */
  readyLine: string;
  /**
   * The step container's network mode once the sidecar runs: `container:<sidecar id>`. The sidecar itself is
   * created with network 'none' and the same hardening as a step; the step then shares its loopback.
   */
  stepNetworkMode(sidecarId: string): string;
}

export interface EgressAttachment {
  mode: 'inline' | 'sidecar';
  /** Bind mounts to add to the step container. */
  mounts: EgressMount[];
  /** Variables to add to the step's env (proxy variables, provider base URLs and keys). */
  env: Record<string, string>;
  /** The step's argv as the container must run it (inline: wrapped by the bridge; sidecar: unchanged). */
  wrapArgv(argv: readonly string[]): string[];
  sidecar?: SidecarSpec;
}

export interface AttachmentInput {
  /** Host directory holding the sockets (mounted read-only at RUN_DIR). */
  hostRunDir: string;
  listens: readonly BridgeListen[];
  /** Provider base URLs and keys, plus the proxy variables when a proxy is attached. */
  env: Record<string, string>;
  /** Does the step image have node and the bridge (label wave.bridge=1)? */
  imageHasBridge: boolean;
  /** The image a sidecar runs (wave/base). */
  sidecarImage: string;
  /**
   * Development/tests: a host copy of bridge.mjs, bind-mounted at BRIDGE_SCRIPT, for images built before the
   * bridge was added. Production images carry it (COPY in images/base/Dockerfile).
   */
  bridgeScriptHostPath?: string;
}

/** True when an image's labels say it carries node and the bridge. */
export function imageHasBridge(labels: Readonly<Record<string, string>> | null | undefined): boolean {
  return labels?.[BRIDGE_LABEL] === '1';
}

/** The proxy variables, upper and lower case (tools disagree on which they read). */
export function proxyEnv(port: number = PROXY_PORT): Record<string, string> {
  const url = `http://127.0.0.1:${port}`;
  const noProxy = '127.0.0.1,localhost';
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    ALL_PROXY: url,
    all_proxy: url,
    // The gateway ports are on loopback: they must not be sent to the proxy (which would refuse loopback).
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    // Node ignores the proxy variables unless asked (honoured from Node 22.21/24.5; older versions ignore it, and
    // then fail closed: there is no route out but the proxy).
    NODE_USE_ENV_PROXY: '1',
  };
}

export function bridgeArgs(listens: readonly BridgeListen[]): string[] {
  return listens.flatMap((l) => ['--listen', `127.0.0.1:${l.port}=${RUN_DIR}/${l.socket}`]);
}

export function buildAttachment(input: AttachmentInput): EgressAttachment {
  const runMount: EgressMount = { host: input.hostRunDir, container: RUN_DIR, readOnly: true };
  const scriptMount: EgressMount[] = input.bridgeScriptHostPath
    ? [{ host: input.bridgeScriptHostPath, container: BRIDGE_SCRIPT, readOnly: true }]
    : [];
  const bridge = ['node', BRIDGE_SCRIPT, ...bridgeArgs(input.listens)];
  if (input.imageHasBridge) {
    return {
      mode: 'inline',
      mounts: [runMount, ...scriptMount],
      env: { ...input.env },
      wrapArgv: (argv) => [...bridge, '--', ...argv],
    };
  }
  return {
    mode: 'sidecar',
    // The step sees the sockets too: harmless (the same policy applies) and lets `curl --unix-socket` work.
    mounts: [runMount],
    env: { ...input.env },
    wrapArgv: (argv) => [...argv],
    sidecar: {
      image: input.sidecarImage,
      argv: bridge,
      mounts: [runMount, ...scriptMount],
      readyLine: BRIDGE_READY_LINE,
      stepNetworkMode: (id) => `container:${id}`,
    },
  };
}
