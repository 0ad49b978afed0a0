// `wave bench compare A B`: the tasks whose outcome changed between two benches (an error's class counts as part of
// its outcome: a timeout that became an OOM changed), and the tasks only one of them has.
import type { TaskReport } from './report.js';

export interface OutcomeChange {
  taskId: string;
  before: string;
  after: string;
}

export interface Comparison {
  changed: OutcomeChange[];
  /** Resolved in B, not in A / resolved in A, not in B. */
  gained: string[];
  lost: string[];
  onlyInA: string[];
  onlyInB: string[];
  unchanged: number;
}

export function outcomeLabel(t: Pick<TaskReport, 'outcome' | 'failureClass'>): string {
  return t.outcome === 'error' ? `error (${t.failureClass ?? 'infrastructure'})` : t.outcome;
}

export function compareTasks(a: readonly TaskReport[], b: readonly TaskReport[]): Comparison {
  const before = new Map(a.map((t) => [t.taskId, t]));
  const after = new Map(b.map((t) => [t.taskId, t]));
  const result: Comparison = { changed: [], gained: [], lost: [], onlyInA: [], onlyInB: [], unchanged: 0 };
  for (const [id, t] of before) {
    const other = after.get(id);
    if (!other) {
      result.onlyInA.push(id);
      continue;
    }
    const was = outcomeLabel(t);
    const now = outcomeLabel(other);
    if (was === now) {
      result.unchanged++;
      continue;
    }
    result.changed.push({ taskId: id, before: was, after: now });
    if (other.outcome === 'resolved') result.gained.push(id);
    if (t.outcome === 'resolved') result.lost.push(id);
  }
  for (const id of after.keys()) if (!before.has(id)) result.onlyInB.push(id);
  return result;
}
