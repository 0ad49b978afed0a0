// The queries that list runs, each served by an index of the schema (migrations.ts).
import type { SqlParam, StateDb } from './db.js';
import { toRun, type RunRow } from './rows.js';
import type { ListRunsQuery, RunRecord } from './types.js';

/** Newest first. Served from the (status, created_at) and created_at indexes. */
export function listRuns(db: StateDb, query: ListRunsQuery): RunRecord[] {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const statuses = query.status === undefined ? [] : typeof query.status === 'string' ? [query.status] : query.status;
  if (statuses.length > 0) {
    // 'rejected' is stored as 'failed' with the rejected flag (migration 6).
    const stored = statuses.filter((s) => s !== 'rejected');
    const parts = stored.length ? [`(status IN (${stored.map(() => '?').join(', ')}) AND rejected = 0)`] : [];
    if (statuses.includes('rejected')) parts.push('rejected = 1');
    where.push(`(${parts.join(' OR ')})`);
    params.push(...stored);
  }
  if (query.pipeline !== undefined) {
    where.push('pipeline = ?');
    params.push(query.pipeline);
  }
  if (query.topLevel) where.push('parent_run_id IS NULL');
  if (query.createdAfter !== undefined) {
    where.push('created_at >= ?');
    params.push(query.createdAfter);
  }
  params.push(query.limit ?? 20);
  const sql =
    `SELECT * FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY created_at DESC, id DESC LIMIT ?`;
  return (db.stmt(sql).all(...params) as RunRow[]).map(toRun);
}

/**
 * The newest run of `pipeline` in which every one of `stepIds` completed, other than `exceptRunId`. Served
 * from the (pipeline, created_at) index and the steps key.
 */
export function latestRunWithCompletedSteps(
  db: StateDb,
  pipeline: string,
  stepIds: readonly string[],
  exceptRunId?: string,
): RunRecord | undefined {
  const ids = [...new Set(stepIds)];
  const row = db
    .stmt(
      `SELECT r.* FROM runs r
       WHERE r.pipeline = ? AND r.id <> ?
         AND (SELECT COUNT(*) FROM steps s
              WHERE s.run_id = r.id AND s.status = 'completed'
                AND s.step_id IN (${ids.map(() => '?').join(', ') || 'NULL'})) = ?
       ORDER BY r.created_at DESC, r.id DESC LIMIT 1`,
    )
    .get(pipeline, exceptRunId ?? '', ...ids, ids.length) as RunRow | undefined;
  return row && toRun(row);
}
