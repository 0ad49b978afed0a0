import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScriptedModel } from '../../../src/model/server.js';
import { claudeRequest, parseSse, post, rebuildMessage, serve, toolRound, TOOLS } from './helpers.js';

const GREETING = '# Greeting\n\nHello, Ada — "quotes", \\backslashes\\, ünïcödé and 🎉 emoji survive.\n';

const script = {
  steps: {
    greet: [
      {
        text: "I'll write the greeting.",
        tool_calls: [
          { name: 'Write', input: { file_path: '/wave/out/greeting.md', content: GREETING } },
          { name: 'Bash', input: { command: 'ls -la /wave/out', nested: { list: [1, 2, { deep: true }], nil: null } } },
        ],
        usage: {
          input_tokens: 1200,
          output_tokens: 80,
          cache_read_input_tokens: 15000,
          cache_creation_input_tokens: 300,
        },
      },
      { text: 'Done.' },
    ],
    review: [{ text: 'Looks good.' }],
  },
};

describe('scripted model: /v1/messages', () => {
  let model: ScriptedModel;
  before(async () => {
    model = await serve(script);
  });
  after(() => model.close());

  it('answers non-streaming with a message object: text then tool_use blocks, stop_reason tool_use, usage from the script', async () => {
    model.reset();
    const res = await post(model, '/v1/messages', claudeRequest('greet', [], { stream: false }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('request-id') ?? '', /^req_01[0-9A-Za-z]{22}$/);
    const m = res.json;
    assert.match(m.id, /^msg_01[0-9A-Za-z]{22}$/);
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.model, 'claude-sonnet-4-6', 'echoes the requested model');
    assert.equal(m.stop_reason, 'tool_use');
    assert.equal(m.stop_sequence, null);
    assert.deepEqual(m.content[0], { type: 'text', text: "I'll write the greeting." });
    assert.equal(m.content[1].type, 'tool_use');
    assert.match(m.content[1].id, /^toolu_01[0-9A-Za-z]{22}$/);
    assert.equal(m.content[1].name, 'Write');
    assert.deepEqual(m.content[1].input, { file_path: '/wave/out/greeting.md', content: GREETING });
    assert.notEqual(m.content[1].id, m.content[2].id);
    assert.deepEqual(m.usage, {
      input_tokens: 1200,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 15000,
      output_tokens: 80,
      service_tier: 'standard',
    });
  });

  it('streams the exact event sequence and the message rebuilt from deltas equals the scripted one', async () => {
    model.reset();
    const res = await post(model, '/v1/messages?beta=true', claudeRequest('greet'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const frames = parseSse(res.text);
    const names = frames.map((f) => f.event);
    assert.equal(names[0], 'message_start');
    assert.equal(names[1], 'content_block_start');
    assert.equal(names[2], 'ping');
    assert.deepEqual(names.slice(-2), ['message_delta', 'message_stop']);
    // Each block: start, ≥1 delta, stop; indexes in order.
    for (const index of [0, 1, 2]) {
      const ofBlock = frames.filter((f) => f.data.index === index).map((f) => f.event);
      assert.equal(ofBlock[0], 'content_block_start');
      assert.equal(ofBlock.at(-1), 'content_block_stop');
      assert.ok(ofBlock.filter((e) => e === 'content_block_delta').length >= 1);
    }
    // Tool input arrives in several partial chunks, opened by an empty one, like the real API.
    const writeDeltas = frames.filter((f) => f.data.index === 1 && f.event === 'content_block_delta');
    assert.equal(writeDeltas[0]?.data.delta.partial_json, '');
    assert.ok(writeDeltas.length >= 4, `expected several input_json_delta chunks, got ${writeDeltas.length}`);
    assert.equal(frames[0]?.data.message.usage.output_tokens, 1, 'message_start carries a placeholder output count');
    assert.equal(frames[0]?.data.message.usage.cache_read_input_tokens, 15000);

    const m = rebuildMessage(frames);
    assert.equal(m.stop_reason, 'tool_use');
    assert.equal(m.usage.output_tokens, 80);
    assert.equal(m.content[0].text, "I'll write the greeting.");
    assert.deepEqual(m.content[1].input, { file_path: '/wave/out/greeting.md', content: GREETING });
    assert.deepEqual(m.content[2].input, {
      command: 'ls -la /wave/out',
      nested: { list: [1, 2, { deep: true }], nil: null },
    });
  });

  it('selects the turn by the number of assistant messages in the conversation (stateless)', async () => {
    model.reset();
    const first = rebuildMessage(parseSse((await post(model, '/v1/messages', claudeRequest('greet'))).text));
    const second = await post(model, '/v1/messages', claudeRequest('greet', toolRound(first), { stream: false }));
    assert.equal(second.status, 200);
    assert.deepEqual(second.json.content, [{ type: 'text', text: 'Done.' }]);
    assert.equal(second.json.stop_reason, 'end_turn');
    // The same conversation again gets the same turn: no hidden cursor.
    const again = await post(model, '/v1/messages', claudeRequest('greet', toolRound(first), { stream: false }));
    assert.deepEqual(again.json.content, [{ type: 'text', text: 'Done.' }]);
    assert.deepEqual(
      model.requests.map((r) => [r.kind, r.stepId, r.turnIndex]),
      [
        ['turn', 'greet', 0],
        ['turn', 'greet', 1],
        ['turn', 'greet', 1],
      ],
    );
  });

  it('answers a conversation longer than the script with 400 naming the step and the turn', async () => {
    model.reset();
    const history = [
      { role: 'assistant', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
      { role: 'user', content: 'd' },
    ];
    const res = await post(model, '/v1/messages', claudeRequest('greet', history));
    assert.equal(res.status, 400);
    assert.equal(res.json.type, 'error');
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.match(res.json.error.message, /step "greet" \(attempt 1\) has 2 answer turns; the request is at turn 2/);
  });

  it('refuses an unknown step with 400 invalid_request_error listing the known step ids', async () => {
    model.reset();
    const res = await post(model, '/v1/messages', claudeRequest('nope'));
    assert.equal(res.status, 400);
    assert.match(
      res.headers.get('content-type') ?? '',
      /^application\/json/,
      'errors are JSON even when streaming was asked',
    );
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.match(res.json.error.message, /no script for step "nope" \(known steps: greet, review\)/);
    assert.equal(model.requests[0]?.kind, 'invalid');
    assert.equal(model.requests[0]?.stepId, 'nope');
  });

  it('refuses a request with tools but no marker with 400 naming the known steps', async () => {
    model.reset();
    const res = await post(model, '/v1/messages', claudeRequest(undefined));
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /no "wave-step: <id>" marker.*known steps: greet, review/);
  });

  it('finds the marker in a plain-string system prompt or in the first user message', async () => {
    model.reset();
    const viaSystem = await post(model, '/v1/messages', {
      model: 'm',
      max_tokens: 10,
      tools: TOOLS,
      system: 'wave-step: review',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(viaSystem.json.content, [{ type: 'text', text: 'Looks good.' }]);
    const viaUser = await post(model, '/v1/messages', {
      model: 'm',
      max_tokens: 10,
      tools: TOOLS,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Instructions\nwave-step: review\n' }] }],
    });
    assert.deepEqual(viaUser.json.content, [{ type: 'text', text: 'Looks good.' }]);
  });

  it('answers side requests (no tools, no marker) with short text and records them as side_request', async () => {
    model.reset();
    const quota = await post(model, '/v1/messages', {
      model: 'claude-haiku-4-5',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'quota' }],
    });
    assert.equal(quota.status, 200);
    assert.equal(quota.json.model, 'claude-haiku-4-5');
    assert.deepEqual(quota.json.content, [{ type: 'text', text: 'ok' }]);
    assert.equal(quota.json.stop_reason, 'end_turn');
    // A streamed side request with a marker in it (a title request quoting the prompt) still gets the side
    // answer and does not use up the step's turns.
    const title = await post(model, '/v1/messages', {
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'Give a title for: wave-step: greet ...' }],
    });
    assert.equal(rebuildMessage(parseSse(title.text)).content[0].text, 'ok');
    assert.deepEqual(
      model.requests.map((r) => [r.kind, r.stepId]),
      [
        ['side_request', undefined],
        ['side_request', 'greet'],
      ],
    );
    const real = await post(model, '/v1/messages', claudeRequest('greet', [], { stream: false }));
    assert.equal(real.json.content[1].name, 'Write', 'turn 0 is still served to the agent loop');
  });

  it('records method, path, headers (x-api-key and authorization), parsed body, step, time and status', async () => {
    model.reset();
    const body = claudeRequest('review', [], { stream: false });
    await post(model, '/v1/messages?beta=true', body, {
      'x-api-key': 'sk-placeholder-123',
      authorization: 'Bearer gateway-token',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
    });
    assert.equal(model.requests.length, 1);
    const r = model.requests[0]!;
    assert.equal(r.seq, 1);
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/messages');
    assert.equal(r.url, '/v1/messages?beta=true');
    assert.equal(r.headers['x-api-key'], 'sk-placeholder-123');
    assert.equal(r.headers.authorization, 'Bearer gateway-token');
    assert.equal(r.headers['anthropic-version'], '2023-06-01');
    assert.equal(r.headers['anthropic-beta'], 'claude-code-20250219,interleaved-thinking-2025-05-14');
    assert.deepEqual(r.body, body);
    assert.equal(r.stepId, 'review');
    assert.equal(r.attempt, 1);
    assert.equal(r.turnIndex, 0);
    assert.equal(r.kind, 'turn');
    assert.equal(r.status, 200);
    assert.ok(Math.abs(Date.parse(r.time) - Date.now()) < 10_000);
  });

  it('counts tokens as about a quarter of the request body length', async () => {
    model.reset();
    const body = JSON.stringify(claudeRequest('greet'));
    const res = await post(model, '/v1/messages/count_tokens?beta=true', body);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { input_tokens: Math.ceil(body.length / 4) });
    assert.equal(model.requests[0]?.kind, 'count_tokens');
  });

  it('answers unknown paths with a 404 JSON error and records them; lists models', async () => {
    model.reset();
    const res = await fetch(`${model.url}/api/claude_code/metrics_enabled`);
    assert.equal(res.status, 404);
    const json = (await res.json()) as any;
    assert.equal(json.type, 'error');
    assert.equal(json.error.type, 'not_found_error');
    assert.match(json.error.message, /GET \/api\/claude_code\/metrics_enabled is not implemented/);
    const models = (await (await fetch(`${model.url}/v1/models`)).json()) as any;
    assert.ok(models.data.length > 0);
    assert.equal(models.data[0].type, 'model');
    const one = (await (await fetch(`${model.url}/v1/models/claude-x`)).json()) as any;
    assert.equal(one.id, 'claude-x');
    assert.deepEqual(
      model.requests.map((r) => [r.kind, r.status]),
      [
        ['not_found', 404],
        ['models', 200],
        ['models', 200],
      ],
    );
  });

  it('refuses a body that is not JSON with 400', async () => {
    model.reset();
    const res = await post(model, '/v1/messages', '{not json');
    assert.equal(res.status, 400);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(model.requests[0]?.body, '{not json');
  });
});

describe('scripted model: provider errors', () => {
  it('serves an error turn `times` times, then the next turn (429 twice, then ok), with retry-after', async () => {
    const model = await serve({
      steps: {
        s: [
          { error: { status: 429, type: 'rate_limit_error', message: 'slow down', retry_after: 3 }, times: 2 },
          { text: 'finally' },
        ],
      },
    });
    try {
      const a = await post(model, '/v1/messages', claudeRequest('s'));
      const b = await post(model, '/v1/messages', claudeRequest('s'));
      const c = await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }));
      assert.equal(a.status, 429);
      assert.equal(a.headers.get('retry-after'), '3');
      assert.deepEqual(a.json.error, { type: 'rate_limit_error', message: 'slow down' });
      assert.equal(a.json.type, 'error');
      assert.match(a.json.request_id, /^req_/);
      assert.equal(b.status, 429);
      assert.equal(c.status, 200);
      assert.equal(c.json.content[0].text, 'finally');
      assert.deepEqual(
        model.requests.map((r) => r.kind),
        ['provider_error', 'provider_error', 'turn'],
      );
    } finally {
      await model.close();
    }
  });

  it('keeps error counters per turn: errors before turn 1 only fire once the conversation reaches turn 1', async () => {
    const model = await serve({
      steps: {
        s: [
          { tool_calls: [{ name: 'Bash', input: { command: 'true' } }] },
          { error: { status: 529 } },
          { error: { status: 500, message: 'boom' } },
          { text: 'done' },
        ],
      },
    });
    try {
      const t0 = await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }));
      assert.equal(t0.status, 200);
      const history = toolRound(t0.json);
      const e1 = await post(model, '/v1/messages', claudeRequest('s', history));
      const e2 = await post(model, '/v1/messages', claudeRequest('s', history));
      const ok = await post(model, '/v1/messages', claudeRequest('s', history, { stream: false }));
      assert.equal(e1.status, 529);
      assert.equal(e1.json.error.type, 'overloaded_error', 'type defaults from the status');
      assert.equal(e2.status, 500);
      assert.deepEqual(e2.json.error, { type: 'api_error', message: 'boom' });
      assert.equal(ok.json.content[0].text, 'done');
    } finally {
      await model.close();
    }
  });
});

describe('scripted model: attempts', () => {
  const attemptsScript = {
    steps: {
      s: { attempts: [[{ text: 'first attempt' }], [{ text: 'second attempt' }]] },
    },
  };

  it('a new conversation after an answered one is the next attempt; the last attempt repeats', async () => {
    const model = await serve(attemptsScript);
    try {
      const texts: string[] = [];
      for (let i = 0; i < 3; i++) {
        texts.push((await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }))).json.content[0].text);
      }
      assert.deepEqual(texts, ['first attempt', 'second attempt', 'second attempt']);
      assert.deepEqual(
        model.requests.map((r) => r.attempt),
        [1, 2, 3],
      );
    } finally {
      await model.close();
    }
  });

  it('a `wave-attempt: N` marker pins the attempt', async () => {
    const model = await serve(attemptsScript);
    try {
      const body = claudeRequest('s', [], { stream: false });
      (body.system[1] as { text: string }).text += '\nwave-attempt: 2\n';
      const a = await post(model, '/v1/messages', body);
      const b = await post(model, '/v1/messages', body);
      assert.equal(a.json.content[0].text, 'second attempt');
      assert.equal(b.json.content[0].text, 'second attempt');
    } finally {
      await model.close();
    }
  });
});

describe('scripted model: expect_tool_result', () => {
  const expectScript = {
    steps: {
      s: [
        { tool_calls: [{ name: 'Write', input: { file_path: '/etc/passwd', content: 'x' } }] },
        { expect_tool_result: { is_error: true, contains: 'denied' }, text: 'the write was refused, as it should be' },
      ],
    },
  };

  it('serves the turn when the last tool result matches', async () => {
    const model = await serve(expectScript);
    try {
      const t0 = (await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }))).json;
      const history = toolRound(t0, [{ is_error: true, content: 'Permission to use Write has been denied.' }]);
      const t1 = await post(model, '/v1/messages', claudeRequest('s', history, { stream: false }));
      assert.equal(t1.json.content[0].text, 'the write was refused, as it should be');
      assert.equal(model.requests[1]?.note, undefined);
    } finally {
      await model.close();
    }
  });

  it('answers with a text saying what it saw when the tool result does not match, and records it', async () => {
    const model = await serve(expectScript);
    try {
      const t0 = (await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }))).json;
      const history = toolRound(t0, [{ is_error: false, content: 'File written' }]);
      const t1 = await post(model, '/v1/messages', claudeRequest('s', history, { stream: false }));
      assert.equal(t1.json.stop_reason, 'end_turn');
      assert.match(
        t1.json.content[0].text,
        /expected a tool result with is_error=true and containing "denied", but got: is_error=false "File written"/,
      );
      assert.match(model.requests[1]?.note ?? '', /expected a tool result/);
    } finally {
      await model.close();
    }
  });
});

describe('scripted model: lifecycle and keys', () => {
  it('requireApiKey: 401 authentication_error without the right key, 200 with it (x-api-key or Bearer)', async () => {
    const model = await serve({ steps: { s: [{ text: 'hi' }] } }, { requireApiKey: 'real-key' });
    try {
      const bad = await post(model, '/v1/messages', claudeRequest('s'), { 'x-api-key': 'placeholder' });
      assert.equal(bad.status, 401);
      assert.equal(bad.json.error.type, 'authentication_error');
      const good = await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }), {
        'x-api-key': 'real-key',
      });
      assert.equal(good.status, 200);
      const bearer = await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }), {
        'x-api-key': '',
        authorization: 'Bearer real-key',
      });
      assert.equal(bearer.status, 200);
    } finally {
      await model.close();
    }
  });

  // The turn waits 60 s: a close() that waited for it would run into the test's timeout.
  it('close() returns promptly even while a delayed turn is pending', { timeout: 10_000 }, async () => {
    const model = await serve({ steps: { s: [{ text: 'slow', delay_ms: 60_000 }] } });
    const pending = post(model, '/v1/messages', claudeRequest('s')).catch((e: unknown) => e);
    while (model.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await model.close();
    assert.ok((await pending) instanceof Error, 'the client sees the connection end');
  });

  it('honours a short delay_ms before answering', async () => {
    const model = await serve({ steps: { s: [{ text: 'slow', delay_ms: 150 }] } });
    try {
      const t = Date.now();
      const res = await post(model, '/v1/messages', claudeRequest('s', [], { stream: false }));
      assert.equal(res.status, 200);
      assert.ok(Date.now() - t >= 140);
    } finally {
      await model.close();
    }
  });
});
