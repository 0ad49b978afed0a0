// One task of a bench, start to verdict: its checkout, its run (the chosen pipeline on the task's instruction, in
// the bench's shared worker pool), then its evaluation in the task's environment image against the run's change.
// Whatever fails is turned into a verdict of its class here: one task never stops the batch.
import fs from 'node:fs/promises';
import path from 'node:path';
import { isWaveError } from '../errors.js';
import { loadRunChanges } from '../engine/changes-service.js';
import { commandEgress, type CommandEgress } from '../engine/command-step.js';
import type { RunEgress } from '../engine/egress.js';
import { startRun, type RunFlags, type RunServiceOptions } from '../engine/run-service.js';
import type { WorkerPool } from '../engine/worker-pool.js';
import { EventBus } from '../events/bus.js';
import type { Manifest } from '../config/types.js';
import type { Sandbox } from '../sandbox/types.js';
import type { Store } from '../state/index.js';
import { chownTree } from '../workspace/git/checkout.js';
import { checkoutTask, evaluationTree } from './checkout.js';
import type { EnvironmentImages } from './env-image.js';
import { runEvaluation } from './evaluate.js';
import {
  imageBuildVerdict,
  infrastructureVerdict,
  verdictOfEvaluation,
  verdictOfRun,
  type Verdict,
} from './outcome.js';
import type { BenchTask } from './types.js';

export const EVALUATE_STEP = 'bench-evaluate';

export interface TaskContext {
  benchId: string;
  /** <project>/.wave/bench/<bench-id>: the tasks' checkouts and evaluation trees. */
  benchDir: string;
  store: Store;
  run: Pick<RunServiceOptions, 'projectDir' | 'manifestPath' | 'agents' | 'note'>;
  pipeline: string;
  flags: RunFlags;
  pool: WorkerPool;
  images: EnvironmentImages;
  sandbox: Sandbox;
  runtime: Manifest['runtime'];
  tracesDir: string;
  /** uid:gid of step containers when Wave runs as root: the evaluation tree must be theirs. */
  stepUser?: { uid: number; gid: number };
  egress: Pick<RunEgress, 'containerUser' | 'limits'>;
}

export interface TaskResult {
  runId: string | null;
  verdict: Verdict;
  runMs: number | null;
  evalMs: number | null;
  /** Stopped by the bench's cancel: no verdict is kept, the task runs again next time. */
  cancelled: boolean;
}

export async function runTask(ctx: TaskContext, task: BenchTask, signal: AbortSignal): Promise<TaskResult> {
  const dir = path.join(ctx.benchDir, 'tasks', task.id);
  const checkout = path.join(dir, 'repo');
  try {
    await checkoutTask(task.source, checkout);
  } catch (err) {
    return settled(null, infrastructureVerdict(`checkout failed: ${message(err)}`), null, null);
  }
  // The environment builds while the agent works; a broken one is known before the evaluation would need it.
  const image = ctx.images.imageFor(task.environment);
  image.catch(() => undefined);
  const started = Date.now();
  const agentLimit = new AbortController();
  const relay = () => agentLimit.abort();
  signal.addEventListener('abort', relay, { once: true });
  let agentTimedOut = false;
  const timer = task.agentTimeoutMs
    ? setTimeout(() => {
        agentTimedOut = true;
        agentLimit.abort();
      }, task.agentTimeoutMs)
    : undefined;
  let runId: string | null = null;
  let end: Parameters<typeof verdictOfRun>[0];
  try {
    const outcome = await startRun(
      {
        ...ctx.run,
        sinks: [
          {
            name: 'bench task',
            write: (event) => {
              if (runId !== null || event.parentRunId !== undefined) return;
              runId = event.runId;
              ctx.store.bench.attachRun(ctx.benchId, task.id, event.runId);
            },
          },
        ],
        signal: agentLimit.signal,
        sourceDir: checkout,
        pool: ctx.pool,
      },
      ctx.pipeline,
      task.instruction,
      ctx.flags,
    );
    runId = outcome.runId;
    const { summary } = outcome;
    end = {
      status: summary.status,
      failureClass: summary.failureClass,
      contractFailure: summary.contractFailure,
      error: summary.error,
      agentTimedOut,
    };
  } catch (err) {
    end = { status: 'failed', failureClass: 'infrastructure', contractFailure: false, error: message(err) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', relay);
  }
  const runMs = Date.now() - started;
  if (signal.aborted) return cancelled(runId, runMs, null);
  const early = verdictOfRun(end);
  if (early || runId === null) return settled(runId, early ?? infrastructureVerdict('no run'), runMs, null);
  return evaluate(ctx, task, { runId, checkout, dir, image, runMs, signal });
}

interface Evaluation {
  runId: string;
  checkout: string;
  dir: string;
  image: Promise<string>;
  runMs: number;
  signal: AbortSignal;
}

async function evaluate(ctx: TaskContext, task: BenchTask, e: Evaluation): Promise<TaskResult> {
  let ref: string;
  try {
    ref = await e.image;
  } catch (err) {
    return settled(e.runId, imageBuildVerdict(`environment image: ${message(err)}`), e.runMs, null);
  }
  const tree = path.join(e.dir, 'eval', 'src');
  const outDir = path.join(e.dir, 'eval', 'out');
  const verifierDir = path.join(e.dir, 'eval', 'verifier');
  try {
    // A run that changed nothing is evaluated as the base commit; a recorded change that is gone is an error.
    const recorded = ctx.store.artifacts.list(e.runId).some((a) => a.name === 'changes');
    const changes = recorded ? await loadRunChanges(ctx.store, e.runId) : [];
    const patches = await Promise.all(changes.map((c) => fs.readFile(path.join(c.dir, 'changes.patch'))));
    const testPatch = task.judge.kind === 'tests' ? task.judge.testPatch : undefined;
    await evaluationTree(e.checkout, tree, testPatch ? [...patches, testPatch] : patches);
    for (const d of [outDir, verifierDir]) {
      await fs.rm(d, { recursive: true, force: true });
      await fs.mkdir(d, { recursive: true });
    }
    if (ctx.stepUser) for (const d of [tree, outDir, verifierDir]) await chownTree(d, ctx.stepUser);
  } catch (err) {
    return settled(e.runId, infrastructureVerdict(`the change does not apply: ${message(err)}`), e.runMs, null);
  }
  const release = await ctx.pool.acquire(e.signal, [task.id]).catch(() => undefined);
  if (!release) return cancelled(e.runId, e.runMs, null);
  const started = Date.now();
  try {
    const end = await runEvaluation({
      task,
      image: ref,
      tree,
      outDir,
      verifierDir,
      sandbox: ctx.sandbox,
      labels: { run: e.runId, step: EVALUATE_STEP, attempt: 1 },
      signal: e.signal,
      openNetwork: () => openNetwork(ctx, e.runId),
    });
    const evalMs = Date.now() - started;
    if (e.signal.aborted) return cancelled(e.runId, e.runMs, evalMs);
    return settled(e.runId, verdictOfEvaluation(task.judge, end, task.evalTimeoutMs), e.runMs, evalMs);
  } catch (err) {
    return settled(e.runId, infrastructureVerdict(`evaluation: ${message(err)}`), e.runMs, Date.now() - started);
  } finally {
    release();
    // The copy is as big as the repository; the checkout stays (a resumed bench needs it), and out/ and verifier/.
    await fs.rm(tree, { recursive: true, force: true });
  }
}

/** allow_internet: the same open egress as a command step that declares `network: open`, logged with the run. */
function openNetwork(ctx: TaskContext, runId: string): Promise<CommandEgress | undefined> {
  const egress: RunEgress = { ...ctx.egress, runId, bus: new EventBus(), tracesDir: ctx.tracesDir };
  return commandEgress({ egress, runtime: ctx.runtime, stepId: EVALUATE_STEP, attempt: 1 }, { network: 'open' });
}

function cancelled(runId: string | null, runMs: number | null, evalMs: number | null): TaskResult {
  return { runId, verdict: infrastructureVerdict('cancelled'), runMs, evalMs, cancelled: true };
}

function settled(runId: string | null, verdict: Verdict, runMs: number | null, evalMs: number | null): TaskResult {
  return { runId, verdict, runMs, evalMs, cancelled: false };
}

function message(err: unknown): string {
  const text = isWaveError(err) ? err.message : err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
