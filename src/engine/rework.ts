// on_failure: rework (DESIGN.md "Judging, reworking, waiting"). A contract failed under rework: Wave writes the
// feedback, runs the contract's rework_step (a rework_only step) with the judged step's outputs in its /wave/out and
// the feedback at /wave/in/_rework/feedback.json, takes what it leaves there as the judged step's outputs, and
// evaluates every contract again: up to max_retries rounds, stopping early when the score stalls.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Contract, Step } from '../config/types.js';
import { describeFailures, runContracts, type ContractContext, type ContractsRun } from '../contracts/index.js';
import { copyArtifact } from '../workspace/artifacts.js';
import { failure, type AttemptFailure, type AttemptOutcome, type AttemptRequest, type ReworkInput } from './attempt.js';
import {
  DEFAULT_CONVERGENCE_MIN_IMPROVEMENT,
  DEFAULT_CONVERGENCE_WINDOW,
  DEFAULT_MAX_REWORK_ROUNDS,
  hasStalled,
  roundScore,
} from './convergence.js';
import { eventTime } from '../events/types.js';
import type { StepRunnerDeps } from './step-deps.js';

/** Where a rework step finds the feedback (`_` starts no step id, so it cannot clash with an injected step). */
export const REWORK_IN = '_rework';
export const REWORK_FEEDBACK_FILE = 'feedback.json';

export type RunStepAttempt = (step: Step, request: AttemptRequest) => Promise<AttemptOutcome>;

export interface ContractsWithRework {
  run: ContractsRun;
  /** Set when the loop ended the attempt (the rework step failed, the rounds ran out, the score stalled). */
  failure?: AttemptFailure;
}

function reworkSettings(contracts: readonly Contract[]) {
  const rework = contracts.filter((c) => c.on_failure === 'rework');
  const first = rework[0];
  return {
    maxRounds: Math.max(...rework.map((c) => c.max_retries ?? DEFAULT_MAX_REWORK_ROUNDS), 0),
    window: first?.convergence_window ?? DEFAULT_CONVERGENCE_WINDOW,
    minImprovement: first?.convergence_min_improvement ?? DEFAULT_CONVERGENCE_MIN_IMPROVEMENT,
  };
}

/**
 * Runs the step's contracts; while one fails under on_failure rework, runs its rework step and all of them again.
 * `record` stores each round's results (a later round replaces an earlier one's, and every round is evented).
 */
export async function runContractsWithRework(
  deps: StepRunnerDeps,
  step: Step,
  request: AttemptRequest,
  ctx: ContractContext,
  record: (run: ContractsRun) => void,
  runStep: RunStepAttempt,
): Promise<ContractsWithRework> {
  const contracts = step.handover.contracts;
  let run = await runContracts(contracts, ctx);
  record(run);
  const { maxRounds, window, minImprovement } = reworkSettings(contracts);
  const scores = [roundScore(run.results)];
  for (let round = 1; ; round++) {
    const failed = run.results.find((r) => r.outcome === 'rework');
    if (!failed) return { run };
    const spec = contracts[failed.index] as Contract;
    const what = `contract ${failed.type}`;
    if (round > maxRounds) {
      const reason = `${what} still failed after ${maxRounds} rework round(s): ${failed.errors[0]?.message ?? ''}`;
      return { run, failure: failure('contract', reason, { feedback: describeFailures(run.results) }) };
    }
    if (hasStalled(scores, window, minImprovement)) {
      const reason = `${what}: rework stalled (scores ${scores.map((s) => s.toFixed(2)).join(', ')})`;
      return { run, failure: failure('contract', reason, { feedback: describeFailures(run.results) }) };
    }
    const target = deps.pipeline.steps.find((s) => s.id === spec.rework_step);
    if (!target) throw new Error(`rework step '${spec.rework_step}' of step '${step.id}' is not in the pipeline`);
    deps.bus.emit({
      type: 'warning',
      runId: deps.runId,
      stepId: step.id,
      attempt: request.attempt,
      time: eventTime(),
      code: 'contract_rework',
      message: `${what} failed; rework round ${round} of ${maxRounds} by step '${target.id}'`,
    });
    const feedback = describeFailures(run.results);
    const feedbackFile = await writeFeedback(ctx.outDir, step.id, round, failed.type, feedback, failed.errors);
    const input: ReworkInput = { of: step.id, round, feedback, feedbackFile, seedOut: ctx.outDir };
    const outcome = await runReworkAttempt(deps, target, input, request.signal, runStep);
    if (!outcome.ok) {
      const cls = outcome.failureClass === 'cancelled' ? 'cancelled' : 'contract';
      return { run, failure: failure(cls, `rework step '${target.id}' failed: ${outcome.reason}`, outcome) };
    }
    // The rework step's outputs are the judged step's from now on; every contract judges them again.
    await copyArtifact(path.join(deps.runWorkspace.dir, target.id, 'out'), ctx.outDir);
    run = await runContracts(contracts, ctx);
    record(run);
    scores.push(roundScore(run.results));
  }
}

/** Next to the judged step's out folder (never in it): `{step, round, contract_type, errors, feedback}`. */
async function writeFeedback(
  outDir: string,
  stepId: string,
  round: number,
  contractType: string,
  feedback: string,
  errors: ReadonlyArray<{ path: string; message: string }>,
): Promise<string> {
  const file = path.join(path.dirname(outDir), `rework-feedback-${round}.json`);
  const body = { step: stepId, round, contract_type: contractType, errors, feedback };
  await fs.writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/**
 * One attempt of the rework step, recorded on its own row: pending (or, from an earlier round, running or
 * retrying) → running. A failed round leaves it retrying; the executor settles the row when the run ends.
 */
async function runReworkAttempt(
  deps: StepRunnerDeps,
  target: Step,
  rework: ReworkInput,
  signal: AbortSignal,
  runStep: RunStepAttempt,
): Promise<AttemptOutcome> {
  const { store, runId } = deps;
  const row = store.steps.get(runId, target.id);
  if (row?.status === 'running') {
    const reason = `round ${rework.round - 1} did not make step '${rework.of}' pass its contracts`;
    store.steps.retry(runId, target.id, { reason, failureClass: 'contract', exitCode: null, delayMs: 0 });
  }
  const start = deps.stepStarts?.get(target.id) ?? { persona: '', adapter: '', model: '', image: '' };
  const started = store.steps.start(runId, target.id, start);
  const outcome = await runStep(target, { stepId: target.id, attempt: started.attempt, signal, rework });
  if (!outcome.ok) {
    const { reason, failureClass, exitCode, outputTail } = outcome;
    store.steps.retry(runId, target.id, { reason, failureClass, exitCode, outputTail, delayMs: 0 });
  }
  return outcome;
}
