// The shapes of a model script (what the scripted model answers) and of a recorded request (what it was
// asked). Both are plain data so tests can build scripts inline and assert on recordings with deepEqual.

/** Token counts reported for one turn, as the Anthropic API names them. */
export interface TurnUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** One tool call the model "makes": the agent CLI executes it for real inside its container. */
export interface ScriptToolCall {
  name: string;
  /** Passed through verbatim as the tool_use block's `input`. */
  input: Record<string, unknown>;
}

/**
 * A tool call written once for every CLI: the server turns it into the call the requesting CLI understands, chosen
 * by the tools the request declares (actions.ts). Texts may hold `{{ input }}`, filled with the run's input.
 */
export type ScriptAction =
  /** Write a file: `content` as text, or `json` (any YAML value) serialised with two-space indentation. */
  | { action: 'write'; path: string; content: string }
  | { action: 'write'; path: string; json: unknown }
  | { action: 'run'; command: string }
  | { action: 'read'; path: string };

/** What a turn's `tool_calls` list holds: a CLI's own call, sent as written, or an adapter-neutral action. */
export type ScriptCall = ScriptToolCall | ScriptAction;

/** The error types the real API uses in `{type:'error', error:{type, message}}`. */
export const API_ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
] as const;
export type ApiErrorType = (typeof API_ERROR_TYPES)[number];

export interface ScriptError {
  status: number;
  type: ApiErrorType;
  message: string;
  /** Seconds, sent as the `retry-after` header (the CLI's SDK honours it when retrying a 429). */
  retry_after?: number;
}

/** What the previous turn's tool result must look like before this turn is served. */
export interface ExpectToolResult {
  is_error?: boolean;
  /** A substring the tool result's text must contain. */
  contains?: string;
}

/** A turn that answers with an assistant message: optional text, then optional tool calls. */
export interface AnswerTurn {
  kind: 'answer';
  text?: string;
  tool_calls: ScriptCall[];
  usage: TurnUsage;
  expect_tool_result?: ExpectToolResult;
  /** Wait this long before answering (to exercise timeouts and cancellation). */
  delay_ms: number;
  /** Where the turn is written, for messages ("file:line"). */
  at?: string;
}

/** A turn that answers with an HTTP error, `times` times in a row, before the script moves on. */
export interface ErrorTurn {
  kind: 'error';
  error: ScriptError;
  times: number;
  delay_ms: number;
  at?: string;
}

export type ScriptTurn = AnswerTurn | ErrorTurn;

/** The turns of one attempt of a step. */
export type TurnList = ScriptTurn[];

export interface StepScript {
  /**
   * One turn list per attempt of the step (a retried step starts a new conversation). The last list is
   * reused for any further attempts, so a script with one list answers every attempt the same way.
   */
  attempts: TurnList[];
}

export interface ModelScript {
  /** The file the script came from, if any (for messages). */
  file?: string;
  /** Keyed by step id, the id Wave writes into the step's instructions as `wave-step: <id>`. */
  steps: Record<string, StepScript>;
}

/** How the server classified a request; tests filter recordings by it. */
export type RequestKind =
  /** A scripted assistant message was served. */
  | 'turn'
  /** A scripted provider error was served. */
  | 'provider_error'
  /** A request without tools (title, quota or prefix check by the CLI), answered with short text. */
  | 'side_request'
  | 'count_tokens'
  | 'models'
  /** Refused with 400: unknown step, no marker, script exhausted, malformed body. */
  | 'invalid'
  /** Any path the server does not implement; answered 404. */
  | 'not_found';

export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  /** ISO timestamp of arrival. */
  time: string;
  method: string;
  /** The path without the query string (`/v1/messages`, even when the CLI adds `?beta=true`). */
  path: string;
  /** The full request target, query included. */
  url: string;
  /** Lower-cased header names, as node:http gives them (x-api-key and authorization included on purpose). */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; the raw text when it was not JSON; undefined when there was none. */
  body: unknown;
  kind: RequestKind;
  /** The step the request belonged to, from its `wave-step:` marker. */
  stepId?: string;
  /** 1-based attempt of the step (each new conversation of the same step is a new attempt). */
  attempt?: number;
  /** 0-based index of the answer turn within the attempt (= assistant messages already in the request). */
  turnIndex?: number;
  /** The HTTP status the server answered with. */
  status: number;
  /** The API shape that answered (anthropic, openai-responses, openai-chat, gemini); unset for unknown paths. */
  protocol?: string;
  /** Why the request was refused, or what an `expect_tool_result` check found. */
  note?: string;
}
