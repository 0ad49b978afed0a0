// The one vocabulary of things that happen during a run. The NDJSON stream (`--json`), the TTY view, the
// per-run log file and the state db's events table all carry exactly these objects, so `wave logs` replaying
// the db shows the same thing `wave run --json` printed live.

/** Why an attempt failed; the executor decides whether a class is worth retrying. */
export type FailureClass =
  | 'exit' // the agent CLI exited non-zero
  | 'timeout'
  | 'stalled' // printed nothing for runtime.stall_timeout; retried like a timeout
  | 'contract' // output broke a hard contract
  | 'rate_limit'
  | 'provider_error' // the model provider answered with an error (overloaded, 5xx)
  | 'auth' // the provider or the gateway refused the credentials, billing or permission (401, 402, 403)
  | 'context_exhausted'
  | 'missing_input' // a dependency's required artifact is not there: fails before the container starts
  | 'infrastructure' // Docker, image, disk: not the agent's fault
  | 'quota' // the step left more in /wave/out than resources.out_size / out_files allow
  | 'internal' // Wave itself threw inside the attempt (a bug): the step fails, the run stays resumable
  | 'cancelled'
  | 'loop_exhausted' // a loop's until did not hold after max_iterations: another attempt would run the same
  | 'rejected' // a contract with on_failure: rejected failed, or a person rejected a gate: the run ends rejected
  | 'routing' // graph mode: max_visits or max_step_visits reached, no edge matched, a condition without a value
  | 'unknown';

export type RunFinalStatus = 'completed' | 'failed' | 'cancelled' | 'rejected';

interface EventBase {
  runId: string;
  /** ISO 8601 with milliseconds. */
  time: string;
  /**
   * The row id in the state db's events table, set only on events the store has written. Sinks use it to tell
   * "already persisted" from "not yet", and `wave logs --follow` uses it as its cursor.
   */
  eventId?: number;
  /** Set on every event of a child run (DESIGN.md "A run is a tree"): the run and step that started it. */
  parentRunId?: string;
  parentStepId?: string;
  /** The iterate item the child run is for (0-based). */
  itemIndex?: number;
}

/** Events about the run as a whole. */
interface RunScoped extends EventBase {
  stepId?: undefined;
  attempt?: undefined;
}

/** Events about one attempt of one step. Attempts count from 1. */
interface StepScoped extends EventBase {
  stepId: string;
  attempt: number;
}

/** Events that may concern the run or one step (a warning, an egress decision, an image build). */
interface MaybeStepScoped extends EventBase {
  stepId?: string;
  attempt?: number;
}

export interface RunStartedEvent extends RunScoped {
  type: 'run_started';
  pipeline: string;
  /** The input, shortened for display; the full text is in the runs table. */
  input: string;
  /** True when `wave resume` restarted a failed or cancelled run. */
  resumed: boolean;
}

export interface RunCompletedEvent extends RunScoped {
  type: 'run_completed';
  status: RunFinalStatus;
  durationMs: number;
  error?: string;
}

export interface CancelRequestedEvent extends RunScoped {
  type: 'cancel_requested';
}

export interface StepStartedEvent extends StepScoped {
  type: 'step_started';
  persona: string;
  adapter: string;
  model: string;
  image: string;
}

export interface StepOutputEvent extends StepScoped {
  type: 'step_output';
  stream: 'stdout' | 'stderr';
  line: string;
  /** Bytes cut from the end of this line to keep it within the stored-output bound; absent for a whole line. */
  truncatedBytes?: number;
}

/**
 * One stream of an attempt printed more than Wave stores (`resources.stored_output_head` + `stored_output_tail`):
 * the head's lines come before this event, the tail's after it, and this is what was left out in between
 * (plus the parts cut from over-long lines).
 */
export interface StepOutputTruncatedEvent extends StepScoped {
  type: 'step_output_truncated';
  stream: 'stdout' | 'stderr';
  /** Whole lines not stored. */
  droppedLines: number;
  /** Output bytes not stored (newlines included): the dropped lines and the cut-off ends of long lines. */
  droppedBytes: number;
  /** The bounds that applied, in bytes. */
  headBytes: number;
  tailBytes: number;
}

export interface ToolCallEvent extends StepScoped {
  type: 'tool_call';
  name: string;
  /** A short, scrubbed summary of the tool input (a path, a command), never the whole input. */
  input: string;
  status: 'started' | 'ok' | 'error';
}

export interface UsageEvent extends StepScoped {
  type: 'usage';
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  contextWindow: number;
  /** Share of the context window in use, 0–100. */
  contextPercent: number;
}

/** The context relay stopped an agent instance near its context limit (README: Context relay). */
export interface RelayTriggeredEvent extends StepScoped {
  type: 'relay_triggered';
  /** The relay's number for the step: 1 for the first. */
  relay: number;
  contextPercent: number;
  thresholdPercent: number;
}

/** The summarizer wrote the relay's checkpoint, validated, now the step's artifact `checkpoint-<relay>`. */
export interface CheckpointWrittenEvent extends StepScoped {
  type: 'checkpoint_written';
  relay: number;
  path: string;
}

/** A fresh instance of the step starts from the checkpoint of relay `relay`. */
export interface RelayResumedEvent extends StepScoped {
  type: 'relay_resumed';
  relay: number;
}

export interface ArtifactCollectedEvent extends StepScoped {
  type: 'artifact_collected';
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/** A writing step's change was recorded (its `changes` artifact): the counts `wave status` shows. */
export interface ChangesRecordedEvent extends StepScoped {
  type: 'changes_recorded';
  /** The commit in Wave's own repository (`wave apply` publishes it). */
  commit: string;
  files: number;
  additions: number;
  deletions: number;
}

export interface ContractResultEvent extends StepScoped {
  type: 'contract_result';
  /** Position of the contract in the step's list. */
  index: number;
  contractType: string;
  ok: boolean;
  /** A hard contract failing fails the attempt; a soft one only warns. */
  hard: boolean;
  errors: string[];
}

export interface StepRetryingEvent extends StepScoped {
  type: 'step_retrying';
  /** `attempt` is the attempt that just failed; this is the one that comes next. */
  nextAttempt: number;
  delayMs: number;
  reason: string;
  failureClass: FailureClass;
}

export interface StepCompletedEvent extends StepScoped {
  type: 'step_completed';
  durationMs: number;
}

export interface StepFailedEvent extends StepScoped {
  type: 'step_failed';
  reason: string;
  exitCode: number | null;
  failureClass: FailureClass;
  /** For an `internal` failure: the stack trace, for the log file (the terminal shows `reason` only). */
  detail?: string;
}

export interface StepSkippedEvent extends StepScoped {
  type: 'step_skipped';
  reason: string;
}

export interface StepCancelledEvent extends StepScoped {
  type: 'step_cancelled';
  reason: string;
}

export interface StepTimedOutEvent extends StepScoped {
  type: 'step_timed_out';
  timeoutMs: number;
}

/** A finished step put back to pending by `wave resume` or a gate's re-run (its attempts stay in the history). */
export interface StepResetEvent extends StepScoped {
  type: 'step_reset';
  from: string;
}

/** A gate step opened (or opened again on resume): what it asks and until when it waits. */
export interface GateWaitingEvent extends StepScoped {
  type: 'gate_waiting';
  /** 1 for the first time; a choice that re-runs upstream steps opens the gate again in the next round. */
  round: number;
  kind: 'approval' | 'timer';
  message?: string;
  prompt?: string;
  choices: Array<{ key: string; label: string; target?: string }>;
  default?: string;
  freeform?: boolean;
  /** When it stops waiting (a timer elapses, an approval takes its default or fails); ISO 8601. */
  deadline: string | null;
}

/** How a gate was answered: at the run's terminal, by `wave gate`, by --auto-approve / auto, or by its timeout. */
export type GateAnswerHow = 'tty' | 'cli' | 'auto' | 'timeout';

/** A gate's answer, recorded by whichever process gave it (the waiting run takes it from the state db). */
export interface GateResolvedEvent extends StepScoped {
  type: 'gate_resolved';
  round: number;
  /** The choice key (approve/reject for a gate without choices); null: it timed out with no default. */
  choice: string | null;
  label?: string;
  target?: string;
  message?: string;
  /** The OS user who answered (the run's user for auto and timeout). */
  by: string;
  how: GateAnswerHow;
}

/** A file a reused step contributes to its run: copied from the earlier run, with the hash it was checked against. */
export interface ReusedArtifact {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/**
 * `wave run --from-step`: an upstream step is not run again; its completed result and artifacts are taken over
 * from an earlier run (the artifacts copied into this run's workspace). No attempt runs, so there is none.
 */
export interface StepReusedEvent extends EventBase {
  type: 'step_reused';
  stepId: string;
  attempt?: undefined;
  /** The run the result was taken from. */
  fromRun: string;
  artifacts: ReusedArtifact[];
}

/** A loop step starts an iteration: its child run (README: loop). */
export interface LoopIterationStartedEvent extends StepScoped {
  type: 'loop_iteration_started';
  /** Counted from 1; the child run's item index. */
  iteration: number;
  maxIterations: number;
}

/** An iteration's child run completed and `until` was read over its outputs. */
export interface LoopIterationCompletedEvent extends StepScoped {
  type: 'loop_iteration_completed';
  iteration: number;
  maxIterations: number;
  childRunId: string;
  /** Whether until holds: the loop step then completes with this iteration's outputs. */
  holds: boolean;
  /** Each reference of until with the value it read, as JSON text. */
  values: Record<string, string>;
}

/** Graph mode: the walk visits a step (its `visit`-th time; `seq` counts the run's visits), before it runs. */
export interface GraphVisitEvent extends EventBase {
  type: 'graph_visit';
  stepId: string;
  attempt?: undefined;
  seq: number;
  visit: number;
  maxVisits: number;
}

/** Graph mode: where the walk goes after a visit of `stepId`, and why (`to` is a step id or `_complete`). */
export interface GraphEdgeEvent extends EventBase {
  type: 'graph_edge';
  stepId: string;
  attempt?: undefined;
  seq: number;
  outcome: 'success' | 'failure';
  to: string;
  /** The index of the edge taken in the step's `edges`; absent when the step has none (its dependent, or the end). */
  edge?: number;
  condition?: string;
  why: string;
}

export interface EgressDecisionEvent extends MaybeStepScoped {
  type: 'egress_decision';
  host: string;
  port: number;
  allowed: boolean;
  reason: string;
}

export interface WarningEvent extends MaybeStepScoped {
  type: 'warning';
  message: string;
  code?: string;
}

export interface ProgressEvent extends MaybeStepScoped {
  type: 'progress';
  /** What the long operation is, e.g. `image_build`. */
  phase: string;
  message: string;
  current?: number;
  total?: number;
}

export type WaveEvent =
  | RunStartedEvent
  | RunCompletedEvent
  | CancelRequestedEvent
  | StepStartedEvent
  | StepOutputEvent
  | StepOutputTruncatedEvent
  | ToolCallEvent
  | UsageEvent
  | RelayTriggeredEvent
  | CheckpointWrittenEvent
  | RelayResumedEvent
  | ArtifactCollectedEvent
  | ChangesRecordedEvent
  | ContractResultEvent
  | StepRetryingEvent
  | StepCompletedEvent
  | StepFailedEvent
  | StepSkippedEvent
  | StepCancelledEvent
  | StepTimedOutEvent
  | StepResetEvent
  | StepReusedEvent
  | GateWaitingEvent
  | GateResolvedEvent
  | LoopIterationStartedEvent
  | LoopIterationCompletedEvent
  | GraphVisitEvent
  | GraphEdgeEvent
  | EgressDecisionEvent
  | WarningEvent
  | ProgressEvent;

export type EventType = WaveEvent['type'];

/** The event of a given type. */
export type EventOf<T extends EventType> = Extract<WaveEvent, { type: T }>;

/**
 * Types that only the state store writes, in the same transaction as the state change they describe. Anyone
 * else emitting one would make the log disagree with the tables, so the store refuses them in `events.append`.
 */
export const STATE_CHANGE_EVENT_TYPES = [
  'run_started',
  'run_completed',
  'cancel_requested',
  'step_started',
  'step_retrying',
  'step_completed',
  'step_failed',
  'step_skipped',
  'step_cancelled',
  'step_timed_out',
  'step_reset',
  'step_reused',
  'gate_waiting',
  'gate_resolved',
  'graph_visit',
  'graph_edge',
  'artifact_collected',
  'contract_result',
] as const satisfies readonly EventType[];

export type StateChangeEventType = (typeof STATE_CHANGE_EVENT_TYPES)[number];

export function isStateChangeEvent(event: WaveEvent): boolean {
  return (STATE_CHANGE_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The current time in the format every event uses. */
export function eventTime(date: Date = new Date()): string {
  return date.toISOString();
}
