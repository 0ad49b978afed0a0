// Graph mode's visits (engine/graph-run.ts): one row per visit of a step, in walk order, written before the visit
// starts, so a resumed run knows where the walk was. Each change writes its row and its event in one transaction.
import type { GraphEdgeEvent, GraphVisitEvent } from '../events/types.js';
import type { VisitOutcome } from '../plan/graph-route.js';
import type { StateDb } from './db.js';
import { requireStepRow } from './read-rows.js';
import { isTerminalStepStatus, transitionStep } from './step-machine.js';

export interface VisitRecord {
  runId: string;
  seq: number;
  stepId: string;
  /** The step's n-th visit in this run. */
  visit: number;
  /** Null while the visit runs (or when its process died before the step ended). */
  outcome: VisitOutcome | null;
  /** The step (or `_complete`) the walk went to after it; null until decided. */
  next: string | null;
  edge: number | null;
  /** Steps an edge targeted before their dependencies were visited, to be visited once they are. */
  pending: string[];
  startedAt: string;
  finishedAt: string | null;
}

interface VisitRow {
  run_id: string;
  seq: number;
  step_id: string;
  visit: number;
  outcome: VisitOutcome | null;
  next: string | null;
  edge: number | null;
  pending: string;
  started_at: string;
  finished_at: string | null;
}

export interface VisitDecision {
  next: string;
  edge?: number;
  condition?: string;
  why: string;
  pending: readonly string[];
}

function toVisit(row: VisitRow): VisitRecord {
  return {
    runId: row.run_id,
    seq: row.seq,
    stepId: row.step_id,
    visit: row.visit,
    outcome: row.outcome,
    next: row.next,
    edge: row.edge,
    pending: JSON.parse(row.pending) as string[],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export class VisitRepository {
  constructor(private readonly db: StateDb) {}

  /** In walk order. */
  list(runId: string): VisitRecord[] {
    const rows = this.db.stmt(`SELECT * FROM visits WHERE run_id = ? ORDER BY seq`).all(runId) as VisitRow[];
    return rows.map(toVisit);
  }

  /** Visits per step. */
  counts(runId: string): Map<string, number> {
    const rows = this.db
      .stmt(`SELECT step_id, COUNT(*) AS n FROM visits WHERE run_id = ? GROUP BY step_id`)
      .all(runId) as Array<{ step_id: string; n: number }>;
    return new Map(rows.map((r) => [r.step_id, r.n]));
  }

  /**
   * Records the next visit of a step before it starts, and puts a finished step back to pending for it (a fresh
   * attempt; its earlier outputs are dropped), in one transaction.
   */
  begin(runId: string, stepId: string, maxVisits: number): VisitRecord {
    return this.db.write(() => {
      const step = requireStepRow(this.db, runId, stepId);
      if (isTerminalStepStatus(step.status)) transitionStep(this.db, runId, stepId, { to: 'pending', revisit: true });
      const { seq, visit } = this.db
        .stmt(
          `SELECT COALESCE(MAX(seq), 0) + 1 AS seq,
             COALESCE(SUM(CASE WHEN step_id = @stepId THEN 1 ELSE 0 END), 0) + 1 AS visit
           FROM visits WHERE run_id = @runId`,
        )
        .get({ runId, stepId }) as { seq: number; visit: number };
      const now = this.db.now();
      this.db
        .stmt(`INSERT INTO visits (run_id, seq, step_id, visit, started_at) VALUES (?, ?, ?, ?, ?)`)
        .run(runId, seq, stepId, visit, now);
      const event: GraphVisitEvent = { type: 'graph_visit', runId, stepId, time: now, seq, visit, maxVisits };
      this.db.insertEvent(event);
      return this.require(runId, seq);
    });
  }

  /**
   * `wave resume` runs a visit again whose step failed the run (or whose process died before it ended): the same
   * visit, its step back to pending if it had finished.
   */
  reopen(runId: string, seq: number): VisitRecord {
    return this.db.write(() => {
      const visit = this.require(runId, seq);
      const step = requireStepRow(this.db, runId, visit.stepId);
      if (isTerminalStepStatus(step.status)) {
        transitionStep(this.db, runId, visit.stepId, { to: 'pending', revisit: true });
      }
      this.db
        .stmt(
          `UPDATE visits SET outcome = NULL, next = NULL, edge = NULL, finished_at = NULL WHERE run_id = ? AND seq = ?`,
        )
        .run(runId, seq);
      return this.require(runId, seq);
    });
  }

  /** The step of the visit ended (or, for a conditional step, took over the outcome before it). */
  end(runId: string, seq: number, outcome: VisitOutcome): void {
    this.db
      .stmt(`UPDATE visits SET outcome = ?, finished_at = ? WHERE run_id = ? AND seq = ?`)
      .run(outcome, this.db.now(), runId, seq);
  }

  /** Where the walk goes after the visit, with its event. */
  decide(runId: string, seq: number, decision: VisitDecision): GraphEdgeEvent {
    return this.db.write(() => {
      const visit = this.require(runId, seq);
      if (visit.outcome === null) throw new Error(`visit ${seq} of run ${runId} has no outcome yet`);
      this.db
        .stmt(`UPDATE visits SET next = ?, edge = ?, pending = ? WHERE run_id = ? AND seq = ?`)
        .run(decision.next, decision.edge ?? null, JSON.stringify(decision.pending), runId, seq);
      const event: GraphEdgeEvent = {
        type: 'graph_edge',
        runId,
        stepId: visit.stepId,
        time: this.db.now(),
        seq,
        outcome: visit.outcome,
        to: decision.next,
        ...(decision.edge === undefined ? {} : { edge: decision.edge }),
        ...(decision.condition === undefined ? {} : { condition: decision.condition }),
        why: decision.why,
      };
      return this.db.insertEvent(event);
    });
  }

  private require(runId: string, seq: number): VisitRecord {
    const row = this.db.stmt(`SELECT * FROM visits WHERE run_id = ? AND seq = ?`).get(runId, seq) as
      VisitRow | undefined;
    if (!row) throw new Error(`run ${runId} has no visit ${seq}`);
    return toVisit(row);
  }
}
