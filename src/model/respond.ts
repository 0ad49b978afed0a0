// Decides the answer to one `POST /v1/messages` request, as data: which step, which turn, and what to send.
// The server only writes what this returns, so the rules live in one place:
//   - a request that offers no tools is a side request of the CLI (quota check, title, command-prefix
//     check): answered with a short text, never with a scripted turn, so it cannot use up a step's turns
//     or error counters;
//   - otherwise the `wave-step: <id>` marker picks the step, and the conversation length picks the turn;
//   - no marker, an unknown step, or a script that has run out → 400 invalid_request_error that says why.

import { apiErrorBody } from './api-error.js';
import { buildMessage, type ApiMessage } from './message.js';
import {
  countAssistantMessages,
  findAttempt,
  findStepId,
  lastToolResults,
  offersTools,
  requestedModel,
  type ToolResultSeen,
} from './request-read.js';
import type { TurnSelector } from './turns.js';
import type { ExpectToolResult, ModelScript, RequestKind } from './types.js';

export type Reply =
  | { kind: RequestKind; status: number; json: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: RequestKind; status: 200; message: ApiMessage; delayMs?: number };

export interface ReplyContext {
  kind: RequestKind;
  stepId?: string;
  attempt?: number;
  turnIndex?: number;
  note?: string;
}

/** The text a side request gets. Short, like a title or a quota check's answer. */
export const SIDE_REQUEST_TEXT = 'ok';

export function replyToMessages(
  body: unknown,
  script: ModelScript,
  selector: TurnSelector,
  requestId: string,
): { reply: Reply; ctx: ReplyContext } {
  const invalid = (message: string, ctx: Partial<ReplyContext> = {}) => ({
    reply: {
      kind: 'invalid' as const,
      status: 400,
      json: apiErrorBody('invalid_request_error', message, requestId),
    },
    ctx: { ...ctx, kind: 'invalid' as const, note: message },
  });

  if (typeof body !== 'object' || body === null || !Array.isArray((body as { messages?: unknown }).messages)) {
    return invalid('scripted model: the request body must be a JSON object with a "messages" list');
  }
  const model = requestedModel(body);
  const stepId = findStepId(body);
  const known = Object.keys(script.steps);
  const knownText = known.length > 0 ? known.join(', ') : '(none)';

  if (!offersTools(body)) {
    const message = buildMessage({
      model,
      text: SIDE_REQUEST_TEXT,
      toolCalls: [],
      usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    const ctx: ReplyContext = { kind: 'side_request' };
    if (stepId !== undefined) ctx.stepId = stepId;
    return { reply: { kind: 'side_request', status: 200, message }, ctx };
  }
  if (stepId === undefined) {
    return invalid(
      `scripted model: the request has no "wave-step: <id>" marker in its system prompt or messages, so no ` +
        `scripted step can answer it (known steps: ${knownText})`,
    );
  }
  if (!script.steps[stepId]) {
    return invalid(`scripted model: no script for step "${stepId}" (known steps: ${knownText})`, { stepId });
  }

  const assistantCount = countAssistantMessages(body);
  const sel = selector.select(stepId, assistantCount, findAttempt(body));
  const base = { stepId, attempt: sel.attempt, turnIndex: sel.index };
  if (sel.kind === 'exhausted') return invalid(sel.message, base);

  if (sel.kind === 'error') {
    const e = sel.turn.error;
    const headers: Record<string, string> = {};
    if (e.retry_after !== undefined) headers['retry-after'] = String(e.retry_after);
    return {
      reply: {
        kind: 'provider_error',
        status: e.status,
        json: apiErrorBody(e.type, e.message, requestId),
        headers,
        delayMs: sel.turn.delay_ms,
      },
      ctx: { ...base, kind: 'provider_error', note: `${e.status} ${e.type} (${sel.turn.at ?? 'script'})` },
    };
  }

  const turn = sel.turn;
  if (turn.expect_tool_result) {
    const mismatch = checkToolResults(turn.expect_tool_result, lastToolResults(body));
    if (mismatch !== undefined) {
      // Answer with a final text instead of the scripted turn: the agent stops, and the reason is visible in
      // the CLI's output and in the recording.
      const note =
        `scripted model: step "${stepId}" turn ${sel.index} (${turn.at ?? 'script'}) expected a tool result ` +
        `${describeExpect(turn.expect_tool_result)}, but ${mismatch}`;
      const message = buildMessage({ model, text: note, toolCalls: [], usage: turn.usage });
      return { reply: { kind: 'turn', status: 200, message, delayMs: turn.delay_ms }, ctx: { ...base, kind: 'turn', note } };
    }
  }
  const spec = { model, toolCalls: turn.tool_calls, usage: turn.usage };
  const message = buildMessage(turn.text === undefined ? spec : { ...spec, text: turn.text });
  return { reply: { kind: 'turn', status: 200, message, delayMs: turn.delay_ms }, ctx: { ...base, kind: 'turn' } };
}

function describeExpect(e: ExpectToolResult): string {
  const parts: string[] = [];
  if (e.is_error !== undefined) parts.push(`with is_error=${e.is_error}`);
  if (e.contains !== undefined) parts.push(`containing ${JSON.stringify(e.contains)}`);
  return parts.length > 0 ? parts.join(' and ') : '(any)';
}

/** undefined when some tool result of the last user message matches; otherwise what was seen instead. */
function checkToolResults(expect: ExpectToolResult, seen: ToolResultSeen[]): string | undefined {
  if (seen.length === 0) return 'the request has no tool_result in its last user message';
  const ok = seen.some(
    (r) =>
      (expect.is_error === undefined || r.is_error === expect.is_error) &&
      (expect.contains === undefined || r.text.includes(expect.contains)),
  );
  if (ok) return undefined;
  const got = seen.map((r) => `is_error=${r.is_error} ${JSON.stringify(r.text.slice(0, 200))}`).join('; ');
  return `got: ${got}`;
}
