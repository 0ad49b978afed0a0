// Proves the wire format with the official client: if @anthropic-ai/sdk parses our responses (JSON, SSE
// stream accumulated by MessageStream, errors with retries), the agent CLIs built on it will too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ScriptedModel } from '../../../src/model/server.js';
import { serve, TOOLS } from './helpers.js';

const INPUT = { file_path: '/wave/out/greeting.md', content: '# Greeting\n\nHello, "Ada" 🎉\n', n: [1, { x: null }] };

describe('scripted model through @anthropic-ai/sdk', () => {
  let model: ScriptedModel;
  let client: Anthropic;
  before(async () => {
    model = await serve({
      steps: {
        greet: [
          {
            text: 'Writing it.',
            tool_calls: [{ name: 'Write', input: INPUT }],
            usage: { input_tokens: 900, output_tokens: 33, cache_read_input_tokens: 7, cache_creation_input_tokens: 5 },
          },
          { text: 'Done.' },
        ],
        flaky: [{ error: { status: 529, message: 'busy' }, times: 2 }, { text: 'made it' }],
        broken: [{ error: { status: 429, message: 'nope', retry_after: 0 }, times: 5 }, { text: 'never' }],
      },
    });
    client = new Anthropic({ apiKey: 'sk-ant-sdk-test', baseURL: model.url, maxRetries: 0 });
  });
  after(() => model.close());

  const params = (step: string, messages: Anthropic.MessageParam[] = []) => ({
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    system: [{ type: 'text' as const, text: `wave-step: ${step}` }],
    tools: TOOLS.map((t) => ({ ...t, input_schema: { type: 'object' as const, properties: {} } })),
    messages: [{ role: 'user' as const, content: 'go' }, ...messages],
  });

  it('non-streaming: messages.create returns the scripted message', async () => {
    model.reset();
    const m = await client.messages.create(params('greet'));
    assert.equal(m.stop_reason, 'tool_use');
    assert.equal(m.model, 'claude-sonnet-4-6');
    assert.deepEqual(m.content[0], { type: 'text', text: 'Writing it.' });
    const tool = m.content[1];
    assert.ok(tool?.type === 'tool_use');
    assert.deepEqual(tool.input, INPUT);
    assert.equal(m.usage.input_tokens, 900);
    assert.equal(m.usage.cache_read_input_tokens, 7);
    // SDK 1.x sends the key as a Bearer token, older ones as x-api-key; the recording keeps both headers.
    const h = model.requests[0]?.headers ?? {};
    assert.ok(h['x-api-key'] === 'sk-ant-sdk-test' || h.authorization === 'Bearer sk-ant-sdk-test', JSON.stringify(h));
  });

  it('streaming: messages.stream(...).finalMessage() rebuilds text, tool input and usage', async () => {
    model.reset();
    const stream = client.messages.stream(params('greet'));
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const m = await stream.finalMessage();
    assert.equal(texts.join(''), 'Writing it.');
    assert.equal(m.stop_reason, 'tool_use');
    const tool = m.content[1];
    assert.ok(tool?.type === 'tool_use');
    assert.match(tool.id, /^toolu_/);
    assert.deepEqual(tool.input, INPUT);
    assert.equal(m.usage.output_tokens, 33);
    assert.equal(m.usage.cache_creation_input_tokens, 5);

    // The next request, with the tool result, gets the final turn.
    const next = await client.messages
      .stream(
        params('greet', [
          { role: 'assistant', content: m.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: tool.id, content: 'written' }] },
        ]),
      )
      .finalMessage();
    assert.equal(next.stop_reason, 'end_turn');
    assert.deepEqual(next.content, [{ type: 'text', text: 'Done.' }]);
  });

  it("the SDK's own retries get through a 529 served twice", async () => {
    model.reset();
    const retrying = new Anthropic({ apiKey: 'k', baseURL: model.url, maxRetries: 2 });
    const m = await retrying.messages.stream(params('flaky')).finalMessage();
    assert.deepEqual(m.content, [{ type: 'text', text: 'made it' }]);
    assert.deepEqual(
      model.requests.map((r) => r.status),
      [529, 529, 200],
    );
  });

  it('errors surface as typed SDK errors with status and type', async () => {
    model.reset();
    await assert.rejects(client.messages.create(params('broken')), (err: unknown) => {
      assert.ok(err instanceof Anthropic.RateLimitError);
      assert.equal(err.status, 429);
      assert.match(err.message, /nope/);
      return true;
    });
    await assert.rejects(client.messages.create(params('missing')), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      assert.match(JSON.stringify(err.error), /no script for step \\"missing\\"/);
      return true;
    });
  });

  it('count_tokens works through the SDK', async () => {
    const r = await client.messages.countTokens({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(r.input_tokens > 0);
  });
});
