// The OpenAI Responses protocol of the scripted model. The fixture is a real request of codex-cli 0.169.0 (its
// third model call: after a shell write and a call refused by an execpolicy rule; long strings trimmed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { outputIsError, readResponsesRequest, responsesUsage } from '../../../src/model/protocols/openai-responses.js';
import type { ConversationView } from '../../../src/model/protocol.js';
import type { ScriptedModel } from '../../../src/model/server.js';
import { parseSse, post, serve, type SseFrame } from './helpers.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/codex-responses-request.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function view(body: unknown): ConversationView {
  const v = readResponsesRequest(body);
  assert.ok(typeof v !== 'string', String(v));
  return v;
}

const userMessage = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const fc = (call_id: string, name = 'exec_command') => ({
  type: 'function_call',
  name,
  arguments: '{"cmd":"ls"}',
  call_id,
});
const fco = (call_id: string, output: unknown) => ({ type: 'function_call_output', call_id, output });
const TOOLS = [
  { type: 'function', name: 'exec_command', parameters: { type: 'object' } },
  { type: 'custom', name: 'apply_patch', format: { type: 'grammar' } },
];

function request(step: string, input: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'gpt-5-codex',
    stream: true,
    tools: TOOLS,
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: `wave-step: ${step}` }] },
      userMessage('Do it.'),
      ...input,
    ],
    ...extra,
  };
}

describe('openai-responses: reading a request', () => {
  it("Codex's real request: texts in order, two model turns, the refused call as the last (error) result", () => {
    const v = view(fixture);
    assert.equal(v.model, 'gpt-5-codex');
    assert.equal(v.stream, true);
    assert.equal(v.offersTools, true);
    assert.match(v.texts[0]!, /^You are a coding agent running in the Codex CLI/);
    assert.ok(
      v.texts.some((t) => t.startsWith('wave-step: demo')),
      'the step marker is found in the developer message',
    );
    assert.ok(v.texts.includes('Writing the note.'), 'assistant text is part of the texts');
    assert.equal(v.assistantTurns, 2, '[message, function_call] then [function_call]');
    assert.equal(v.lastToolResults.length, 1);
    assert.equal(v.lastToolResults[0]!.isError, true);
    assert.match(v.lastToolResults[0]!.text, /rejected: `rm` is denied by the persona's permissions/);
    assert.match(v.lastToolResults[0]!.id ?? '', /^call_/);
  });

  it('instructions come first; a string input is one user message', () => {
    const v = view({ model: 'm', instructions: 'wave-step: a', input: 'hello', tools: [] });
    assert.deepEqual(v.texts, ['wave-step: a', 'hello']);
    assert.equal(v.assistantTurns, 0);
    assert.equal(v.offersTools, false);
    assert.equal(v.stream, false);
  });

  it('parallel calls ([fc, fc, fco, fco]) are one turn; both outputs are the last results, in order', () => {
    const v = view(
      request('s', [
        fc('c1'),
        fc('c2'),
        fco('c1', 'Process exited with code 0\nOutput:\nok\n'),
        fco('c2', 'Process exited with code 2\n'),
      ]),
    );
    assert.equal(v.assistantTurns, 1);
    assert.deepEqual(v.lastToolResults, [
      { id: 'c1', isError: false, text: 'Process exited with code 0\nOutput:\nok\n' },
      { id: 'c2', isError: true, text: 'Process exited with code 2\n' },
    ]);
  });

  it('reasoning, assistant text and calls of one answer count once; a user message in between splits turns', () => {
    const assistant = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi' }] };
    const reasoning = { type: 'reasoning', summary: [] };
    const v = view(
      request('s', [reasoning, assistant, fc('a'), fco('a', 'x'), assistant, userMessage('more'), assistant]),
    );
    assert.equal(v.assistantTurns, 3);
    assert.deepEqual(v.lastToolResults, [], 'the conversation does not end in tool outputs');
  });

  it('custom tool outputs and content-part outputs are read', () => {
    const v = view(
      request('s', [
        { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch', call_id: 'p' },
        {
          type: 'custom_tool_call_output',
          call_id: 'p',
          output: [
            {
              type: 'input_text',
              text: 'Exit code: 1\nWall time: 0.1 seconds\nOutput:\nFailed to write file /wave/src/x\n',
            },
          ],
        },
      ]),
    );
    assert.equal(v.assistantTurns, 1);
    assert.equal(v.lastToolResults[0]!.isError, true);
    assert.match(v.lastToolResults[0]!.text, /Failed to write file/);
  });

  it('refuses a body without input', () => {
    assert.equal(typeof readResponsesRequest({ model: 'm' }), 'string');
    assert.equal(typeof readResponsesRequest([]), 'string');
  });

  it('outputIsError: exit codes, JSON metadata and Codex refusals; plain output is fine', () => {
    const errors = [
      'Chunk ID: a\nWall time: 0.0 seconds\nProcess exited with code 3\nOutput:\n',
      'Exit code: 1\nWall time: 0.1 seconds\nOutput:\nFailed\n',
      '{"output":"x","metadata":{"exit_code":127,"duration_seconds":0.1}}',
      'unsupported call: exec_command',
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/sh -lc \'echo hi\'` rejected: denied\\")" }',
      'exec_command failed: CreateProcess { message: "Rejected(\\"approval required by policy, but AskForApproval is set to Never\\")" }',
    ];
    for (const e of errors) assert.equal(outputIsError(e), true, e);
    const fine = [
      'Chunk ID: a\nProcess exited with code 0\nOutput:\nrejected: nothing\n',
      'Exit code: 0\nOutput:\nSuccess.\n',
      '{"output":"x","metadata":{"exit_code":0}}',
      'hello',
      '',
    ];
    for (const f of fine) assert.equal(outputIsError(f), false, f);
  });

  it('usage: input_tokens includes the cached tokens', () => {
    const usage = responsesUsage({
      model: 'm',
      toolCalls: [],
      usage: { input_tokens: 100, output_tokens: 7, cache_read_input_tokens: 900, cache_creation_input_tokens: 50 },
    });
    assert.deepEqual(usage, {
      input_tokens: 1050,
      input_tokens_details: { cached_tokens: 900 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 1057,
    });
  });
});

const PATCH = '*** Begin Patch\n*** Add File: /wave/out/p.md\n+# Patched — ünïcödé 🎉\n*** End Patch\n';
const script = {
  steps: {
    write: [
      {
        text: 'Writing "it" — ünïcödé 🎉.',
        tool_calls: [
          {
            name: 'exec_command',
            input: { cmd: "printf 'hi\\n' > /wave/out/a.txt", nested: { list: [1, { deep: true }] } },
          },
          { name: 'apply_patch', input: { input: PATCH } },
        ],
        usage: {
          input_tokens: 1200,
          output_tokens: 80,
          cache_read_input_tokens: 15000,
          cache_creation_input_tokens: 0,
        },
      },
      { expect_tool_result: { is_error: true, contains: 'rejected' }, text: 'Done.' },
    ],
    limited: [
      { error: { status: 429, type: 'rate_limit_error', message: 'Rate limit reached', retry_after: 2 } },
      { text: 'ok' },
    ],
    long: [
      {
        error: {
          status: 400,
          type: 'request_too_large',
          message: 'Your input exceeds the context window of this model.',
        },
      },
      { text: 'ok' },
    ],
  },
};

/** Rebuilds the response from the stream events, as a client does (arguments and text from their deltas). */
function rebuild(frames: SseFrame[]): any {
  let response: any;
  const output: any[] = [];
  let seq = 0;
  for (const { event, data } of frames) {
    assert.equal(event, data.type, 'the SSE event name is the data type');
    assert.equal(data.sequence_number, seq++, 'sequence numbers count up from 0');
    switch (data.type) {
      case 'response.created':
        response = structuredClone(data.response);
        assert.equal(response.status, 'in_progress');
        break;
      case 'response.output_item.added':
        output[data.output_index] = structuredClone(data.item);
        break;
      case 'response.content_part.added':
        output[data.output_index].content[data.content_index] = structuredClone(data.part);
        break;
      case 'response.output_text.delta':
        output[data.output_index].content[data.content_index].text += data.delta;
        break;
      case 'response.function_call_arguments.delta':
        output[data.output_index].arguments += data.delta;
        break;
      case 'response.custom_tool_call_input.delta':
        output[data.output_index].input += data.delta;
        break;
      case 'response.output_item.done':
        output[data.output_index].status = data.item.status;
        assert.deepEqual(output[data.output_index], data.item, 'the rebuilt item equals the done item');
        break;
      case 'response.completed':
        response.status = data.response.status;
        response.usage = data.response.usage;
        response.output = output;
        assert.deepEqual(data.response.output, output);
        break;
      default:
        break;
    }
  }
  return response;
}

describe('openai-responses: the scripted model over HTTP', () => {
  let model: ScriptedModel;
  before(async () => {
    model = await serve(script);
  });
  after(() => model.close());

  it('streams the real event sequence; function_call for a function tool, custom_tool_call for a custom one', async () => {
    model.reset();
    const res = await post(model, '/v1/responses', request('write', []), { authorization: 'Bearer k' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const frames = parseSse(res.text);
    const types = frames.map((f) => f.event);
    assert.deepEqual(types.slice(0, 2), ['response.created', 'response.in_progress']);
    assert.equal(types.at(-1), 'response.completed');
    assert.deepEqual(
      [...new Set(types)],
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.custom_tool_call_input.delta',
        'response.custom_tool_call_input.done',
        'response.completed',
      ],
    );
    const response = rebuild(frames);
    assert.match(response.id, /^resp_[0-9a-f]{48}$/);
    assert.equal(response.model, 'gpt-5-codex');
    const [message, call, patch] = response.output;
    assert.deepEqual(message.content, [
      { type: 'output_text', annotations: [], logprobs: [], text: 'Writing "it" — ünïcödé 🎉.' },
    ]);
    assert.equal(message.role, 'assistant');
    assert.equal(call.type, 'function_call');
    assert.equal(call.name, 'exec_command');
    assert.deepEqual(JSON.parse(call.arguments), {
      cmd: "printf 'hi\\n' > /wave/out/a.txt",
      nested: { list: [1, { deep: true }] },
    });
    assert.match(call.call_id, /^call_[0-9A-Za-z]{24}$/);
    assert.equal(patch.type, 'custom_tool_call');
    assert.equal(patch.input, PATCH);
    assert.notEqual(call.call_id, patch.call_id);
    assert.deepEqual(response.usage, {
      input_tokens: 16200,
      input_tokens_details: { cached_tokens: 15000 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 16280,
    });
    assert.equal(model.requests[0]?.protocol, 'openai-responses');
    assert.equal(model.requests[0]?.stepId, 'write');
  });

  it('without stream: one JSON response; a tool declared as a function gets a function_call even for apply_patch', async () => {
    model.reset();
    const body = request('write', [], {
      stream: false,
      tools: [
        { type: 'function', name: 'exec_command' },
        { type: 'function', name: 'apply_patch' },
      ],
    });
    const res = await post(model, '/v1/responses', body);
    assert.equal(res.status, 200);
    assert.equal(res.json.object, 'response');
    assert.equal(res.json.status, 'completed');
    assert.deepEqual(
      res.json.output.map((o: any) => o.type),
      ['message', 'function_call', 'function_call'],
    );
    assert.deepEqual(JSON.parse(res.json.output[2].arguments), { input: PATCH });
  });

  it('the next turn is picked by the model items already in the conversation, and expect_tool_result reads the outputs', async () => {
    model.reset();
    const refused =
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/sh -lc \'x\'` rejected: denied\\")" }';
    const res = await post(
      model,
      '/v1/responses',
      request(
        'write',
        [
          fc('c1'),
          { type: 'custom_tool_call', name: 'apply_patch', input: PATCH, call_id: 'c2' },
          fco('c1', refused),
          { type: 'custom_tool_call_output', call_id: 'c2', output: 'Exit code: 0\n' },
        ],
        { stream: false },
      ),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.output.map((o: any) => o.content?.[0]?.text),
      ['Done.'],
    );
    assert.equal(model.requests[0]?.turnIndex, 1);
    assert.equal(model.requests[0]?.note, undefined, 'the expectation was met');
  });

  it('errors: the status, {error:{message,type,param,code}}, retry-after and x-request-id', async () => {
    model.reset();
    const limited = await post(model, '/v1/responses', request('limited', []));
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, {
      error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.match(limited.headers.get('x-request-id') ?? '', /^req_/);
    const long = await post(model, '/v1/responses', request('long', []));
    assert.equal(long.status, 400);
    assert.deepEqual(long.json.error, {
      message: 'Your input exceeds the context window of this model.',
      type: 'invalid_request_error',
      param: 'input',
      code: 'context_length_exceeded',
    });
  });

  it('an unknown step is a 400 in the OpenAI error shape; a request without tools is a side request', async () => {
    model.reset();
    const unknown = await post(model, '/v1/responses', request('nope', []));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.type, 'invalid_request_error');
    assert.match(unknown.json.error.message, /no script for step "nope"/);
    const side = await post(model, '/v1/responses', { model: 'm', input: 'title?', stream: false });
    assert.equal(side.status, 200);
    assert.equal(side.json.output[0].content[0].text, 'ok');
  });
});
