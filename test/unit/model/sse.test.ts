import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMessage } from '../../../src/model/message.js';
import { formatSse, messageEvents, splitChunks } from '../../../src/model/sse.js';
import { parseSse, rebuildMessage } from './helpers.js';

const usage = { input_tokens: 10, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

describe('sse', () => {
  it('splitChunks never cuts a surrogate pair and loses nothing', () => {
    const s = '🎉a🎉b🎉c🎉d🎉';
    for (const parts of [1, 2, 3, 4, 7, 50]) {
      const chunks = splitChunks(s, parts);
      assert.equal(chunks.join(''), s);
      assert.ok(chunks.length <= parts);
      for (const c of chunks) assert.doesNotMatch(c, /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
    assert.deepEqual(splitChunks('', 4), []);
  });

  it('a text-only message: start, block start, ping, deltas, stop, message_delta end_turn, message_stop', () => {
    const m = buildMessage({
      model: 'x',
      text: 'Hello there, this is a longer answer to split.',
      toolCalls: [],
      usage,
    });
    const events = messageEvents(m);
    const names = events.map((e) => e.event);
    assert.deepEqual(names.slice(0, 3), ['message_start', 'content_block_start', 'ping']);
    assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(names.filter((n) => n === 'content_block_delta').length > 1);
    assert.equal(
      events[0]?.data.message && (events[0].data.message as { usage: { output_tokens: number } }).usage.output_tokens,
      0,
    );
    const rebuilt = rebuildMessage(parseSse(events.map(formatSse).join('')));
    assert.deepEqual(rebuilt, m);
  });

  it('an empty text block still gets a start and a stop', () => {
    const m = buildMessage({ model: 'x', text: '', toolCalls: [], usage });
    const rebuilt = rebuildMessage(parseSse(messageEvents(m).map(formatSse).join('')));
    assert.deepEqual(rebuilt.content, [{ type: 'text', text: '' }]);
  });
});
