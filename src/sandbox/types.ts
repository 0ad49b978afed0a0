// The Sandbox contract: run one command, described as plain data, somewhere isolated, and report how it ended.
// It knows nothing of pipelines, personas or adapters — the engine maps a step onto a SandboxSpec. Backends:
// docker/ (the default, the real boundary) and host.ts (development only, no isolation).

import type { EgressAttachment } from './egress/attachment.js';

/**
 * Network modes. The container itself only ever has loopback; with 'allowlist' or 'open' a bridge on loopback
 * forwards to Wave's egress proxy on the host, which enforces the policy (see egress/).
 */
export type SandboxNetwork = 'none' | 'allowlist' | 'open';

/** Resource limits; any field left out falls back to the sandbox profile (sandbox-profiles/default.yaml). */
export interface SandboxResources {
  /** Memory limit in bytes (swap is disabled: MemorySwap = Memory). */
  memoryBytes?: number | undefined;
  /** CPU quota in CPUs (fractions allowed: 0.5). */
  cpus?: number | undefined;
  /** Maximum number of processes/threads in the container. */
  pids?: number | undefined;
  /** Size cap of the tmpfs at /tmp, in bytes. */
  tmpBytes?: number | undefined;
  /** Size cap of the tmpfs HOME, in bytes. */
  homeBytes?: number | undefined;
  /** Quota on the bytes of all files in /wave/out together (resources.out_size). */
  outBytes?: number | undefined;
  /** Quota on the files and directories in /wave/out (resources.out_files). */
  outFiles?: number | undefined;
}

/** Host directories bound at fixed paths inside the sandbox. */
export interface SandboxMounts {
  /** Source snapshot, read-only at /wave/src (the working directory). Must be readable by the container user. */
  src: string;
  /** Injected artifacts, read-only at /wave/in. Optional: WAVE_IN is set either way. */
  in?: string;
  /**
   * The step's outputs. /wave/out starts with this directory's contents and, once the sandbox has ended, the
   * directory holds /wave/out's contents: never more than the resources' out quotas, only directories and regular
   * files (the docker backend keeps /wave/out in a size-capped volume and copies it out after the step).
   */
  out: string;
  /** Mount `src` read-write: only ever a private copy made for this step (a `readwrite` workspace mount). */
  srcWritable?: boolean;
}

/** A further host directory bound into the sandbox (an invocation's settings, the egress sockets, a project mount). */
export interface ExtraMount {
  host: string;
  /** Absolute container path; not /wave/src, /wave/in, /wave/out or below them. */
  container: string;
  readOnly: boolean;
}

/** Identifies the container for humans, `docker ps` and the orphan reaper. Never carries secrets. */
export interface SandboxLabels {
  run: string;
  step: string;
  attempt: number;
}

export interface SandboxSpec {
  /** Image reference. Never pulled: a missing image is a WaveError('image_missing'). */
  image: string;
  /**
   * The command line, argv[0] included. Runs under the sandbox's init, through the image's ENTRYPOINT minus any
   * init it starts with (Wave's images: wave-entrypoint, which seeds HOME and then execs argv).
   */
  argv: string[];
  /**
   * The only environment the command gets besides what the runtime fixes (PATH and other ENV baked into the
   * image, HOME, HOSTNAME, WAVE_SRC/WAVE_IN/WAVE_OUT). Values are passed through Config.Env only: never on an
   * argv, in labels or in logs.
   */
  env?: Record<string, string>;
  mounts: SandboxMounts;
  extraMounts?: ExtraMount[];
  labels: SandboxLabels;
  /** HOME inside the sandbox (a size-capped tmpfs). Default: /home/wave. */
  home?: string;
  /** Default 'none' (loopback only). Anything else needs `egress`. */
  network?: SandboxNetwork;
  /**
   * The egress session's attachment (mounts, env, argv wrapping or a sidecar), given whether the image carries the
   * bridge (label wave.bridge=1): only the backend knows the image, so it asks.
   */
  egress?: (imageHasBridge: boolean) => EgressAttachment | undefined;
  resources?: SandboxResources;
  /** Wall-clock limit from start; at the deadline SIGTERM, then SIGKILL after killGraceMs. */
  timeoutMs?: number;
  /**
   * Stall limit: the command is stopped like at its deadline (status 'stalled') when it prints nothing on either
   * stream for this long, counted from its start and from every chunk of output. Off when absent.
   */
  stallTimeoutMs?: number;
  /** Delay between SIGTERM and SIGKILL on timeout, stall or cancel. Default from the profile (5 s). */
  killGraceMs?: number;
  /**
   * How long the backend waits for the rest of the output once the command has ended, before it closes the
   * stream (DEFAULT_DRAIN_MS otherwise).
   */
  drainMs?: number;
  /** Written to the command's standard input, which is then closed (typically the prompt). */
  stdin?: string | Uint8Array;
}

export type SandboxStream = 'stdout' | 'stderr';

/** One line of output, without its line terminator. */
export interface OutputLine {
  stream: SandboxStream;
  text: string;
  /**
   * Bytes dropped from this line because it exceeded the line limit (10 MiB by default); 0 for a whole line.
   * `text` is then the line's first bytes. Memory stays bounded however long a line is.
   */
  truncatedBytes: number;
}

export interface SandboxRunOptions {
  /** Cancels the run: SIGTERM, then SIGKILL after the grace; the result's status is 'cancelled'. */
  signal?: AbortSignal;
  /**
   * Stops the run on purpose (the context relay): SIGTERM, then SIGKILL after the grace, as a cancel, but what the
   * command left in /wave/out is kept; the result's status is 'stopped'.
   */
  stop?: AbortSignal;
  /**
   * Called for every output line, in order per stream. A returned promise is awaited before more output is
   * read (backpressure reaches the container: a slow consumer slows the writer instead of buffering).
   */
  onLine?: (line: OutputLine) => void | Promise<void>;
  /** Called once the sandbox exists (for the docker backend: with the container id), before it starts. */
  onCreated?: (id: string) => void;
}

export type SandboxStatus = 'exited' | 'timed_out' | 'stalled' | 'cancelled' | 'stopped' | 'oom_killed';

export interface SandboxResult {
  status: SandboxStatus;
  /** The command's exit code when it exited on its own; the code after the kill otherwise; null if none. */
  exitCode: number | null;
  durationMs: number;
  /** Container id (docker) or `host:<pid>`; null when cancelled before anything was created. */
  containerId: string | null;
  /** The last lines of each stream (up to 64 KiB), for error messages. */
  stdoutTail: string;
  stderrTail: string;
  /**
   * Set when what the step left in /wave/out was refused (mounts.out is then left empty): more than its quota, or
   * an entry that is not a directory or a regular file inside /wave/out.
   */
  outputRefused?: OutputRefusal;
}

/** Why a step's outputs were refused when they left the sandbox. */
export interface OutputRefusal {
  /** `quota`: more bytes or files than resources.out_size / out_files allow; `unsafe`: a link, device, fifo or bad name. */
  kind: 'quota' | 'unsafe';
  /** One line naming the quota or the offending path. */
  message: string;
  /** What to do about it. */
  hint: string;
}

export interface Sandbox {
  readonly kind: 'docker' | 'host';
  run(spec: SandboxSpec, options?: SandboxRunOptions): Promise<SandboxResult>;
  /** Throws image_missing naming every image the backend lacks and how to build it; absent without images. */
  requireImages?(images: Iterable<string>): Promise<void>;
  /** The id of the image `image` names, or undefined when the backend has none by that name (not built here). */
  imageId?(image: string): Promise<string | undefined>;
}

/** The subset of pino's API the sandbox logs through. Nothing logged ever carries env values. */
export interface SandboxLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** How long a step's output may go on draining after its command has exited, unless the spec says. */
export const DEFAULT_DRAIN_MS = 10_000;
