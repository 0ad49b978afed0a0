// Builds the assistant `message` object of the Messages API from a scripted turn: the same fields, ids and
// stop reasons as the real API, so the CLI (and the official SDK) take it for the real thing.

import { randomBytes } from 'node:crypto';
import type { ScriptToolCall, TurnUsage } from './types.js';

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type ContentBlock = TextBlock | ToolUseBlock;

export interface ApiUsage extends TurnUsage {
  service_tier: 'standard';
}

export interface ApiMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: 'end_turn' | 'tool_use' | null;
  stop_sequence: null;
  usage: ApiUsage;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Ids shaped like the real ones (`msg_01…`, `toolu_01…`, `req_01…`: a prefix, "01", 22 base62 characters). */
export function apiId(prefix: 'msg' | 'toolu' | 'req'): string {
  const bytes = randomBytes(22);
  let s = '';
  for (const b of bytes) s += BASE62[b % 62];
  return `${prefix}_01${s}`;
}

export interface MessageSpec {
  model: string;
  text?: string;
  toolCalls: ScriptToolCall[];
  usage: TurnUsage;
}

export function buildMessage(spec: MessageSpec): ApiMessage {
  const content: ContentBlock[] = [];
  if (spec.text !== undefined) content.push({ type: 'text', text: spec.text });
  for (const call of spec.toolCalls) {
    content.push({ type: 'tool_use', id: apiId('toolu'), name: call.name, input: call.input });
  }
  return {
    id: apiId('msg'),
    type: 'message',
    role: 'assistant',
    model: spec.model,
    content,
    stop_reason: spec.toolCalls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    // The real API's key order; some parsers downstream log usage verbatim.
    usage: {
      input_tokens: spec.usage.input_tokens,
      cache_creation_input_tokens: spec.usage.cache_creation_input_tokens,
      cache_read_input_tokens: spec.usage.cache_read_input_tokens,
      output_tokens: spec.usage.output_tokens,
      service_tier: 'standard',
    },
  };
}
