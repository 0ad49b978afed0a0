// Gates: each time a gate step opens (a round), what it asks and until when, and its answer once given. The
// waiting run and `wave gate` in another terminal meet here: the answer is a row update and its `gate_resolved`
// event in one transaction, so it is never half given; the run sees it on its next poll (or on resume).
import { WaveError } from '../errors.js';
import type { GateAnswerHow, GateResolvedEvent, GateWaitingEvent } from '../events/types.js';
import type { StateDb } from './db.js';
import { requireStepRow, runRow } from './read-rows.js';
import { attemptScope } from './rows.js';
import { transitionStep, type GateWaitInput } from './step-machine.js';
import type { RunStatus, StepStatus } from './types.js';

export type GateSpec = Pick<GateWaitInput, 'kind' | 'message' | 'prompt' | 'choices' | 'default' | 'freeform'>;

export interface GateAnswer {
  /** null: the gate timed out with no default. */
  choice: string | null;
  label?: string;
  target?: string;
  message?: string;
  by: string;
  how: GateAnswerHow;
}

export interface GateRecord extends GateSpec {
  runId: string;
  stepId: string;
  round: number;
  openedAt: string;
  deadline: string | null;
  /** Set once answered. */
  answer?: GateAnswer & { at: string };
}

/** An unanswered gate, with where its run stands (for `wave gate list`). */
export interface OpenGate extends GateRecord {
  runStatus: RunStatus;
  stepStatus: StepStatus;
  pipeline: string;
}

interface GateRow {
  run_id: string;
  step_id: string;
  round: number;
  kind: 'approval' | 'timer';
  spec: string;
  opened_at: string;
  deadline_at: string | null;
  decided_at: string | null;
  choice: string | null;
  label: string | null;
  target: string | null;
  message: string | null;
  decided_by: string | null;
  how: GateAnswerHow | null;
  taken_at: string | null;
}

export class GateRepository {
  constructor(private readonly db: StateDb) {}

  /**
   * The gate step waits: a round the run has not acted on is taken up again (a resumed run keeps its deadline, and
   * an answer given meanwhile), else a new round opens with `deadlineMs` from now.
   */
  open(runId: string, stepId: string, spec: GateSpec, deadlineMs: number | undefined): GateWaitingEvent {
    return this.db.write(() => {
      const last = this.latestRow(runId, stepId);
      let row = last && last.taken_at === null ? last : undefined;
      if (!row) {
        const now = this.db.now();
        const deadline = deadlineMs === undefined ? null : new Date(Date.parse(now) + deadlineMs).toISOString();
        const round = (last?.round ?? 0) + 1;
        const { kind, ...asked } = spec;
        this.db
          .stmt(
            `INSERT INTO gates (run_id, step_id, round, kind, spec, opened_at, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(runId, stepId, round, kind, JSON.stringify(asked), now, deadline);
        row = this.latestRow(runId, stepId);
      }
      if (!row) throw new Error(`gate ${stepId} of run ${runId}: the round just written is not there`);
      const gate = toGate(row);
      return transitionStep(this.db, runId, stepId, {
        to: 'waiting',
        input: {
          round: gate.round,
          kind: gate.kind,
          choices: gate.choices,
          deadline: gate.deadline,
          ...pick(gate, ['message', 'prompt', 'default', 'freeform']),
        },
      });
    });
  }

  /**
   * Answers the open round of a gate. Refused (a WaveError the CLI prints) when the gate has no open round or was
   * answered already: the first answer stands.
   */
  answer(runId: string, stepId: string, answer: GateAnswer): GateResolvedEvent {
    return this.db.write(() => {
      const row = this.latestRow(runId, stepId);
      if (!row || row.decided_at !== null) {
        throw new WaveError('gate_not_open', `step '${stepId}' of run ${runId} is not waiting for an answer`, {
          hint: row
            ? `it was answered (${row.choice ?? 'timed out'}) at ${row.decided_at}`
            : 'list gates: wave gate list',
        });
      }
      const now = this.db.now();
      this.db
        .stmt(
          `UPDATE gates SET decided_at = ?, choice = ?, label = ?, target = ?, message = ?, decided_by = ?, how = ?
           WHERE run_id = ? AND step_id = ? AND round = ?`,
        )
        .run(
          now,
          answer.choice,
          answer.label ?? null,
          answer.target ?? null,
          answer.message ?? null,
          answer.by,
          answer.how,
          runId,
          stepId,
          row.round,
        );
      const scope = attemptScope(requireStepRow(this.db, runId, stepId), now);
      const { label, target, message, ...given } = answer;
      return this.db.insertEvent<GateResolvedEvent>({
        type: 'gate_resolved',
        ...scope,
        round: row.round,
        ...given,
        ...(label === undefined ? {} : { label }),
        ...(target === undefined ? {} : { target }),
        ...(message === undefined ? {} : { message }),
      });
    });
  }

  /** The run acted on the round's answer: the next time the step runs (a re-run choice), a new round opens. */
  take(runId: string, stepId: string, round: number): void {
    this.db
      .stmt(`UPDATE gates SET taken_at = ? WHERE run_id = ? AND step_id = ? AND round = ?`)
      .run(this.db.now(), runId, stepId, round);
  }

  /** The gate's latest round (the open one while it waits). */
  latest(runId: string, stepId: string): GateRecord | undefined {
    const row = this.latestRow(runId, stepId);
    return row && toGate(row);
  }

  /** Every round of a run's gates, oldest first. */
  list(runId: string): GateRecord[] {
    const rows = this.db.stmt(`SELECT * FROM gates WHERE run_id = ? ORDER BY opened_at, round`).all(runId);
    return (rows as GateRow[]).map(toGate);
  }

  /** Unanswered gates of runs that are not over (a run that died waiting can still be answered, then resumed). */
  listOpen(): OpenGate[] {
    const rows = this.db
      .stmt(
        `SELECT g.*, s.status AS step_status FROM gates g
         JOIN steps s ON s.run_id = g.run_id AND s.step_id = g.step_id
         WHERE g.decided_at IS NULL ORDER BY g.opened_at`,
      )
      .all() as Array<GateRow & { step_status: StepStatus }>;
    return rows.flatMap((row) => {
      const run = runRow(this.db, row.run_id);
      if (!run || run.status === 'completed') return [];
      return [{ ...toGate(row), runStatus: run.status, stepStatus: row.step_status, pipeline: run.pipeline }];
    });
  }

  private latestRow(runId: string, stepId: string): GateRow | undefined {
    return this.db
      .stmt(`SELECT * FROM gates WHERE run_id = ? AND step_id = ? ORDER BY round DESC LIMIT 1`)
      .get(runId, stepId) as GateRow | undefined;
  }
}

function toGate(row: GateRow): GateRecord {
  const asked = JSON.parse(row.spec) as Omit<GateSpec, 'kind'>;
  const answer =
    row.decided_at === null || row.how === null
      ? undefined
      : {
          at: row.decided_at,
          choice: row.choice,
          by: row.decided_by ?? '',
          how: row.how,
          ...(row.label === null ? {} : { label: row.label }),
          ...(row.target === null ? {} : { target: row.target }),
          ...(row.message === null ? {} : { message: row.message }),
        };
  return {
    runId: row.run_id,
    stepId: row.step_id,
    round: row.round,
    kind: row.kind,
    ...asked,
    openedAt: row.opened_at,
    deadline: row.deadline_at,
    ...(answer ? { answer } : {}),
  };
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
