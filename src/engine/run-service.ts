// `wave run` and `wave resume` as a service: load and check, open the state, reap orphans, make the run's
// workspace, wire the event sinks, execute, and turn the outcome into an exit code. The CLI only parses flags
// and renders; tests call this directly.
import path from 'node:path';
import { ExitCode, WaveError } from '../errors.js';
import { EventBus, type EventSink } from '../events/bus.js';
import { createLogFileSink } from '../events/sinks/logfile.js';
import { storeSink } from '../events/sinks/store.js';
import type { WaveEvent } from '../events/types.js';
import type { Sandbox, SandboxLogger } from '../sandbox/types.js';
import { defaultStatePath, isRunOwnerAlive, Store } from '../state/index.js';
import { prepareRun } from '../workspace/layout.js';
import type { AgentContext, AgentLauncher } from './agent.js';
import type { ExecutionSummary } from './executor.js';
import type { GatePrompter } from './gate-step.js';
import { copyReusedArtifacts, resolveReuseSource, type ReuseSource } from './from-step.js';
import type { RunEgress } from './egress.js';
import { createRunLogger, type RunLogLine } from './run-log.js';
import { flagsToJson, jsonToFlags, preparePipeline, type Prepared, type RunFlags } from './run-prepare.js';
import { checkImages, connectSandbox } from './sandbox-setup.js';
import { executeTreeRun, newPool, type RunTree } from './run-tree.js';
import type { WorkerPool } from './worker-pool.js';

export { loadProjectManifest, preparePipeline, type Prepared, type RunFlags } from './run-prepare.js';
export type { AgentContext } from './agent.js';

export interface RunServiceOptions {
  projectDir: string;
  manifestPath: string;
  /** Sinks for the run's events besides the state db and the log file (NDJSON on stdout, the TTY view). */
  sinks: EventSink[];
  signal?: AbortSignal;
  /** Where warnings about the setup go (a fallback manifest, the host backend). */
  note?: (message: string) => void;
  /** For tests and for `--detach`: a run id chosen in advance. */
  runId?: string;
  /** For tests: a sandbox instead of the manifest's backend (given the run's logger, to report through). */
  sandbox?: Sandbox | ((logger: SandboxLogger) => Sandbox);
  /** `debug`: the run's log file also records the sandbox's debug lines (--debug). Default `info`. */
  logLevel?: 'info' | 'debug';
  /** Every line the sandbox reports, for --verbose and --debug (warnings also become warning events). */
  onLog?: (line: RunLogLine) => void;
  /** Builds the launcher for prompt steps (adapters); absent → prompt steps fail with a clear error. */
  agents?: (context: AgentContext) => Promise<AgentLauncher>;
  /** Asks a waiting gate at the run's terminal (the CLI on a TTY); `wave gate` answers it from anywhere. */
  gatePrompt?: GatePrompter;
  /** The folder (and repository) the run works on, when not the project's: a bench task's checkout. */
  sourceDir?: string;
  /** One worker limit shared with other runs (a bench's tasks); else the run's own from its flags. */
  pool?: WorkerPool;
}

export interface RunOutcome {
  runId: string;
  summary: ExecutionSummary;
  exitCode: number;
}

export function openStore(projectDir: string, onEvent?: (e: WaveEvent) => void): Store {
  return new Store(defaultStatePath(projectDir), onEvent ? { onEvent } : {});
}

function exitCodeFor(summary: ExecutionSummary): number {
  if (summary.status === 'completed') return ExitCode.ok;
  if (summary.status === 'cancelled') return ExitCode.cancelled;
  if (summary.status === 'rejected') return ExitCode.rejected;
  if (summary.contractFailure) return ExitCode.contractFailed;
  // The step did not fail on its own: the host (Docker, descriptors, disk) or Wave itself did.
  if (summary.failureClass === 'infrastructure') return ExitCode.infrastructure;
  if (summary.failureClass === 'internal') return ExitCode.internal;
  return ExitCode.stepFailed;
}

interface Execution {
  store: Store;
  runId: string;
  prepared: Prepared;
  input: string;
  flags: RunFlags;
  /** --from-step: the earlier run, already checked (a resumed run finds it again through flags.fromRun). */
  reuseSource?: ReuseSource;
}

/**
 * --from-step: the reused steps take over the earlier run's results before anything runs: artifacts copied into
 * this run's workspace (checked against their sha256), the steps completed with no attempt. A resumed run has
 * done this already; only a run that died in between still has reused steps pending.
 */
async function takeOverReusedSteps(exec: Execution, runDir: string): Promise<string | undefined> {
  const { store, runId, prepared } = exec;
  const plan = prepared.fromStep;
  if (!plan) return undefined;
  const pending = new Set(plan.reuse.filter((id) => store.steps.get(runId, id)?.status === 'pending'));
  if (pending.size === 0) return undefined;
  const source =
    exec.reuseSource ??
    (await resolveReuseSource(store, {
      pipelineName: prepared.pipeline.pipeline.metadata.name,
      steps: prepared.steps,
      plan,
      exceptRunId: runId,
      ...(exec.flags.fromRun ? { fromRun: exec.flags.fromRun } : {}),
    }));
  if (!source) return undefined;
  for (const step of source.steps) {
    if (!pending.has(step.stepId)) continue;
    const artifacts = await copyReusedArtifacts(runDir, step, source.run.id);
    store.steps.reuse(runId, step.stepId, { fromRun: source.run.id, artifacts });
  }
  return source.run.id;
}

async function execute(
  options: RunServiceOptions,
  exec: Execution,
  bus: EventBus,
  note: (m: string) => void,
): Promise<RunOutcome> {
  const { store, runId, prepared } = exec;
  const runtime = prepared.manifest.manifest.runtime;
  const projectDir = options.projectDir;
  const tracesDir = path.resolve(projectDir, runtime.audit.log_dir);
  const logFile = await createLogFileSink({ tracesDir, runId, level: options.logLevel ?? 'info' });
  bus.subscribe(logFile);
  const logger = createRunLogger({ runId, bus, file: logFile, ...(options.onLog ? { echo: options.onLog } : {}) });

  const sandbox =
    typeof options.sandbox === 'function'
      ? options.sandbox(logger)
      : (options.sandbox ?? (await connectSandbox(prepared.manifest, store, note, logger)));
  await checkImages(sandbox, prepared);
  const { containerUser, currentHostIdentity, loadSandboxProfile } = await import('../sandbox/index.js');
  const host = currentHostIdentity();
  const profile = loadSandboxProfile();
  const inner = containerUser(host, profile);
  const stepUser = sandbox.kind === 'docker' && host.uid === 0 ? inner : undefined;
  const egress: RunEgress = { runId, bus, tracesDir, containerUser: inner, limits: profile.egress };
  const sourceDir = options.sourceDir ?? projectDir;
  const runWorkspace = await prepareRun(
    path.resolve(projectDir, runtime.workspace_root),
    runId,
    sourceDir,
    stepUser ? { owner: stepUser } : {},
  );
  const reusedFrom = await takeOverReusedSteps(exec, runWorkspace.dir);
  const tree: RunTree = {
    projectDir,
    ...(options.sourceDir ? { sourceDir } : {}),
    manifestPath: options.manifestPath,
    manifest: prepared.manifest,
    store,
    bus,
    sandbox,
    egress,
    tracesDir,
    workspaceRoot: path.resolve(projectDir, runtime.workspace_root),
    flags: exec.flags,
    pool: options.pool ?? newPool(exec.flags, prepared.manifest),
    note,
    ...(stepUser ? { stepUser } : {}),
    ...(options.agents ? { agents: options.agents } : {}),
    ...(options.gatePrompt ? { gatePrompt: options.gatePrompt } : {}),
  };
  const controller = new AbortController();
  const relay = () => controller.abort();
  options.signal?.addEventListener('abort', relay, { once: true });
  // Aborted while the run was being set up (a bench task's time limit, an early Ctrl-C): no event will come.
  if (options.signal?.aborted) controller.abort();
  let summary: ExecutionSummary;
  try {
    summary = await executeTreeRun(tree, {
      runId,
      prepared,
      input: exec.input,
      runWorkspace,
      signal: controller.signal,
      ...(reusedFrom ? { reusedFrom } : {}),
    });
  } finally {
    options.signal?.removeEventListener('abort', relay);
  }
  const exitCode = exitCodeFor(summary);
  store.runs.finish(runId, summary.status, { ...(summary.error ? { error: summary.error } : {}), exitCode });
  await bus.close();
  return { runId, summary, exitCode };
}

/** A run that could not even start its steps (no engine, missing image) must not stay 'running'. */
async function failRunOnError<T>(store: Store, runId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const current = store.runs.get(runId);
    if (current && (current.status === 'pending' || current.status === 'running')) {
      store.runs.finish(runId, 'failed', { error: (err as Error).message, exitCode: ExitCode.infrastructure });
    }
    throw err;
  }
}

function newBus(options: RunServiceOptions): EventBus {
  const bus = new EventBus();
  for (const sink of options.sinks) bus.subscribe(sink);
  return bus;
}

export async function startRun(
  options: RunServiceOptions,
  pipelineRef: string,
  input: string,
  flags: RunFlags,
): Promise<RunOutcome> {
  const note = options.note ?? (() => undefined);
  const prepared = await preparePipeline(options, pipelineRef, flags, note);
  const bus = newBus(options);
  const store = openStore(options.projectDir, (e) => bus.emit(e));
  bus.enrichWith((e) => store.withLineage(e));
  bus.subscribe(storeSink(store.events));
  try {
    // Checked before the run exists: a --from-step with nothing to reuse is the user's mistake, not a failed run.
    const reuseSource = await findReuseSource(store, prepared, flags);
    // The run records which run it reused, so `wave resume` never picks a different one.
    const recorded = reuseSource ? { ...flags, fromRun: reuseSource.run.id } : flags;
    const run = store.runs.create({
      ...(options.runId ? { id: options.runId } : {}),
      pipeline: prepared.pipeline.pipeline.metadata.name,
      pipelinePath: prepared.pipeline.file,
      input,
      options: flagsToJson(recorded),
      steps: prepared.steps.map((s, position) => ({
        stepId: s.id,
        position,
        level: prepared.levels.findIndex((l) => l.includes(s.id)),
      })),
    });
    store.runs.start(run.id);
    const exec: Execution = {
      store,
      runId: run.id,
      prepared,
      input,
      flags: recorded,
      ...(reuseSource ? { reuseSource } : {}),
    };
    return await failRunOnError(store, run.id, () => execute(options, exec, bus, note));
  } finally {
    store.close();
  }
}

/** --from-step: the earlier run whose results the reused steps take over (undefined when nothing is upstream). */
export async function findReuseSource(
  store: Store,
  prepared: Prepared,
  flags: RunFlags,
): Promise<ReuseSource | undefined> {
  if (!prepared.fromStep) return undefined;
  return resolveReuseSource(store, {
    pipelineName: prepared.pipeline.pipeline.metadata.name,
    steps: prepared.steps,
    plan: prepared.fromStep,
    ...(flags.fromRun ? { fromRun: flags.fromRun } : {}),
  });
}

/** Continues a failed, cancelled or abandoned run under the same id; completed steps are not run again. */
export async function resumeRun(
  options: RunServiceOptions,
  runId: string,
  overrides: RunFlags = {},
): Promise<RunOutcome> {
  const note = options.note ?? (() => undefined);
  const bus = newBus(options);
  const store = openStore(options.projectDir, (e) => bus.emit(e));
  bus.enrichWith((e) => store.withLineage(e));
  bus.subscribe(storeSink(store.events));
  try {
    const run = store.runs.require(runId);
    if (run.parentRunId !== null) {
      throw new WaveError('usage', `run ${runId} is a child run of ${run.parentRunId} (step ${run.parentStepId})`, {
        hint: `resume the top-level run: wave resume ${rootOf(store, run.parentRunId)}`,
      });
    }
    if (run.status === 'completed')
      throw new WaveError('usage', `run ${runId} already completed`, { hint: 'start a new one with wave run' });
    if (run.status === 'running' || run.status === 'pending') {
      if (run.ownerHost !== null && isRunOwnerAlive(run) && run.ownerHost === (await import('node:os')).hostname()) {
        throw new WaveError('usage', `run ${runId} is still running (pid ${run.ownerPid})`, {
          hint: `wave cancel ${runId} stops it`,
        });
      }
      store.runs.abandon(runId, 'the Wave process running it died');
    }
    const flags = { ...jsonToFlags(run.options), ...overrides };
    const prepared = await preparePipeline(options, run.pipelinePath, flags, note);
    store.runs.resume(runId);
    return await failRunOnError(store, runId, () =>
      execute(options, { store, runId, prepared, input: run.input, flags }, bus, note),
    );
  } finally {
    store.close();
  }
}

/** The top-level run above a child run. */
function rootOf(store: Store, runId: string): string {
  let run = store.runs.require(runId);
  while (run.parentRunId !== null) run = store.runs.require(run.parentRunId);
  return run.id;
}
