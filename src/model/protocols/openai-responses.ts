// The OpenAI Responses API (`POST /v1/responses`, streaming and not), as the Codex CLI calls it through a custom
// model provider (`wire_api = "responses"`). Request and stream shapes follow what codex-cli 0.169.0 sends and
// accepts (test/unit/model/fixtures/codex-responses-request.json is one of its requests):
//   - the conversation is `input`: messages (developer/user/assistant, content parts input_text/output_text),
//     the model's own items echoed back (function_call, custom_tool_call, reasoning), and the tools' answers
//     (function_call_output, custom_tool_call_output) right after the calls they answer;
//   - Codex sends no `instructions`; its prompt and Wave's instructions are developer messages.
// Conversations kept on the server (`previous_response_id`, `store: true`) are not supported: every request must
// carry the whole conversation, as Codex's does.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isObj, namesOf, sendJson, startEventStream, type Obj } from '../http.js';
import type { Answer, ConversationView, Protocol, ToolResultSeen } from '../protocol.js';
import { splitChunks } from '../sse.js';
import type { ScriptToolCall } from '../types.js';
import { writeOpenAiError } from './openai-errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Reading a request.

/** Items the model produced (echoed back by the client): consecutive ones are one model turn. */
const MODEL_ITEM_TYPES = new Set([
  'function_call',
  'custom_tool_call',
  'reasoning',
  'local_shell_call',
  'web_search_call',
  'tool_search_call',
]);
/** Items that answer a tool call. */
const OUTPUT_ITEM_TYPES = new Set([
  'function_call_output',
  'custom_tool_call_output',
  'local_shell_call_output',
  'tool_search_output',
]);

function isModelItem(item: Obj): boolean {
  return (item.type === 'message' || item.type === undefined) && item.role === 'assistant'
    ? true
    : MODEL_ITEM_TYPES.has(String(item.type));
}

/** The texts of a message's content: a string, or parts with `text` (input_text, output_text, …). */
function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.filter(isObj).flatMap((part) => (typeof part.text === 'string' ? [part.text] : []));
}

/** A tool output is a string or (newer API) a list of content parts. */
function outputText(output: unknown): string {
  return typeof output === 'string' ? output : contentTexts(output).join('\n');
}

/**
 * Whether a tool output reports a failure. The API has no error flag: Codex writes it into the text.
 *   - exec_command (unified exec): "…\nProcess exited with code 3\n…"
 *   - apply_patch and the older shell tools: "Exit code: 1\n…", or JSON {"output", "metadata": {"exit_code"}}
 *   - refusals: "exec_command failed: CreateProcess { message: \"Rejected(\\\"`…` rejected: <why>\\\")\" }"
 *     (an execpolicy rule), "…approval required by policy…", "unsupported call: exec_command" (tool switched off)
 */
export function outputIsError(text: string): boolean {
  const exit = /Process exited with code (-?\d+)/.exec(text) ?? /^Exit code: (-?\d+)/m.exec(text);
  if (exit) return Number(exit[1]) !== 0;
  if (/^\s*\{/.test(text)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObj(parsed) && isObj(parsed.metadata) && typeof parsed.metadata.exit_code === 'number')
        return parsed.metadata.exit_code !== 0;
    } catch {
      // not JSON: read it as text
    }
  }
  return /^unsupported call: |^[\w.-]+ failed: |\brejected: |Rejected\(|approval required by policy|^aborted\b/m.test(
    text,
  );
}

/** The outputs after the model's last item: the answers to its last turn's calls, in order. */
function lastToolResults(items: Obj[]): ToolResultSeen[] {
  const out: ToolResultSeen[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (!OUTPUT_ITEM_TYPES.has(String(item.type))) break;
    const text = outputText(item.output);
    out.unshift({
      ...(typeof item.call_id === 'string' ? { id: item.call_id } : {}),
      isError: outputIsError(text),
      text,
    });
  }
  return out;
}

/** Runs of consecutive model items: Codex echoes one answer's items together, the outputs after them. */
function countModelTurns(items: Obj[]): number {
  let turns = 0;
  let inRun = false;
  for (const item of items) {
    const model = isModelItem(item);
    if (model && !inRun) turns++;
    inRun = model;
  }
  return turns;
}

/** Tools declared `type: "custom"` (free-form input, e.g. Codex's apply_patch), per request view. */
const customToolsOf = new WeakMap<ConversationView, ReadonlySet<string>>();

export function readResponsesRequest(body: unknown): ConversationView | string {
  if (!isObj(body) || !(typeof body.input === 'string' || Array.isArray(body.input))) {
    return 'scripted model: the request body must be a JSON object with "input" (a string or a list of items)';
  }
  const items: Obj[] =
    typeof body.input === 'string'
      ? [{ type: 'message', role: 'user', content: body.input }]
      : body.input.filter(isObj);
  const texts: string[] = typeof body.instructions === 'string' ? [body.instructions] : [];
  for (const item of items) {
    if (item.type === 'message' || (item.type === undefined && typeof item.role === 'string'))
      texts.push(...contentTexts(item.content));
    else if (OUTPUT_ITEM_TYPES.has(String(item.type))) texts.push(outputText(item.output));
  }
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj) : [];
  const view: ConversationView = {
    model: typeof body.model === 'string' && body.model !== '' ? body.model : 'scripted-model',
    stream: body.stream === true,
    offersTools: tools.length > 0,
    toolNames: namesOf(tools.map((t) => t.name)),
    texts,
    assistantTurns: countModelTurns(items),
    lastToolResults: lastToolResults(items),
  };
  customToolsOf.set(
    view,
    new Set(tools.filter((t) => t.type === 'custom' && typeof t.name === 'string').map((t) => t.name as string)),
  );
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing an answer.

function hexId(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString('hex')}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function callId(): string {
  let s = '';
  for (const b of randomBytes(24)) s += BASE62[b % 62];
  return `call_${s}`;
}

export interface OutputText {
  type: 'output_text';
  annotations: never[];
  logprobs: never[];
  text: string;
}
export type OutputItem =
  | { id: string; type: 'message'; status: 'completed'; content: OutputText[]; role: 'assistant' }
  | { id: string; type: 'function_call'; status: 'completed'; arguments: string; call_id: string; name: string }
  | { id: string; type: 'custom_tool_call'; status: 'completed'; call_id: string; input: string; name: string };

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/**
 * A custom tool takes free-form text: the script gives it as `input: {input: "…"}` (a string under `input`);
 * any other input object is sent as its JSON text.
 */
function customInput(call: ScriptToolCall): string {
  return typeof call.input.input === 'string' ? call.input.input : JSON.stringify(call.input);
}

export function buildOutput(answer: Answer, customTools: ReadonlySet<string>): OutputItem[] {
  const output: OutputItem[] = [];
  if (answer.text !== undefined) {
    output.push({
      id: hexId('msg'),
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: answer.text }],
      role: 'assistant',
    });
  }
  for (const call of answer.toolCalls) {
    output.push(
      customTools.has(call.name)
        ? {
            id: hexId('ctc'),
            type: 'custom_tool_call',
            status: 'completed',
            call_id: callId(),
            input: customInput(call),
            name: call.name,
          }
        : {
            id: hexId('fc'),
            type: 'function_call',
            status: 'completed',
            arguments: JSON.stringify(call.input),
            call_id: callId(),
            name: call.name,
          },
    );
  }
  return output;
}

/** The script's (Anthropic-named) usage in the Responses API's terms: input_tokens counts cached tokens too. */
export function responsesUsage(answer: Answer): ResponsesUsage {
  const u = answer.usage;
  const input = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cache_read_input_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + u.output_tokens,
  };
}

/** The response object, with the real API's fields; `status`, `output` and `usage` vary along the stream. */
function responseObject(
  id: string,
  createdAt: number,
  model: string,
  status: 'in_progress' | 'completed',
  output: OutputItem[],
  usage: ResponsesUsage | null,
): Obj {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

/** The stream's events, in the real API's order (data only; the SSE `event:` name is the data's `type`). */
export function responseEvents(
  id: string,
  createdAt: number,
  model: string,
  output: OutputItem[],
  usage: ResponsesUsage,
): Obj[] {
  const events: Obj[] = [];
  const inProgress = responseObject(id, createdAt, model, 'in_progress', [], null);
  events.push({ type: 'response.created', response: inProgress });
  events.push({ type: 'response.in_progress', response: inProgress });
  output.forEach((item, output_index) => {
    if (item.type === 'message') {
      const text = item.content[0]?.text ?? '';
      const part = (t: string): OutputText => ({ type: 'output_text', annotations: [], logprobs: [], text: t });
      const at = { item_id: item.id, output_index, content_index: 0 };
      events.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      events.push({ type: 'response.content_part.added', ...at, part: part('') });
      for (const delta of splitChunks(text, 6, 8))
        events.push({ type: 'response.output_text.delta', ...at, delta, logprobs: [] });
      events.push({ type: 'response.output_text.done', ...at, text, logprobs: [] });
      events.push({ type: 'response.content_part.done', ...at, part: part(text) });
    } else if (item.type === 'function_call') {
      const at = { item_id: item.id, output_index };
      events.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const delta of splitChunks(item.arguments, 4))
        events.push({ type: 'response.function_call_arguments.delta', ...at, delta });
      events.push({ type: 'response.function_call_arguments.done', ...at, arguments: item.arguments });
    } else {
      const at = { item_id: item.id, output_index };
      events.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', input: '' },
      });
      for (const delta of splitChunks(item.input, 4))
        events.push({ type: 'response.custom_tool_call_input.delta', ...at, delta });
      events.push({ type: 'response.custom_tool_call_input.done', ...at, input: item.input });
    }
    events.push({ type: 'response.output_item.done', output_index, item });
  });
  events.push({
    type: 'response.completed',
    response: responseObject(id, createdAt, model, 'completed', output, usage),
  });
  return events.map((e, sequence_number) => ({ type: e.type, sequence_number, ...e }));
}

export const openaiResponsesProtocol: Protocol = {
  name: 'openai-responses',
  match: (method, path) => (method === 'POST' && path === '/v1/responses' ? {} : undefined),
  read: (body) => readResponsesRequest(body),
  writeAnswer(res: ServerResponse, answer, stream, requestId, view) {
    const output = buildOutput(answer, (view && customToolsOf.get(view)) ?? new Set());
    const usage = responsesUsage(answer);
    const id = hexId('resp');
    const createdAt = Math.floor(Date.now() / 1000);
    const headers = { 'x-request-id': requestId };
    if (!stream) {
      sendJson(res, 200, responseObject(id, createdAt, answer.model, 'completed', output, usage), headers);
      return;
    }
    startEventStream(res, headers);
    for (const e of responseEvents(id, createdAt, answer.model, output, usage))
      res.write(`event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`);
    res.end();
  },
  writeError: writeOpenAiError,
};
