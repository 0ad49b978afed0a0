// Runs one run of a run tree (DESIGN.md "A run is a tree"), the root or a child, with what the whole tree
// shares: the store, the event bus, the sandbox, the egress, and one worker pool for every container at any
// depth. Child runs (a pipeline step's sub-pipeline, an iterate step's items) are rows of their own, created
// before they start; a resumed parent finds them again, takes a completed one as it is and resumes the rest.
import path from 'node:path';
import { projectFile, type LoadedManifest } from '../config/index.js';
import type { Step } from '../config/types.js';
import { isGraphPipeline } from '../plan/graph-mode.js';
import type { EventBus } from '../events/bus.js';
import type { Sandbox } from '../sandbox/types.js';
import type { RunRecord, Store } from '../state/index.js';
import type { RunWorkspace } from '../workspace/layout.js';
import type { AgentContext, AgentLauncher } from './agent.js';
import type { RunEgress } from './egress.js';
import { executeRun, type ExecutionSummary, type ExecutorStep } from './executor.js';
import {
  DEFAULT_GATE_APPROVAL_HOURS,
  runGate,
  type GateOutcome,
  type GatePrompter,
  type GateRunOptions,
} from './gate-step.js';
import { executeGraphRun } from './graph-run.js';
import { executorStepFor, preparePipeline, type Prepared, type RunFlags } from './run-prepare.js';
import { checkImages } from './sandbox-setup.js';
import type { ChildResult, ChildRuns, ChildSpec, StepRunnerDeps } from './step-deps.js';
import { createAttemptRunner } from './step-runner.js';
import { WorkerPool } from './worker-pool.js';
import { StepGraph, topologicalLevels } from '../plan/dag.js';
import { iterationPlan, type LoopStep } from '../plan/loop.js';
import { openRunTrees } from './writing-step.js';

export interface RunTree {
  projectDir: string;
  /** The folder whose files and repository the run works on, when not the project's (a bench task's checkout). */
  sourceDir?: string;
  manifestPath: string;
  manifest: LoadedManifest;
  store: Store;
  bus: EventBus;
  sandbox: Sandbox;
  egress: RunEgress;
  tracesDir: string;
  workspaceRoot: string;
  flags: RunFlags;
  pool: WorkerPool;
  note: (message: string) => void;
  stepUser?: { uid: number; gid: number };
  agents?: (context: AgentContext) => Promise<AgentLauncher>;
  /** Asks gates at the run's terminal (a TTY); absent: `wave gate` answers them. */
  gatePrompt?: GatePrompter;
}

export function newPool(flags: RunFlags, manifest: LoadedManifest): WorkerPool {
  return new WorkerPool(flags.maxWorkers ?? manifest.manifest.runtime.max_concurrent_workers);
}

export interface TreeRun {
  runId: string;
  prepared: Prepared;
  input: string;
  runWorkspace: RunWorkspace;
  signal: AbortSignal;
  /** --from-step: the run whose writing steps' trees are continued. */
  reusedFrom?: string;
  inherited?: StepRunnerDeps['inherited'];
  extraEnv?: StepRunnerDeps['extraEnv'];
  /** The step ids above this run in the tree (none for the root). */
  lane?: readonly string[];
}

/** Executes one run of the tree (its agents, trees and attempt runner), children included, to its summary. */
export async function executeTreeRun(tree: RunTree, run: TreeRun): Promise<ExecutionSummary> {
  const { prepared, runId } = run;
  const sourceDir = tree.sourceDir ?? tree.projectDir;
  const trees = await openRunTrees(sourceDir, runId, run.runWorkspace.source, prepared.steps, run.reusedFrom);
  const running = new Set(prepared.executorSteps.map((s) => s.id));
  const hasPromptSteps = prepared.steps.some((s) => running.has(s.id) && needsAgents(s));
  const { manifest, pipeline } = prepared;
  const agents =
    tree.agents && hasPromptSteps
      ? await tree.agents({
          manifest,
          pipeline,
          runId,
          input: run.input,
          flags: tree.flags,
          bus: tree.bus,
          tracesDir: tree.tracesDir,
          note: tree.note,
          egress: tree.egress,
        })
      : undefined;
  const runAttempt = createAttemptRunner({
    runId,
    input: run.input,
    pipeline: { ...pipeline.pipeline, steps: prepared.steps },
    manifest,
    runWorkspace: run.runWorkspace,
    store: tree.store,
    bus: tree.bus,
    sandbox: tree.sandbox,
    resolvePath: (p) => projectFile(p, pipeline.projectDir),
    egress: tree.egress,
    children: childRuns(tree, run.runWorkspace.source, run.lane ?? []),
    stepStarts: new Map(prepared.executorSteps.map((s) => [s.id, s.start])),
    ...(agents ? { agents } : {}),
    ...(tree.stepUser ? { stepUser: tree.stepUser } : {}),
    ...(trees ? { trees } : {}),
    ...(run.inherited ? { inherited: run.inherited } : {}),
    ...(run.extraEnv ? { extraEnv: run.extraEnv } : {}),
  });
  const execution = {
    runId,
    steps: prepared.executorSteps,
    maxWorkers: tree.pool.size,
    pool: tree.pool,
    ...(run.lane ? { lane: run.lane } : {}),
    store: tree.store,
    runAttempt,
    runGate: gateRunner(tree, run),
    signal: run.signal,
  };
  try {
    return isGraphPipeline(prepared.steps)
      ? await executeGraphRun({ ...execution, pipeline: { ...pipeline.pipeline, steps: prepared.steps } })
      : await executeRun(execution);
  } finally {
    await agents?.close?.();
  }
}

/** Gate steps of this run wait through the tree's store, with the run's --auto-approve and terminal. */
function gateRunner(tree: RunTree, run: TreeRun): (stepId: string, signal: AbortSignal) => Promise<GateOutcome> {
  const steps = new Map(run.prepared.steps.map((s) => [s.id, s]));
  const hours = tree.manifest.manifest.runtime.timeouts?.gate_approval_hours ?? DEFAULT_GATE_APPROVAL_HOURS;
  const options: GateRunOptions = {
    store: tree.store,
    runId: run.runId,
    runDir: run.runWorkspace.dir,
    autoApprove: tree.flags.autoApprove ?? false,
    approvalTimeoutMs: hours * 3_600_000,
    ...(tree.gatePrompt ? { prompt: tree.gatePrompt } : {}),
  };
  return (stepId, signal) => {
    const step = steps.get(stepId);
    if (!step) throw new Error(`unknown gate step ${stepId}`);
    return runGate(options, step, signal);
  };
}

/** A prompt step, or a step whose contracts call a model (agent_review, llm_judge). */
function needsAgents(step: Step): boolean {
  return (
    step.exec.type === 'prompt' ||
    step.handover.contracts.some((c) => c.type === 'agent_review' || c.type === 'llm_judge')
  );
}

/** The tree's way to start (or resume, or reuse) the child runs of a run whose snapshot is `source`. */
function childRuns(tree: RunTree, source: string, parentLane: readonly string[]): ChildRuns {
  const pipelines = new Map<string, Promise<Prepared>>();
  // Each child pipeline is read and checked once per run, however many items run it.
  const prepare = (name: string): Promise<Prepared> => {
    let found = pipelines.get(name);
    if (!found) {
      // Its warnings were shown when the parent was validated. Its images and requires.tools are checked as the
      // root's are, before its first step.
      found = preparePipeline(tree, name, agentFlags(tree.flags), () => undefined).then(async (prepared) => {
        await checkImages(tree.sandbox, prepared);
        return prepared;
      });
      pipelines.set(name, found);
    }
    return found;
  };
  return {
    async run(spec, signal) {
      const { store } = tree;
      const existing = store.runs.child(spec.parent);
      if (existing?.status === 'completed') return { runId: existing.id, status: 'completed', reused: true };
      const sub = spec.kind === 'pipeline' ? await prepare(spec.pipeline) : undefined;
      const plan: ChildPlan = sub
        ? { ...sub, prepared: sub }
        : spec.kind === 'item'
          ? itemPlan(tree, spec)
          : await iterationChildPlan(tree, spec as IterationSpec);
      const runId = existing ? reopen(store, existing) : createChild(tree, spec, plan);
      const runWorkspace = { dir: path.join(tree.workspaceRoot, runId), source };
      const controller = new AbortController();
      const relay = () => controller.abort();
      signal.addEventListener('abort', relay, { once: true });
      if (signal.aborted) controller.abort();
      let timedOut = false;
      const timeoutMs = spec.kind === 'pipeline' ? spec.timeoutMs : undefined;
      const timer = timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
      const lane = [...parentLane, spec.parent.stepId];
      let summary: ExecutionSummary;
      try {
        summary =
          spec.kind === 'pipeline' && plan.prepared
            ? await executeTreeRun(tree, {
                runId,
                prepared: plan.prepared,
                input: spec.input,
                runWorkspace,
                signal: controller.signal,
                inherited: spec.inherited,
                extraEnv: spec.env,
                lane,
              })
            : await executeStepsChild(tree, spec as StepSpec, plan, { runId, runWorkspace, lane }, controller.signal);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', relay);
      }
      return finishChild(store, runId, summary, timedOut ? timeoutMs : undefined);
    },
  };
}

/** An iterate or matrix item of a prompt or command step: a run of that one step, with its item's outputs. */
function itemStep(step: Step): Step {
  const { iterate, aggregate: _aggregate, matrix, ...rest } = step;
  return { ...rest, output_artifacts: iterate?.item_outputs ?? matrix?.item_outputs ?? step.output_artifacts };
}

type ItemSpec = Extract<ChildSpec, { kind: 'item' }>;
type IterationSpec = Extract<ChildSpec, { kind: 'iteration' }>;
/** A child run of steps of the parent's own pipeline: an iterate item's, or a loop iteration's. */
type StepSpec = ItemSpec | IterationSpec;

/** The run's --adapter and --model, which hold for its child runs too. */
function agentFlags(flags: RunFlags): Pick<RunFlags, 'adapter' | 'model'> {
  return { ...(flags.adapter ? { adapter: flags.adapter } : {}), ...(flags.model ? { model: flags.model } : {}) };
}

/**
 * What a child run is made of: a sub-pipeline's prepared pipeline, an item's one step, or a loop iteration's steps
 * (`graphSteps`: those steps among the outer ones they read).
 */
type ChildPlan = Pick<Prepared, 'steps' | 'executorSteps' | 'levels'> & { prepared?: Prepared; graphSteps?: Step[] };

function itemPlan(tree: RunTree, spec: ItemSpec): ChildPlan {
  const step = itemStep(spec.step);
  const executor: ExecutorStep = { ...executorStepFor(tree.manifest, step, agentFlags(tree.flags)), dependencies: [] };
  return {
    steps: [step],
    executorSteps: [executor],
    levels: [[step.id]],
  };
}

/**
 * A loop's iteration: its body and inline steps (plan/loop.ts), scheduled among themselves; the outer steps they
 * read completed in the parent run. Their images are checked before the first starts, as a run's are.
 */
async function iterationChildPlan(tree: RunTree, spec: IterationSpec): Promise<ChildPlan> {
  const { steps, pipeline } = iterationPlan(spec.deps.pipeline, spec.step as LoopStep);
  const ids = new Set(steps.map((s) => s.id));
  const own = steps.map((s) => ({ ...s, dependencies: s.dependencies.filter((d) => ids.has(d)) }));
  const executorSteps = own.map((step) => executorStepFor(tree.manifest, step, agentFlags(tree.flags)));
  await tree.sandbox.requireImages?.([...new Set(executorSteps.map((s) => s.start.image).filter((i) => i !== ''))]);
  return { steps, executorSteps, levels: topologicalLevels(new StepGraph(own)), graphSteps: pipeline.steps };
}

async function executeStepsChild(
  tree: RunTree,
  spec: StepSpec,
  plan: ChildPlan,
  { runId, runWorkspace, lane }: { runId: string; runWorkspace: RunWorkspace; lane: readonly string[] },
  signal: AbortSignal,
): Promise<ExecutionSummary> {
  const [step] = plan.steps as [Step];
  // The parent run's runner, for this child's run: its agents, config.inject and config.env hold; an iterated or
  // looped step never changes code (refused when validated), so it has no trees. What the child's steps read of
  // the parent's steps is in the parent run.
  const { trees: _trees, ...parent } = spec.deps;
  const steps =
    spec.kind === 'item' ? spec.deps.pipeline.steps.map((s) => (s.id === step.id ? step : s)) : (plan.graphSteps ?? []);
  const runAttempt = createAttemptRunner({
    ...parent,
    runId,
    runWorkspace,
    inputsRunId: spec.kind === 'item' ? (spec.deps.inputsRunId ?? spec.deps.runId) : spec.deps.runId,
    ...(spec.kind === 'item' ? { item: { value: spec.item } } : { iteration: spec.parent.itemIndex ?? 1 }),
    pipeline: { ...spec.deps.pipeline, steps },
  });
  return executeRun({
    runId,
    steps: plan.executorSteps,
    maxWorkers: tree.pool.size,
    pool: tree.pool,
    lane,
    store: tree.store,
    runAttempt,
    signal,
  });
}

function createChild(tree: RunTree, spec: ChildSpec, plan: ChildPlan): string {
  const parentRun = tree.store.runs.require(spec.parent.runId);
  const sub = plan.prepared?.pipeline;
  const run = tree.store.runs.create({
    pipeline: sub ? sub.pipeline.metadata.name : `${parentRun.pipeline}.${spec.parent.stepId}`,
    pipelinePath: sub ? sub.file : parentRun.pipelinePath,
    input:
      spec.kind === 'pipeline'
        ? spec.input
        : spec.kind === 'item'
          ? (JSON.stringify(spec.item) ?? 'null')
          : spec.deps.input,
    parent: spec.parent,
    steps: plan.steps.map((s, position) => ({
      stepId: s.id,
      position,
      level: Math.max(
        0,
        plan.levels.findIndex((l) => l.includes(s.id)),
      ),
    })),
  });
  tree.store.runs.start(run.id);
  return run.id;
}

/** A child an earlier attempt left unfinished: abandoned if its process died, then resumed under the same id. */
function reopen(store: Store, run: RunRecord): string {
  if (run.status === 'pending') store.runs.start(run.id);
  else {
    if (run.status === 'running') store.runs.abandon(run.id, 'the Wave process running it died');
    store.runs.resume(run.id);
  }
  return run.id;
}

function finishChild(store: Store, runId: string, summary: ExecutionSummary, timedOutMs?: number): ChildResult {
  if (timedOutMs !== undefined) {
    const error = `timed out after ${Math.round(timedOutMs / 1000)} s (config.timeout)`;
    store.runs.finish(runId, 'failed', { error });
    return { runId, status: 'failed', error, failureClass: 'timeout', timeoutMs: timedOutMs, reused: false };
  }
  store.runs.finish(runId, summary.status, summary.error ? { error: summary.error } : {});
  return {
    runId,
    status: summary.status,
    reused: false,
    ...(summary.error ? { error: summary.error } : {}),
    ...(summary.failureClass ? { failureClass: summary.failureClass } : {}),
  };
}
