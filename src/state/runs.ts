// Runs: their rows and their lifecycle (start, finish, abandon, resume), who owns them, cancel requests, and the
// queries that list them. A run's state changes write the row and their event in one transaction, like a
// step's (step-machine.ts), and move its open steps through the step machine.
import { hostname } from 'node:os';
import type {
  CancelRequestedEvent,
  RunCompletedEvent,
  RunFinalStatus,
  RunStartedEvent,
  StepFailedEvent,
  WaveEvent,
} from '../events/types.js';
import { currentOwner } from '../liveness.js';
import { closeRunningAttempts } from './attempts.js';
import type { StateDb } from './db.js';
import { isRunOwnerAlive } from './liveness.js';
import { requireRunRow, runRow, stepRows } from './read-rows.js';
import { runStatusOf, toRun, type RunRow } from './rows.js';
import { latestRunWithCompletedSteps, listRuns } from './run-queries.js';
import { newRunId } from './run-id.js';
import { childRunRow, childRunRows, descendantRunRows, type RunParent } from './run-tree.js';
import { transitionStep } from './step-machine.js';
import { IllegalTransitionError } from './transition-error.js';
import type { JsonObject, ListRunsQuery, RunOwner, RunRecord, RunStatus } from './types.js';

export interface StepPlan {
  stepId: string;
  level: number;
  position: number;
}

export interface CreateRunInput {
  /** Defaults to `newRunId(pipeline, now)`; callers that need the id before the row exists pass their own. */
  id?: string;
  pipeline: string;
  pipelinePath: string;
  input: string;
  options?: JsonObject;
  steps?: readonly StepPlan[];
  /** A child run: the run and step (and iterate item) that start it. */
  parent?: RunParent;
}

export interface RunEndDetails {
  error?: string;
  exitCode?: number;
}

export type CancelRequestResult = 'requested' | 'already_requested' | 'not_active';

// A run's allowed moves, checked before each of its state changes below.
const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  pending: ['running', 'failed', 'cancelled'],
  running: ['completed', 'failed', 'cancelled', 'rejected'],
  completed: [],
  // `wave resume` picks a failed or cancelled run up again under the same id.
  failed: ['running'],
  cancelled: ['running'],
  // A contract's on_failure: rejected is a decision about the work, not a failure to run it: nothing to resume.
  rejected: [],
};

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function isTerminalRunStatus(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'rejected';
}

const INPUT_SUMMARY_LENGTH = 200;

export class RunRepository {
  constructor(private readonly db: StateDb) {}

  /** Inserts a pending run and its pending steps. Creation is not a state change, so no event is written. */
  create(input: CreateRunInput): RunRecord {
    const now = this.db.now();
    const id = input.id ?? newRunId(input.pipeline, new Date(now));
    this.db.write(() => {
      this.db
        .stmt(
          `INSERT INTO runs (id, pipeline, pipeline_path, input, status, created_at, options,
             parent_run_id, parent_step_id, item_index)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.pipeline,
          input.pipelinePath,
          input.input,
          now,
          JSON.stringify(input.options ?? {}),
          input.parent?.runId ?? null,
          input.parent?.stepId ?? null,
          input.parent?.itemIndex ?? null,
        );
      this.insertSteps(id, input.steps ?? []);
    });
    return this.require(id);
  }

  /** Adds pending steps to an existing run (for callers that plan after creating the run). */
  addSteps(runId: string, steps: readonly StepPlan[]): void {
    this.require(runId);
    this.db.write(() => this.insertSteps(runId, steps));
  }

  get(runId: string): RunRecord | undefined {
    const row = runRow(this.db, runId);
    return row && toRun(row);
  }

  /** Like get, but a missing run is the user's mistake (a mistyped id) and says so. */
  require(runId: string): RunRecord {
    return toRun(requireRunRow(this.db, runId));
  }

  /** The child run a step started for `parent` (an item index for iterate), if it was ever created. */
  child(parent: RunParent): RunRecord | undefined {
    return childRunRow(this.db, parent);
  }

  /** A run's direct children, by step and item index. */
  children(runId: string): RunRecord[] {
    return childRunRows(this.db, runId);
  }

  /** Every run below this one, parents first. */
  descendants(runId: string): RunRecord[] {
    return descendantRunRows(this.db, runId);
  }

  /** Newest first. */
  list(query: ListRunsQuery = {}): RunRecord[] {
    return listRuns(this.db, query);
  }

  /**
   * `wave run --from-step`: the newest run of `pipeline` in which every one of `stepIds` completed (ran or was
   * itself reused), other than `exceptRunId`.
   */
  latestWithCompletedSteps(pipeline: string, stepIds: readonly string[], exceptRunId?: string): RunRecord | undefined {
    return latestRunWithCompletedSteps(this.db, pipeline, stepIds, exceptRunId);
  }

  /** `wave clean`: the run and everything recorded about it (rows cascade). */
  delete(runId: string): boolean {
    return this.db.stmt(`DELETE FROM runs WHERE id = ?`).run(runId).changes > 0;
  }

  start(runId: string, owner: RunOwner = currentOwner()): RunStartedEvent {
    return this.db.write(() => this.enterRunning(this.checked(runId, 'running'), owner, false));
  }

  finish(runId: string, status: RunFinalStatus, details: RunEndDetails = {}): RunCompletedEvent {
    return this.db.write(() => this.enterFinal(this.checked(runId, status), status, details));
  }

  /**
   * Ends a run whose owner is gone (the reaper, or `wave resume` finding a dead owner): steps still running
   * or waiting to retry fail as interrupted, then the run fails. Pending steps stay pending for resume.
   */
  abandon(runId: string, reason: string): WaveEvent[] {
    return this.db.write(() => {
      const run = this.checked(runId, 'failed');
      const events: WaveEvent[] = this.failOpenSteps(runId, reason);
      events.push(this.enterFinal(run, 'failed', { error: reason }));
      return events;
    });
  }

  /**
   * Picks a failed or cancelled run up again under the same id: unfinished steps go back to pending (their
   * attempts stay, so attempt numbers keep counting), the cancel request is cleared, and this process owns it.
   * A step the ended run left open (`running` or `retrying`: its process died, or a throw kept the executor
   * from recording the end) first fails as interrupted, in the same transaction: the state machine has no
   * running → pending edge, and every reset starts from a terminal state with its attempt closed.
   */
  resume(runId: string, owner: RunOwner = currentOwner()): WaveEvent[] {
    return this.db.write(() => {
      const run = this.checked(runId, 'running');
      const reason = `interrupted: the run ended (${run.status}) while the step was unfinished`;
      const events: WaveEvent[] = this.failOpenSteps(runId, reason);
      for (const step of stepRows(this.db, runId)) {
        if (step.status === 'completed' || step.status === 'pending') continue;
        events.push(transitionStep(this.db, runId, step.step_id, { to: 'pending' }));
      }
      this.db.stmt(`DELETE FROM cancellations WHERE run_id = ?`).run(runId);
      events.push(this.enterRunning(run, owner, true));
      return events;
    });
  }

  /**
   * A run whose Wave process on this host is gone (kill -9, a crash) is abandoned there and then, so `wave
   * status` shows it failed with its open steps interrupted, not `running` until someone resumes it. A run
   * owned on another host is left alone: its process cannot be seen from here. Returns whether it was.
   */
  abandonIfOwnerDied(runId: string, host: string = hostname()): boolean {
    return this.db.write(() => {
      const run = requireRunRow(this.db, runId);
      if (run.status !== 'running' || run.owner_host !== host) return false;
      if (isRunOwnerAlive(toRun(run))) return false;
      this.abandon(runId, `the Wave process running it (pid ${run.owner_pid ?? '?'}) died`);
      return true;
    });
  }

  /** The owner is alive: stale-run checks read this. */
  heartbeat(runId: string): void {
    this.db.stmt(`UPDATE runs SET heartbeat_at = ? WHERE id = ?`).run(this.db.now(), runId);
  }

  /**
   * Running runs on this host whose owner process no longer exists: a crash or `kill -9` left them behind.
   * A pid reused by an unrelated process does not keep a run alive: the owner's start time must match too.
   */
  ownedByDeadProcesses(host: string = hostname()): RunRecord[] {
    const rows = this.db
      .stmt(`SELECT * FROM runs WHERE status = 'running' AND owner_host = ? ORDER BY created_at`)
      .all(host) as RunRow[];
    return rows.map(toRun).filter((run) => !isRunOwnerAlive(run));
  }

  /** `wave cancel`: may come from another process; the executor polls `isCancelRequested`. */
  requestCancel(runId: string): CancelRequestResult {
    return this.db.write(() => {
      const run = requireRunRow(this.db, runId);
      if (run.status !== 'pending' && run.status !== 'running') return 'not_active';
      const now = this.db.now();
      const inserted = this.db
        .stmt(`INSERT OR IGNORE INTO cancellations (run_id, requested_at) VALUES (?, ?)`)
        .run(runId, now);
      if (inserted.changes === 0) return 'already_requested';
      this.db.insertEvent<CancelRequestedEvent>({ type: 'cancel_requested', runId, time: now });
      // The tree below goes too: each child's executor sees its own request, whichever process runs it.
      for (const child of descendantRunRows(this.db, runId)) {
        if (child.status !== 'pending' && child.status !== 'running') continue;
        this.db.stmt(`INSERT OR IGNORE INTO cancellations (run_id, requested_at) VALUES (?, ?)`).run(child.id, now);
      }
      return 'requested';
    });
  }

  isCancelRequested(runId: string): boolean {
    return this.db.stmt(`SELECT 1 FROM cancellations WHERE run_id = ?`).get(runId) !== undefined;
  }

  private insertSteps(runId: string, steps: readonly StepPlan[]): void {
    const insert = this.db.stmt(
      `INSERT INTO steps (run_id, step_id, status, level, position) VALUES (?, ?, 'pending', ?, ?)`,
    );
    for (const step of steps) insert.run(runId, step.stepId, step.level, step.position);
  }

  /** The run's row, once the table allows the move to `to`. */
  private checked(runId: string, to: RunStatus): RunRow {
    const run = requireRunRow(this.db, runId);
    const from = runStatusOf(run);
    if (!canTransitionRun(from, to)) throw new IllegalTransitionError(`run ${runId}`, from, to);
    return run;
  }

  /** Started or resumed: this process owns the run, and what an earlier end recorded is cleared. */
  private enterRunning(run: RunRow, owner: RunOwner, resumed: boolean): RunStartedEvent {
    const now = this.db.now();
    this.db
      .stmt(
        `UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, exit_code = NULL,
           started_at = COALESCE(started_at, ?), owner_host = ?, owner_pid = ?, owner_start = ?, heartbeat_at = ?
         WHERE id = ?`,
      )
      .run(now, owner.host, owner.pid, owner.start ?? null, now, run.id);
    return this.db.insertEvent<RunStartedEvent>({
      type: 'run_started',
      runId: run.id,
      time: now,
      pipeline: run.pipeline,
      input: summarize(run.input),
      resumed,
    });
  }

  private enterFinal(run: RunRow, status: RunFinalStatus, details: RunEndDetails): RunCompletedEvent {
    const now = this.db.now();
    this.db
      .stmt(`UPDATE runs SET status = ?, rejected = ?, finished_at = ?, error = ?, exit_code = ? WHERE id = ?`)
      .run(
        status === 'rejected' ? 'failed' : status,
        status === 'rejected' ? 1 : 0,
        now,
        details.error ?? null,
        details.exitCode ?? null,
        run.id,
      );
    return this.db.insertEvent<RunCompletedEvent>({
      type: 'run_completed',
      runId: run.id,
      time: now,
      status,
      durationMs: Math.max(0, Date.parse(now) - Date.parse(run.started_at ?? run.created_at)),
      ...(details.error === undefined ? {} : { error: details.error }),
    });
  }

  /**
   * For a run that no longer runs: every step still `running` or `retrying` fails as `infrastructure` (it
   * was not the step's doing), and any attempt row still marked running is closed, whatever its step says.
   */
  private failOpenSteps(runId: string, reason: string): StepFailedEvent[] {
    const events: StepFailedEvent[] = [];
    for (const step of stepRows(this.db, runId)) {
      if (step.status !== 'running' && step.status !== 'retrying' && step.status !== 'waiting') continue;
      const input = { reason, failureClass: 'infrastructure', exitCode: null } as const;
      events.push(transitionStep(this.db, runId, step.step_id, { to: 'failed', input }));
    }
    closeRunningAttempts(this.db, runId, reason, this.db.now());
    return events;
  }
}

function summarize(input: string): string {
  const oneLine = input.replace(/\s+/g, ' ').trim();
  return oneLine.length <= INPUT_SUMMARY_LENGTH ? oneLine : `${oneLine.slice(0, INPUT_SUMMARY_LENGTH - 1)}…`;
}
