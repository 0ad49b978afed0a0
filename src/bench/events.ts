// What a bench reports while it runs: one object per line with `-o json`, the progress line on a TTY.
import type { TaskOutcome } from '../state/index.js';

export type BenchEvent =
  | { type: 'bench_started'; benchId: string; dataset: string; tasks: number; done: number; skippedBad: number }
  | { type: 'task_skipped'; benchId: string; where: string; message: string }
  | { type: 'task_started'; benchId: string; taskId: string }
  | {
      type: 'task_finished';
      benchId: string;
      taskId: string;
      runId: string | null;
      outcome: TaskOutcome;
      failureClass: string | null;
      reason: string | null;
      runMs: number | null;
      evalMs: number | null;
    }
  | { type: 'task_released'; benchId: string; taskId: string; runId: string | null }
  | {
      type: 'bench_finished';
      benchId: string;
      status: 'completed' | 'cancelled';
      resolved: number;
      unresolved: number;
      errors: number;
      pending: number;
    };
