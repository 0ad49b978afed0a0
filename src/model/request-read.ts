// Reads what the server needs out of a Messages API request body: which step it belongs to (the
// `wave-step: <id>` marker Wave writes into the step's instructions), how far the conversation has got, and
// the latest tool results. Bodies come from real CLIs, so every field is treated as possibly missing.

export const STEP_MARKER = /wave-step: ([A-Za-z0-9_.-]+)/;
/** Optional: pins the attempt of the step; without it the server infers attempts (see turns.ts). */
export const ATTEMPT_MARKER = /wave-attempt: ([0-9]+)/;

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

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

function messagesOf(body: unknown): Obj[] {
  if (!isObj(body) || !Array.isArray(body.messages)) return [];
  return body.messages.filter(isObj);
}

/**
 * The first capture of `re` in the request, searching the system prompt first, then the messages in order, so
 * a marker quoted later in the conversation (a file the agent read) never wins over the step's own.
 */
function findFirst(body: unknown, re: RegExp): string | undefined {
  const texts: string[] = [];
  if (isObj(body)) texts.push(...contentText(body.system));
  for (const m of messagesOf(body)) texts.push(...contentText(m.content));
  for (const t of texts) {
    const match = re.exec(t);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The step id from the `wave-step: <id>` marker. */
export function findStepId(body: unknown): string | undefined {
  return findFirst(body, STEP_MARKER);
}

/** The attempt from an optional `wave-attempt: <n>` marker (1-based). */
export function findAttempt(body: unknown): number | undefined {
  const n = findFirst(body, ATTEMPT_MARKER);
  return n === undefined ? undefined : Number(n);
}

/** The conversation length that selects the turn: every assistant message is one turn already served. */
export function countAssistantMessages(body: unknown): number {
  return messagesOf(body).filter((m) => m.role === 'assistant').length;
}

/** Whether the request offers tools: the agent loop always does; the CLI's side requests (titles, quota) don't. */
export function offersTools(body: unknown): boolean {
  return isObj(body) && Array.isArray(body.tools) && body.tools.length > 0;
}

export interface ToolResultSeen {
  tool_use_id: string | undefined;
  is_error: boolean;
  text: string;
}

/** The tool_result blocks of the last user message: the answers to the previous turn's tool calls. */
export function lastToolResults(body: unknown): ToolResultSeen[] {
  const messages = messagesOf(body);
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user' || !Array.isArray(last.content)) return [];
  return last.content.filter(isObj).filter((b) => b.type === 'tool_result').map((b) => ({
    tool_use_id: typeof b.tool_use_id === 'string' ? b.tool_use_id : undefined,
    is_error: b.is_error === true,
    text: contentText(b.content).join('\n'),
  }));
}

export function requestedModel(body: unknown): string {
  return isObj(body) && typeof body.model === 'string' && body.model !== '' ? body.model : 'scripted-model';
}

export function wantsStream(body: unknown): boolean {
  return isObj(body) && body.stream === true;
}

/** The count_tokens estimate: about four characters per token of the whole request body. */
export function estimateTokens(rawBody: string): number {
  return Math.max(1, Math.ceil(rawBody.length / 4));
}
