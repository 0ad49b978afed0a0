// Attempts: one row per try of a step. The step machine (step-machine.ts) opens and closes them as part of
// its transitions; the repository reads them and records which container ran one.
import type { WaveEvent } from '../events/types.js';
import type { StateDb } from './db.js';
import { requireStepRow } from './read-rows.js';
import { attemptScope, toAttempt, type AttemptRow, type AttemptScope, type StepRow } from './rows.js';
import type { AttemptRecord, AttemptStatus, FailureClass } from './types.js';

export interface AttemptEndInput {
  exitCode?: number | null;
  /** Last lines of output, kept for the retry prompt and `wave status`. */
  outputTail?: string;
}

/** How an attempt ended: its status and, for anything but success, why. */
export interface AttemptEnd extends AttemptEndInput {
  status: Exclude<AttemptStatus, 'running'>;
  reason: string | null;
  failureClass: FailureClass | null;
}

export class AttemptRepository {
  constructor(private readonly db: StateDb) {}

  /** Of one step, or of the whole run, in pipeline order. */
  list(runId: string, stepId?: string): AttemptRecord[] {
    const rows = this.db
      .stmt(
        `SELECT a.* FROM attempts a JOIN steps s USING (run_id, step_id)
         WHERE a.run_id = @runId AND (@stepId IS NULL OR a.step_id = @stepId)
         ORDER BY s.level, s.position, a.step_id, a.attempt`,
      )
      .all({ runId, stepId: stepId ?? null });
    return (rows as AttemptRow[]).map(toAttempt);
  }

  /** Which container runs the current attempt, for `wave cancel` and the reaper. Not a state change. */
  setContainer(runId: string, stepId: string, containerId: string): void {
    const step = requireStepRow(this.db, runId, stepId);
    this.db
      .stmt(`UPDATE attempts SET container_id = ? WHERE run_id = ? AND step_id = ? AND attempt = ?`)
      .run(containerId, runId, stepId, step.attempts);
  }
}

/**
 * Records something about a step's current attempt (an artifact, a contract's verdict): `write` stores the row
 * and returns the event, which is appended in the same transaction.
 */
export function recordOnAttempt<E extends WaveEvent>(
  db: StateDb,
  runId: string,
  stepId: string,
  write: (step: StepRow, scope: AttemptScope) => E,
): E {
  return db.write(() => {
    const step = requireStepRow(db, runId, stepId);
    return db.insertEvent(write(step, attemptScope(step, db.now())));
  });
}

/** The attempt row of a step that starts; the backoff waited before it is the one its step recorded. */
export function openAttempt(db: StateDb, step: StepRow, attempt: number, now: string): void {
  db.stmt(
    `INSERT INTO attempts (run_id, step_id, attempt, status, started_at, delay_ms) VALUES (?, ?, ?, 'running', ?, ?)`,
  ).run(step.run_id, step.step_id, attempt, now, step.retry_delay_ms);
}

/** Closes the step's current attempt. */
export function closeAttempt(db: StateDb, step: StepRow, end: AttemptEnd, now: string): void {
  db.stmt(
    `UPDATE attempts SET status = ?, finished_at = ?, exit_code = ?, reason = ?, failure_class = ?,
       output_tail = COALESCE(?, output_tail)
     WHERE run_id = ? AND step_id = ? AND attempt = ?`,
  ).run(
    end.status,
    now,
    end.exitCode ?? null,
    end.reason,
    end.failureClass,
    end.outputTail ?? null,
    step.run_id,
    step.step_id,
    step.attempts,
  );
}

/** Closes, as failed for `reason`, every attempt of the run still marked running, whatever its step says. */
export function closeRunningAttempts(db: StateDb, runId: string, reason: string, now: string): void {
  db.stmt(
    `UPDATE attempts SET status = 'failed', finished_at = ?, reason = COALESCE(reason, ?),
       failure_class = COALESCE(failure_class, 'infrastructure')
     WHERE run_id = ? AND status = 'running'`,
  ).run(now, reason, runId);
}
