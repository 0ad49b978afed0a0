// Artifacts: the output files a step's attempts left, by name, with their size and hash.
import type { ArtifactCollectedEvent, ReusedArtifact } from '../events/types.js';
import type { StateDb } from './db.js';
import { recordOnAttempt } from './attempts.js';
import { toArtifact, type ArtifactRow } from './rows.js';
import type { ArtifactRecord } from './types.js';

export interface ArtifactInput {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

export class ArtifactRepository {
  constructor(private readonly db: StateDb) {}

  /** An output file of the current attempt; collecting the same name again (on a retry) replaces it. */
  record(runId: string, stepId: string, artifact: ArtifactInput): ArtifactCollectedEvent {
    return recordOnAttempt(this.db, runId, stepId, (_step, scope) => {
      this.db
        .stmt(
          `INSERT INTO artifacts (run_id, step_id, name, path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, step_id, name)
           DO UPDATE SET path = excluded.path, size = excluded.size, sha256 = excluded.sha256,
             created_at = excluded.created_at`,
        )
        .run(runId, stepId, artifact.name, artifact.path, artifact.size, artifact.sha256, scope.time);
      return { type: 'artifact_collected', ...scope, ...artifact };
    });
  }

  /** Of one step, or of the whole run, by step and name. */
  list(runId: string, stepId?: string): ArtifactRecord[] {
    const rows = this.db
      .stmt(
        `SELECT * FROM artifacts WHERE run_id = @runId AND (@stepId IS NULL OR step_id = @stepId)
         ORDER BY step_id, name`,
      )
      .all({ runId, stepId: stepId ?? null });
    return (rows as ArtifactRow[]).map(toArtifact);
  }
}

/**
 * The artifacts a reused step took over (`wave run --from-step`). A step that has never run has none, so a name
 * given twice is a caller's bug and fails the insert (and with it the step's transition).
 */
export function insertReusedArtifacts(
  db: StateDb,
  runId: string,
  stepId: string,
  artifacts: readonly ReusedArtifact[],
  now: string,
): void {
  const insert = db.stmt(
    `INSERT INTO artifacts (run_id, step_id, name, path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const a of artifacts) insert.run(runId, stepId, a.name, a.path, a.size, a.sha256, now);
}
