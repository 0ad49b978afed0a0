// The step state machine: which moves a step may make, and the one function that makes a move. A move checks
// the table, closes the attempt a running step leaves, writes the step row (and the attempt a start opens, or
// the artifacts a reuse takes over) and appends the move's event, all in one transaction, so the events table
// is a complete history and can never disagree with the status columns.
import type {
  FailureClass,
  ReusedArtifact,
  StepCancelledEvent,
  StepCompletedEvent,
  StepFailedEvent,
  StepResetEvent,
  StepRetryingEvent,
  StepReusedEvent,
  StepSkippedEvent,
  StepStartedEvent,
  StepTimedOutEvent,
} from '../events/types.js';
import { closeAttempt, openAttempt, type AttemptEnd, type AttemptEndInput } from './attempts.js';
import { insertReusedArtifacts } from './artifacts.js';
import type { StateDb } from './db.js';
import { requireRunRow, requireStepRow } from './read-rows.js';
import { attemptScope, type StepRow } from './rows.js';
import { IllegalTransitionError } from './transition-error.js';
import type { StepStatus } from './types.js';

// The CHECK constraints in the schema only keep unknown words out of the status column; this table keeps the
// *order* honest (no completed → running).
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

export function isTerminalStepStatus(status: StepStatus): boolean {
  return status !== 'pending' && status !== 'running' && status !== 'retrying';
}

export interface StepStartInput {
  persona: string;
  adapter: string;
  model: string;
  image: string;
}

export interface StepFailureInput extends AttemptEndInput {
  reason: string;
  failureClass: FailureClass;
  /** A thrown error's stack: goes into the `step_failed` event (the log file), not the step row. */
  detail?: string;
}

export interface StepRetryInput extends StepFailureInput {
  delayMs: number;
}

export interface StepReuseInput {
  /** The earlier run the result is taken from. */
  fromRun: string;
  /** The artifacts as copied into this run (paths in this run's workspace, hashes checked). */
  artifacts: readonly ReusedArtifact[];
}

/** A move of a step, with what the move needs. `reused` is the `--from-step` jump from pending to completed. */
export type StepMove =
  | { to: 'running'; input: StepStartInput }
  | { to: 'completed'; input: AttemptEndInput }
  | { to: 'failed'; input: StepFailureInput }
  | { to: 'timed_out'; input: AttemptEndInput & { timeoutMs: number } }
  | { to: 'retrying'; input: StepRetryInput }
  | { to: 'cancelled' | 'skipped'; reason: string }
  | { to: 'pending'; revisit?: true }
  | { to: 'reused'; input: StepReuseInput };

/** The event each move writes. */
export interface StepMoveEvents {
  running: StepStartedEvent;
  completed: StepCompletedEvent;
  failed: StepFailedEvent;
  timed_out: StepTimedOutEvent;
  retrying: StepRetryingEvent;
  cancelled: StepCancelledEvent;
  skipped: StepSkippedEvent;
  pending: StepResetEvent;
  reused: StepReusedEvent;
}

type StepMoveEvent = StepMoveEvents[keyof StepMoveEvents];

/** The step columns a move writes. */
type StepColumns = Partial<
  Pick<StepRow, 'status' | 'attempts' | 'started_at' | 'finished_at' | 'error' | 'retry_delay_ms' | 'reused_from'>
>;

/** Moves one step (read fresh inside the transaction) and returns the stored event. */
export function transitionStep<M extends StepMove>(
  db: StateDb,
  runId: string,
  stepId: string,
  move: M,
): StepMoveEvents[M['to']] {
  return db.write(() => {
    const step = requireStepRow(db, runId, stepId);
    checkMove(db, step, move);
    const now = db.now();
    if (step.status === 'running') closeAttempt(db, step, attemptEnd(move), now);
    const { columns, event } = outcome(step, move, now);
    updateStep(db, step, columns);
    if (move.to === 'running') openAttempt(db, step, step.attempts + 1, now);
    if (move.to === 'reused') insertReusedArtifacts(db, runId, stepId, move.input.artifacts, now);
    // A revisit replaces the step's outputs: what the earlier visit wrote is no longer its result.
    if (move.to === 'pending' && move.revisit) {
      db.stmt(`DELETE FROM artifacts WHERE run_id = ? AND step_id = ?`).run(runId, stepId);
    }
    return db.insertEvent(event) as StepMoveEvents[M['to']];
  });
}

function checkMove(db: StateDb, step: StepRow, move: StepMove): void {
  const { run_id: runId, step_id: stepId } = step;
  if (move.to === 'running' || move.to === 'reused') {
    // A step starts (or takes a result over) only inside a run that is running.
    const run = requireRunRow(db, runId);
    const what = move.to === 'running' ? 'start' : 'reuse';
    if (run.status !== 'running') {
      throw new IllegalTransitionError(`run ${runId} (${what} of step ${stepId})`, run.status, 'running');
    }
  }
  if (move.to === 'reused') {
    if (!canReuseStep(step.status, step.attempts)) {
      const subject = `step ${stepId} of run ${runId} (reuse, ${step.attempts} attempt(s))`;
      throw new IllegalTransitionError(subject, step.status, 'completed');
    }
    if (move.input.fromRun === runId) throw new Error(`step ${stepId} of run ${runId} cannot reuse its own run`);
    return;
  }
  if (move.to === 'pending' && move.revisit) {
    // Graph mode visits a step again: any finished step may run once more (a fresh attempt, new outputs).
    if (!isTerminalStepStatus(step.status)) {
      throw new IllegalTransitionError(`step ${stepId} of run ${runId} (revisit)`, step.status, 'pending');
    }
    return;
  }
  if (!canTransitionStep(step.status, move.to)) {
    throw new IllegalTransitionError(`step ${stepId} of run ${runId}`, step.status, move.to);
  }
}

/** How the attempt of a running step ends with this move (every move out of `running` closes it). */
function attemptEnd(move: StepMove): AttemptEnd {
  switch (move.to) {
    case 'completed':
      return { ...move.input, status: 'completed', reason: null, failureClass: null };
    case 'failed':
      return { ...move.input, status: 'failed' };
    case 'timed_out':
      return {
        ...move.input,
        status: 'timed_out',
        reason: timeoutReason(move.input.timeoutMs),
        failureClass: 'timeout',
      };
    case 'retrying':
      return { ...move.input, status: move.input.failureClass === 'timeout' ? 'timed_out' : 'failed' };
    case 'cancelled':
      return { status: 'cancelled', reason: move.reason, failureClass: 'cancelled' };
    default:
      // The table allows no other move out of running.
      throw new Error(`a running step cannot move to ${move.to}`);
  }
}

/** The step columns and the event of a move. */
function outcome(step: StepRow, move: StepMove, now: string): { columns: StepColumns; event: StepMoveEvent } {
  const runId = step.run_id;
  const stepId = step.step_id;
  const scope = attemptScope(step, now);
  const ended = { status: move.to === 'reused' ? 'completed' : move.to, finished_at: now } as const;
  switch (move.to) {
    case 'running': {
      const attempt = step.attempts + 1;
      return {
        columns: {
          status: 'running',
          attempts: attempt,
          started_at: step.started_at ?? now,
          finished_at: null,
          error: null,
          retry_delay_ms: 0,
        },
        event: { type: 'step_started', ...scope, attempt, ...move.input },
      };
    }
    case 'completed': {
      const durationMs = Math.max(0, Date.parse(now) - Date.parse(step.started_at ?? now));
      return { columns: { ...ended, error: null }, event: { type: 'step_completed', ...scope, durationMs } };
    }
    case 'failed': {
      const { reason, exitCode, failureClass, detail } = move.input;
      return {
        columns: { ...ended, error: reason },
        event: {
          type: 'step_failed',
          ...scope,
          reason,
          exitCode: exitCode ?? null,
          failureClass,
          ...(detail ? { detail } : {}),
        },
      };
    }
    case 'timed_out': {
      const { timeoutMs } = move.input;
      return {
        columns: { ...ended, error: timeoutReason(timeoutMs) },
        event: { type: 'step_timed_out', ...scope, timeoutMs },
      };
    }
    case 'retrying': {
      const { delayMs, reason, failureClass } = move.input;
      const nextAttempt = step.attempts + 1;
      return {
        // The step is not finished: it waits `delayMs`, recorded on the attempt that follows.
        columns: { status: 'retrying', retry_delay_ms: delayMs, error: reason },
        event: { type: 'step_retrying', ...scope, nextAttempt, delayMs, reason, failureClass },
      };
    }
    case 'cancelled':
    case 'skipped': {
      const type = move.to === 'cancelled' ? 'step_cancelled' : 'step_skipped';
      return { columns: { ...ended, error: move.reason }, event: { type, ...scope, reason: move.reason } };
    }
    case 'pending':
      return {
        // A revisit is a new run of the step: its time counts from its next start.
        columns: {
          status: 'pending',
          finished_at: null,
          error: null,
          retry_delay_ms: 0,
          ...(move.revisit ? { started_at: null } : {}),
        },
        event: { type: 'step_reset', ...scope, from: step.status },
      };
    case 'reused': {
      const { fromRun, artifacts } = move.input;
      return {
        columns: { ...ended, reused_from: fromRun, started_at: now, error: null },
        // No attempt ran, so the event names none.
        event: {
          type: 'step_reused',
          runId,
          stepId,
          time: now,
          fromRun,
          artifacts: artifacts.map((a) => ({ name: a.name, path: a.path, size: a.size, sha256: a.sha256 })),
        },
      };
    }
  }
}

function updateStep(db: StateDb, step: StepRow, columns: StepColumns): void {
  const names = Object.keys(columns) as (keyof StepColumns)[];
  db.stmt(`UPDATE steps SET ${names.map((name) => `${name} = ?`).join(', ')} WHERE run_id = ? AND step_id = ?`).run(
    ...names.map((name) => columns[name] ?? null),
    step.run_id,
    step.step_id,
  );
}

function timeoutReason(timeoutMs: number): string {
  return `timed out after ${timeoutMs} ms`;
}
