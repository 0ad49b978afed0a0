// The step runner runs an Invocation; the agent launcher and command-step.ts build one. It lives apart from the
// runner so that what builds it does not import the runner that imports them.
import type { SandboxNetwork, SandboxResult, SandboxSpec } from '../sandbox/types.js';
import type { AttemptFailure } from './attempt.js';
import type { RelayMonitor } from './relay-monitor.js';

/** What a step's invocation needs from the engine, whichever kind of step it is. */
export interface Invocation {
  image: string;
  argv: string[];
  env: Record<string, string>;
  stdin?: string;
  /** Files the invocation reads (instructions, CLI settings), by name; they appear read-only under /wave/meta. */
  files?: Record<string, string>;
  /** Files for the container's HOME, by relative path; they appear under /wave/meta/home and are copied into HOME. */
  homeFiles?: Record<string, string>;
  /** Interprets the container's output lines, stdout and stderr (agent streams); undefined for command steps. */
  parseLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** After the container ended: did the agent report success? (A command step's exit code says it all.) */
  verdict?: (result: SandboxResult) => AttemptFailure | undefined;
  /** Network mode; default none (loopback only). */
  network?: SandboxNetwork;
  /** The egress session's attachment (see SandboxSpec.egress). */
  egress?: SandboxSpec['egress'];
  /** Removes secrets from output before it is evented or stored. */
  scrub?: (text: string) => string;
  /** An agent step under the context relay: stops the container at the threshold, keeps the transcript. */
  relay?: RelayMonitor;
  /** Releases what the invocation holds (the egress session); called once the attempt is over. */
  cleanup?: () => Promise<void>;
}
