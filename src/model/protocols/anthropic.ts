// The Anthropic Messages API (`POST /v1/messages`, streaming and not), as Claude Code and OpenCode's anthropic
// provider call it. Query strings such as `?beta=true` are ignored.
import type { ServerResponse } from 'node:http';
import { apiErrorBody } from '../api-error.js';
import { sendJson, retryAfterHeader, isObj, namesOf, type Obj } from '../http.js';
import { buildMessage } from '../message.js';
import type { ConversationView, Protocol, ToolResultSeen } from '../protocol.js';
import { writeSseMessage } from '../sse.js';

export const MODEL_LIST = ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-haiku-4-5'];

/** The text of a content value: a string, or an array of blocks (text, and tool_result with nested content). */
function contentText(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out: string[] = [];
  for (const block of content) {
    if (!isObj(block)) continue;
    if (typeof block.text === 'string') out.push(block.text);
    if (block.type === 'tool_result') out.push(...contentText(block.content));
  }
  return out;
}

/** The tool_result blocks of the last user message: the answers to the previous turn's tool calls. */
function lastToolResults(messages: Obj[]): ToolResultSeen[] {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user' || !Array.isArray(last.content)) return [];
  return last.content
    .filter(isObj)
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      ...(typeof b.tool_use_id === 'string' ? { id: b.tool_use_id } : {}),
      isError: b.is_error === true,
      text: contentText(b.content).join('\n'),
    }));
}

export function readMessagesRequest(body: unknown): ConversationView | string {
  if (!isObj(body) || !Array.isArray(body.messages)) {
    return 'scripted model: the request body must be a JSON object with a "messages" list';
  }
  const messages = body.messages.filter(isObj);
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj) : [];
  return {
    model: typeof body.model === 'string' && body.model !== '' ? body.model : 'scripted-model',
    stream: body.stream === true,
    offersTools: tools.length > 0,
    toolNames: namesOf(tools.map((t) => t.name)),
    texts: [...contentText(body.system), ...messages.flatMap((m) => contentText(m.content))],
    assistantTurns: messages.filter((m) => m.role === 'assistant').length,
    lastToolResults: lastToolResults(messages),
  };
}

/** The count_tokens estimate: about four characters per token of the whole request body. */
export function estimateTokens(rawBody: string): number {
  return Math.max(1, Math.ceil(rawBody.length / 4));
}

function modelInfo(id: string): Record<string, string> {
  return { type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' };
}

export const anthropicProtocol: Protocol = {
  name: 'anthropic',
  match: (method, path) => (method === 'POST' && path === '/v1/messages' ? {} : undefined),
  read: (body) => readMessagesRequest(body),
  writeAnswer(res: ServerResponse, answer, stream) {
    const message = buildMessage(answer);
    if (stream) writeSseMessage(res, message, {});
    else sendJson(res, 200, message);
  },
  writeError(res, error, requestId) {
    sendJson(res, error.status, apiErrorBody(error.type, error.message, requestId), retryAfterHeader(error.retryAfter));
  },
  serveOther(method, path, rawBody, res) {
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: estimateTokens(rawBody) });
      return 'count_tokens';
    }
    if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      const id = path.startsWith('/v1/models/') ? decodeURIComponent(path.slice('/v1/models/'.length)) : undefined;
      if (id === undefined) {
        sendJson(res, 200, {
          data: MODEL_LIST.map(modelInfo),
          has_more: false,
          first_id: MODEL_LIST[0],
          last_id: MODEL_LIST.at(-1),
        });
      } else {
        // Any id is "available": the script, not the model name, decides the answers.
        sendJson(res, 200, modelInfo(id));
      }
      return 'models';
    }
    return undefined;
  },
};
