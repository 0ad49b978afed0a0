// The streaming form of a message: the exact event sequence the Messages API sends with `stream: true`.
//   message_start → (per block: content_block_start, ping after the first, content_block_delta…, content_block_stop)
//   → message_delta (stop_reason, output usage) → message_stop
// Text and tool input arrive in several deltas, as they do from the real API, so clients that reassemble
// partial JSON are exercised for real.

import type { ServerResponse } from 'node:http';
import type { ApiMessage } from './message.js';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Splits into at most `parts` pieces of whole code points (never half of a surrogate pair). */
export function splitChunks(s: string, parts: number, minSize = 1): string[] {
  const chars = Array.from(s);
  if (chars.length === 0) return [];
  const size = Math.max(minSize, Math.ceil(chars.length / parts));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export function messageEvents(message: ApiMessage): SseEvent[] {
  const events: SseEvent[] = [];
  // message_start carries the input side of usage; output_tokens is a placeholder until message_delta,
  // exactly like the real API (the CLI's per-call usage lines show this start usage).
  events.push({
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...message.usage, output_tokens: Math.min(1, message.usage.output_tokens) },
      },
    },
  });
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({
        event: 'content_block_start',
        data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      });
      if (index === 0) events.push(ping());
      for (const text of splitChunks(block.text, 6, 8)) {
        events.push(delta(index, { type: 'text_delta', text }));
      }
    } else {
      events.push({
        event: 'content_block_start',
        data: {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        },
      });
      if (index === 0) events.push(ping());
      // The real API opens every tool input with an empty partial_json, then the JSON in pieces.
      events.push(delta(index, { type: 'input_json_delta', partial_json: '' }));
      for (const partial_json of splitChunks(JSON.stringify(block.input), 4)) {
        events.push(delta(index, { type: 'input_json_delta', partial_json }));
      }
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

function ping(): SseEvent {
  return { event: 'ping', data: { type: 'ping' } };
}

function delta(index: number, d: Record<string, unknown>): SseEvent {
  return { event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } };
}

export function formatSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Writes the stream headers and every event, then ends the response. */
export function writeSseMessage(res: ServerResponse, message: ApiMessage, headers: Record<string, string>): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const e of messageEvents(message)) res.write(formatSse(e));
  res.end();
}
