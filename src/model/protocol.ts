// One API shape the scripted model speaks (Anthropic Messages, OpenAI Responses, OpenAI Chat Completions,
// Gemini generateContent). A protocol only translates: it reads a request into a neutral ConversationView and
// writes a neutral Answer or error back in its own wire format. Which step, which attempt and which turn answer a
// request is decided once, for every protocol, in respond.ts.
import type { ServerResponse } from 'node:http';
import type { ApiErrorType, RequestKind, ScriptToolCall, TurnUsage } from './types.js';

/** What the core needs to know of a request, whatever its API shape. */
export interface ConversationView {
  /** The model the request names (body or path); echoed in the answer. */
  model: string;
  stream: boolean;
  /** The agent loop always offers tools; a CLI's side requests (title, quota or prefix checks) do not. */
  offersTools: boolean;
  /** The names of the tools the request declares: they tell which CLI asks (see actions.ts). */
  toolNames: ReadonlySet<string>;
  /**
   * Every text of the request, in order: system prompt / instructions first, then the conversation (tool
   * results included). The `wave-step:` and `wave-attempt:` markers are searched here, first match wins.
   */
  texts: string[];
  /** Model turns already in the conversation: each earlier answer of the model counts once. */
  assistantTurns: number;
  /** The tool results that answer the previous turn's tool calls (the last user input), in order. */
  lastToolResults: ToolResultSeen[];
}

export interface ToolResultSeen {
  /** The call id the result answers, when the API has one. */
  id?: string;
  /** A failed or refused call, as well as the API (or the CLI's output text) lets us tell. */
  isError: boolean;
  text: string;
}

/** A scripted answer: optional text, then the tool calls, in the protocol's own format. */
export interface Answer {
  model: string;
  text?: string;
  toolCalls: ScriptToolCall[];
  usage: TurnUsage;
}

/** A scripted provider error; `type` is the script's (Anthropic) name, mapped by each protocol to its own. */
export interface ProtocolError {
  status: number;
  type: ApiErrorType;
  message: string;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
}

/** A request the protocol recognised by method and path. */
export interface RouteMatch {
  /** What the path says (Gemini puts the model and streaming in it); the body may say the rest. */
  model?: string;
  stream?: boolean;
}

export interface Protocol {
  /** For recordings and messages: anthropic | openai-responses | openai-chat | gemini. */
  name: string;
  /** The answering route for this request, or undefined when the request is not this protocol's. */
  match(method: string, path: string, query: URLSearchParams): RouteMatch | undefined;
  /** The request's conversation, or a message saying why the body is not a valid request of this protocol. */
  read(body: unknown, route: RouteMatch): ConversationView | string;
  /**
   * Writes the whole answer (JSON, or the API's event stream when `stream`) and ends the response. `view` is what
   * read() returned for this request (the Responses API answers a tool declared `custom` in the request's own form).
   */
  writeAnswer(res: ServerResponse, answer: Answer, stream: boolean, requestId: string, view?: ConversationView): void;
  /** Writes an error as this API does (status, JSON body, headers). Errors never come as a stream. */
  writeError(res: ServerResponse, error: ProtocolError, requestId: string): void;
  /** Other routes of this API (model lists, token counts): the recorded kind when it answered. Optional. */
  serveOther?(method: string, path: string, rawBody: string, res: ServerResponse): RequestKind | undefined;
}
