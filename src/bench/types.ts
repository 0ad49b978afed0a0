// A benchmark task as Wave runs it, whatever format it came from: where its code starts, what the agent is asked,
// and how its result is judged (the environment image, the test command, and how the tests decide).

/** A folder with a Dockerfile (built by Wave with a content-hash tag) or an image already on the engine. */
export type TaskEnvironment = { kind: 'dockerfile'; dir: string } | { kind: 'image'; ref: string };

/** Where the agent's workspace comes from. */
export type TaskSource =
  /** A git repository (a local path or a URL the host can reach) checked out at a commit. */
  | { kind: 'git'; repo: string; commit: string }
  /** A folder whose files become the first commit of a fresh repository (Harbor: the environment's context). */
  | { kind: 'folder'; dir: string; exclude: string[] };

/** How the evaluation decides. */
export type TaskJudge =
  /** SWE-bench: every FAIL_TO_PASS and PASS_TO_PASS test passes (`test_cmd` is run once per test, the name as $1). */
  | { kind: 'tests'; testCmd: string; failToPass: string[]; passToPass: string[]; testPatch?: string }
  /** Harbor: the tests folder's test.sh; its reward file when it writes one, else its exit code. */
  | { kind: 'script'; testsDir: string };

export interface BenchTask {
  id: string;
  format: 'jsonl' | 'harbor';
  /** file:line or the task's folder: where problems with this task are reported. */
  where: string;
  /** The pipeline's input: the problem statement or instruction. */
  instruction: string;
  source: TaskSource;
  environment: TaskEnvironment;
  judge: TaskJudge;
  /** The evaluation's network: none unless the task declares it. */
  allowInternet: boolean;
  /** Limit of the run (the agent's work); undefined: the pipeline's own step timeouts only. */
  agentTimeoutMs?: number;
  evalTimeoutMs: number;
  memoryBytes?: number;
  cpus?: number;
}

/** A task that could not be read: reported on one line and skipped. */
export interface TaskProblem {
  where: string;
  message: string;
}

export interface Dataset {
  path: string;
  format: 'jsonl' | 'harbor';
  tasks: BenchTask[];
  problems: TaskProblem[];
}

export const DEFAULT_EVAL_TIMEOUT_MS = 30 * 60_000;
