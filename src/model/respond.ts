// Decides the answer to one model request, as data, whatever the API shape: which step, which turn, and what
// to send. The protocols only translate what this returns, so the rules live in one place:
//   - a request that offers no tools is a side request of the CLI (quota check, title, command-prefix
//     check): answered with a short text, never with a scripted turn, so it cannot use up a step's turns
//     or error counters;
//   - otherwise the `wave-step: <id>` marker picks the step, and the conversation length picks the turn;
//   - no marker, an unknown step, or a script that has run out → 400 invalid_request_error that says why;
//   - adapter-neutral actions become the tool calls the request's CLI declares (actions.ts), `{{ input }}` filled.

import { describeAction, fillInput, resolveCalls } from './actions.js';
import { findAttemptIn, findScriptedStepIn } from './markers.js';
import type { Answer, ConversationView, ProtocolError, ToolResultSeen } from './protocol.js';
import type { TurnSelector } from './turns.js';
import type { ExpectToolResult, ModelScript, RequestKind } from './types.js';

export type Decision =
  { kind: 'answer'; answer: Answer; delayMs: number } | { kind: 'error'; error: ProtocolError; delayMs: number };

export interface DecisionContext {
  kind: RequestKind;
  stepId?: string;
  attempt?: number;
  turnIndex?: number;
  note?: string;
}

/** The text a side request gets. Short, like a title or a quota check's answer. */
export const SIDE_REQUEST_TEXT = 'ok';

/** `input` is the run's input, filled into `{{ input }}` placeholders. */
export function decide(
  view: ConversationView,
  script: ModelScript,
  selector: TurnSelector,
  input = '',
): { decision: Decision; ctx: DecisionContext } {
  const invalid = (message: string, ctx: Partial<DecisionContext> = {}) => ({
    decision: {
      kind: 'error' as const,
      error: { status: 400, type: 'invalid_request_error' as const, message },
      delayMs: 0,
    },
    ctx: { ...ctx, kind: 'invalid' as const, note: message },
  });
  const model = view.model;
  const stepId = findScriptedStepIn(view.texts, (id) => Object.hasOwn(script.steps, id));
  const known = Object.keys(script.steps);
  const knownText = known.length > 0 ? known.join(', ') : '(none)';

  if (!view.offersTools) {
    const usage = { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const ctx: DecisionContext = { kind: 'side_request', ...(stepId !== undefined ? { stepId } : {}) };
    return {
      decision: { kind: 'answer', answer: { model, text: SIDE_REQUEST_TEXT, toolCalls: [], usage }, delayMs: 0 },
      ctx,
    };
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

  const sel = selector.select(stepId, view.assistantTurns, findAttemptIn(view.texts));
  const base = { stepId, attempt: sel.attempt, turnIndex: sel.index };
  if (sel.kind === 'exhausted') return invalid(sel.message, base);

  if (sel.kind === 'error') {
    const e = sel.turn.error;
    return {
      decision: {
        kind: 'error',
        error: {
          status: e.status,
          type: e.type,
          message: e.message,
          ...(e.retry_after !== undefined ? { retryAfter: e.retry_after } : {}),
        },
        delayMs: sel.turn.delay_ms,
      },
      ctx: { ...base, kind: 'provider_error', note: `${e.status} ${e.type} (${sel.turn.at ?? 'script'})` },
    };
  }

  const turn = sel.turn;
  if (turn.expect_tool_result) {
    const mismatch = checkToolResults(turn.expect_tool_result, view.lastToolResults);
    if (mismatch !== undefined) {
      // Answer with a final text instead of the scripted turn: the agent stops, and the reason is visible in
      // the CLI's output and in the recording.
      const note =
        `scripted model: step "${stepId}" turn ${sel.index} (${turn.at ?? 'script'}) expected a tool result ` +
        `${describeExpect(turn.expect_tool_result)}, but ${mismatch}`;
      return {
        decision: {
          kind: 'answer',
          answer: { model, text: note, toolCalls: [], usage: turn.usage },
          delayMs: turn.delay_ms,
        },
        ctx: { ...base, kind: 'turn', note },
      };
    }
  }
  const resolved = resolveCalls(turn.tool_calls, view.toolNames, input);
  if ('missing' in resolved) {
    // No call is made up: the agent stops with a text that says which tool was missing, as for a mismatch above.
    const declared = [...view.toolNames].join(', ') || 'none';
    const note =
      `scripted model: step "${stepId}" turn ${sel.index} (${turn.at ?? 'script'}) has to ` +
      `${describeAction(resolved.missing)}, but the request declares no tool that can (declared: ${declared})`;
    const answer: Answer = { model, text: note, toolCalls: [], usage: turn.usage };
    return { decision: { kind: 'answer', answer, delayMs: turn.delay_ms }, ctx: { ...base, kind: 'turn', note } };
  }
  const text = turn.text === undefined ? {} : { text: fillInput(turn.text, input) };
  const answer: Answer = { model, toolCalls: resolved.calls, usage: turn.usage, ...text };
  return { decision: { kind: 'answer', answer, delayMs: turn.delay_ms }, ctx: { ...base, kind: 'turn' } };
}

function describeExpect(e: ExpectToolResult): string {
  const parts: string[] = [];
  if (e.is_error !== undefined) parts.push(`with is_error=${e.is_error}`);
  if (e.contains !== undefined) parts.push(`containing ${JSON.stringify(e.contains)}`);
  return parts.length > 0 ? parts.join(' and ') : '(any)';
}

/** undefined when some tool result of the last user input matches; otherwise what was seen instead. */
function checkToolResults(expect: ExpectToolResult, seen: ToolResultSeen[]): string | undefined {
  if (seen.length === 0) return 'the request has no tool result in its last user input';
  const ok = seen.some(
    (r) =>
      (expect.is_error === undefined || r.isError === expect.is_error) &&
      (expect.contains === undefined || r.text.includes(expect.contains)),
  );
  if (ok) return undefined;
  const got = seen.map((r) => `is_error=${r.isError} ${JSON.stringify(r.text.slice(0, 200))}`).join('; ');
  return `got: ${got}`;
}
