// The shapes every contract shares: what a contract is configured with (plain data from the pipeline), what it is
// given when it runs (ContractContext), and the one result shape the engine, the retry prompt and the JUnit
// report all read. Contracts know nothing of adapters or of how a step ran: the engine hands them a folder.
import type { ContractType, FileFormat, NetworkMode, OnFailure } from '../config/types.js';

export type { ContractType, FileFormat, OnFailure };

// Type aliases, not interfaces: an alias gets an implicit index signature, so a typed spec is also a valid
// ContractInput (plain data) without casts.
type Common = {
  /** The checked file, relative to the step's out folder; default: the first declared output's path. */
  source?: string;
  /** Default 'fail'. */
  on_failure?: OnFailure;
  /** on_failure rework (rework.ts in the engine): the step that fixes the outputs, and how often. */
  rework_step?: string;
  max_retries?: number;
  convergence_window?: number;
  convergence_min_improvement?: number;
};

export type JsonSchemaSpec = Common & {
  type: 'json_schema';
  /** A project path (resolved through ContractContext.resolvePath); exclusive with `schema`. */
  schema_path?: string;
  /** An inline JSON Schema. Draft 2020-12 unless its $schema says draft-07 or 2019-09. */
  schema?: Record<string, unknown>;
  /** Opt-in: extract JSON from a fenced block or the first {...}/[...] span and rewrite the file with it. */
  recover?: boolean;
};

export type TypeScriptInterfaceSpec = Common & {
  type: 'typescript_interface';
  /** The .ts file declaring the interface (a project path). */
  schema_path: string;
  /** The exported interface or type alias; default: the file's only exported one. */
  interface?: string;
};

export type TestSuiteSpec = {
  type: 'test_suite';
  /** A shell string, run as `sh -c <command>` in a fresh sandbox. */
  command: string;
  /** Default: the step's image (ContractContext.image). */
  image?: string;
  /** A duration such as "30s", "5m"; default 10 minutes. */
  timeout?: string;
  /** Default `allowlist` when allowed_domains is set, else `none`; through the step's egress proxy, logged. */
  network?: NetworkMode;
  /** Hosts the command may reach (`npm ci`, `pip install`); default runtime.sandbox.default_allowed_domains. */
  allowed_domains?: string[];
  on_failure?: OnFailure;
  /** Accepted for symmetry with the other contracts; the command decides what it reads. */
  source?: string;
};

/** A required heading: "## Summary" (level 2), "Summary" (any level) or an object. */
export type HeadingRequirement = string | { text: string; level?: number };

export type MarkdownSpecSpec = Common & {
  type: 'markdown_spec';
  headings?: HeadingRequirement[];
  /** Alias of `headings` (the name pipelines used first). */
  required_headings?: HeadingRequirement[];
  /** Maximum length of the whole document, in characters. */
  max_length?: number;
};

export type FormatSpec = Common & {
  type: 'format';
  format: FileFormat;
};

export type NonEmptyFileSpec = Common & {
  type: 'non_empty_file';
  /** Bytes, or "10kb", "1mb" (binary units: 1kb = 1024 bytes). */
  max_size?: number | string;
};

export type ContractSpec =
  | JsonSchemaSpec
  | TypeScriptInterfaceSpec
  | TestSuiteSpec
  | MarkdownSpecSpec
  | FormatSpec
  | NonEmptyFileSpec
  | SourceDiffSpec
  | TestDiffSpec
  | TestCountBaselineSpec
  | AgentReviewSpec
  | LlmJudgeSpec;

export type AgentReviewSpec = Common & {
  type: 'agent_review';
  /** The reviewer persona of the manifest; never the judged step's own. */
  persona: string;
  /** A project file with the criteria (resolved through ContractContext.resolvePath). */
  criteria_path?: string;
  context?: Array<{ source: 'git_diff' | 'artifact'; artifact?: string; step?: string; max_size?: number | string }>;
  model?: string;
  /** A duration such as "2m"; default 5 minutes. */
  timeout?: string;
  /** Input + output tokens the reviewer may use; over it the review fails. */
  token_budget?: number;
};

export type LlmJudgeSpec = Common & {
  type: 'llm_judge';
  criteria: string[];
  /** 0-1, default 1: the share of criteria that must pass. */
  threshold?: number;
  model?: string;
};

export type SourceDiffSpec = Common & {
  type: 'source_diff';
  /** Changed files that count (default every file). */
  glob?: string;
  exclude?: string[];
  /** Default 1. */
  min_files?: number;
};

export type TestDiffSpec = Common & {
  type: 'test_diff';
  /** Default 0. */
  max_test_deletions?: number;
  /** Globs of test files (default: common test file names, see test-diff.ts). */
  test_file_pattern?: string[];
  /** A regular expression matching one test's first line (multiline). */
  test_func_pattern?: string;
};

export type TestCountBaselineSpec = Common & {
  type: 'test_count_baseline';
  /**
   * The commit counted against: a branch, tag or id of the user's repository, where `HEAD` (and `HEAD~1` …) is the
   * commit the run started from. Default: the base of the step's change.
   */
  base_ref?: string;
  /** Default 0: the whole tree may not hold fewer tests than the baseline. */
  max_test_deletions?: number;
  test_file_pattern?: string[];
  test_func_pattern?: string;
};

/** A contract as it comes from a pipeline file: not yet validated (see validateContractSpec). */
export type ContractInput = { type: string; [key: string]: unknown };

export interface DeclaredOutput {
  name: string;
  /** Relative to the step's out folder (/wave/out in the container). */
  path: string;
}

/** Maps a project path from a pipeline (`.wave/contracts/x.json`) to an absolute file, with the defaults fallback. */
export type ResolvePath = (projectPath: string) => string;

export interface ContractContext {
  /** The step's out folder on the host. Nothing outside it is read. */
  outDir: string;
  /** The step's declared output artifacts; a contract without `source` checks the first one. */
  outputs: readonly DeclaredOutput[];
  resolvePath: ResolvePath;
  signal?: AbortSignal;
  /** test_suite only: runs the command in a fresh sandbox (the engine's). */
  runCommand?: RunContractCommand;
  /** test_suite only: the step's image, used when the contract names none. */
  image?: string;
  /** source_diff, test_diff, test_count_baseline: the step's change (a writing step only), computed by the engine. */
  changes?: ContractChanges;
  /** agent_review only: runs the reviewer persona in its own container (the engine's). */
  review?: RunReview;
  /** llm_judge only: one model call made by Wave through the model gateway's upstream (the engine's). */
  judge?: JudgeCall;
}

/** What the reviewer is asked; the engine adds the read-only material at /wave/in and the container. */
export interface ReviewRequest {
  spec: AgentReviewSpec;
  /** The reviewer's prompt (criteria, where the material is, the verdict format). */
  prompt: string;
  /** Where the verdict must be written, relative to the reviewer's /wave/out. */
  verdictPath: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ReviewRun {
  /** The verdict file's text; undefined when the reviewer wrote none. */
  verdict?: string;
  /** Input + output tokens the reviewer used. */
  tokens: number;
  /** Why the reviewer did not finish (over budget, timed out, the agent failed). */
  failure?: string;
}

export type RunReview = (request: ReviewRequest) => Promise<ReviewRun>;

export interface JudgeRequest {
  /** A model tier or name; the engine resolves it. */
  model?: string;
  system: string;
  prompt: string;
  /** The judgement is the input of a forced call of this tool (structured output). */
  tool: { name: string; description: string; input_schema: Record<string, unknown> };
  signal?: AbortSignal;
}

export interface JudgeAnswer {
  /** The tool call's input, or JSON parsed from the answer's text; undefined when neither is there. */
  judgement: unknown;
  tokens: number;
}

export type JudgeCall = (request: JudgeRequest) => Promise<JudgeAnswer>;

export interface ContractChanges {
  files: ReadonlyArray<{ path: string; status: string }>;
  /** A file's text before the change (`base`) or after it (`changed`); undefined where it does not exist. */
  read(side: 'base' | 'changed', path: string): Promise<string | undefined>;
  /**
   * The text of every file of a whole tree whose path `wanted` accepts: the tree the step left, its change's base,
   * or a commit of the user's repository (`{ ref }`, see TestCountBaselineSpec.base_ref). A ref that names no
   * commit is a ContractConfigError; git failing is an error, never an empty tree.
   */
  readTree(at: TreeSide, wanted: (path: string) => boolean): Promise<{ commit: string; files: Map<string, string> }>;
}

export type TreeSide = 'base' | 'changed' | { ref: string };

/** The network a test_suite contract declares for its command (absent: none, loopback only). */
export interface ContractNetwork {
  network?: NetworkMode;
  allowed_domains?: string[];
}

/** test_suite: what to run. The engine adds the rest of the container: source, mounts, labels, egress. */
export interface ContractCommand {
  image: string;
  argv: string[];
  /** Mounted read-write at /wave/out: a private copy of the outputs, thrown away after the command. */
  outDir: string;
  timeoutMs: number;
  network?: ContractNetwork;
  signal?: AbortSignal;
  onLine: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface ContractCommandResult {
  status: 'exited' | 'timed_out' | 'stalled' | 'cancelled' | 'stopped' | 'oom_killed';
  exitCode: number | null;
  durationMs: number;
}

/** How the engine runs a contract's command; contracts know nothing of sandboxes. */
export type RunContractCommand = (command: ContractCommand) => Promise<ContractCommandResult>;

export interface ContractError {
  /** Where in the artifact: a JSON pointer, `file:line:column`, a heading; '' for the artifact as a whole. */
  path: string;
  message: string;
}

export interface ContractResult {
  ok: boolean;
  /** The failure blocks the step (on_failure: fail). False for a pass and for warn/skip failures. */
  hard: boolean;
  errors: ContractError[];
  details: Record<string, unknown>;
}

/** What one contract type's check returns; runContracts turns it into a ContractResult. */
export interface CheckOutcome {
  errors: ContractError[];
  details: Record<string, unknown>;
}

export interface DescribeEnv {
  outputs: readonly DeclaredOutput[];
  resolvePath: ResolvePath;
}

/** One contract type: everything Wave does with it lives in its own file and is registered in registry.ts. */
export interface ContractDefinition<S extends ContractSpec = ContractSpec> {
  type: S['type'];
  /** Type-specific checks of the config (the common keys are checked by the registry). */
  validate(spec: ContractInput): string[];
  check(spec: S, ctx: ContractContext): Promise<CheckOutcome>;
  /** The Markdown paragraph of the instructions' contract section. */
  describe(spec: S, env: DescribeEnv): Promise<string>;
  /** For `wave validate`: the files the contract needs exist and make sense. */
  checkFiles?(spec: S, resolvePath: ResolvePath): Promise<string[]>;
}
