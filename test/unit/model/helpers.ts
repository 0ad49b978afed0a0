// Shared helpers for the scripted model tests: a loopback client, an SSE parser that rebuilds the message
// from its deltas (independently of the server's own code), and request bodies shaped like Claude Code's.

import { modelScriptFromObject } from '../../../src/model/script-load.js';
import { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from '../../../src/model/server.js';

export async function serve(script: unknown, extra: Partial<ScriptedModelOptions> = {}): Promise<ScriptedModel> {
  return startScriptedModel({ script: modelScriptFromObject(script), host: '127.0.0.1', port: 0, ...extra });
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function post(
  model: ScriptedModel,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const res = await fetch(model.url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test-key',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface SseFrame {
  event: string;
  data: any;
}

/** A minimal SSE parser: frames separated by a blank line, `event:` and `data:` fields. */
export function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const chunk of text.split('\n\n')) {
    if (chunk.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of chunk.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    frames.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return frames;
}

/** Rebuilds the final message from stream events, the way a client does (tool input from partial JSON). */
export function rebuildMessage(frames: SseFrame[]): any {
  let message: any;
  const partial: string[] = [];
  for (const { event, data } of frames) {
    if (event !== data.type) throw new Error(`event name ${event} != data.type ${data.type}`);
    switch (data.type) {
      case 'message_start':
        message = structuredClone(data.message);
        break;
      case 'content_block_start':
        message.content[data.index] = structuredClone(data.content_block);
        partial[data.index] = '';
        break;
      case 'content_block_delta':
        if (data.delta.type === 'text_delta') message.content[data.index].text += data.delta.text;
        else if (data.delta.type === 'input_json_delta') partial[data.index] += data.delta.partial_json;
        else throw new Error(`unexpected delta ${data.delta.type}`);
        break;
      case 'content_block_stop': {
        const block = message.content[data.index];
        if (block.type === 'tool_use') block.input = JSON.parse(partial[data.index] ?? '');
        break;
      }
      case 'message_delta':
        message.stop_reason = data.delta.stop_reason;
        message.stop_sequence = data.delta.stop_sequence;
        message.usage.output_tokens = data.usage.output_tokens;
        break;
      case 'message_stop':
      case 'ping':
        break;
      default:
        throw new Error(`unexpected event ${data.type}`);
    }
  }
  return message;
}

export const TOOLS = [
  { name: 'Write', description: 'Write a file', input_schema: { type: 'object', properties: {} } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: {} } },
  { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: {} } },
];

/**
 * A request body shaped like Claude Code's agent-loop call: system as text blocks with cache_control, the
 * marker in the appended system prompt, tools, metadata, stream. `history` is the conversation so far.
 */
export function claudeRequest(
  stepId: string | undefined,
  history: unknown[] = [],
  extra: Record<string, unknown> = {},
) {
  const system: unknown[] = [
    {
      type: 'text',
      text: "You are Claude Code, Anthropic's official CLI for Claude.",
      cache_control: { type: 'ephemeral' },
    },
    {
      type: 'text',
      text: `You are an interactive CLI tool...\n\n${stepId ? `<!-- wave-step: ${stepId} -->\n` : ''}# Step instructions\nDo the work.`,
      cache_control: { type: 'ephemeral' },
    },
  ];
  return {
    model: 'claude-sonnet-4-6',
    max_tokens: 32000,
    system,
    tools: TOOLS,
    metadata: { user_id: 'user_abc_account__session_123' },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Write a greeting for Ada.' }] }, ...history],
    stream: true,
    ...extra,
  };
}

/** The assistant message + user tool_result message the CLI appends after executing a tool_use turn. */
export function toolRound(message: any, results: { is_error?: boolean; content?: string }[] = []): unknown[] {
  const uses = message.content.filter((b: any) => b.type === 'tool_use');
  return [
    { role: 'assistant', content: message.content },
    {
      role: 'user',
      content: uses.map((u: any, i: number) => ({
        type: 'tool_result',
        tool_use_id: u.id,
        content: results[i]?.content ?? 'ok',
        is_error: results[i]?.is_error ?? false,
      })),
    },
  ];
}
