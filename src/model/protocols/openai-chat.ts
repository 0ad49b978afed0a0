// OpenAI's Chat Completions API (`POST /v1/chat/completions`, streaming and not), as OpenCode's bundled
// @ai-sdk/openai-compatible provider calls it (test/unit/model/fixtures/opencode-chat-request.json is one of its
// requests). The path without `/v1` is accepted too: OpenAI-compatible servers are often configured that way.
//   - the conversation is `messages`: system/developer, user, assistant (content and/or tool_calls) and `tool`
//     messages (tool_call_id, content) right after the assistant message whose calls they answer;
//   - the stream is `data: <chunk>` lines (no `event:` names) ending in `data: [DONE]`; with
//     `stream_options.include_usage` every chunk carries `usage: null` and one last chunk with no choices carries
//     the usage.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isObj, namesOf, sendJson, startEventStream, type Obj } from '../http.js';
import type { Answer, ConversationView, Protocol, ToolResultSeen } from '../protocol.js';
import { splitChunks } from '../sse.js';
import { writeOpenAiError } from './openai-errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Reading a request.

/** A message's text: a string, or content parts with `text` (type text, or refusal). */
function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content
    .filter(isObj)
    .flatMap((part) =>
      typeof part.text === 'string' ? [part.text] : typeof part.refusal === 'string' ? [part.refusal] : [],
    );
}

const SYSTEM_ROLES = new Set(['system', 'developer']);

/**
 * Whether a tool message reports a failure. The API has no error flag: the client writes it into the content.
 * OpenCode 1.18.33 answers a refused call with "The user has specified a rule which prevents you from using this
 * specific tool call…" (a deny rule) or "The user rejected permission to use this specific tool call…" (an ask
 * that `run` rejects), a call of a removed or unknown tool with "The arguments provided to the tool are invalid:
 * Model tried to call unavailable tool 'bash'…", and a tool that threw with its message ("File not found: …").
 * Other clients start the text with "Error" or "error:". Only the first line is read for the generic forms, so a
 * file whose content mentions an error is not one.
 */
export function chatToolResultIsError(text: string): boolean {
  if (
    /prevents you from using this specific tool call|rejected permission to use this specific tool call|The arguments provided to the tool are invalid|unavailable tool '/.test(
      text,
    )
  ) {
    return true;
  }
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  return /^(?:error|fatal)\b|^File not found: |^Path is a directory|^Permission denied\b|^[\w.-]+ failed: |^Tool execution (?:failed|aborted)/i.test(
    first,
  );
}

/** The `tool` messages after the last other message: the answers to the previous turn's calls, in order. */
function lastToolResults(messages: Obj[]): ToolResultSeen[] {
  const out: ToolResultSeen[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'tool') break;
    const text = contentTexts(message.content).join('\n');
    out.unshift({
      ...(typeof message.tool_call_id === 'string' ? { id: message.tool_call_id } : {}),
      isError: chatToolResultIsError(text),
      text,
    });
  }
  return out;
}

export function readChatRequest(body: unknown): ConversationView | string {
  if (!isObj(body) || !Array.isArray(body.messages)) {
    return 'scripted model: the request body must be a JSON object with a "messages" list';
  }
  const messages = body.messages.filter(isObj);
  const system = messages.filter((m) => SYSTEM_ROLES.has(String(m.role)));
  const rest = messages.filter((m) => !SYSTEM_ROLES.has(String(m.role)));
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj) : [];
  return {
    model: typeof body.model === 'string' && body.model !== '' ? body.model : 'scripted-model',
    stream: body.stream === true,
    offersTools: tools.length > 0,
    toolNames: namesOf(tools.map((t) => (isObj(t.function) ? t.function.name : t.name))),
    texts: [...system, ...rest].flatMap((m) => contentTexts(m.content)),
    assistantTurns: messages.filter((m) => m.role === 'assistant').length,
    lastToolResults: lastToolResults(messages),
  };
}

/** Whether the request asked for the final usage chunk of a stream. */
const includeUsageOf = new WeakMap<ConversationView, boolean>();

function readRequest(body: unknown): ConversationView | string {
  const view = readChatRequest(body);
  if (typeof view !== 'string' && isObj(body) && isObj(body.stream_options))
    includeUsageOf.set(view, body.stream_options.include_usage === true);
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing an answer.

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** The script's (Anthropic-named) usage in Chat Completions terms: prompt_tokens counts cached tokens too. */
export function chatUsage(answer: Answer): ChatUsage {
  const u = answer.usage;
  const prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output_tokens,
    total_tokens: prompt + u.output_tokens,
    prompt_tokens_details: { cached_tokens: u.cache_read_input_tokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function randomId(prefix: string, length: number): string {
  let s = '';
  for (const b of randomBytes(length)) s += BASE62[b % 62];
  return `${prefix}${s}`;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

function toolCallsOf(answer: Answer): ChatToolCall[] {
  return answer.toolCalls.map((call) => ({
    id: randomId('call_', 24),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.input) },
  }));
}

function finishReason(calls: ChatToolCall[]): 'tool_calls' | 'stop' {
  return calls.length > 0 ? 'tool_calls' : 'stop';
}

/** The non-streaming answer, with the real API's fields. */
export function chatCompletion(id: string, created: number, answer: Answer, calls: ChatToolCall[]): Obj {
  return {
    id,
    object: 'chat.completion',
    created,
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: answer.text ?? null,
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
          annotations: [],
        },
        logprobs: null,
        finish_reason: finishReason(calls),
      },
    ],
    usage: chatUsage(answer),
    service_tier: 'default',
    system_fingerprint: null,
  };
}

/**
 * The stream's chunks in the real API's order: the role, the text in pieces, each tool call (id, type and name in
 * its first chunk, the arguments split over the following ones), the finish reason, then the usage chunk.
 */
export function chatChunks(
  id: string,
  created: number,
  answer: Answer,
  calls: ChatToolCall[],
  includeUsage: boolean,
): Obj[] {
  const chunk = (delta: Obj, finish: string | null = null): Obj => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: answer.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: Obj[] = [chunk({ role: 'assistant', content: answer.text !== undefined ? '' : null, refusal: null })];
  for (const piece of splitChunks(answer.text ?? '', 6, 8)) chunks.push(chunk({ content: piece }));
  calls.forEach((call, index) => {
    chunks.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
      }),
    );
    for (const piece of splitChunks(call.function.arguments, 4))
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, finishReason(calls)));
  if (includeUsage) {
    chunks.push({
      id,
      object: 'chat.completion.chunk',
      created,
      model: answer.model,
      system_fingerprint: null,
      choices: [],
      usage: chatUsage(answer),
    });
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------------------------

const PATHS = new Set(['/v1/chat/completions', '/chat/completions']);

export const openaiChatProtocol: Protocol = {
  name: 'openai-chat',
  match: (method, path) => (method === 'POST' && PATHS.has(path) ? {} : undefined),
  read: (body) => readRequest(body),
  writeAnswer(res: ServerResponse, answer, stream, requestId, view) {
    const id = randomId('chatcmpl-', 29);
    const created = Math.floor(Date.now() / 1000);
    const calls = toolCallsOf(answer);
    const headers = { 'x-request-id': requestId };
    if (!stream) {
      sendJson(res, 200, chatCompletion(id, created, answer, calls), headers);
      return;
    }
    startEventStream(res, headers);
    const includeUsage = view !== undefined && includeUsageOf.get(view) === true;
    for (const chunk of chatChunks(id, created, answer, calls, includeUsage))
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    res.write('data: [DONE]\n\n');
    res.end();
  },
  writeError: writeOpenAiError,
};
