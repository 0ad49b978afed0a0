// The raw rows the repositories read, mostly inside their write transactions before they change them.
import { WaveError } from '../errors.js';
import type { StateDb } from './db.js';
import type { RunRow, StepRow } from './rows.js';

export function runRow(db: StateDb, runId: string): RunRow | undefined {
  return db.stmt(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
}

/** A missing run is the user's mistake (a mistyped id) and says so. */
export function requireRunRow(db: StateDb, runId: string): RunRow {
  const row = runRow(db, runId);
  if (!row) {
    throw new WaveError('run_not_found', `no run "${runId}" in ${db.path}`, {
      hint: 'list runs with: wave list runs',
    });
  }
  return row;
}

export function stepRow(db: StateDb, runId: string, stepId: string): StepRow | undefined {
  return db.stmt(`SELECT * FROM steps WHERE run_id = ? AND step_id = ?`).get(runId, stepId) as StepRow | undefined;
}

export function requireStepRow(db: StateDb, runId: string, stepId: string): StepRow {
  const row = stepRow(db, runId, stepId);
  // The executor only names steps it created, so a miss is a bug rather than user input.
  if (!row) throw new Error(`run ${runId} has no step "${stepId}"`);
  return row;
}

/** In pipeline order: by level, then position. */
export function stepRows(db: StateDb, runId: string): StepRow[] {
  return db.stmt(`SELECT * FROM steps WHERE run_id = ? ORDER BY level, position, step_id`).all(runId) as StepRow[];
}
