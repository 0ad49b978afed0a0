// Bench batches (`wave bench run`) and their tasks: which run did each task's work and what its evaluation said.
// A task's row is 'done' only with its verdict, in one write: a Wave killed in between leaves it 'running', and
// the same bench id then runs it again while every 'done' task is kept.
import { currentOwner } from '../liveness.js';
import type { StateDb } from './db.js';
import type { JsonObject } from './types.js';

export type BenchStatus = 'running' | 'completed' | 'cancelled' | 'interrupted';
export type BenchTaskStatus = 'pending' | 'running' | 'done';
export type TaskOutcome = 'resolved' | 'unresolved' | 'error';

export interface BenchRecord {
  id: string;
  dataset: string;
  format: 'jsonl' | 'harbor';
  pipeline: string;
  options: JsonObject;
  status: BenchStatus;
  createdAt: string;
  finishedAt: string | null;
  ownerHost: string | null;
  ownerPid: number | null;
  ownerStart: string | null;
  cancelRequested: boolean;
}

export interface BenchVerdict {
  outcome: TaskOutcome;
  /** Why an 'error' was not the answer's fault: timeout, oom, image_build, provider_error, contract, infrastructure. */
  failureClass: string | null;
  reason: string | null;
  reward: number | null;
  /** Per test (SWE-bench) or the script's result (Harbor), as the report shows it. */
  tests: JsonObject | null;
  runMs: number | null;
  evalMs: number | null;
}

export interface BenchTaskRecord extends Partial<BenchVerdict> {
  benchId: string;
  taskId: string;
  position: number;
  status: BenchTaskStatus;
  runId: string | null;
  tries: number;
  startedAt: string | null;
  finishedAt: string | null;
}

interface BenchRow {
  id: string;
  dataset: string;
  format: 'jsonl' | 'harbor';
  pipeline: string;
  options: string;
  status: BenchStatus;
  created_at: string;
  finished_at: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  owner_start: string | null;
  cancel_requested: number;
}

interface TaskRow {
  bench_id: string;
  task_id: string;
  position: number;
  status: BenchTaskStatus;
  run_id: string | null;
  tries: number;
  outcome: TaskOutcome | null;
  failure_class: string | null;
  reason: string | null;
  reward: number | null;
  tests: string | null;
  started_at: string | null;
  finished_at: string | null;
  run_ms: number | null;
  eval_ms: number | null;
}

export interface CreateBenchInput {
  id: string;
  dataset: string;
  format: 'jsonl' | 'harbor';
  pipeline: string;
  options: JsonObject;
  tasks: string[];
}

export class BenchRepository {
  constructor(private readonly db: StateDb) {}

  /**
   * A new bench, or the existing one under this id taken over by this process (its status back to running): tasks
   * it does not have yet are added after the others; tasks it has keep their rows.
   */
  open(input: CreateBenchInput): BenchRecord {
    return this.db.write(() => {
      const now = this.db.now();
      const owner = currentOwner();
      this.db
        .stmt(
          `INSERT INTO benches (id, dataset, format, pipeline, options, status, created_at, owner_host, owner_pid,
             owner_start) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET status = 'running', finished_at = NULL, cancel_requested = 0,
             owner_host = excluded.owner_host, owner_pid = excluded.owner_pid, owner_start = excluded.owner_start`,
        )
        .run(
          input.id,
          input.dataset,
          input.format,
          input.pipeline,
          JSON.stringify(input.options),
          now,
          owner.host,
          owner.pid,
          owner.start ?? null,
        );
      const next = this.db.stmt(`SELECT COALESCE(MAX(position) + 1, 0) AS n FROM bench_tasks WHERE bench_id = ?`);
      let position = (next.get(input.id) as { n: number }).n;
      const insert = this.db.stmt(
        `INSERT OR IGNORE INTO bench_tasks (bench_id, task_id, position, status) VALUES (?, ?, ?, 'pending')`,
      );
      for (const taskId of input.tasks) if (insert.run(input.id, taskId, position).changes) position++;
      return this.require(input.id);
    });
  }

  get(id: string): BenchRecord | undefined {
    const row = this.db.stmt(`SELECT * FROM benches WHERE id = ?`).get(id) as BenchRow | undefined;
    return row ? toBench(row) : undefined;
  }

  require(id: string): BenchRecord {
    const bench = this.get(id);
    if (!bench) throw new Error(`bench ${id} does not exist`);
    return bench;
  }

  list(limit = 50): BenchRecord[] {
    const rows = this.db.stmt(`SELECT * FROM benches ORDER BY created_at DESC, id DESC LIMIT ?`).all(limit);
    return (rows as BenchRow[]).map(toBench);
  }

  tasks(benchId: string): BenchTaskRecord[] {
    const rows = this.db.stmt(`SELECT * FROM bench_tasks WHERE bench_id = ? ORDER BY position`).all(benchId);
    return (rows as TaskRow[]).map(toTask);
  }

  task(benchId: string, taskId: string): BenchTaskRecord | undefined {
    const row = this.db.stmt(`SELECT * FROM bench_tasks WHERE bench_id = ? AND task_id = ?`).get(benchId, taskId);
    return row ? toTask(row as TaskRow) : undefined;
  }

  /** The task starts (again): its run is this one. */
  startTask(benchId: string, taskId: string, runId: string | null): void {
    this.db.write(() => {
      this.db
        .stmt(
          `UPDATE bench_tasks SET status = 'running', run_id = ?, tries = tries + 1, started_at = ?, finished_at = NULL
           WHERE bench_id = ? AND task_id = ? AND status != 'done'`,
        )
        .run(runId, this.db.now(), benchId, taskId);
    });
  }

  /** The task's run id, once it exists (a run is created after the task has started). */
  attachRun(benchId: string, taskId: string, runId: string): void {
    this.db.write(() => {
      this.db.stmt(`UPDATE bench_tasks SET run_id = ? WHERE bench_id = ? AND task_id = ?`).run(runId, benchId, taskId);
    });
  }

  finishTask(benchId: string, taskId: string, verdict: BenchVerdict): void {
    this.db.write(() => {
      this.db
        .stmt(
          `UPDATE bench_tasks SET status = 'done', outcome = ?, failure_class = ?, reason = ?, reward = ?, tests = ?,
             run_ms = ?, eval_ms = ?, finished_at = ? WHERE bench_id = ? AND task_id = ?`,
        )
        .run(
          verdict.outcome,
          verdict.failureClass,
          verdict.reason,
          verdict.reward,
          verdict.tests === null ? null : JSON.stringify(verdict.tests),
          verdict.runMs,
          verdict.evalMs,
          this.db.now(),
          benchId,
          taskId,
        );
    });
  }

  /** A task stopped by a cancel: it has no verdict and runs again when the bench is run again. */
  releaseTask(benchId: string, taskId: string, reason: string): void {
    this.db.write(() => {
      this.db
        .stmt(`UPDATE bench_tasks SET status = 'pending', reason = ? WHERE bench_id = ? AND task_id = ?`)
        .run(reason, benchId, taskId);
    });
  }

  finish(benchId: string, status: Exclude<BenchStatus, 'running'>): void {
    this.db.write(() => {
      this.db
        .stmt(`UPDATE benches SET status = ?, finished_at = ?, owner_pid = NULL WHERE id = ?`)
        .run(status, this.db.now(), benchId);
    });
  }

  /** Tokens the run and its child runs reported (the sum of their usage events). */
  tokensOf(runId: string): { input: number; output: number; cacheRead: number; cacheWrite: number } {
    const row = this.db
      .stmt(
        `WITH RECURSIVE tree (id) AS (
           SELECT ? UNION ALL SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id
         )
         SELECT COALESCE(SUM(json_extract(payload, '$.inputTokens')), 0) AS input,
                COALESCE(SUM(json_extract(payload, '$.outputTokens')), 0) AS output,
                COALESCE(SUM(json_extract(payload, '$.cacheReadTokens')), 0) AS cacheRead,
                COALESCE(SUM(json_extract(payload, '$.cacheWriteTokens')), 0) AS cacheWrite
         FROM events WHERE type = 'usage' AND run_id IN (SELECT id FROM tree)`,
      )
      .get(runId) as { input: number; output: number; cacheRead: number; cacheWrite: number };
    return row;
  }

  requestCancel(benchId: string): void {
    this.db.write(() => {
      this.db.stmt(`UPDATE benches SET cancel_requested = 1 WHERE id = ?`).run(benchId);
    });
  }
}

function toBench(row: BenchRow): BenchRecord {
  return {
    id: row.id,
    dataset: row.dataset,
    format: row.format,
    pipeline: row.pipeline,
    options: JSON.parse(row.options) as JsonObject,
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    ownerHost: row.owner_host,
    ownerPid: row.owner_pid,
    ownerStart: row.owner_start,
    cancelRequested: row.cancel_requested === 1,
  };
}

function toTask(row: TaskRow): BenchTaskRecord {
  return {
    benchId: row.bench_id,
    taskId: row.task_id,
    position: row.position,
    status: row.status,
    runId: row.run_id,
    tries: row.tries,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    ...(row.outcome
      ? {
          outcome: row.outcome,
          failureClass: row.failure_class,
          reason: row.reason,
          reward: row.reward,
          tests: row.tests === null ? null : (JSON.parse(row.tests) as JsonObject),
          runMs: row.run_ms,
          evalMs: row.eval_ms,
        }
      : {}),
  };
}
