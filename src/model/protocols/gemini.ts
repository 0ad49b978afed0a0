// The Gemini API (`POST /v1beta/models/<model>:generateContent` and `:streamGenerateContent`), as Gemini CLI
// 0.61.0 calls it with an API key (test/unit/model/fixtures/gemini-request.json is one of its requests):
//   - the agent loop streams (`?alt=sse`: `data: {json}\r\n\r\n` chunks) and declares its tools as
//     `tools: [{functionDeclarations: […]}]`; Wave's instructions end the `systemInstruction`;
//   - the conversation is `contents`: role "user" (the prompt; later the tools' answers as `functionResponse`
//     parts, `response: {output}` or `response: {error}` for a failed or refused call) and role "model" (the
//     model's earlier answers, `text` and `functionCall` parts, echoed back);
//   - the CLI's own small requests (loop detection, next-speaker and edit-fixer checks) are `generateContent` calls
//     without tools that ask for JSON (`responseMimeType: application/json`, `responseJsonSchema`); they get a JSON
//     object that satisfies the schema with neutral values (no loop, the user speaks next).
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isObj, namesOf, retryAfterHeader, sendJson, startEventStream, type Obj } from '../http.js';
import type { Answer, ConversationView, Protocol, RouteMatch, ToolResultSeen } from '../protocol.js';
import { splitChunks } from '../sse.js';
import type { TurnUsage } from '../types.js';
import { estimateTokens } from './anthropic.js';

const ROUTE = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

// ---------------------------------------------------------------------------------------------------------------
// Reading a request.

/** streamGenerateContent without `alt=sse` answers with one JSON array of the chunks. */
const arrayStreams = new WeakSet<RouteMatch>();
const arrayStreamViews = new WeakSet<ConversationView>();
/** The JSON schema a request asks its answer to follow (the CLI's side requests). */
const jsonAnswerOf = new WeakMap<ConversationView, { schema: unknown }>();

/** The texts of a Content (`{role, parts}`), a list of parts, or a plain string. */
function partTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  const parts = isObj(content) ? content.parts : content;
  if (!Array.isArray(parts)) return [];
  const out: string[] = [];
  for (const part of parts) {
    if (!isObj(part)) continue;
    if (typeof part.text === 'string' && part.thought !== true) out.push(part.text);
    if (isObj(part.functionResponse)) out.push(functionResponseText(part.functionResponse.response));
  }
  return out;
}

/** What a tool answered: Gemini CLI sends `{output: "…"}`, or `{error: "…"}` for a failed or refused call. */
function functionResponseText(response: unknown): string {
  if (!isObj(response)) return typeof response === 'string' ? response : '';
  if (typeof response.output === 'string') return response.output;
  if (typeof response.error === 'string') return response.error;
  return JSON.stringify(response);
}

/**
 * A failed call: the response holds `error` (refused by the policy, tool not found, bad arguments…), or a shell
 * command's output reports a non-zero exit ("Exit Code: 3", which Gemini CLI still sends as `output`).
 */
export function functionResponseIsError(response: unknown): boolean {
  if (!isObj(response)) return false;
  if (response.error !== undefined && response.error !== null && response.error !== '') return true;
  return typeof response.output === 'string' && /^Exit Code: -?[1-9]\d*$/m.test(response.output);
}

/** The functionResponse parts of the last content, when it is the user's: the answers to the last calls. */
function lastToolResults(contents: Obj[]): ToolResultSeen[] {
  const last = contents[contents.length - 1];
  if (!last || last.role === 'model' || !Array.isArray(last.parts)) return [];
  return last.parts
    .filter(isObj)
    .map((p) => p.functionResponse)
    .filter(isObj)
    .map((r) => ({
      ...(typeof r.id === 'string' ? { id: r.id } : {}),
      isError: functionResponseIsError(r.response),
      text: functionResponseText(r.response),
    }));
}

/** Runs of consecutive model contents: each earlier answer of the model counts once. */
function countModelTurns(contents: Obj[]): number {
  let turns = 0;
  let inRun = false;
  for (const c of contents) {
    const model = c.role === 'model';
    if (model && !inRun) turns++;
    inRun = model;
  }
  return turns;
}

/** The names in `tools: [{functionDeclarations: [{name}, …]}, …]`. */
function declaredFunctions(tools: unknown): Set<string> {
  const groups = Array.isArray(tools) ? tools.filter(isObj) : [];
  const declarations = groups.flatMap((t) =>
    Array.isArray(t.functionDeclarations) ? (t.functionDeclarations as unknown[]) : [],
  );
  return namesOf(declarations.filter(isObj).map((f) => f.name));
}

export function readGenerateContentRequest(body: unknown, route: RouteMatch): ConversationView | string {
  if (!isObj(body) || !Array.isArray(body.contents)) {
    return 'scripted model: the request body must be a JSON object with a "contents" list';
  }
  const contents = body.contents.filter(isObj);
  const config = isObj(body.generationConfig) ? body.generationConfig : {};
  const toolNames = declaredFunctions(body.tools);
  const view: ConversationView = {
    model: route.model ?? 'scripted-model',
    stream: route.stream === true,
    offersTools: toolNames.size > 0,
    toolNames,
    texts: [...partTexts(body.systemInstruction), ...contents.flatMap((c) => partTexts(c))],
    assistantTurns: countModelTurns(contents),
    lastToolResults: lastToolResults(contents),
  };
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (config.responseMimeType === 'application/json' || schema !== undefined) jsonAnswerOf.set(view, { schema });
  if (arrayStreams.has(route)) arrayStreamViews.add(view);
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing an answer.

/**
 * A value that satisfies a JSON schema with neutral content: the first enum value, 0, false, "", [] and objects
 * with their required properties. For the CLI's checks this reads as "nothing to do": loop detection gets
 * confidence 0, the next-speaker check gets "user" (its enum is ["user", "model"]).
 */
export function neutralJson(schema: unknown): unknown {
  if (!isObj(schema)) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type: unknown = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (typeof type === 'string' ? type.toLowerCase() : undefined) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    default: {
      const props = isObj(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required)
        ? schema.required.filter((k): k is string => typeof k === 'string')
        : [];
      return Object.fromEntries(required.map((k) => [k, neutralJson(props[k])]));
    }
  }
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Gemini's usage: the prompt count includes cached tokens; the CLI reads `input` as prompt minus cached. */
export function usageMetadata(u: TurnUsage, final: boolean): Obj {
  const prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  const cached = u.cache_read_input_tokens > 0 ? { cachedContentTokenCount: u.cache_read_input_tokens } : {};
  if (!final) return { promptTokenCount: prompt, totalTokenCount: prompt, ...cached };
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: u.output_tokens,
    totalTokenCount: prompt + u.output_tokens,
    ...cached,
  };
}

type Part = { text: string } | { functionCall: { name: string; args: Record<string, unknown> } };

/** The streamed chunks: the text in several pieces, then the calls (whole, as Gemini sends them), then STOP. */
export function answerChunks(answer: Answer, responseId: string, text: string | undefined): Obj[] {
  const pieces = text !== undefined && text !== '' ? splitChunks(text, 4, 8) : [];
  const calls: Part[] = answer.toolCalls.map((c) => ({ functionCall: { name: c.name, args: c.input } }));
  const groups: Part[][] = [...pieces.map((t) => [{ text: t }]), ...(calls.length > 0 ? [calls] : [])];
  if (groups.length === 0) groups.push([{ text: '' }]);
  return groups.map((parts, i) => {
    const final = i === groups.length - 1;
    return {
      candidates: [{ content: { role: 'model', parts }, ...(final ? { finishReason: 'STOP' } : {}), index: 0 }],
      usageMetadata: usageMetadata(answer.usage, final),
      modelVersion: answer.model,
      responseId,
    };
  });
}

/** The whole answer as one generateContent response. */
export function answerResponse(answer: Answer, responseId: string, text: string | undefined): Obj {
  const parts: Part[] = [
    ...(text !== undefined && text !== '' ? [{ text }] : []),
    ...answer.toolCalls.map((c) => ({ functionCall: { name: c.name, args: c.input } })),
  ];
  return {
    candidates: [
      { content: { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] }, finishReason: 'STOP', index: 0 },
    ],
    usageMetadata: usageMetadata(answer.usage, true),
    modelVersion: answer.model,
    responseId,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: `{error: {code, message, status}}`, the google.rpc.Status JSON.

export function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
    case 529:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

export const geminiProtocol: Protocol = {
  name: 'gemini',
  match(method, path, query) {
    const m = ROUTE.exec(path);
    if (method !== 'POST' || !m || m[3] === 'countTokens') return undefined;
    const stream = m[3] === 'streamGenerateContent';
    const route: RouteMatch = { model: decodeURIComponent(m[2]!), stream };
    if (stream && query.get('alt') !== 'sse') arrayStreams.add(route);
    return route;
  },
  read: (body, route) => readGenerateContentRequest(body, route),
  writeAnswer(res: ServerResponse, answer, stream, _requestId, view) {
    const responseId = randomBytes(16).toString('base64url');
    const json = view ? jsonAnswerOf.get(view) : undefined;
    // A request that asks for JSON gets JSON, whatever the script's text (side requests get "ok").
    const text =
      json && answer.toolCalls.length === 0 && !isJsonText(answer.text ?? '')
        ? JSON.stringify(neutralJson(json.schema))
        : answer.text;
    if (!stream) return sendJson(res, 200, answerResponse(answer, responseId, text));
    const chunks = answerChunks(answer, responseId, text);
    if (view && arrayStreamViews.has(view)) return sendJson(res, 200, chunks);
    startEventStream(res);
    for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    res.end();
  },
  writeError(res, error) {
    const details =
      error.retryAfter !== undefined
        ? { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${error.retryAfter}s` }] }
        : {};
    sendJson(
      res,
      error.status,
      { error: { code: error.status, message: error.message, status: googleStatus(error.status), ...details } },
      retryAfterHeader(error.retryAfter),
    );
  },
  serveOther(method, path, rawBody, res) {
    const m = ROUTE.exec(path);
    if (method === 'POST' && m?.[3] === 'countTokens') {
      sendJson(res, 200, { totalTokens: estimateTokens(rawBody) });
      return 'count_tokens';
    }
    return undefined;
  },
};
