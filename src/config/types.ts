// The shapes of wave.yaml and of a pipeline after loading. The JSON Schemas in ./schemas/ are the source of truth
// for what a file may contain; these types describe what the loaders hand to the rest of Wave (defaults applied,
// the legacy step-level `type: command` folded into `exec`, `handover.contract` folded into `handover.contracts`).

export type TierName = 'cheapest' | 'balanced' | 'strongest';
export const TIER_NAMES: readonly TierName[] = ['cheapest', 'balanced', 'strongest'];

export interface Permissions {
  allowed_tools?: string[];
  deny?: string[];
}

export type NetworkMode = 'none' | 'allowlist' | 'open';

/** A persona's or a step's network and environment policy. A step's policy may only narrow its persona's. */
export interface SandboxPolicy {
  network?: NetworkMode;
  allowed_domains?: string[];
  env_passthrough?: string[];
}

/**
 * The provider's own server-side tools: the provider, not the step, reaches the network or runs code for them,
 * outside the egress allowlist. The model gateway refuses a request that uses one unless the persona lists it.
 */
export type ProviderTool =
  'web_search' | 'web_fetch' | 'code_execution' | 'mcp' | 'file_search' | 'image_generation' | 'computer_use';
export const PROVIDER_TOOLS: readonly ProviderTool[] = [
  'web_search',
  'web_fetch',
  'code_execution',
  'mcp',
  'file_search',
  'image_generation',
  'computer_use',
];

/** A persona's sandbox: a step's policy, plus what only a persona may grant. */
export interface PersonaSandboxPolicy extends SandboxPolicy {
  /** Server-side tools the model gateway lets through for this persona (default none). */
  provider_tools?: ProviderTool[];
}

export interface Resources {
  /** "4g", "512m", "2GiB" or a number of bytes; see parseMemory(). */
  memory?: string | number;
  cpus?: number;
  pids?: number;
  /** Of each output stream of an attempt, the first this many bytes are stored (default 1 MiB); a size like memory. */
  stored_output_head?: string | number;
  /** … and the last this many (default 1 MiB); what lies between is counted and dropped. */
  stored_output_tail?: string | number;
  /**
   * Quota on what a step may leave in /wave/out, all files together (default 1 GiB, sandbox-profiles/default.yaml);
   * a size like memory. Enforced while the step writes (ENOSPC beyond it) and when the outputs are copied out.
   */
  out_size?: string | number;
  /** Quota on the files and directories in /wave/out (default 10000). */
  out_files?: number;
}

export interface Adapter {
  binary: string;
  /** As written, or the image Wave ships for the adapter's CLI (see clis.ts). */
  image: string;
  /** Which of Wave's adapters runs it (claude, codex, gemini, opencode); set on load, absent when none does. */
  cli?: string;
  default_model?: string;
  tier_models?: Partial<Record<TierName, string>>;
  default_permissions?: Permissions;
}

export interface Persona {
  adapter: string;
  description?: string;
  /** A literal model name or a tier name (cheapest | balanced | strongest). */
  model?: string;
  system_prompt_file: string;
  permissions?: Permissions;
  sandbox?: PersonaSandboxPolicy;
  resources?: Resources;
  /** placeholder (default): the container gets a placeholder key and the gateway adds the real one on the host. */
  credentials?: 'placeholder' | 'passthrough';
}

export interface RelayConfig {
  token_threshold_percent: number;
  strategy: 'summarize_to_checkpoint';
  context_window: number;
  summarizer_persona: string;
  /** How many times one step may be relayed before it fails (class context_exhausted). */
  max_relays: number;
}

/** handover.compaction: a step's own relay settings, over runtime.relay's. */
export interface CompactionConfig {
  /** token_limit_<N>% */
  trigger?: string;
  persona?: string;
  max_relays?: number;
}

export interface AuditConfig {
  log_dir: string;
  log_all_tool_calls: boolean;
  log_all_file_operations: boolean;
}

export interface RuntimeSandbox {
  backend: 'docker' | 'host';
  default_allowed_domains: string[];
  env_passthrough: string[];
  resources: Resources;
  /** A PEM bundle (relative to the manifest) added to step containers for TLS-inspecting networks. */
  extra_ca_certs?: string;
  /** Extra /etc/hosts entries for step containers: name → address. */
  hosts: Record<string, string>;
}

export interface ModelProvider {
  base_url?: string;
}

export interface Runtime {
  workspace_root: string;
  default_timeout_minutes: number;
  max_concurrent_workers: number;
  relay: RelayConfig;
  audit: AuditConfig;
  sandbox: RuntimeSandbox;
  models: Record<string, ModelProvider>;
  /** A duration ("5m"): a step that prints nothing for this long is stopped (absent or "0": off). */
  stall_timeout?: string;
  /** The original's process timeouts that act here (step_default_minutes is folded into default_timeout_minutes). */
  timeouts?: ProcessTimeouts;
}

export interface ProcessTimeouts {
  /** SIGTERM → SIGKILL when a step or a test_suite command is stopped. */
  process_grace_seconds?: number;
  /** How long the sandbox waits for the rest of the output once the command has ended. */
  stdout_drain_seconds?: number;
  /** An approval gate without its own timeout waits this long (default 24, as in the original). */
  gate_approval_hours?: number;
  /** The context relay's summarizer container's time limit. */
  relay_compaction_minutes?: number;
}

export interface Metadata {
  name: string;
  description?: string;
  [key: string]: unknown;
}

export interface Manifest {
  apiVersion: string;
  kind: 'WaveManifest';
  metadata: Metadata;
  /** The original format's project facts (language, test_command …), for `{{ project.<key> }}`. */
  project?: Record<string, string | number | boolean>;
  /**
   * Set on load: the values of `{{ project.<key> }}` and `{{ forge.<field> }}` (metadata.forge, else the project's
   * git remote), keyed by the placeholder's name.
   */
  variables?: Record<string, string>;
  adapters: Record<string, Adapter>;
  personas: Record<string, Persona>;
  runtime: Runtime;
}

// ---- pipelines ----

// The contract vocabulary, defined once here (the bottom layer) for config, contracts and the pipeline schema.
export const CONTRACT_TYPES = [
  'json_schema',
  'typescript_interface',
  'test_suite',
  'markdown_spec',
  'format',
  'non_empty_file',
  'source_diff',
  'test_diff',
  'test_count_baseline',
  'agent_review',
  'llm_judge',
] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

/**
 * What a failed contract does to its step: fail (hard), warn (soft: recorded, the step passes), skip (stop here),
 * rejected (the run ends `rejected`, no retry), rework (rework_step fixes the outputs, then every contract again).
 */
export const ON_FAILURE_VALUES = ['fail', 'warn', 'skip', 'rejected', 'rework'] as const;
export type OnFailure = (typeof ON_FAILURE_VALUES)[number];
/** The original format's names for two of them, folded on load (config/output-checks.ts). */
export const ON_FAILURE_ALIASES: Readonly<Record<string, OnFailure>> = { continue: 'warn', retry: 'fail' };
/** What a pipeline may write as a contract's on_failure. */
export const WRITTEN_ON_FAILURE_VALUES = [...ON_FAILURE_VALUES, ...Object.keys(ON_FAILURE_ALIASES)];

/** What a `format` contract's source must parse as. */
export const FILE_FORMATS = ['json', 'yaml', 'markdown', 'text'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface Contract {
  type: ContractType;
  /** The checked file, relative to the step's out folder; defaults to the step's first output artifact. */
  source?: string;
  /** A project path; `.wave/…` falls back to the embedded defaults (see resolveProjectPath). */
  schema_path?: string;
  /** An inline JSON Schema. */
  schema?: Record<string, unknown>;
  /** test_suite: the shell command. */
  command?: string;
  /** test_suite: the image the command runs in (default: Wave's base image). */
  image?: string;
  /** test_suite: the command's network, as a command step's sandbox.network (default none). */
  network?: NetworkMode;
  /** test_suite: the hosts it may reach through the egress proxy (npm ci, pip install). */
  allowed_domains?: string[];
  /** A duration string such as "30s" or "2m". */
  timeout?: string;
  on_failure?: OnFailure;
  /** The original format's: false makes a failure soft (see output-checks.ts); folded away on load. */
  must_pass?: boolean;
  /** json_schema: try to recover JSON wrapped in prose or fences before validating. */
  recover?: boolean;
  /** markdown_spec: headings the document must contain, in order ("## Summary", "Summary" or {text, level}). */
  required_headings?: Array<string | { text: string; level?: number }>;
  headings?: Array<string | { text: string; level?: number }>;
  /** markdown_spec: maximum length in characters. */
  max_length?: number;
  /** typescript_interface: the exported interface or type to check against. */
  interface?: string;
  /** non_empty_file: bytes or a size such as "10kb". */
  max_size?: number | string;
  /** format: the format the source must parse as. */
  format?: FileFormat;
  /** agent_review: the reviewer persona (never the step's own). */
  persona?: string;
  /** agent_review: a project file with the review criteria. */
  criteria_path?: string;
  /** agent_review: more to judge (a writing step's change, artifacts of earlier steps). */
  context?: ReviewContext[];
  /** agent_review, llm_judge: the model (a tier or a name); default: the cheapest tier. */
  model?: string;
  /** agent_review: the reviewer's token limit (input + output); over it, the review fails. */
  token_budget?: number;
  /** llm_judge: what the judge checks, one criterion each. */
  criteria?: string[];
  /** llm_judge: the share of criteria that must pass (0-1, default 1). */
  threshold?: number;
  /** on_failure rework: the rework_only step that fixes the outputs. */
  rework_step?: string;
  /** on_failure rework: how many rework rounds at most (default 2). */
  max_retries?: number;
  /** on_failure rework: rounds over which the score must improve (default 3). */
  convergence_window?: number;
  /** on_failure rework: the least improvement over that window (default 0.05). */
  convergence_min_improvement?: number;
  [key: string]: unknown;
}

/** agent_review context: a writing step's change (`git_diff`) or an earlier step's artifact, truncated. */
export interface ReviewContext {
  source: 'git_diff' | 'artifact';
  /** artifact: `<step>.<artifact>` or the artifact name of a dependency. */
  artifact?: string;
  /** git_diff: the writing step (default: the judged step itself, else the one upstream writing step). */
  step?: string;
  /** Bytes kept (default 50 KB); more is cut with a note. */
  max_size?: number | string;
}

export interface PromptExec {
  type: 'prompt';
  source?: string;
  source_path?: string;
}

export interface CommandExec {
  type: 'command';
  script: string;
  /** Default: Wave's base image (DEFAULT_COMMAND_IMAGE). */
  image?: string;
}

/** `type: conditional` (graph mode): the step runs nothing; it routes by its edges on the outcome before it. */
export interface ConditionalExec {
  type: 'conditional';
}

/** `pipeline: <name>`: the step runs another pipeline of the project as a child run (DESIGN.md "A run is a tree"). */
export interface PipelineExec {
  type: 'pipeline';
  pipeline: string;
  /** The child's input, a template (`{{ item }}`, `{{ input }}` …); default: this run's input. */
  input?: string;
  /** The child's input from a dependency's artifact (`<step>.<artifact>`, its text), or a literal. */
  input_ref?: { from: string };
  /** `<step>.<artifact>` of this run given to every step of the child at /wave/in/<artifact>. */
  inject: string[];
  /** Child outputs that become this step's artifacts; filled from the child's pipeline_outputs when validated. */
  extract: string[];
  /** Set into every container of the child run. */
  env: Record<string, string>;
  /** The child run's wall-clock limit (ms). */
  timeoutMs?: number;
  /** Set when validated against the project: each extracted name, and the child step and artifact it is. */
  outputs?: Array<{ name: string; step: string; artifact: string }>;
}

export interface GateChoice {
  key: string;
  label: string;
  /** An upstream step to run again (with what depends on it), or `_fail`; absent: the run goes on. */
  target?: string;
}

/**
 * `gate:` the step waits for an answer (approval) or a time (timer), holding no container and no worker slot
 * (README: Gates). Its decision is the step's JSON artifact `decision` (engine/gate-step.ts).
 */
export interface GateExec {
  type: 'gate';
  kind: 'approval' | 'timer';
  message?: string;
  prompt?: string;
  choices: GateChoice[];
  /** A choice key: taken on --auto-approve, `auto: true` and on timeout. */
  default?: string;
  /** How long it waits (ms); an approval gate without one waits runtime.timeouts.gate_approval_hours. */
  timeoutMs?: number;
  /** The answer may carry a free text (the TTY asks for it; `--message` on the CLI). */
  freeform: boolean;
  /** The original's `auto: true`: the gate takes its default (or approves) without waiting. */
  auto: boolean;
}

export type Exec = PromptExec | CommandExec | PipelineExec | GateExec | ConditionalExec;

/** `iterate:` the step runs once per item of a JSON array, each item an indexed child run. */
export interface Iterate {
  /** A JSON array: `{{ steps.<id>.artifacts.<artifact>.<path> }}` or `{{ steps.<id>.output.<field> }}`. */
  over: string;
  mode: 'sequential' | 'parallel';
  /** Parallel mode: at most this many items at once (the run's worker limit still counts every container). */
  max_concurrent?: number;
  /** fail: the first failed item stops the rest; continue: failed items are recorded and the step completes. */
  on_failure: 'fail' | 'continue';
  /** What each item writes (the step's declared or extracted outputs); the step itself has only the aggregate's. */
  item_outputs: OutputArtifact[];
}

/**
 * `branch:` a pipeline step whose child pipeline is picked at run time: the case named by the value `on` refers to
 * (a step's JSON field, read as iterate.over's reference), else `_default`; `skip` completes the step with nothing.
 */
export interface Branch {
  /** `{{ steps.<id>.artifacts.<artifact>.<path> }}` or `{{ steps.<id>.output.<field> }}`: a string, number or bool. */
  on: string;
  /** Value → pipeline name or `skip`; `_default` when no value matches. */
  cases: Record<string, string>;
}

/**
 * `loop:` an iteration is the step's own body (its pipeline:, exec: or script, when it has one) and then the inline
 * `steps`, each after the one written before it: one child run per iteration, until `until` holds over that
 * iteration's outputs, at most `max_iterations` times (README: loop).
 */
export interface Loop {
  max_iterations: number;
  /** A condition (plan/condition.ts) over this iteration's outputs and the outer pipeline's upstream steps. */
  until: string;
  /** The inline steps of each iteration, in the order written. */
  steps: Step[];
  /** The step has a body of its own, run first in each iteration under the step's id. */
  body: boolean;
  /** What the body writes each iteration (its declared or extracted outputs). */
  body_outputs: OutputArtifact[];
}

/**
 * `strategy: {type: matrix}`: the step fans out over the items of a JSON file an upstream step wrote, each item an
 * indexed child run (the step itself per item, or `child_pipeline`); with `dependency_key` the items run in tiers.
 */
export interface Matrix {
  /** `<step>/<path>`: the upstream step and one of its output artifacts' paths (a JSON file). */
  items_source: string;
  /** A dot path to the array inside that document; the document itself when absent. */
  item_key?: string;
  /** At most this many items at once (the run's worker limit still counts every container); 0 or absent: all. */
  max_concurrency?: number;
  /** Tiers: the dot path to each item's id, and to the array of ids it depends on. Both or neither. */
  item_id_key?: string;
  dependency_key?: string;
  /** Each item runs this pipeline (then exec is a pipeline exec of it) with the input `input_template` renders. */
  child_pipeline?: string;
  input_template?: string;
  /** Without child_pipeline: what each item writes (the step's declared outputs); the step itself has none. */
  item_outputs: OutputArtifact[];
}

/** `aggregate:` Wave merges the iterate children's outputs into one artifact of this step (no container). */
export interface Aggregate {
  /** The artifact of each child to merge: its name (an output of the iterated step, or an extracted one). */
  from: string;
  /** The merged artifact's name (and file name in the step's out folder). */
  into: string;
  strategy: 'merge_arrays' | 'concat' | 'reduce';
  /** reduce: the field whose value keys each child's object in the result. */
  key?: string;
}
export const DEFAULT_COMMAND_IMAGE = 'wave/base:latest';

export interface Mount {
  source: string;
  target: string;
  mode: 'readonly' | 'readwrite';
}

export interface InjectArtifact {
  step: string;
  artifact: string;
  as?: string;
  optional?: boolean;
}

/** An artifact from another pipeline of the project: one of its pipeline_outputs, from its newest completed run. */
export interface PipelineInjection {
  pipeline: string;
  /** The alias in that pipeline's pipeline_outputs. */
  artifact: string;
  as?: string;
  optional?: boolean;
  /** Set when the pipeline is checked against the project: the step and artifact the alias names. */
  source?: { step: string; artifact: string };
}

export function isPipelineInjection(inj: InjectArtifact | PipelineInjection): inj is PipelineInjection {
  return 'pipeline' in inj && inj.pipeline !== undefined;
}

export interface PipelineOutput {
  step: string;
  artifact: string;
  type?: string;
}

export interface OutputArtifact {
  name: string;
  /** Relative to the step's out folder (/wave/out). */
  path: string;
  /** json and yaml outputs are checked to parse (an implied format contract); binary and text are not read. */
  type: 'json' | 'yaml' | 'text' | 'markdown' | 'binary';
  required: boolean;
  /** 'stdout': Wave writes the step's stdout to `path` after the step ends (engine/stdout-output.ts). */
  source?: 'stdout';
}

export type RetryPolicy = 'none' | 'standard' | 'aggressive' | 'patient';

export interface Retry {
  policy?: RetryPolicy;
  max_attempts?: number;
  backoff?: 'fixed' | 'linear' | 'exponential';
  base_delay?: string;
  max_delay?: string;
  on_failure?: 'fail' | 'skip' | 'continue';
}

/** The original's `git_diff` context: an upstream writing step's change, in the prompt as a diff. */
export interface DiffContext {
  source: 'git_diff';
  /** The writing step whose change it is; default: the one upstream step that changes code. */
  step?: string;
  /** Bytes, or "50kb"; default 50 KiB (the original's). A longer diff is cut there, with a notice. */
  max_size?: number | string;
  /** Diff from this commit of the user's repository (HEAD = the run's start) instead of the change's base. */
  diff_base?: string;
}

export interface Step {
  id: string;
  persona?: string;
  adapter?: string;
  model?: string;
  dependencies: string[];
  exec: Exec;
  workspace?: {
    mount?: Mount[];
    /** A git tree of the run (README: Steps that change code); see plan/worktrees.ts for who shares it. */
    type?: 'worktree';
    branch?: string;
    base?: string;
    ref?: string;
    include_uncommitted?: boolean;
  };
  memory?: { inject_artifacts?: Array<InjectArtifact | PipelineInjection>; strategy?: 'fresh' };
  /** Prompt steps: text Wave adds to the prompt (the original's review context), see plan/diff-context.ts. */
  context?: DiffContext[];
  output_artifacts: OutputArtifact[];
  handover: { contracts: Contract[]; compaction?: CompactionConfig };
  retry?: Retry;
  timeout_minutes?: number;
  sandbox?: SandboxPolicy;
  /**
   * Command steps only, the same opt-in as a persona's: passthrough lets the step's sandbox.env_passthrough name
   * a provider credential (the real key then enters its container). A prompt step's persona decides instead.
   */
  credentials?: 'placeholder' | 'passthrough';
  iterate?: Iterate;
  aggregate?: Aggregate;
  /** With exec.type pipeline: exec.pipeline is empty until the run picks a case. */
  branch?: Branch;
  /** The step's artifacts are the last iteration's (output_artifacts: each name from the last step writing it). */
  loop?: Loop;
  /** Runs only as the rework_step of another step's contract, never on its own. */
  rework_only?: boolean;
  matrix?: Matrix;
  /** Graph mode (plan/graph-mode.ts): where the walk goes after this step, first matching edge first. */
  edges?: Edge[];
  /** Graph mode: how many times the walk may visit this step (default DEFAULT_MAX_VISITS). */
  max_visits?: number;
}

/** A graph-mode edge: to `target` (a step id, or GRAPH_COMPLETE) when `condition` holds (none: always). */
export interface Edge {
  target: string;
  condition?: string;
}
/** The edge target that ends a graph-mode run successfully. */
export const GRAPH_COMPLETE = '_complete';
/** The original's defaults: visits of one step, and of all steps together, in one run. */
export const DEFAULT_MAX_VISITS = 10;
export const DEFAULT_MAX_STEP_VISITS = 50;

export interface PipelineInput {
  source?: string;
  type?: string;
  schema?: Record<string, unknown>;
  example?: string;
}

export interface Pipeline {
  apiVersion?: string;
  kind: 'WavePipeline';
  metadata: Metadata;
  input?: PipelineInput;
  pipeline_outputs?: Record<string, PipelineOutput>;
  /** SKILL.md folders of the project given to the prompt steps' CLI (config/skills.ts). */
  skills?: string[];
  /** Commands that must be on PATH in every step's image (engine/required-tools.ts checks them). */
  requires?: { tools?: string[] };
  /** Graph mode: visits of all steps together in one run (default DEFAULT_MAX_STEP_VISITS). */
  max_step_visits?: number;
  steps: Step[];
}

/** A path into a loaded document, e.g. ['steps', 2, 'dependencies', 0]. */
export type DocPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** Finds the line:column of a node in the file a value was loaded from. */
export type Locator = (path: DocPath, at?: 'key' | 'value') => Position | undefined;

/** The text of a scalar as written in the file (quotes, indentation and all), and positions within it. */
export interface ScalarSource {
  raw: string;
  positionAt: (offset: number) => Position;
}

/** Finds the source of the scalar at `path`; undefined when there is none (not a scalar, not in the file). */
export type SourceLocator = (path: DocPath) => ScalarSource | undefined;

export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute path of the manifest file. */
  file: string;
  /** The project directory: the folder holding wave.yaml. */
  projectDir: string;
  /** Absolute path of each persona's system prompt file. */
  systemPromptPaths: Record<string, string>;
  locate: Locator;
}

export interface LoadedPipeline {
  pipeline: Pipeline;
  /** Absolute path of the pipeline file. */
  file: string;
  /** The project whose `.wave/` paths (contracts, prompts) this pipeline resolves against. */
  projectDir: string;
  locate: Locator;
  /** Where a templated text's placeholders are in the file (messages point at their own line). */
  source?: SourceLocator;
}
