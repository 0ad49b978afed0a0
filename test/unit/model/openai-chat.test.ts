// The OpenAI Chat Completions protocol of the scripted model. The fixture is a real request of OpenCode 1.18.33's
// openai-compatible provider (its second model call: after a write, a call of a tool the persona removed, a write
// refused by a deny rule, a grep and a read refused outside the allowed directories; long strings trimmed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chatToolResultIsError, chatUsage, readChatRequest } from '../../../src/model/protocols/openai-chat.js';
import type { ConversationView } from '../../../src/model/protocol.js';
import type { ScriptedModel } from '../../../src/model/server.js';
import { post, serve } from './helpers.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/opencode-chat-request.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function view(body: unknown): ConversationView {
  const v = readChatRequest(body);
  assert.ok(typeof v !== 'string', String(v));
  return v;
}

const TOOLS = [{ type: 'function', function: { name: 'write', parameters: { type: 'object' } } }];
const call = (id: string, name = 'write', args = '{}') => ({
  id,
  type: 'function',
  function: { name, arguments: args },
});

function request(step: string, history: unknown[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'scripted-chat',
    stream: true,
    stream_options: { include_usage: true },
    tools: TOOLS,
    messages: [
      { role: 'system', content: `wave-step: ${step}\nBe brief.` },
      { role: 'user', content: 'Do it.' },
      ...history,
    ],
    ...extra,
  };
}

describe('openai-chat: reading a request', () => {
  it("OpenCode's real request: the marker in the system message, one model turn, five results with the refusals as errors", () => {
    const v = view(fixture);
    assert.equal(v.model, 'scripted-chat');
    assert.equal(v.stream, true);
    assert.equal(v.offersTools, true);
    assert.match(v.texts[0]!, /^wave-step: explore\n/);
    assert.equal(v.texts[1], 'Do it.');
    assert.equal(v.assistantTurns, 1);
    assert.deepEqual(
      v.lastToolResults.map((r) => [r.id, r.isError]),
      [
        ['call_13_0', false],
        ['call_13_1', true],
        ['call_13_2', true],
        ['call_13_3', false],
        ['call_13_4', true],
      ],
    );
    assert.equal(v.lastToolResults[0]!.text, 'Wrote file successfully.');
    assert.match(v.lastToolResults[1]!.text, /unavailable tool 'bash'/);
  });

  it('system and developer messages come first, then the rest in order; content parts are read', () => {
    const v = view({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'first user' }] },
        { role: 'developer', content: 'wave-step: late' },
        { role: 'assistant', content: null, tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'ok' }] },
        { role: 'system', content: [{ type: 'text', text: 'sys' }] },
      ],
    });
    assert.deepEqual(v.texts, ['wave-step: late', 'sys', 'first user', 'ok']);
    assert.equal(v.assistantTurns, 1);
    assert.deepEqual(v.lastToolResults, [], 'the conversation does not end in tool messages');
    assert.equal(v.offersTools, false);
    assert.equal(v.stream, false);
  });

  it('only the trailing tool messages are the last results', () => {
    const v = view(
      request('s', [
        { role: 'assistant', content: '', tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: 'File not found: /wave/src/x' },
        { role: 'assistant', content: 'again', tool_calls: [call('b'), call('c')] },
        { role: 'tool', tool_call_id: 'b', content: 'Wrote file successfully.' },
        { role: 'tool', tool_call_id: 'c', content: 'Error: EACCES' },
      ]),
    );
    assert.equal(v.assistantTurns, 2);
    assert.deepEqual(v.lastToolResults, [
      { id: 'b', isError: false, text: 'Wrote file successfully.' },
      { id: 'c', isError: true, text: 'Error: EACCES' },
    ]);
  });

  it('chatToolResultIsError: OpenCode refusals and failures; ordinary output is fine', () => {
    const errors = [
      'The user has specified a rule which prevents you from using this specific tool call. Here are some of the relevant rules […]',
      'The user rejected permission to use this specific tool call.',
      "The arguments provided to the tool are invalid: Model tried to call unavailable tool 'bash'. Available tools: read.",
      'File not found: /wave/src/nope.txt',
      'Error: something broke',
      'error: pathspec did not match',
    ];
    for (const e of errors) assert.equal(chatToolResultIsError(e), true, e);
    const fine = [
      'Wrote file successfully.',
      '(no output)',
      '<path>/wave/src/error.ts</path>\n<type>file</type>\n<content>\n1: export class Error {}\n',
      'Found 1 matches\n/wave/src/README.md:\n  Line 1: error handling\n',
      '',
    ];
    for (const f of fine) assert.equal(chatToolResultIsError(f), false, f);
  });

  it('refuses a body without messages', () => {
    assert.equal(typeof readChatRequest({ model: 'm' }), 'string');
    assert.equal(typeof readChatRequest([]), 'string');
  });

  it('usage: prompt_tokens includes the cached tokens', () => {
    const usage = chatUsage({
      model: 'm',
      toolCalls: [],
      usage: { input_tokens: 100, output_tokens: 7, cache_read_input_tokens: 900, cache_creation_input_tokens: 50 },
    });
    assert.equal(usage.prompt_tokens, 1050);
    assert.equal(usage.prompt_tokens_details.cached_tokens, 900);
    assert.equal(usage.completion_tokens, 7);
    assert.equal(usage.total_tokens, 1057);
  });
});

const script = {
  steps: {
    write: [
      {
        text: 'Writing "it" — ünïcödé 🎉.',
        tool_calls: [
          { name: 'write', input: { filePath: '/wave/out/a.md', content: '# A\n\nünïcödé 🎉 "quoted"\n' } },
          {
            name: 'bash',
            input: { command: 'ls /wave/out', description: 'list', nested: { list: [1, { deep: true }] } },
          },
        ],
        usage: {
          input_tokens: 1200,
          output_tokens: 80,
          cache_read_input_tokens: 15000,
          cache_creation_input_tokens: 0,
        },
      },
      { expect_tool_result: { is_error: true, contains: 'unavailable tool' }, text: 'Done.' },
    ],
    limited: [
      { error: { status: 429, type: 'rate_limit_error', message: 'Rate limit reached', retry_after: 2 } },
      { text: 'ok' },
    ],
  },
};

/** `data:` lines of a Chat Completions stream (no `event:` names), the last one `[DONE]`. */
function dataLines(text: string): string[] {
  const frames = text.split('\n\n').filter((f) => f.trim() !== '');
  for (const f of frames) assert.match(f, /^data: /, 'every frame is one data line');
  return frames.map((f) => f.slice('data: '.length));
}

/** Rebuilds the message from the chunks, as a client does (tool calls by index, arguments from their pieces). */
function rebuild(chunks: any[]): { content: string | null; calls: any[]; finish: string | null; usage: any } {
  let content: string | null = null;
  const calls: any[] = [];
  let finish: string | null = null;
  let usage: any;
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    if (c.choices.length === 0) {
      usage = c.usage;
      continue;
    }
    const { delta, finish_reason } = c.choices[0];
    if (typeof delta.content === 'string') content = (content ?? '') + delta.content;
    for (const t of delta.tool_calls ?? []) {
      if (t.id !== undefined)
        calls[t.index] = {
          id: t.id,
          type: t.type,
          function: { name: t.function.name, arguments: t.function.arguments ?? '' },
        };
      else calls[t.index].function.arguments += t.function.arguments;
    }
    if (finish_reason !== null) finish = finish_reason;
  }
  return { content, calls, finish, usage };
}

describe('openai-chat: the scripted model over HTTP', () => {
  let model: ScriptedModel;
  before(async () => {
    model = await serve(script);
  });
  after(() => model.close());

  it('streams chunks: role, text pieces, each call with its arguments split, finish_reason, usage, [DONE]', async () => {
    model.reset();
    const res = await post(model, '/v1/chat/completions', request('write'), { authorization: 'Bearer k' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const lines = dataLines(res.text);
    assert.equal(lines.at(-1), '[DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l));
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1, 'one id for the whole stream');
    assert.match([...ids][0], /^chatcmpl-/);
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '', refusal: null });
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null, 'usage is null on every chunk but the last');
    assert.ok(
      chunks.filter((c) => c.choices[0]?.delta.tool_calls && c.choices[0].delta.tool_calls[0].id === undefined)
        .length >= 4,
      'arguments come in pieces',
    );

    const message = rebuild(chunks);
    assert.equal(message.content, 'Writing "it" — ünïcödé 🎉.');
    assert.equal(message.finish, 'tool_calls');
    assert.deepEqual(
      message.calls.map((c) => [c.type, c.function.name, JSON.parse(c.function.arguments)]),
      [
        ['function', 'write', { filePath: '/wave/out/a.md', content: '# A\n\nünïcödé 🎉 "quoted"\n' }],
        ['function', 'bash', { command: 'ls /wave/out', description: 'list', nested: { list: [1, { deep: true }] } }],
      ],
    );
    for (const c of message.calls) assert.match(c.id, /^call_[0-9A-Za-z]{24}$/);
    assert.equal(message.usage.prompt_tokens, 16200);
    assert.equal(message.usage.prompt_tokens_details.cached_tokens, 15000);
    assert.equal(message.usage.completion_tokens, 80);
    assert.equal(model.requests.at(-1)?.protocol, 'openai-chat');
    assert.equal(model.requests.at(-1)?.stepId, 'write');

    // The next turn: the CLI answers both calls; the script expects an error among them.
    const history = [
      { role: 'assistant', content: message.content, tool_calls: message.calls },
      { role: 'tool', tool_call_id: message.calls[0].id, content: 'Wrote file successfully.' },
      {
        role: 'tool',
        tool_call_id: message.calls[1].id,
        content: "The arguments provided to the tool are invalid: Model tried to call unavailable tool 'bash'.",
      },
    ];
    const second = await post(model, '/v1/chat/completions', request('write', history), { authorization: 'Bearer k' });
    const final = rebuild(
      dataLines(second.text)
        .slice(0, -1)
        .map((l) => JSON.parse(l)),
    );
    assert.equal(final.content, 'Done.');
    assert.equal(final.finish, 'stop');
    assert.deepEqual(final.calls, []);
  });

  it('without stream_options.include_usage there is no usage field and no usage chunk', async () => {
    model.reset();
    const res = await post(model, '/chat/completions', request('write', [], { stream_options: undefined }));
    const chunks = dataLines(res.text)
      .slice(0, -1)
      .map((l) => JSON.parse(l));
    for (const c of chunks) {
      assert.ok(!('usage' in c));
      assert.equal(c.choices.length, 1);
    }
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
  });

  it('answers a non-streaming request with one chat.completion object', async () => {
    model.reset();
    const res = await post(model, '/v1/chat/completions', request('write', [], { stream: false }));
    assert.equal(res.status, 200);
    const body = res.json;
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'scripted-chat');
    const choice = body.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, 'Writing "it" — ünïcödé 🎉.');
    assert.deepEqual(
      choice.message.tool_calls.map((c: any) => c.function.name),
      ['write', 'bash'],
    );
    assert.equal(typeof choice.message.tool_calls[0].function.arguments, 'string');
    assert.equal(body.usage.total_tokens, 16280);
  });

  it("a scripted 429 is OpenAI's error JSON with retry-after, then the script moves on", async () => {
    model.reset();
    const res = await post(model, '/v1/chat/completions', request('limited'));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.deepEqual(res.json, {
      error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    const next = await post(model, '/v1/chat/completions', request('limited', [], { stream: false }));
    assert.equal(next.json.choices[0].message.content, 'ok');
    assert.equal(next.json.choices[0].finish_reason, 'stop');
  });

  it('a request without messages is a 400 in the same error shape', async () => {
    const res = await post(model, '/v1/chat/completions', { model: 'm' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.match(res.json.error.message, /"messages"/);
  });
});
