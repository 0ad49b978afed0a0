// Errors a user can cause. They print as one line (plus a hint) without a stack trace and map to a
// documented exit code, so scripts and CI can tell "your YAML is wrong" from "Docker is down".

/** Process exit codes; documented in README.md ("Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** A bug in Wave: an unexpected exception. */
  internal: 1,
  /** Bad flags, an invalid manifest or pipeline, a project file Wave cannot read (a corrupt state.db). */
  invalidInput: 2,
  /** A step failed after its last attempt. */
  stepFailed: 3,
  /** A step's output broke its contract after its last attempt. */
  contractFailed: 4,
  /** The run was cancelled (signal or `wave cancel`). */
  cancelled: 5,
  /** The machine cannot do what was asked: no Docker engine, a missing image or a tool it lacks, full disk. */
  infrastructure: 6,
  /** `wave apply` refused: the branch exists, the working tree is not clean, or the change touches protected paths. */
  refused: 7,
  /** A contract with on_failure: rejected failed: the work was judged and turned down (the run ends `rejected`). */
  rejected: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'usage'
  | 'manifest_invalid'
  | 'pipeline_invalid'
  | 'pipeline_not_found'
  | 'file_exists'
  | 'file_not_found'
  | 'run_not_found'
  | 'state_incompatible'
  | 'state_corrupt'
  | 'docker_unavailable'
  | 'image_missing'
  | 'tools_missing'
  | 'sandbox_failed'
  | 'artifact_rejected'
  | 'step_failed'
  | 'contract_failed'
  | 'cancelled'
  | 'git_failed'
  | 'apply_refused'
  | 'gate_not_open';

const exitCodeOf: Record<ErrorCode, ExitCode> = {
  usage: ExitCode.invalidInput,
  manifest_invalid: ExitCode.invalidInput,
  pipeline_invalid: ExitCode.invalidInput,
  pipeline_not_found: ExitCode.invalidInput,
  file_exists: ExitCode.invalidInput,
  file_not_found: ExitCode.invalidInput,
  run_not_found: ExitCode.invalidInput,
  state_incompatible: ExitCode.infrastructure,
  state_corrupt: ExitCode.invalidInput,
  docker_unavailable: ExitCode.infrastructure,
  image_missing: ExitCode.infrastructure,
  tools_missing: ExitCode.infrastructure,
  sandbox_failed: ExitCode.infrastructure,
  artifact_rejected: ExitCode.stepFailed,
  step_failed: ExitCode.stepFailed,
  contract_failed: ExitCode.contractFailed,
  cancelled: ExitCode.cancelled,
  git_failed: ExitCode.infrastructure,
  apply_refused: ExitCode.refused,
  gate_not_open: ExitCode.invalidInput,
};

export interface WaveErrorOptions {
  /** What the user can do about it, printed on its own line. */
  hint?: string;
  /** Further problems of the same kind (e.g. every validation error, not only the first). */
  details?: string[];
  cause?: unknown;
}

export class WaveError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: string[];
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: WaveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WaveError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.exitCode = exitCodeOf[code];
  }
}

export function isWaveError(err: unknown): err is WaveError {
  return err instanceof WaveError;
}
