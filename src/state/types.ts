// What the state store returns: plain records with camelCase names and parsed JSON, never raw rows.
import type { FailureClass, RunFinalStatus } from '../events/types.js';
import type { OwnerIdentity } from '../liveness.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'rejected'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = [
  'pending',
  'running',
  'retrying',
  /** A gate step waiting for its answer (or its time): no container, no worker slot. */
  'waiting',
  'completed',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const ATTEMPT_STATUSES = ['running', 'completed', 'failed', 'timed_out', 'cancelled'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export type { FailureClass, RunFinalStatus };

/** Which process drives a run; a run whose owner died can be resumed or reaped. */
export type RunOwner = OwnerIdentity;

export interface RunRecord {
  id: string;
  pipeline: string;
  pipelinePath: string;
  input: string;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  ownerHost: string | null;
  ownerPid: number | null;
  /** The owner's start time (src/liveness.ts); null where unknown. */
  ownerStart: string | null;
  heartbeatAt: string | null;
  error: string | null;
  exitCode: number | null;
  /** The run's options (flags, overrides) as given to `wave run`, for `wave resume`. */
  options: JsonObject;
  /** A child run (DESIGN.md "A run is a tree"): the run and step that started it; null for a top-level run. */
  parentRunId: string | null;
  parentStepId: string | null;
  /** The iterate item this child runs (0-based); null for a sub-pipeline's single child and top-level runs. */
  itemIndex: number | null;
}

export interface StepRecord {
  runId: string;
  stepId: string;
  status: StepStatus;
  /** Attempts started so far. */
  attempts: number;
  /** Topological level (0 = no dependencies) and position within the pipeline, for display order. */
  level: number;
  position: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** `wave run --from-step`: the run this step's completed result and artifacts were taken from (no attempt ran). */
  reusedFrom: string | null;
}

export interface AttemptRecord {
  runId: string;
  stepId: string;
  attempt: number;
  status: AttemptStatus;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  reason: string | null;
  failureClass: FailureClass | null;
  /** The last lines of the agent's output, fed back into a retry prompt. */
  outputTail: string | null;
  containerId: string | null;
  /** Backoff waited before this attempt started. */
  delayMs: number;
}

export interface ArtifactRecord {
  runId: string;
  stepId: string;
  name: string;
  path: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface ContractResultRecord {
  runId: string;
  stepId: string;
  attempt: number;
  index: number;
  contractType: string;
  ok: boolean;
  hard: boolean;
  errors: string[];
}

export interface ListRunsQuery {
  /** Newest first; 20 unless given. */
  limit?: number;
  status?: RunStatus | readonly RunStatus[];
  pipeline?: string;
  /** Only runs nobody started (no parent run); child runs are listed under their root's status. */
  topLevel?: boolean;
  /** Only runs created at or after this ISO time. */
  createdAfter?: string;
}
