// The state store's public surface. Importing it is cheap: better-sqlite3 is loaded when a Store is opened.
import { join } from 'node:path';

export * from './types.js';
export { newRunId } from './run-id.js';
export { isRunOwnerAlive } from './liveness.js';
export { IllegalTransitionError } from './transition-error.js';
export {
  canReuseStep,
  canTransitionStep,
  isTerminalStepStatus,
  type StepFailureInput,
  type StepRetryInput,
  type StepReuseInput,
  type StepStartInput,
} from './step-machine.js';
export {
  canTransitionRun,
  isTerminalRunStatus,
  type CancelRequestResult,
  type CreateRunInput,
  type StepPlan,
} from './runs.js';
export { LATEST_SCHEMA_VERSION, StateSchemaTooNewError } from './migrations.js';
export type { StoreOptions } from './db.js';
export type { AttemptEndInput } from './attempts.js';
export type { ArtifactInput } from './artifacts.js';
export type { ContractResultInput } from './contract-results.js';
export type { VisitDecision, VisitRecord } from './visits.js';
export type { EventsQuery } from './event-log.js';
export { Store } from './store.js';
export type {
  BenchRecord,
  BenchStatus,
  BenchTaskRecord,
  BenchTaskStatus,
  BenchVerdict,
  CreateBenchInput,
  TaskOutcome,
} from './bench.js';
export type { RunParent } from './run-tree.js';
export type { GateAnswer, GateRecord, GateSpec, OpenGate } from './gates.js';

/** Where a project's state lives: `<project>/.wave/state.db`. */
export function defaultStatePath(projectDir: string): string {
  return join(projectDir, '.wave', 'state.db');
}
