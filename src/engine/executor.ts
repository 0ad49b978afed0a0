// The scheduler: every step whose dependencies completed starts at once, up to the worker limit; failures are
// retried with backoff; a failure after the last attempt halts the run (or skips/continues, per the step's
// policy); cancellation stops everything. State changes go through the store, which events them. An attempt
// that throws is a failed attempt like any other: no step row may stay `running` once this returns.
import { setMaxListeners } from 'node:events';
import type { ResolvedRetry } from '../config/retry.js';
import { retryDelayMs } from '../config/retry.js';
import type { FailureClass, RunFinalStatus } from '../events/types.js';
import type { StepStartInput, Store } from '../state/index.js';
import {
  failureFromThrown,
  isRetryable,
  type AttemptFailure,
  type AttemptOutcome,
  type AttemptRequest,
  type AttemptRunner,
} from './attempt.js';
import { rerunSet } from './gate-rerun.js';
import type { GateOutcome } from './gate-step.js';
import { abortableSleep } from './sleep.js';
import { WorkerPool } from './worker-pool.js';

export interface ExecutorStep {
  id: string;
  dependencies: readonly string[];
  retry: ResolvedRetry;
  start: StepStartInput;
  /** False for a step that only waits for its child runs (pipeline, iterate): it holds no worker slot. */
  holdsWorker?: boolean;
  /** A gate step: it waits for its answer (runGate) instead of running attempts. */
  gate?: boolean;
  /**
   * A rework_only step: never scheduled; the attempts of the step it reworks run it (engine/rework.ts). Its row is
   * settled when the run ends.
   */
  reworkFor?: string;
}

export interface ExecutorOptions {
  runId: string;
  steps: readonly ExecutorStep[];
  maxWorkers: number;
  /** The run tree's shared worker limit; default: a pool of maxWorkers for this run alone. */
  pool?: WorkerPool;
  /** This run's place in its tree (the step ids above it), for the pool's turns between siblings. */
  lane?: readonly string[];
  store: Store;
  runAttempt: AttemptRunner;
  /** Waits at a gate step until it is answered (engine/gate-step.ts); required when a step is a gate. */
  runGate?: (stepId: string, signal: AbortSignal) => Promise<GateOutcome>;
  /** Aborting it cancels the run: running containers are stopped, pending steps are cancelled. */
  signal: AbortSignal;
  /** How often to look for a `wave cancel` from another process (default 500 ms). */
  cancelPollMs?: number;
  heartbeatMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ExecutionSummary {
  status: RunFinalStatus;
  failed: string[];
  /** Whether the step that decided a failed run failed on its contract (exit code 4 rather than 3). */
  contractFailure: boolean;
  /** The class of the failure that decided a failed run (the halting step's, else the first failure's). */
  failureClass?: FailureClass;
  /** The first failure's reason, for the run row and the final message. */
  error?: string;
}

type Outcome = 'completed' | 'failed' | 'skipped' | 'cancelled';
/** The step never got a worker slot (the run halted or was cancelled while it waited). */
type NotStarted = 'not_started';

export async function executeRun(options: ExecutorOptions): Promise<ExecutionSummary> {
  const { runId, store, steps } = options;
  const sleep = options.sleep ?? abortableSleep;
  const cancel = new AbortController();
  // Every running attempt (container, contract sandbox, backoff) listens on it, up to a few per worker, and every
  // step waiting for a worker slot once: no leak.
  setMaxListeners(Math.max(10, options.maxWorkers * 4 + steps.length), cancel.signal);
  const onOuterAbort = () => cancel.abort();
  if (options.signal.aborted) cancel.abort();
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  // A timer's throw would be an uncaught exception that kills the process with steps running; a missed poll
  // or heartbeat (the db busy for a moment) is harmless, the next one comes.
  const cancelPoll = setInterval(() => {
    try {
      if (!cancel.signal.aborted && store.runs.isCancelRequested(runId)) cancel.abort();
    } catch {
      // next poll
    }
  }, options.cancelPollMs ?? 500);
  const heartbeat = setInterval(() => {
    try {
      store.runs.heartbeat(runId);
    } catch {
      // next heartbeat
    }
  }, options.heartbeatMs ?? 5_000);

  const outcome = new Map<string, Outcome>();
  for (const row of store.steps.list(runId)) {
    if (row.status === 'completed') outcome.set(row.stepId, 'completed');
  }
  const pending = new Set(steps.filter((s) => !outcome.has(s.id) && s.reworkFor === undefined).map((s) => s.id));
  const byId = new Map(steps.map((s) => [s.id, s]));
  const running = new Map<string, Promise<void>>();
  const failed: string[] = [];
  let halt: { by: string; contract: boolean; reason: string; rejected?: boolean } | undefined;
  let firstError: string | undefined;
  let contractFailure = false;
  let firstFailureClass: FailureClass | undefined;
  let haltFailureClass: FailureClass | undefined;
  /** A gate's answer runs these steps again, once none of them is running. */
  let rerun: Set<string> | undefined;

  /** The attempt's outcome, whatever it does: a throw (sync or async) becomes its failure. */
  const attempt = async (request: AttemptRequest): Promise<AttemptOutcome> => {
    try {
      return await options.runAttempt(request);
    } catch (err) {
      return failureFromThrown(err);
    }
  };

  const pool = options.pool ?? new WorkerPool(options.maxWorkers);
  const runStep = async (step: ExecutorStep): Promise<Outcome | NotStarted> => {
    if (step.gate) return waitAtGate(step);
    if (step.holdsWorker === false) return runAttempts(step);
    let release: () => void;
    try {
      release = await pool.acquire(cancel.signal, [...(options.lane ?? []), step.id]);
    } catch {
      return 'not_started';
    }
    try {
      if (halt || cancel.signal.aborted) return 'not_started';
      return await runAttempts(step);
    } finally {
      release();
    }
  };

  const runAttempts = async (step: ExecutorStep): Promise<Outcome> => {
    const maxAttempts = Math.max(1, step.retry.maxAttempts);
    let previous: AttemptFailure | undefined;
    for (let n = 1; ; n++) {
      const started = store.steps.start(runId, step.id, step.start);
      const result = await attempt({
        stepId: step.id,
        attempt: started.attempt,
        signal: cancel.signal,
        ...(previous ? { previousFailure: previous } : {}),
      });
      if (result.ok) {
        store.steps.complete(runId, step.id, { exitCode: result.exitCode, outputTail: result.outputTail });
        return 'completed';
      }
      if (result.failureClass === 'cancelled' || cancel.signal.aborted) {
        store.steps.cancel(runId, step.id, cancel.signal.aborted ? 'run cancelled' : result.reason);
        // A step's child run saw the tree's cancel before this run did: the whole run is cancelled, not completed.
        cancel.abort();
        return 'cancelled';
      }
      const end = {
        reason: result.reason,
        failureClass: result.failureClass,
        exitCode: result.exitCode,
        outputTail: result.outputTail,
        ...(result.detail ? { detail: result.detail } : {}),
      };
      if (n < maxAttempts && isRetryable(result.failureClass) && !halt) {
        const delayMs = retryDelayMs(step.retry, n + 1);
        store.steps.retry(runId, step.id, { ...end, delayMs });
        previous = result;
        try {
          await sleep(delayMs, cancel.signal);
        } catch {
          store.steps.cancel(runId, step.id, 'run cancelled');
          return 'cancelled';
        }
        continue;
      }
      // A step whose own limit stopped it timed out; one whose child run failed by a timeout failed.
      if (result.failureClass === 'timeout' && result.timeoutMs !== undefined) {
        store.steps.timeOut(runId, step.id, {
          exitCode: result.exitCode,
          outputTail: result.outputTail,
          timeoutMs: result.timeoutMs,
        });
      } else {
        store.steps.fail(runId, step.id, end);
      }
      firstError ??= `step '${step.id}' failed: ${result.reason}`;
      if (step.retry.onFailure === 'skip' && result.failureClass !== 'rejected') {
        store.steps.skip(runId, step.id, `failed and retry.on_failure is skip: ${result.reason}`);
        return 'skipped';
      }
      failed.push(step.id);
      firstFailureClass ??= result.failureClass;
      if (result.failureClass === 'rejected' && !halt) {
        // The judgement ends the run whatever the step's retry policy says (the original's ContractRejectionError).
        halt = { by: step.id, contract: false, reason: result.reason, rejected: true };
        haltFailureClass = result.failureClass;
      } else if (step.retry.onFailure === 'fail' && !halt) {
        halt = { by: step.id, contract: result.failureClass === 'contract', reason: result.reason };
        contractFailure = halt.contract;
        haltFailureClass = result.failureClass;
      }
      return 'failed';
    }
  };

  /** A gate holds no worker slot: it waits in the state db until answered, then goes on, re-runs or fails. */
  const waitAtGate = async (step: ExecutorStep): Promise<Outcome> => {
    if (!options.runGate) throw new Error(`step '${step.id}' is a gate but the run has no gate runner`);
    const result = await options.runGate(step.id, cancel.signal);
    if (result.ok) {
      store.steps.complete(runId, step.id);
      if (result.rerun) rerun = rerunSet(steps, result.rerun);
      return 'completed';
    }
    if (result.failureClass === 'cancelled' || cancel.signal.aborted) {
      store.steps.cancel(runId, step.id, cancel.signal.aborted ? 'run cancelled' : result.reason);
      return 'cancelled';
    }
    if (result.failureClass === 'timeout') {
      store.steps.timeOut(runId, step.id, { timeoutMs: result.timeoutMs ?? 0 });
    } else {
      store.steps.fail(runId, step.id, { reason: result.reason, failureClass: result.failureClass, exitCode: null });
    }
    firstError ??= result.reason;
    failed.push(step.id);
    firstFailureClass ??= result.failureClass;
    if (!halt) {
      // A person's reject (or a _fail choice) ends the run rejected, as a rejecting contract does.
      const rejected = result.failureClass === 'rejected' ? { rejected: true } : {};
      halt = { by: step.id, contract: false, reason: result.reason, ...rejected };
      haltFailureClass = result.failureClass;
    }
    return 'failed';
  };

  /** The steps a gate's answer runs again go back to pending, once none of them is running any more. */
  const applyRerun = () => {
    if (!rerun || [...rerun].some((id) => running.has(id))) return;
    for (const id of rerun) {
      const o = outcome.get(id);
      if (o === undefined) continue;
      store.steps.requeue(runId, id);
      outcome.delete(id);
      pending.add(id);
    }
    rerun = undefined;
  };

  const launch = (step: ExecutorStep) => {
    pending.delete(step.id);
    const task = runStep(step)
      .then((o) => void (o === 'not_started' ? pending.add(step.id) : outcome.set(step.id, o)))
      .catch((err: unknown) => {
        // The store itself failed around the attempt (the disk is full, the db went away): stop scheduling,
        // and close the step's row if the store still can (resume closes it otherwise).
        const failure = failureFromThrown(err);
        closeOpenStep(step.id, failure);
        outcome.set(step.id, 'failed');
        failed.push(step.id);
        if (!halt) {
          halt = { by: step.id, contract: false, reason: failure.reason };
          haltFailureClass = failure.failureClass;
        }
        firstError ??= `step '${step.id}': ${failure.reason}`;
        firstFailureClass ??= failure.failureClass;
      })
      .finally(() => running.delete(step.id));
    running.set(step.id, task);
  };

  const closeOpenStep = (stepId: string, failure: AttemptFailure) => {
    try {
      const row = store.steps.get(runId, stepId);
      if (row?.status !== 'running' && row?.status !== 'retrying') return;
      store.steps.fail(runId, stepId, {
        reason: failure.reason,
        failureClass: failure.failureClass,
        exitCode: null,
        ...(failure.detail ? { detail: failure.detail } : {}),
      });
    } catch {
      // The store cannot write: the row stays open, and `wave resume` closes it as interrupted.
    }
  };

  /** Steps that can never run because a dependency did not complete; repeated until nothing changes. */
  const skipUnreachable = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const id of pending) {
        const step = byId.get(id) as ExecutorStep;
        const blocker = step.dependencies.find((d) => {
          const o = outcome.get(d);
          return o === 'failed' || o === 'skipped' || o === 'cancelled';
        });
        if (blocker === undefined) continue;
        pending.delete(id);
        store.steps.skip(runId, id, `dependency '${blocker}' did not complete`);
        outcome.set(id, 'skipped');
        changed = true;
      }
    }
  };

  const cancelled = aborted(cancel.signal);
  try {
    for (;;) {
      if (cancel.signal.aborted) break;
      applyRerun();
      skipUnreachable();
      if (!halt) {
        // Every ready step is launched; the worker pool decides when each container may start.
        for (const id of [...pending]) {
          if (rerun?.has(id)) continue;
          const step = byId.get(id) as ExecutorStep;
          if (step.dependencies.every((d) => outcome.get(d) === 'completed')) launch(step);
        }
      }
      if (running.size === 0) break;
      await Promise.race([...running.values(), cancelled]);
    }
    // Cancelled: running attempts see the signal and stop their containers; wait for them to record it.
    await Promise.all(running.values());
    for (const id of pending) {
      if (cancel.signal.aborted) store.steps.cancel(runId, id, 'run cancelled');
      else store.steps.skip(runId, id, halt ? `run halted: step '${halt.by}' failed` : 'not reachable');
    }
    for (const step of steps) if (step.reworkFor !== undefined) settleReworkStep(store, runId, step, outcome);
  } finally {
    clearInterval(cancelPoll);
    clearInterval(heartbeat);
    options.signal.removeEventListener('abort', onOuterAbort);
  }

  const status: RunFinalStatus = cancel.signal.aborted
    ? 'cancelled'
    : halt?.rejected
      ? 'rejected'
      : failed.length
        ? 'failed'
        : 'completed';
  const failureClass =
    status === 'failed' || status === 'rejected' ? (haltFailureClass ?? firstFailureClass) : undefined;
  return {
    status,
    failed,
    contractFailure,
    ...(failureClass ? { failureClass } : {}),
    ...(status === 'cancelled'
      ? { error: 'cancelled' }
      : firstError && (status === 'failed' || status === 'rejected')
        ? { error: status === 'rejected' ? `rejected: ${halt?.reason ?? firstError}` : firstError }
        : {}),
  };
}

/**
 * A rework step's row once the run is over: never asked for → skipped; its last round ran → completed when the step
 * it reworks completed, else failed; its last round failed (left retrying) → failed.
 */
function settleReworkStep(store: Store, runId: string, step: ExecutorStep, outcome: Map<string, Outcome>): void {
  const row = store.steps.get(runId, step.id);
  if (row?.status === 'pending') {
    store.steps.skip(runId, step.id, `rework_only: runs only when a contract of step '${step.reworkFor}' asks`);
  } else if (row?.status === 'running' && outcome.get(step.reworkFor as string) === 'completed') {
    store.steps.complete(runId, step.id, {});
  } else if (row?.status === 'running' || row?.status === 'retrying') {
    const reason = `step '${step.reworkFor}' did not pass its contracts after the rework`;
    store.steps.fail(runId, step.id, { reason: row.error ?? reason, failureClass: 'contract', exitCode: null });
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
