// Contract results: each contract's verdict on an attempt of a step.
import type { ContractResultEvent } from '../events/types.js';
import type { StateDb } from './db.js';
import { recordOnAttempt } from './attempts.js';
import { toContractResult, type ContractResultRow } from './rows.js';
import type { ContractResultRecord } from './types.js';

export interface ContractResultInput {
  index: number;
  contractType: string;
  ok: boolean;
  hard: boolean;
  errors: string[];
}

export class ContractResultRepository {
  constructor(private readonly db: StateDb) {}

  /** One contract's verdict on the current attempt. */
  record(runId: string, stepId: string, result: ContractResultInput): ContractResultEvent {
    return recordOnAttempt(this.db, runId, stepId, (step, scope) => {
      if (step.attempts === 0) throw new Error(`step ${stepId} of run ${runId} has no attempt to judge`);
      this.db
        .stmt(
          `INSERT OR REPLACE INTO contract_results
             (run_id, step_id, attempt, contract_index, contract_type, ok, hard, errors)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          runId,
          stepId,
          step.attempts,
          result.index,
          result.contractType,
          result.ok ? 1 : 0,
          result.hard ? 1 : 0,
          JSON.stringify(result.errors),
        );
      return { type: 'contract_result', ...scope, ...result };
    });
  }

  /** Of one step, or of the whole run, by step, attempt and contract. */
  list(runId: string, stepId?: string): ContractResultRecord[] {
    const rows = this.db
      .stmt(
        `SELECT * FROM contract_results WHERE run_id = @runId AND (@stepId IS NULL OR step_id = @stepId)
         ORDER BY step_id, attempt, contract_index`,
      )
      .all({ runId, stepId: stepId ?? null });
    return (rows as ContractResultRow[]).map(toContractResult);
  }
}
