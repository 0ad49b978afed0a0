// The allowed state changes, checked before every write. The CHECK constraints in the schema only keep
// unknown words out of the status columns; these tables keep the *order* honest (no completed → running).
import type { RunStatus, StepStatus } from './types.js';

const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  pending: ['running', 'failed', 'cancelled'],
  running: ['completed', 'failed', 'cancelled'],
  completed: [],
  // `wave resume` picks a failed or cancelled run up again under the same id.
  failed: ['running'],
  cancelled: ['running'],
};

const STEP_TRANSITIONS: Record<StepStatus, readonly StepStatus[]> = {
  pending: ['running', 'skipped', 'cancelled'],
  running: ['completed', 'failed', 'timed_out', 'retrying', 'cancelled'],
  retrying: ['running', 'failed', 'cancelled'],
  completed: [],
  // Back to pending only through `wave resume`. A failed step whose retry policy says `on_failure: skip` ends
  // as skipped, so the run can still complete.
  failed: ['pending', 'skipped'],
  timed_out: ['pending', 'skipped'],
  cancelled: ['pending'],
  skipped: ['pending'],
};

/** A state change the lifecycle does not allow: a bug in the caller, never something the user did. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly subject: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`illegal state transition for ${subject}: ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function canTransitionStep(from: StepStatus, to: StepStatus): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

/**
 * `wave run --from-step` takes an upstream step's result over from an earlier run: the one way to `completed`
 * without an attempt, and only for a step that has not started in this run. Kept out of the table above so
 * no other caller can jump from pending to completed.
 */
export function canReuseStep(from: StepStatus, attempts: number): boolean {
  return from === 'pending' && attempts === 0;
}

export function assertRunTransition(runId: string, from: RunStatus, to: RunStatus): void {
  if (!canTransitionRun(from, to)) throw new IllegalTransitionError(`run ${runId}`, from, to);
}

export function assertStepTransition(runId: string, stepId: string, from: StepStatus, to: StepStatus): void {
  if (!canTransitionStep(from, to)) throw new IllegalTransitionError(`step ${stepId} of run ${runId}`, from, to);
}

export function isTerminalRunStatus(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function isTerminalStepStatus(status: StepStatus): boolean {
  return status !== 'pending' && status !== 'running' && status !== 'retrying';
}
