// Running a step's contracts in order and applying on_failure: `fail` blocks the step, `warn` is recorded and the
// step passes, `skip` stops the evaluation (the remaining contracts are not run) and the step passes. `rejected`
// and `rework` stop the evaluation too and block the step: the engine ends the run rejected, or runs the rework
// step and evaluates every contract again (engine/rework.ts). A contract whose own configuration is broken fails
// hard whatever its on_failure says.
import { performance } from 'node:perf_hooks';
import { WaveError } from '../errors.js';
import { CheckFailed, ContractConfigError } from './failure.js';
import { definitionOf, validateContractSpec, ON_FAILURE_VALUES } from './registry.js';
import type { CheckOutcome, ContractContext, ContractInput, ContractResult, ContractSpec, OnFailure } from './types.js';

export type ContractOutcome = 'passed' | 'failed' | 'warned' | 'skipped' | 'rejected' | 'rework';

export type ContractRunResult = ContractResult & {
  /** Position in the step's contract list (0-based). */
  index: number;
  type: string;
  onFailure: OnFailure;
  /**
   * passed; failed (hard); warned (soft); skipped (failed under on_failure skip: evaluation stopped here); rejected
   * and rework (hard, evaluation stopped here: the engine acts on them).
   */
  outcome: ContractOutcome;
  durationMs: number;
};

export interface ContractsRun {
  results: ContractRunResult[];
  /** No hard failure. */
  passed: boolean;
  /** Contracts not evaluated because an earlier one failed with on_failure: skip. */
  notRun: { index: number; type: string }[];
}

function onFailureOf(input: ContractInput): OnFailure {
  return ON_FAILURE_VALUES.includes(input.on_failure as OnFailure) ? (input.on_failure as OnFailure) : 'fail';
}

async function evaluate(input: ContractInput, ctx: ContractContext): Promise<CheckOutcome & { configError: boolean }> {
  const problems = validateContractSpec(input);
  if (problems.length > 0) {
    return {
      errors: problems.map((message) => ({ path: '', message })),
      details: { invalidSpec: true },
      configError: true,
    };
  }
  try {
    const spec = input as ContractSpec;
    return { ...(await definitionOf(spec).check(spec, ctx)), configError: false };
  } catch (err) {
    if (err instanceof CheckFailed) return { errors: err.errors, details: err.details, configError: false };
    if (err instanceof ContractConfigError) {
      return { errors: [{ path: '', message: err.message }], details: { configError: true }, configError: true };
    }
    throw err; // infrastructure (Docker down, disk) or cancellation: not the output's fault
  }
}

const HARD = new Set<OnFailure>(['fail', 'rejected', 'rework']);

function outcomeOf(ok: boolean, configError: boolean, onFailure: OnFailure): ContractOutcome {
  if (ok) return 'passed';
  if (configError) return 'failed';
  switch (onFailure) {
    case 'fail':
      return 'failed';
    case 'warn':
      return 'warned';
    case 'skip':
      return 'skipped';
    case 'rejected':
      return 'rejected';
    case 'rework':
      return 'rework';
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new WaveError('cancelled', 'contract evaluation cancelled');
}

export async function runContracts(specs: readonly ContractInput[], ctx: ContractContext): Promise<ContractsRun> {
  const results: ContractRunResult[] = [];
  const notRun: ContractsRun['notRun'] = [];
  for (const [index, input] of specs.entries()) {
    throwIfCancelled(ctx.signal);
    const onFailure = onFailureOf(input);
    const started = performance.now();
    const { errors, details, configError } = await evaluate(input, ctx);
    throwIfCancelled(ctx.signal);
    const ok = errors.length === 0;
    const hard = !ok && (configError || HARD.has(onFailure));
    const outcome = outcomeOf(ok, configError, onFailure);
    const durationMs = Math.round(performance.now() - started);
    results.push({ ok, hard, errors, details, index, type: String(input.type), onFailure, outcome, durationMs });
    if (outcome === 'skipped' || outcome === 'rejected' || outcome === 'rework') {
      specs.slice(index + 1).forEach((rest, j) => notRun.push({ index: index + 1 + j, type: String(rest.type) }));
      break;
    }
  }
  return { results, passed: results.every((r) => !r.hard), notRun };
}
