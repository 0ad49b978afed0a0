// The state store's public surface. Importing it is cheap: better-sqlite3 is loaded when a Store is opened.
import { join } from 'node:path';

export * from './types.js';
export { newRunId } from './run-id.js';
export { isRunOwnerAlive } from './liveness.js';
export {
  IllegalTransitionError,
  canTransitionRun,
  canTransitionStep,
  canReuseStep,
  isTerminalRunStatus,
  isTerminalStepStatus,
} from './transitions.js';
export { LATEST_SCHEMA_VERSION, StateSchemaTooNewError } from './migrations.js';
export {
  Store,
  type StoreOptions,
  type StepPlan,
  type CreateRunInput,
  type StepStartInput,
  type AttemptEndInput,
  type StepFailureInput,
  type StepRetryInput,
  type StepReuseInput,
  type ArtifactInput,
  type ContractResultInput,
  type CancelRequestResult,
  type EventsQuery,
} from './store.js';

/** Where a project's state lives: `<project>/.wave/state.db`. */
export function defaultStatePath(projectDir: string): string {
  return join(projectDir, '.wave', 'state.db');
}
