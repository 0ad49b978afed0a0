// What the runner of a run's step attempts is given once for the run.
import type { LoadedManifest, Pipeline } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { Sandbox } from '../sandbox/types.js';
import type { Store } from '../state/index.js';
import type { RunTrees } from '../workspace/git/run-trees.js';
import type { RunWorkspace } from '../workspace/layout.js';
import type { AgentLauncher } from './agent.js';
import type { RunEgress } from './egress.js';

export interface StepRunnerDeps {
  runId: string;
  input: string;
  pipeline: Pipeline;
  manifest: LoadedManifest;
  runWorkspace: RunWorkspace;
  store: Store;
  bus: EventBus;
  sandbox: Sandbox;
  /** Maps a project path (`.wave/contracts/x.json`) to a file, with the defaults fallback. */
  resolvePath: (projectPath: string) => string;
  /** Turns a prompt step into a container invocation; absent when the run has only command steps. */
  agents?: AgentLauncher;
  /** The uid:gid steps run as, when it differs from Wave's own (Wave as root). */
  stepUser?: { uid: number; gid: number };
  /** Host environment, the source of env_passthrough values. */
  env?: NodeJS.ProcessEnv;
  /** What the egress sessions of command steps and test_suite contracts share with the agents'. */
  egress: RunEgress;
  /** The run's git trees, when a step changes code (a worktree or a readwrite mount). */
  trees?: RunTrees;
}
