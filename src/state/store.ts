// The run state store: one SQLite file per project (`.wave/state.db`). Every state change is a method that
// checks the transition, updates the row and appends the matching event in one transaction, so the events
// table is a complete history and can never disagree with the status columns.
//
// Writes use IMMEDIATE transactions: a deferred one that reads and then writes can fail with SQLITE_BUSY at
// once (busy_timeout does not apply to a lock upgrade) when another process — `wave cancel` in a second
// terminal — wrote in between.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { WaveError } from '../errors.js';
import {
  STATE_CHANGE_EVENT_TYPES,
  type ArtifactCollectedEvent,
  type CancelRequestedEvent,
  type ContractResultEvent,
  type EventType,
  type FailureClass,
  type RunCompletedEvent,
  type RunFinalStatus,
  type RunStartedEvent,
  type StepCancelledEvent,
  type StepCompletedEvent,
  type StepFailedEvent,
  type ReusedArtifact,
  type StepResetEvent,
  type StepRetryingEvent,
  type StepReusedEvent,
  type StepSkippedEvent,
  type StepStartedEvent,
  type StepTimedOutEvent,
  type WaveEvent,
} from '../events/types.js';
import { currentOwner } from '../liveness.js';
import { isRunOwnerAlive } from './liveness.js';
import { newRunId } from './run-id.js';
import { migrate } from './migrations.js';
import {
  eventColumns,
  toArtifact,
  toAttempt,
  toContractResult,
  toEvent,
  toRun,
  toStep,
  type ArtifactRow,
  type AttemptRow,
  type ContractResultRow,
  type EventRow,
  type RunRow,
  type StepRow,
} from './rows.js';
import { assertRunTransition, assertStepTransition, canReuseStep, IllegalTransitionError } from './transitions.js';
import type {
  ArtifactRecord,
  AttemptRecord,
  ContractResultRecord,
  JsonObject,
  ListRunsQuery,
  RunOwner,
  RunRecord,
  StepRecord,
  StepStatus,
} from './types.js';

type Db = BetterSqlite3.Database;
type DatabaseConstructor = typeof BetterSqlite3;

// Loaded on first use so that importing src/state (types, run ids) never loads the native module.
let databaseConstructor: DatabaseConstructor | undefined;
function loadDatabase(): DatabaseConstructor {
  databaseConstructor ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  return databaseConstructor;
}

export interface StoreOptions {
  /** Called with every event the store wrote, after its transaction committed (e.g. `bus.emit`). */
  onEvent?: (event: WaveEvent) => void;
  /** Time source for rows and events; tests pin it. */
  clock?: () => Date;
  /** How long a write waits for another process's lock. */
  busyTimeoutMs?: number;
}

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
}

export interface StepStartInput {
  persona: string;
  adapter: string;
  model: string;
  image: string;
}

export interface AttemptEndInput {
  exitCode?: number | null;
  /** Last lines of output, kept for the retry prompt and `wave status`. */
  outputTail?: string;
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

export interface ArtifactInput {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

export interface ContractResultInput {
  index: number;
  contractType: string;
  ok: boolean;
  hard: boolean;
  errors: string[];
}

export interface StepReuseInput {
  /** The earlier run the result is taken from. */
  fromRun: string;
  /** The artifacts as copied into this run (paths in this run's workspace, hashes checked). */
  artifacts: readonly ReusedArtifact[];
}

export type CancelRequestResult = 'requested' | 'already_requested' | 'not_active';

export interface EventsQuery {
  stepId?: string;
  types?: readonly EventType[];
  /** At most this many, oldest first; 1000 unless given. */
  limit?: number;
}

/** A file that is not an SQLite database, or a damaged one, is the project's problem: say which and what to do. */
function unusableDb(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return err;
  const what = code === 'SQLITE_NOTADB' ? 'is not an SQLite database' : 'is damaged';
  return new WaveError('state_corrupt', `${path} ${what}: Wave cannot read its run state (${(err as Error).message})`, {
    hint: `move it away (mv ${path} ${path}.broken) and Wave starts a new one; its runs are then no longer listed`,
    cause: err,
  });
}

const INPUT_SUMMARY_LENGTH = 200;

export class Store {
  readonly path: string;
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly onEvent: ((event: WaveEvent) => void) | undefined;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.clock = options.clock ?? (() => new Date());
    this.onEvent = options.onEvent;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const Database = loadDatabase();
    this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db.pragma('foreign_keys = ON');
      // WAL makes NORMAL safe against corruption; a power cut may lose the last transactions, not the file.
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db, path);
    } catch (err) {
      this.db.close();
      throw unusableDb(err, path);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---------------------------------------------------------------- runs

  /** Inserts a pending run and its pending steps. Creation is not a state change, so no event is written. */
  createRun(input: CreateRunInput): RunRecord {
    const now = this.now();
    const id = input.id ?? newRunId(input.pipeline, new Date(now));
    this.db
      .transaction(() => {
        this.stmt(
          `INSERT INTO runs (id, pipeline, pipeline_path, input, status, created_at, options)
           VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
        ).run(id, input.pipeline, input.pipelinePath, input.input, now, JSON.stringify(input.options ?? {}));
        const insertStep = this.stmt(
          `INSERT INTO steps (run_id, step_id, status, level, position) VALUES (?, ?, 'pending', ?, ?)`,
        );
        for (const step of input.steps ?? []) insertStep.run(id, step.stepId, step.level, step.position);
      })
      .immediate();
    return this.requireRun(id);
  }

  /** Adds pending steps to an existing run (for callers that plan after creating the run). */
  addSteps(runId: string, steps: readonly StepPlan[]): void {
    this.requireRun(runId);
    const insertStep = this.stmt(
      `INSERT INTO steps (run_id, step_id, status, level, position) VALUES (?, ?, 'pending', ?, ?)`,
    );
    this.db.transaction(() => {
      for (const step of steps) insertStep.run(runId, step.stepId, step.level, step.position);
    }).immediate();
  }

  startRun(runId: string, owner: RunOwner = currentOwner()): RunStartedEvent {
    return this.change((append) => {
      const run = this.requireRunRow(runId);
      assertRunTransition(runId, run.status, 'running');
      const now = this.now();
      this.stmt(
        `UPDATE runs SET status = 'running', started_at = ?, owner_host = ?, owner_pid = ?, owner_start = ?,
           heartbeat_at = ? WHERE id = ?`,
      ).run(now, owner.host, owner.pid, owner.start ?? null, now, runId);
      return append<RunStartedEvent>({
        type: 'run_started',
        runId,
        time: now,
        pipeline: run.pipeline,
        input: summarize(run.input),
        resumed: false,
      });
    });
  }

  finishRun(
    runId: string,
    status: RunFinalStatus,
    details: { error?: string; exitCode?: number } = {},
  ): RunCompletedEvent {
    return this.change((append) => {
      const run = this.requireRunRow(runId);
      assertRunTransition(runId, run.status, status);
      const now = this.now();
      this.stmt(`UPDATE runs SET status = ?, finished_at = ?, error = ?, exit_code = ? WHERE id = ?`).run(
        status,
        now,
        details.error ?? null,
        details.exitCode ?? null,
        runId,
      );
      const started = run.started_at ?? run.created_at;
      return append<RunCompletedEvent>({
        type: 'run_completed',
        runId,
        time: now,
        status,
        durationMs: Math.max(0, Date.parse(now) - Date.parse(started)),
        ...(details.error === undefined ? {} : { error: details.error }),
      });
    });
  }

  /**
   * Ends a run whose owner is gone (the reaper, or `wave resume` finding a dead owner): steps still running
   * or waiting to retry fail as interrupted, then the run fails. Pending steps stay pending for resume.
   */
  abandonRun(runId: string, reason: string): WaveEvent[] {
    return this.changeMany((append) => {
      const run = this.requireRunRow(runId);
      assertRunTransition(runId, run.status, 'failed');
      this.closeInterruptedStepsInTx(runId, reason, append);
      const now = this.now();
      this.stmt(`UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?`).run(now, reason, runId);
      append<RunCompletedEvent>({
        type: 'run_completed',
        runId,
        time: now,
        status: 'failed',
        durationMs: Math.max(0, Date.parse(now) - Date.parse(run.started_at ?? run.created_at)),
        error: reason,
      });
    });
  }

  /**
   * Picks a failed or cancelled run up again under the same id: unfinished steps go back to pending (their
   * attempts stay, so attempt numbers keep counting), the cancel request is cleared, and this process owns it.
   * A step the ended run left open (`running` or `retrying`: its process died, or a throw kept the executor
   * from recording the end) first fails as interrupted, in the same transaction: the state machine has no
   * running → pending edge, and every reset starts from a terminal state with its attempt closed.
   */
  resumeRun(runId: string, owner: RunOwner = currentOwner()): WaveEvent[] {
    return this.changeMany((append) => {
      const run = this.requireRunRow(runId);
      assertRunTransition(runId, run.status, 'running');
      this.closeInterruptedStepsInTx(runId, `interrupted: the run ended (${run.status}) while the step was unfinished`, append);
      const now = this.now();
      for (const step of this.stepRows(runId)) {
        if (step.status === 'completed' || step.status === 'pending') continue;
        assertStepTransition(runId, step.step_id, step.status, 'pending');
        this.stmt(
          `UPDATE steps SET status = 'pending', finished_at = NULL, error = NULL, retry_delay_ms = 0
           WHERE run_id = ? AND step_id = ?`,
        ).run(runId, step.step_id);
        append<StepResetEvent>({
          type: 'step_reset',
          runId,
          stepId: step.step_id,
          attempt: step.attempts,
          time: now,
          from: step.status,
        });
      }
      this.stmt(`DELETE FROM cancellations WHERE run_id = ?`).run(runId);
      this.stmt(
        `UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, exit_code = NULL,
           started_at = COALESCE(started_at, ?), owner_host = ?, owner_pid = ?, owner_start = ?, heartbeat_at = ?
         WHERE id = ?`,
      ).run(now, owner.host, owner.pid, owner.start ?? null, now, runId);
      append<RunStartedEvent>({
        type: 'run_started',
        runId,
        time: now,
        pipeline: run.pipeline,
        input: summarize(run.input),
        resumed: true,
      });
    });
  }

  /**
   * A run whose Wave process on this host is gone (kill -9, a crash) is abandoned there and then, so `wave
   * status` shows it failed with its open steps interrupted, not `running` until someone resumes it. A run
   * owned on another host is left alone: its process cannot be seen from here. Returns whether it was.
   */
  abandonIfOwnerDied(runId: string, host: string = hostname()): boolean {
    return this.transaction(() => {
      const run = this.requireRunRow(runId);
      if (run.status !== 'running' || run.owner_host !== host) return false;
      if (isRunOwnerAlive(toRun(run))) return false;
      this.abandonRun(runId, `the Wave process running it (pid ${run.owner_pid ?? '?'}) died`);
      return true;
    });
  }

  /** The owner is alive: `runsOwnedByDeadProcesses` and stale-run checks read this. */
  heartbeat(runId: string): void {
    this.stmt(`UPDATE runs SET heartbeat_at = ? WHERE id = ?`).run(this.now(), runId);
  }

  /** `wave cancel`: may come from another process; the executor polls `isCancelRequested`. */
  requestCancel(runId: string): CancelRequestResult {
    let result: CancelRequestResult = 'not_active';
    this.change((append) => {
      const run = this.requireRunRow(runId);
      if (run.status !== 'pending' && run.status !== 'running') return undefined;
      const now = this.now();
      const inserted = this.stmt(`INSERT OR IGNORE INTO cancellations (run_id, requested_at) VALUES (?, ?)`).run(
        runId,
        now,
      );
      if (inserted.changes === 0) {
        result = 'already_requested';
        return undefined;
      }
      result = 'requested';
      return append<CancelRequestedEvent>({ type: 'cancel_requested', runId, time: now });
    });
    return result;
  }

  isCancelRequested(runId: string): boolean {
    return this.stmt(`SELECT 1 FROM cancellations WHERE run_id = ?`).get(runId) !== undefined;
  }

  /** `wave clean`: the run and everything recorded about it (rows cascade). */
  deleteRun(runId: string): boolean {
    return this.stmt(`DELETE FROM runs WHERE id = ?`).run(runId).changes > 0;
  }

  // ---------------------------------------------------------------- steps

  /** Starts the next attempt (the first, or the one after a retry) of a pending or retrying step. */
  startStep(runId: string, stepId: string, input: StepStartInput): StepStartedEvent {
    return this.change((append) => {
      const run = this.requireRunRow(runId);
      if (run.status !== 'running') throw new IllegalTransitionError(`run ${runId} (start of step ${stepId})`, run.status, 'running');
      const step = this.requireStepRow(runId, stepId);
      assertStepTransition(runId, stepId, step.status, 'running');
      const now = this.now();
      const attempt = step.attempts + 1;
      this.stmt(
        `UPDATE steps SET status = 'running', attempts = ?, started_at = COALESCE(started_at, ?),
           finished_at = NULL, error = NULL, retry_delay_ms = 0
         WHERE run_id = ? AND step_id = ?`,
      ).run(attempt, now, runId, stepId);
      this.stmt(
        `INSERT INTO attempts (run_id, step_id, attempt, status, started_at, delay_ms)
         VALUES (?, ?, ?, 'running', ?, ?)`,
      ).run(runId, stepId, attempt, now, step.retry_delay_ms);
      return append<StepStartedEvent>({ type: 'step_started', runId, stepId, attempt, time: now, ...input });
    });
  }

  /** Which container runs the current attempt, for `wave cancel` and the reaper. Not a state change. */
  setAttemptContainer(runId: string, stepId: string, containerId: string): void {
    const step = this.requireStepRow(runId, stepId);
    this.stmt(`UPDATE attempts SET container_id = ? WHERE run_id = ? AND step_id = ? AND attempt = ?`).run(
      containerId,
      runId,
      stepId,
      step.attempts,
    );
  }

  completeStep(runId: string, stepId: string, input: AttemptEndInput = {}): StepCompletedEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      assertStepTransition(runId, stepId, step.status, 'completed');
      const now = this.now();
      this.endAttempt(step, 'completed', now, { ...input, reason: null, failureClass: null });
      this.setStepStatus(step, 'completed', now, null);
      return append<StepCompletedEvent>({
        type: 'step_completed',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        durationMs: Math.max(0, Date.parse(now) - Date.parse(step.started_at ?? now)),
      });
    });
  }

  /** The step failed for good (its last attempt, or a failure not worth retrying). */
  failStep(runId: string, stepId: string, input: StepFailureInput): StepFailedEvent {
    return this.change((append) => append(this.failStepInTx(this.requireStepRow(runId, stepId), input)));
  }

  timeOutStep(runId: string, stepId: string, input: AttemptEndInput & { timeoutMs: number }): StepTimedOutEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      assertStepTransition(runId, stepId, step.status, 'timed_out');
      const now = this.now();
      const reason = `timed out after ${input.timeoutMs} ms`;
      this.endAttempt(step, 'timed_out', now, { ...input, reason, failureClass: 'timeout' });
      this.setStepStatus(step, 'timed_out', now, reason);
      return append<StepTimedOutEvent>({
        type: 'step_timed_out',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        timeoutMs: input.timeoutMs,
      });
    });
  }

  /** Closes the current attempt as failed (or timed out) and waits `delayMs` before the next `startStep`. */
  retryStep(runId: string, stepId: string, input: StepRetryInput): StepRetryingEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      assertStepTransition(runId, stepId, step.status, 'retrying');
      const now = this.now();
      this.endAttempt(step, input.failureClass === 'timeout' ? 'timed_out' : 'failed', now, input);
      this.stmt(`UPDATE steps SET status = 'retrying', retry_delay_ms = ?, error = ? WHERE run_id = ? AND step_id = ?`).run(
        input.delayMs,
        input.reason,
        runId,
        stepId,
      );
      return append<StepRetryingEvent>({
        type: 'step_retrying',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        nextAttempt: step.attempts + 1,
        delayMs: input.delayMs,
        reason: input.reason,
        failureClass: input.failureClass,
      });
    });
  }

  cancelStep(runId: string, stepId: string, reason: string): StepCancelledEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      assertStepTransition(runId, stepId, step.status, 'cancelled');
      const now = this.now();
      if (step.status === 'running') {
        this.endAttempt(step, 'cancelled', now, { reason, failureClass: 'cancelled' });
      }
      this.setStepStatus(step, 'cancelled', now, reason);
      return append<StepCancelledEvent>({
        type: 'step_cancelled',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        reason,
      });
    });
  }

  /** A step that will not run (a dependency failed, or it was excluded). */
  skipStep(runId: string, stepId: string, reason: string): StepSkippedEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      assertStepTransition(runId, stepId, step.status, 'skipped');
      const now = this.now();
      this.setStepStatus(step, 'skipped', now, reason);
      return append<StepSkippedEvent>({
        type: 'step_skipped',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        reason,
      });
    });
  }

  /**
   * `wave run --from-step`: a step that is not run again takes over its completed result from an earlier run.
   * It becomes completed with no attempt, remembers the run it came from, and gets the copied artifacts, all
   * in one transaction with its `step_reused` event, so dependents can rely on the artifacts the moment it
   * reads as completed.
   */
  reuseStep(runId: string, stepId: string, input: StepReuseInput): StepReusedEvent {
    return this.change((append) => {
      const run = this.requireRunRow(runId);
      if (run.status !== 'running') throw new IllegalTransitionError(`run ${runId} (reuse of step ${stepId})`, run.status, 'running');
      const step = this.requireStepRow(runId, stepId);
      if (!canReuseStep(step.status, step.attempts)) {
        throw new IllegalTransitionError(`step ${stepId} of run ${runId} (reuse, ${step.attempts} attempt(s))`, step.status, 'completed');
      }
      if (input.fromRun === runId) throw new Error(`step ${stepId} of run ${runId} cannot reuse its own run`);
      const now = this.now();
      this.stmt(
        `UPDATE steps SET status = 'completed', reused_from = ?, started_at = ?, finished_at = ?, error = NULL
         WHERE run_id = ? AND step_id = ?`,
      ).run(input.fromRun, now, now, runId, stepId);
      const insert = this.stmt(
        `INSERT INTO artifacts (run_id, step_id, name, path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const a of input.artifacts) insert.run(runId, stepId, a.name, a.path, a.size, a.sha256, now);
      return append<StepReusedEvent>({
        type: 'step_reused',
        runId,
        stepId,
        time: now,
        fromRun: input.fromRun,
        artifacts: input.artifacts.map((a) => ({ name: a.name, path: a.path, size: a.size, sha256: a.sha256 })),
      });
    });
  }

  /** An output file of the current attempt; collecting the same name again (on a retry) replaces it. */
  recordArtifact(runId: string, stepId: string, artifact: ArtifactInput): ArtifactCollectedEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      const now = this.now();
      this.stmt(
        `INSERT INTO artifacts (run_id, step_id, name, path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step_id, name)
         DO UPDATE SET path = excluded.path, size = excluded.size, sha256 = excluded.sha256,
           created_at = excluded.created_at`,
      ).run(runId, stepId, artifact.name, artifact.path, artifact.size, artifact.sha256, now);
      return append<ArtifactCollectedEvent>({
        type: 'artifact_collected',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        ...artifact,
      });
    });
  }

  /** One contract's verdict on the current attempt. */
  recordContractResult(runId: string, stepId: string, result: ContractResultInput): ContractResultEvent {
    return this.change((append) => {
      const step = this.requireStepRow(runId, stepId);
      if (step.attempts === 0) throw new Error(`step ${stepId} of run ${runId} has no attempt to judge`);
      const now = this.now();
      this.stmt(
        `INSERT OR REPLACE INTO contract_results
           (run_id, step_id, attempt, contract_index, contract_type, ok, hard, errors)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        runId,
        stepId,
        step.attempts,
        result.index,
        result.contractType,
        result.ok ? 1 : 0,
        result.hard ? 1 : 0,
        JSON.stringify(result.errors),
      );
      return append<ContractResultEvent>({
        type: 'contract_result',
        runId,
        stepId,
        attempt: step.attempts,
        time: now,
        ...result,
      });
    });
  }

  // ---------------------------------------------------------------- events

  /**
   * Stores an event that is not a state change (output, tool calls, usage, warnings …). State-change types
   * are refused: they are written only by the method that makes the change, so they cannot be stored twice
   * or without the change. Returns the event with its `eventId`.
   */
  appendEvent<E extends WaveEvent>(event: E): E & { eventId: number } {
    if ((STATE_CHANGE_EVENT_TYPES as readonly string[]).includes(event.type)) {
      throw new Error(`"${event.type}" events are written by the state store's transitions, not appended`);
    }
    if (event.eventId !== undefined) return event as E & { eventId: number };
    return this.insertEvent(event);
  }

  /** Events of a run after a cursor (an `eventId`, 0 for the start), oldest first, at most `query.limit`. */
  eventsSince(runId: string, afterId = 0, query: EventsQuery = {}): WaveEvent[] {
    const { where, params } = eventFilter(runId, afterId, query);
    const rows = this.stmt(`SELECT * FROM events WHERE ${where} ORDER BY id LIMIT ?`).all(
      ...params,
      query.limit ?? 1000,
    ) as EventRow[];
    return rows.map(toEvent);
  }

  /**
   * All events of a run after a cursor, oldest first, read one row at a time (better-sqlite3's `iterate`):
   * `wave logs [--follow]` on a run of any size in flat memory. While the loop runs this store can run no other
   * statement (a better-sqlite3 rule): finish or break out of it first.
   */
  *iterateEvents(runId: string, afterId = 0, query: Omit<EventsQuery, 'limit'> = {}): Generator<WaveEvent, void, undefined> {
    const { where, params } = eventFilter(runId, afterId, query);
    // Prepared afresh: a cached statement that is mid-iteration cannot be used by anyone else.
    const rows = this.db.prepare(`SELECT * FROM events WHERE ${where} ORDER BY id`).iterate(...params) as IterableIterator<EventRow>;
    for (const row of rows) yield toEvent(row);
  }

  /**
   * `wave clean`: gives the space of deleted rows back to the file system. Deleting only marks pages free, so
   * the file would keep its size forever; VACUUM rewrites it, and the TRUNCATE checkpoint empties the WAL that
   * VACUUM wrote through (unless another process is reading at that moment: then its size stays until later).
   */
  compact(): void {
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  // ---------------------------------------------------------------- queries

  getRun(runId: string): RunRecord | undefined {
    const row = this.stmt(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
    return row && toRun(row);
  }

  /** Like getRun, but a missing run is the user's mistake (a mistyped id) and says so. */
  requireRun(runId: string): RunRecord {
    return toRun(this.requireRunRow(runId));
  }

  /** Newest first. Served from the (status, created_at) and created_at indexes. */
  listRuns(query: ListRunsQuery = {}): RunRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const statuses = query.status === undefined ? [] : typeof query.status === 'string' ? [query.status] : query.status;
    if (statuses.length > 0) {
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (query.pipeline !== undefined) {
      where.push('pipeline = ?');
      params.push(query.pipeline);
    }
    params.push(query.limit ?? 20);
    const sql =
      `SELECT * FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY created_at DESC, id DESC LIMIT ?`;
    return (this.stmt(sql).all(...params) as RunRow[]).map(toRun);
  }

  /**
   * `wave run --from-step`: the newest run of `pipeline` in which every one of `stepIds` completed (ran or was
   * itself reused), other than `exceptRunId`. Served from the (pipeline, created_at) index and the steps key.
   */
  latestRunWithCompletedSteps(pipeline: string, stepIds: readonly string[], exceptRunId?: string): RunRecord | undefined {
    const ids = [...new Set(stepIds)];
    const row = this.stmt(
        `SELECT r.* FROM runs r
         WHERE r.pipeline = ? AND r.id <> ?
           AND (SELECT COUNT(*) FROM steps s
                WHERE s.run_id = r.id AND s.status = 'completed'
                  AND s.step_id IN (${ids.map(() => '?').join(', ') || 'NULL'})) = ?
         ORDER BY r.created_at DESC, r.id DESC LIMIT 1`,
      ).get(pipeline, exceptRunId ?? '', ...ids, ids.length) as RunRow | undefined;
    return row && toRun(row);
  }

  /** In pipeline order: by level, then position. */
  getSteps(runId: string): StepRecord[] {
    return this.stepRows(runId).map(toStep);
  }

  getStep(runId: string, stepId: string): StepRecord | undefined {
    const row = this.stepRow(runId, stepId);
    return row && toStep(row);
  }

  getAttempts(runId: string, stepId?: string): AttemptRecord[] {
    const rows =
      stepId === undefined
        ? this.stmt(
            `SELECT a.* FROM attempts a JOIN steps s USING (run_id, step_id)
             WHERE a.run_id = ? ORDER BY s.level, s.position, a.step_id, a.attempt`,
          ).all(runId)
        : this.stmt(`SELECT * FROM attempts WHERE run_id = ? AND step_id = ? ORDER BY attempt`).all(runId, stepId);
    return (rows as AttemptRow[]).map(toAttempt);
  }

  artifacts(runId: string, stepId?: string): ArtifactRecord[] {
    const rows =
      stepId === undefined
        ? this.stmt(`SELECT * FROM artifacts WHERE run_id = ? ORDER BY step_id, name`).all(runId)
        : this.stmt(`SELECT * FROM artifacts WHERE run_id = ? AND step_id = ? ORDER BY name`).all(runId, stepId);
    return (rows as ArtifactRow[]).map(toArtifact);
  }

  contractResults(runId: string, stepId?: string): ContractResultRecord[] {
    const rows =
      stepId === undefined
        ? this.stmt(`SELECT * FROM contract_results WHERE run_id = ? ORDER BY step_id, attempt, contract_index`).all(runId)
        : this.stmt(
            `SELECT * FROM contract_results WHERE run_id = ? AND step_id = ? ORDER BY attempt, contract_index`,
          ).all(runId, stepId);
    return (rows as ContractResultRow[]).map(toContractResult);
  }

  /**
   * Running runs on this host whose owner process no longer exists: a crash or `kill -9` left them behind.
   * A pid reused by an unrelated process does not keep a run alive: the owner's start time must match too.
   */
  runsOwnedByDeadProcesses(host: string = hostname()): RunRecord[] {
    const rows = this.stmt(`SELECT * FROM runs WHERE status = 'running' AND owner_host = ? ORDER BY created_at`).all(
      host,
    ) as RunRow[];
    return rows.map(toRun).filter((run) => !isRunOwnerAlive(run));
  }

  /** For tests and `wave doctor`: SQLite's own consistency check ("ok" when healthy). */
  integrityCheck(): string {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check).join('\n');
  }

  /** Runs several store calls as one transaction (e.g. seeding many runs). Events are delivered after commit. */
  transaction<T>(fn: () => T): T {
    const outer = this.pendingEvents === undefined;
    if (outer) this.pendingEvents = [];
    try {
      const result = this.db.transaction(fn).immediate();
      if (outer) this.deliver();
      return result;
    } finally {
      if (outer) this.pendingEvents = undefined;
    }
  }

  // ---------------------------------------------------------------- internals

  private pendingEvents: WaveEvent[] | undefined;

  /** Runs `fn` in a write transaction; the events it appends are delivered to `onEvent` after commit. */
  private change<T extends WaveEvent | undefined>(fn: (append: <E extends WaveEvent>(event: E) => E) => T): T {
    return this.transaction(() => fn((event) => this.insertEvent(event)));
  }

  private changeMany(fn: (append: <E extends WaveEvent>(event: E) => E) => void): WaveEvent[] {
    const events: WaveEvent[] = [];
    this.change((append) => {
      fn((event) => {
        const stored = append(event);
        events.push(stored);
        return stored;
      });
      return undefined;
    });
    return events;
  }

  private insertEvent<E extends WaveEvent>(event: E): E & { eventId: number } {
    const columns = eventColumns(event);
    const info = this.stmt(
      `INSERT INTO events (run_id, step_id, attempt, type, time, payload) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(columns.runId, columns.stepId, columns.attempt, columns.type, columns.time, columns.payload);
    const stored = { ...event, eventId: Number(info.lastInsertRowid) };
    this.pendingEvents?.push(stored);
    return stored;
  }

  private deliver(): void {
    const events = this.pendingEvents ?? [];
    this.pendingEvents = undefined;
    if (!this.onEvent) return;
    for (const event of events) this.onEvent(event);
  }

  /**
   * For a run that no longer runs: every step still `running` or `retrying` fails as `infrastructure` (it
   * was not the step's doing), and any attempt row still marked running is closed, whatever its step says.
   */
  private closeInterruptedStepsInTx(runId: string, reason: string, append: <E extends WaveEvent>(event: E) => E): void {
    for (const step of this.stepRows(runId)) {
      if (step.status !== 'running' && step.status !== 'retrying') continue;
      append(this.failStepInTx(step, { reason, failureClass: 'infrastructure', exitCode: null }));
    }
    this.stmt(
      `UPDATE attempts SET status = 'failed', finished_at = ?, reason = COALESCE(reason, ?),
         failure_class = COALESCE(failure_class, 'infrastructure')
       WHERE run_id = ? AND status = 'running'`,
    ).run(this.now(), reason, runId);
  }

  private failStepInTx(step: StepRow, input: StepFailureInput): StepFailedEvent {
    assertStepTransition(step.run_id, step.step_id, step.status, 'failed');
    const now = this.now();
    // From retrying the attempt is already closed; only the step changes.
    if (step.status === 'running') this.endAttempt(step, 'failed', now, input);
    this.setStepStatus(step, 'failed', now, input.reason);
    return {
      type: 'step_failed',
      runId: step.run_id,
      stepId: step.step_id,
      attempt: step.attempts,
      time: now,
      reason: input.reason,
      exitCode: input.exitCode ?? null,
      failureClass: input.failureClass,
      ...(input.detail ? { detail: input.detail } : {}),
    };
  }

  private endAttempt(
    step: StepRow,
    status: 'completed' | 'failed' | 'timed_out' | 'cancelled',
    now: string,
    input: AttemptEndInput & { reason: string | null; failureClass: FailureClass | null },
  ): void {
    this.stmt(
      `UPDATE attempts SET status = ?, finished_at = ?, exit_code = ?, reason = ?, failure_class = ?,
         output_tail = COALESCE(?, output_tail)
       WHERE run_id = ? AND step_id = ? AND attempt = ?`,
    ).run(
      status,
      now,
      input.exitCode ?? null,
      input.reason,
      input.failureClass,
      input.outputTail ?? null,
      step.run_id,
      step.step_id,
      step.attempts,
    );
  }

  private setStepStatus(step: StepRow, status: StepStatus, now: string, error: string | null): void {
    this.stmt(`UPDATE steps SET status = ?, finished_at = ?, error = ? WHERE run_id = ? AND step_id = ?`).run(
      status,
      now,
      error,
      step.run_id,
      step.step_id,
    );
  }

  private requireRunRow(runId: string): RunRow {
    const row = this.stmt(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
    if (!row) {
      throw new WaveError('run_not_found', `no run "${runId}" in ${this.path}`, {
        hint: 'list runs with: wave list runs',
      });
    }
    return row;
  }

  private stepRow(runId: string, stepId: string): StepRow | undefined {
    return this.stmt(`SELECT * FROM steps WHERE run_id = ? AND step_id = ?`).get(runId, stepId) as StepRow | undefined;
  }

  private requireStepRow(runId: string, stepId: string): StepRow {
    const row = this.stepRow(runId, stepId);
    // The executor only names steps it created, so a miss is a bug rather than user input.
    if (!row) throw new Error(`run ${runId} has no step "${stepId}"`);
    return row;
  }

  private stepRows(runId: string): StepRow[] {
    return this.stmt(`SELECT * FROM steps WHERE run_id = ? ORDER BY level, position, step_id`).all(runId) as StepRow[];
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

/** The WHERE clause (and its parameters) of an events query: one run, after a cursor, optionally one step and types. */
function eventFilter(runId: string, afterId: number, query: Omit<EventsQuery, 'limit'>): { where: string; params: (string | number)[] } {
  const where = ['run_id = ?', 'id > ?'];
  const params: (string | number)[] = [runId, afterId];
  if (query.stepId !== undefined) {
    where.push('step_id = ?');
    params.push(query.stepId);
  }
  if (query.types && query.types.length > 0) {
    where.push(`type IN (${query.types.map(() => '?').join(', ')})`);
    params.push(...query.types);
  }
  return { where: where.join(' AND '), params };
}

function summarize(input: string): string {
  const oneLine = input.replace(/\s+/g, ' ').trim();
  return oneLine.length <= INPUT_SUMMARY_LENGTH ? oneLine : `${oneLine.slice(0, INPUT_SUMMARY_LENGTH - 1)}…`;
}
