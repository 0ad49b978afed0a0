// The run tree (DESIGN.md "A run is a tree"): a pipeline or iterate step's child runs, found again by their
// parent run, step and item index, and every run below a root, for status, cancel and resume at any depth.
import type { StateDb } from './db.js';
import { toRun, type RunRow } from './rows.js';
import type { RunRecord } from './types.js';

/** A child run's place in its parent: the step that started it and, for an iterate item, its index. */
export interface RunParent {
  runId: string;
  stepId: string;
  itemIndex?: number;
}

/** The child of `parent` (an iterate item's, or a sub-pipeline step's only child when itemIndex is absent). */
export function childRunRow(db: StateDb, parent: RunParent): RunRecord | undefined {
  const row = db
    .stmt(`SELECT * FROM runs WHERE parent_run_id = ? AND parent_step_id = ? AND item_index IS ?`)
    .get(parent.runId, parent.stepId, parent.itemIndex ?? null) as RunRow | undefined;
  return row && toRun(row);
}

/** The direct children of a run, by step then item index. */
export function childRunRows(db: StateDb, runId: string): RunRecord[] {
  const rows = db
    .stmt(`SELECT * FROM runs WHERE parent_run_id = ? ORDER BY parent_step_id, item_index, created_at, id`)
    .all(runId) as RunRow[];
  return rows.map(toRun);
}

/** Every run below `runId`, parents before their children. */
export function descendantRunRows(db: StateDb, runId: string): RunRecord[] {
  const out: RunRecord[] = [];
  const queue = [runId];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const child of childRunRows(db, id)) {
      out.push(child);
      queue.push(child.id);
    }
  }
  return out;
}
