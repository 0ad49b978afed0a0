// Raw rows as SQLite returns them, and their conversion to the records the rest of Wave sees.
import type { WaveEvent } from '../events/types.js';
import type {
  ArtifactRecord,
  AttemptRecord,
  ContractResultRecord,
  FailureClass,
  JsonObject,
  RunRecord,
  RunStatus,
  StepRecord,
  StepStatus,
  AttemptStatus,
} from './types.js';

export interface RunRow {
  id: string;
  pipeline: string;
  pipeline_path: string;
  input: string;
  status: RunStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  owner_start: string | null;
  heartbeat_at: string | null;
  error: string | null;
  exit_code: number | null;
  options: string;
  parent_run_id: string | null;
  parent_step_id: string | null;
  item_index: number | null;
  /** 1: a contract rejected the run (stored with status 'failed', read as 'rejected'). */
  rejected: number;
}

/** The status a run row reads as. */
export function runStatusOf(row: Pick<RunRow, 'status' | 'rejected'>): RunStatus {
  return row.rejected === 1 ? 'rejected' : row.status;
}

export interface StepRow {
  run_id: string;
  step_id: string;
  status: StepStatus;
  attempts: number;
  level: number;
  position: number;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  retry_delay_ms: number;
  reused_from: string | null;
}

export interface AttemptRow {
  run_id: string;
  step_id: string;
  attempt: number;
  status: AttemptStatus;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  reason: string | null;
  failure_class: FailureClass | null;
  output_tail: string | null;
  container_id: string | null;
  delay_ms: number;
}

export interface EventRow {
  id: number;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  type: string;
  time: string;
  payload: string;
}

export interface ArtifactRow {
  run_id: string;
  step_id: string;
  name: string;
  path: string;
  size: number;
  sha256: string;
  created_at: string;
}

export interface ContractResultRow {
  run_id: string;
  step_id: string;
  attempt: number;
  contract_index: number;
  contract_type: string;
  ok: number;
  hard: number;
  errors: string;
}

export function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    pipeline: row.pipeline,
    pipelinePath: row.pipeline_path,
    input: row.input,
    status: runStatusOf(row),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    ownerHost: row.owner_host,
    ownerPid: row.owner_pid,
    ownerStart: row.owner_start,
    heartbeatAt: row.heartbeat_at,
    error: row.error,
    exitCode: row.exit_code,
    options: JSON.parse(row.options) as JsonObject,
    parentRunId: row.parent_run_id,
    parentStepId: row.parent_step_id,
    itemIndex: row.item_index,
  };
}

export function toStep(row: StepRow): StepRecord {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    status: row.status,
    attempts: row.attempts,
    level: row.level,
    position: row.position,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    reusedFrom: row.reused_from,
  };
}

export function toAttempt(row: AttemptRow): AttemptRecord {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    attempt: row.attempt,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
    reason: row.reason,
    failureClass: row.failure_class,
    outputTail: row.output_tail,
    containerId: row.container_id,
    delayMs: row.delay_ms,
  };
}

export function toArtifact(row: ArtifactRow): ArtifactRecord {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    name: row.name,
    path: row.path,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.created_at,
  };
}

export function toContractResult(row: ContractResultRow): ContractResultRecord {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    attempt: row.attempt,
    index: row.contract_index,
    contractType: row.contract_type,
    ok: row.ok === 1,
    hard: row.hard === 1,
    errors: JSON.parse(row.errors) as string[],
  };
}

/** The fields an event about a step's current attempt shares with every other such event. */
export interface AttemptScope {
  runId: string;
  stepId: string;
  attempt: number;
  time: string;
}

export function attemptScope(step: StepRow, time: string): AttemptScope {
  return { runId: step.run_id, stepId: step.step_id, attempt: step.attempts, time };
}

/** The columns an event is stored under: the fields every event shares get columns, the rest is payload. */
export function eventColumns(event: WaveEvent): {
  runId: string;
  stepId: string | null;
  attempt: number | null;
  type: string;
  time: string;
  payload: string;
} {
  const { runId, stepId, attempt, type, time, eventId: _eventId, ...payload } = event;
  return { runId, stepId: stepId ?? null, attempt: attempt ?? null, type, time, payload: JSON.stringify(payload) };
}

export function toEvent(row: EventRow): WaveEvent {
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  const scope = {
    ...(row.step_id === null ? {} : { stepId: row.step_id }),
    ...(row.attempt === null ? {} : { attempt: row.attempt }),
  };
  // The row was written from a WaveEvent of this type, so the shape matches by construction.
  return { type: row.type, runId: row.run_id, ...scope, time: row.time, ...payload, eventId: row.id } as WaveEvent;
}
