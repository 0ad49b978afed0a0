// What the runner of a run's step attempts is given once for the run.
import type { LoadedManifest, Pipeline, Step } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { Sandbox } from '../sandbox/types.js';
import type { RunParent, StepStartInput, Store } from '../state/index.js';
import type { RunTrees } from '../workspace/git/run-trees.js';
import type { RunWorkspace } from '../workspace/layout.js';
import type { AgentLauncher } from './agent.js';
import type { RunEgress } from './egress.js';
import type { FailureClass } from '../events/types.js';

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
  /** An iterate item's run: its dependencies' artifacts are the parent run's, recorded under this run id. */
  inputsRunId?: string;
  /** An iterate item's run: the value of {{ item }}. */
  item?: { value: unknown };
  /** A loop iteration's run: the value of {{ iteration }} (from 1). */
  iteration?: number;
  /** A sub-pipeline's run: the parent's config.inject artifacts, copied into every step's /wave/in/<name>. */
  inherited?: ReadonlyArray<{ name: string; path: string }>;
  /** A sub-pipeline's run: its config.env, set in every container. */
  extraEnv?: Readonly<Record<string, string>>;
  /** What each step's start records (persona, adapter, model, image): rework steps are started by the runner. */
  stepStarts?: ReadonlyMap<string, StepStartInput>;
  /** Starts the child runs of pipeline and iterate steps (engine/run-tree.ts); absent where there are none. */
  children?: ChildRuns;
}

/** What a child run is for: a sub-pipeline (of a pipeline step, or one item of an iterated one) or one item. */
export type ChildSpec =
  | {
      kind: 'pipeline';
      parent: RunParent;
      pipeline: string;
      input: string;
      inherited: ReadonlyArray<{ name: string; path: string }>;
      env: Readonly<Record<string, string>>;
      timeoutMs?: number;
    }
  | { kind: 'item'; parent: RunParent; step: Step; item: unknown; deps: StepRunnerDeps }
  /** One iteration of a loop step (parent.itemIndex: the iteration, from 1): its body and inline steps. */
  | { kind: 'iteration'; parent: RunParent; step: Step; deps: StepRunnerDeps };

export interface ChildResult {
  runId: string;
  status: 'completed' | 'failed' | 'cancelled' | 'rejected';
  error?: string;
  failureClass?: FailureClass;
  /** Set when config.timeout stopped it: the limit. */
  timeoutMs?: number;
  /** It had completed before (a resumed parent): nothing ran again. */
  reused: boolean;
}

export interface ChildRuns {
  /**
   * Runs the child run of `spec.parent`: created and persisted before it starts, resumed where an earlier
   * attempt left it, or taken as it is when it completed before. Never throws for the child's own failure.
   */
  run(spec: ChildSpec, signal: AbortSignal): Promise<ChildResult>;
}
