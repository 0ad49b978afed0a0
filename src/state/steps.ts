// Steps: reading them, and naming each move of the step machine (step-machine.ts) for the executor. Each move
// returns the event it stored.
import type { AttemptEndInput } from './attempts.js';
import type { StateDb } from './db.js';
import { stepRow, stepRows } from './read-rows.js';
import { toStep } from './rows.js';
import {
  transitionStep,
  type StepMoveEvents as Moved,
  type StepFailureInput,
  type StepRetryInput,
  type StepReuseInput,
  type StepStartInput,
} from './step-machine.js';
import type { StepRecord } from './types.js';

export class StepRepository {
  constructor(private readonly db: StateDb) {}

  /** In pipeline order: by level, then position. */
  list(runId: string): StepRecord[] {
    return stepRows(this.db, runId).map(toStep);
  }

  get(runId: string, stepId: string): StepRecord | undefined {
    const row = stepRow(this.db, runId, stepId);
    return row && toStep(row);
  }

  /** Starts the next attempt (the first, or the one after a retry) of a pending or retrying step. */
  start(runId: string, stepId: string, input: StepStartInput): Moved['running'] {
    return transitionStep(this.db, runId, stepId, { to: 'running', input });
  }

  complete(runId: string, stepId: string, input: AttemptEndInput = {}): Moved['completed'] {
    return transitionStep(this.db, runId, stepId, { to: 'completed', input });
  }

  /** The step failed for good (its last attempt, or a failure not worth retrying). */
  fail(runId: string, stepId: string, input: StepFailureInput): Moved['failed'] {
    return transitionStep(this.db, runId, stepId, { to: 'failed', input });
  }

  timeOut(runId: string, stepId: string, input: AttemptEndInput & { timeoutMs: number }): Moved['timed_out'] {
    return transitionStep(this.db, runId, stepId, { to: 'timed_out', input });
  }

  /** Closes the current attempt as failed (or timed out) and waits `delayMs` before the next `start`. */
  retry(runId: string, stepId: string, input: StepRetryInput): Moved['retrying'] {
    return transitionStep(this.db, runId, stepId, { to: 'retrying', input });
  }

  cancel(runId: string, stepId: string, reason: string): Moved['cancelled'] {
    return transitionStep(this.db, runId, stepId, { to: 'cancelled', reason });
  }

  /** Graph mode: a finished step goes back to pending for its next visit; its artifacts are dropped. */
  revisit(runId: string, stepId: string): Moved['pending'] {
    return transitionStep(this.db, runId, stepId, { to: 'pending', revisit: true });
  }

  /** A step that will not run (a dependency failed, or it was excluded). */
  skip(runId: string, stepId: string, reason: string): Moved['skipped'] {
    return transitionStep(this.db, runId, stepId, { to: 'skipped', reason });
  }

  /**
   * `wave run --from-step`: a step that is not run again takes over its completed result from an earlier run.
   * It becomes completed with no attempt, remembers the run it came from, and gets the copied artifacts, all
   * in one transaction with its `step_reused` event, so dependents can rely on the artifacts the moment it
   * reads as completed.
   */
  reuse(runId: string, stepId: string, input: StepReuseInput): Moved['reused'] {
    return transitionStep(this.db, runId, stepId, { to: 'reused', input });
  }
}
