// `wave bench run` as a service: read the dataset, open (or take over) the bench in the state db, and run every
// task not yet done as a run of the pipeline, at most `workers` at a time, every container of every task inside
// one worker limit. The same bench id again skips done tasks and re-runs interrupted ones; a cancel (the signal, or
// `wave cancel <bench-id>` from another terminal) stops the tasks in flight, which then run again next time.
import { hostname } from 'node:os';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { preparePipeline, type RunFlags, type RunServiceOptions } from '../engine/run-service.js';
import { WorkerPool } from '../engine/worker-pool.js';
import { isOwnerAlive } from '../liveness.js';
import { newRunId, type BenchTaskRecord, type Store } from '../state/index.js';
import { readDataset, selectTasks, type Selection } from './dataset.js';
import { EnvironmentImages } from './env-image.js';
import type { BenchEvent } from './events.js';
import { runTask, type TaskContext } from './task-runner.js';
import type { BenchTask } from './types.js';

/** The default: impl-issue's steps up to the change; the task's own tests replace its verify and review. */
export const DEFAULT_BENCH_PIPELINE = { pipeline: 'impl-issue', steps: ['assess', 'plan', 'implement'] };
const BENCH_ID = /^[a-z0-9][a-z0-9._-]{0,99}$/i;
const CANCEL_POLL_MS = 500;

export interface BenchRunOptions extends Pick<RunServiceOptions, 'projectDir' | 'manifestPath' | 'agents'> {
  dataset: string;
  pipeline?: string;
  adapter?: string;
  model?: string;
  workers?: number;
  selection: Selection;
  benchId?: string;
  signal?: AbortSignal;
  onEvent: (event: BenchEvent) => void;
  note: (message: string) => void;
  openStore: () => Store;
}

export interface BenchRunResult {
  benchId: string;
  status: 'completed' | 'cancelled';
  tasks: BenchTaskRecord[];
}

export async function runBench(options: BenchRunOptions): Promise<BenchRunResult> {
  const benchId = options.benchId ?? newRunId('bench');
  // Each task's run would repeat the same setup notes (a default manifest): each is said once.
  const said = new Set<string>();
  const note = (m: string) => {
    if (!said.has(m)) options.note(m);
    said.add(m);
  };
  if (!BENCH_ID.test(benchId)) {
    throw new WaveError('usage', `--bench-id ${benchId}: letters, digits, '.', '_' and '-' only`);
  }
  const dataset = await readDataset(options.dataset);
  const selected = selectTasks(dataset.tasks, options.selection);
  for (const p of dataset.problems) options.onEvent({ type: 'task_skipped', benchId, ...p });
  if (selected.length === 0) {
    throw new WaveError('usage', `--dataset ${options.dataset}: no task to run`, {
      hint: dataset.problems.length
        ? `${dataset.problems.length} task(s) could not be read (above)`
        : 'check --filter, --offset and --limit',
    });
  }
  const pipeline = options.pipeline ?? DEFAULT_BENCH_PIPELINE.pipeline;
  const flags: RunFlags = {
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.pipeline ? {} : { steps: DEFAULT_BENCH_PIPELINE.steps }),
  };
  // The pipeline's problems are the user's, found once here rather than once per task.
  const prepared = await preparePipeline(options, pipeline, flags, note);
  const runtime = prepared.manifest.manifest.runtime;
  const workers = options.workers ?? runtime.max_concurrent_workers;
  const store = options.openStore();
  try {
    claim(store, benchId, options.dataset, { pipeline, agent: flagsJson(flags) });
    store.bench.open({
      id: benchId,
      dataset: path.resolve(options.dataset),
      format: dataset.format,
      pipeline,
      options: { ...flagsJson(flags), workers },
      tasks: selected.map((t) => t.id),
    });
    const rows = new Map(store.bench.tasks(benchId).map((r) => [r.taskId, r]));
    abandonInterrupted(store, [...rows.values()]);
    const todo = selected.filter((t) => rows.get(t.id)?.status !== 'done');
    options.onEvent({
      type: 'bench_started',
      benchId,
      dataset: options.dataset,
      tasks: selected.length,
      done: selected.length - todo.length,
      skippedBad: dataset.problems.length,
    });
    const ctx = await taskContext(
      { ...options, note },
      store,
      benchId,
      pipeline,
      flags,
      prepared.manifest.manifest.runtime,
      workers,
    );
    const cancelled = await runAll(ctx, todo, workers, options);
    store.bench.finish(benchId, cancelled ? 'cancelled' : 'completed');
    const tasks = store.bench.tasks(benchId);
    const count = (o: string) => tasks.filter((t) => t.status === 'done' && t.outcome === o).length;
    options.onEvent({
      type: 'bench_finished',
      benchId,
      status: cancelled ? 'cancelled' : 'completed',
      resolved: count('resolved'),
      unresolved: count('unresolved'),
      errors: count('error'),
      pending: tasks.filter((t) => t.status !== 'done').length,
    });
    return { benchId, status: cancelled ? 'cancelled' : 'completed', tasks };
  } finally {
    store.close();
  }
}

/**
 * A bench another live process drives is not taken over; one of another dataset, pipeline or agent is not mixed
 * into (its tasks' outcomes would no longer be comparable).
 */
function claim(
  store: Store,
  benchId: string,
  dataset: string,
  runs: { pipeline: string; agent: Record<string, string | string[]> },
): void {
  const existing = store.bench.get(benchId);
  if (!existing) return;
  const live =
    existing.status === 'running' &&
    existing.ownerHost === hostname() &&
    existing.ownerPid !== null &&
    isOwnerAlive({ pid: existing.ownerPid, start: existing.ownerStart ?? undefined });
  if (live) {
    throw new WaveError('usage', `bench ${benchId} is still running (pid ${existing.ownerPid})`, {
      hint: `wave cancel ${benchId} stops it`,
    });
  }
  if (existing.dataset !== path.resolve(dataset)) {
    throw new WaveError('usage', `bench ${benchId} runs dataset ${existing.dataset}, not ${path.resolve(dataset)}`, {
      hint: 'give another --bench-id for another dataset',
    });
  }
  const { workers: _workers, ...agent } = existing.options;
  if (existing.pipeline !== runs.pipeline || JSON.stringify(agent) !== JSON.stringify(runs.agent)) {
    const was = `${existing.pipeline} ${JSON.stringify(agent)}`;
    throw new WaveError('usage', `bench ${benchId} runs ${was}, not ${runs.pipeline} ${JSON.stringify(runs.agent)}`, {
      hint: 'give the same --pipeline, --adapter and --model, or another --bench-id',
    });
  }
}

/** Runs of tasks whose Wave process died mid-task: their rows say so before the tasks run again. */
function abandonInterrupted(store: Store, rows: BenchTaskRecord[]): void {
  for (const row of rows) {
    if (row.status !== 'running' || row.runId === null) continue;
    const run = store.runs.get(row.runId);
    if (run && (run.status === 'running' || run.status === 'pending')) {
      store.runs.abandon(run.id, 'the Wave process running its bench died');
    }
  }
}

async function taskContext(
  options: BenchRunOptions,
  store: Store,
  benchId: string,
  pipeline: string,
  flags: RunFlags,
  runtime: TaskContext['runtime'],
  workers: number,
): Promise<TaskContext> {
  const sandboxes = await import('../sandbox/index.js');
  const engine = await sandboxes.DockerEngine.connect();
  const host = sandboxes.currentHostIdentity();
  const profile = sandboxes.loadSandboxProfile();
  const inner = sandboxes.containerUser(host, profile);
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };
  return {
    benchId,
    benchDir: path.join(options.projectDir, '.wave', 'bench', benchId),
    store,
    run: {
      projectDir: options.projectDir,
      manifestPath: options.manifestPath,
      note: options.note,
      ...(options.agents ? { agents: options.agents } : {}),
    },
    pipeline,
    flags,
    pool: new WorkerPool(workers),
    images: new EnvironmentImages(engine.docker),
    sandbox: sandboxes.createDockerSandbox({ docker: engine.docker, logger: quiet }),
    runtime,
    tracesDir: path.resolve(options.projectDir, runtime.audit.log_dir),
    ...(host.uid === 0 ? { stepUser: inner } : {}),
    egress: { containerUser: inner, limits: profile.egress },
  };
}

/** Every task, `workers` at a time; resolves to whether the bench was cancelled. */
async function runAll(
  ctx: TaskContext,
  todo: BenchTask[],
  workers: number,
  options: BenchRunOptions,
): Promise<boolean> {
  const cancel = new AbortController();
  const relay = () => cancel.abort();
  options.signal?.addEventListener('abort', relay, { once: true });
  if (options.signal?.aborted) cancel.abort();
  const poll = setInterval(() => {
    if (ctx.store.bench.get(ctx.benchId)?.cancelRequested) cancel.abort();
  }, CANCEL_POLL_MS);
  const slots = new WorkerPool(workers);
  const one = async (task: BenchTask) => {
    const release = await slots.acquire(cancel.signal).catch(() => undefined);
    if (!release) return;
    try {
      ctx.store.bench.startTask(ctx.benchId, task.id, null);
      options.onEvent({ type: 'task_started', benchId: ctx.benchId, taskId: task.id });
      const result = await runTask(ctx, task, cancel.signal);
      if (result.cancelled) {
        ctx.store.bench.releaseTask(ctx.benchId, task.id, 'cancelled with its bench');
        options.onEvent({ type: 'task_released', benchId: ctx.benchId, taskId: task.id, runId: result.runId });
        return;
      }
      const { verdict, runMs, evalMs } = result;
      ctx.store.bench.finishTask(ctx.benchId, task.id, { ...verdict, runMs, evalMs });
      options.onEvent({
        type: 'task_finished',
        benchId: ctx.benchId,
        taskId: task.id,
        runId: result.runId,
        outcome: verdict.outcome,
        failureClass: verdict.failureClass,
        reason: verdict.reason,
        runMs,
        evalMs,
      });
    } finally {
      release();
    }
  };
  try {
    await Promise.all(todo.map(one));
  } finally {
    clearInterval(poll);
    options.signal?.removeEventListener('abort', relay);
  }
  return cancel.signal.aborted;
}

function flagsJson(flags: RunFlags): Record<string, string | string[]> {
  return {
    ...(flags.adapter ? { adapter: flags.adapter } : {}),
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.steps ? { steps: flags.steps } : {}),
  };
}
