// The Gemini protocol of the scripted model. The fixture is a real request of Gemini CLI 0.61.0 (its second model
// call: after a write_file, a shell command that exited 3 and a shell command refused by the persona's policy;
// long strings trimmed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ConversationView } from '../../../src/model/protocol.js';
import {
  functionResponseIsError,
  geminiProtocol,
  googleStatus,
  neutralJson,
  readGenerateContentRequest,
} from '../../../src/model/protocols/gemini.js';
import type { ScriptedModel } from '../../../src/model/server.js';
import { post, serve } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/gemini-request.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const PATH = '/v1beta/models/gemini-2.5-flash';
const KEY = 'AIza-test-key-3f9c';

function view(body: unknown, stream = true): ConversationView {
  const v = readGenerateContentRequest(body, { model: 'gemini-2.5-flash', stream });
  assert.ok(typeof v !== 'string', String(v));
  return v;
}

/** Gemini's SSE: `data: {json}` frames separated by a blank line (CRLF on the wire). */
function sseChunks(text: string): any[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((f) => f.trim() !== '')
    .map((f) => {
      assert.ok(f.startsWith('data: '), `frame: ${f}`);
      return JSON.parse(f.slice('data: '.length));
    });
}

/** What the SDK rebuilds from the chunks: the text joined, the function calls, the last finish reason and usage. */
function rebuild(chunks: any[]): {
  text: string;
  calls: { name: string; args: unknown }[];
  finishReason?: string;
  usage: any;
  modelVersion: string;
} {
  let text = '';
  const calls: { name: string; args: unknown }[] = [];
  let finishReason: string | undefined;
  let usage: any;
  for (const c of chunks) {
    const cand = c.candidates[0];
    for (const p of cand.content.parts) {
      if (typeof p.text === 'string') text += p.text;
      if (p.functionCall) calls.push({ name: p.functionCall.name, args: p.functionCall.args });
    }
    finishReason = cand.finishReason ?? finishReason;
    usage = c.usageMetadata;
  }
  return { text, calls, ...(finishReason ? { finishReason } : {}), usage, modelVersion: chunks.at(-1).modelVersion };
}

const userText = (text: string) => ({ role: 'user', parts: [{ text }] });
const TOOLS = [{ functionDeclarations: [{ name: 'write_file', parametersJsonSchema: { type: 'object' } }] }];
function request(step: string, contents: unknown[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    systemInstruction: { parts: [{ text: `You are Gemini CLI.\nwave-step: ${step}\n` }] },
    contents: [userText('Do it.'), ...contents],
    tools: TOOLS,
    ...extra,
  };
}

describe('gemini: reading a request', () => {
  it("Gemini CLI's real request: system instruction first, one model turn, three tool answers (ok, exit 3, refused)", () => {
    const v = view(fixture);
    assert.equal(v.model, 'gemini-2.5-flash');
    assert.equal(v.stream, true);
    assert.equal(v.offersTools, true);
    assert.match(v.texts[0]!, /^You are a non-interactive CLI agent/);
    assert.match(v.texts[0]!, /wave-step: writer/, "Wave's GEMINI.md ends the system instruction");
    assert.ok(v.texts.includes("I'll write the note."), "the model's own text is part of the texts");
    assert.equal(v.assistantTurns, 1);
    assert.deepEqual(
      v.lastToolResults.map((r) => [r.id, r.isError]),
      [
        ['write_file_1795297945799_0', false],
        ['run_shell_command_1795297946338_1', true],
        ['run_shell_command_1795297946370_2', true],
      ],
    );
    assert.match(v.lastToolResults[0]!.text, /^Successfully created and wrote to new file/);
    assert.match(v.lastToolResults[1]!.text, /Exit Code: 3/);
    assert.match(v.lastToolResults[2]!.text, /^Tool execution denied by policy/);
  });

  it('a system instruction may be a string; no tools, no function declarations → not the agent loop', () => {
    const v = view(
      { systemInstruction: 'wave-step: a', contents: [userText('hi')], tools: [{ functionDeclarations: [] }] },
      false,
    );
    assert.deepEqual(v.texts, ['wave-step: a', 'hi']);
    assert.equal(v.offersTools, false);
    assert.equal(v.stream, false);
    assert.deepEqual(v.lastToolResults, []);
  });

  it('consecutive model contents are one turn; results only come from a last user content', () => {
    const model = { role: 'model', parts: [{ functionCall: { name: 'write_file', args: {} } }] };
    const answer = { role: 'user', parts: [{ functionResponse: { name: 'write_file', response: { output: 'ok' } } }] };
    const v = view(request('s', [model, model, answer, model]));
    assert.equal(v.assistantTurns, 2);
    assert.deepEqual(v.lastToolResults, []);
    assert.deepEqual(view(request('s', [model, answer])).lastToolResults, [{ isError: false, text: 'ok' }]);
  });

  it('error detection: an error field, or a shell exit code other than 0', () => {
    assert.equal(functionResponseIsError({ error: 'Tool "x" not found.' }), true);
    assert.equal(
      functionResponseIsError({ output: '<untrusted_context>\nOutput: x\nExit Code: 2\n</untrusted_context>' }),
      true,
    );
    assert.equal(functionResponseIsError({ output: 'Output: x\nExit Code: 0' }), false);
    assert.equal(functionResponseIsError({ output: 'the docs say "Exit Code: 3" somewhere' }), false);
    assert.equal(functionResponseIsError('text'), false);
  });

  it('a body without contents is refused with a message', () => {
    assert.equal(typeof readGenerateContentRequest({ messages: [] }, {}), 'string');
    assert.equal(typeof readGenerateContentRequest('x', {}), 'string');
  });

  it('routes: generateContent and streamGenerateContent under v1beta/v1/v1alpha, POST only; countTokens is not an answer route', () => {
    const q = new URLSearchParams('alt=sse');
    assert.deepEqual(geminiProtocol.match('POST', `${PATH}:streamGenerateContent`, q), {
      model: 'gemini-2.5-flash',
      stream: true,
    });
    assert.deepEqual(geminiProtocol.match('POST', '/v1/models/gemini-2.5-pro:generateContent', new URLSearchParams()), {
      model: 'gemini-2.5-pro',
      stream: false,
    });
    assert.equal(geminiProtocol.match('GET', `${PATH}:generateContent`, q), undefined);
    assert.equal(geminiProtocol.match('POST', `${PATH}:countTokens`, q), undefined);
    assert.equal(geminiProtocol.match('POST', '/v1/messages', q), undefined);
  });
});

describe('gemini: neutral JSON for the CLI side requests', () => {
  it('next speaker → "user"; loop detection → confidence 0; nested and typed values', () => {
    const nextSpeaker = {
      type: 'object',
      properties: { reasoning: { type: 'string' }, next_speaker: { type: 'string', enum: ['user', 'model'] } },
      required: ['reasoning', 'next_speaker'],
    };
    assert.deepEqual(neutralJson(nextSpeaker), { reasoning: '', next_speaker: 'user' });
    const loop = {
      type: 'object',
      properties: {
        unproductive_state_analysis: { type: 'string' },
        unproductive_state_confidence: { type: 'number' },
      },
      required: ['unproductive_state_analysis', 'unproductive_state_confidence'],
    };
    assert.deepEqual(neutralJson(loop), { unproductive_state_analysis: '', unproductive_state_confidence: 0 });
    assert.deepEqual(
      neutralJson({
        type: 'OBJECT',
        properties: {
          a: { type: 'BOOLEAN' },
          b: { type: 'ARRAY' },
          c: { type: 'object', properties: { d: { type: 'integer' } }, required: ['d'] },
        },
        required: ['a', 'b', 'c'],
      }),
      { a: false, b: [], c: { d: 0 } },
    );
    assert.deepEqual(neutralJson(undefined), {});
  });
});

describe('gemini: the scripted model over HTTP', () => {
  let model: ScriptedModel;
  const headers = { 'x-goog-api-key': KEY };
  before(async () => {
    model = await serve(
      {
        steps: {
          writer: [
            {
              text: "I'll write the note now, in a few chunks of text.",
              tool_calls: [{ name: 'write_file', input: { file_path: '/wave/out/note.md', content: '# Note\n' } }],
              usage: { input_tokens: 2000, output_tokens: 120, cache_read_input_tokens: 500 },
            },
            { expect_tool_result: { is_error: false }, text: 'Done.' },
          ],
          plain: [{ text: 'Just text.' }],
          busy: [
            {
              error: {
                status: 429,
                type: 'rate_limit_error',
                message: 'Resource has been exhausted (e.g. check quota).',
                retry_after: 3,
              },
            },
            { error: { status: 503, type: 'overloaded_error', message: 'The model is overloaded.' } },
            { error: { status: 500, type: 'api_error', message: 'Internal error encountered.' } },
            {
              error: {
                status: 400,
                type: 'invalid_request_error',
                message: 'The input token count exceeds the maximum number of tokens allowed.',
              },
            },
            { text: 'unreachable' },
          ],
        },
      },
      { requireApiKey: KEY },
    );
  });
  after(async () => model.close());

  it('streams (alt=sse): text in several chunks, then the function call, STOP and the usage on the last chunk', async () => {
    const res = await post(model, `${PATH}:streamGenerateContent?alt=sse`, request('writer'), headers);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(res.text.includes('\r\n\r\n'), 'frames end in CRLF CRLF like the real API');
    const chunks = sseChunks(res.text);
    assert.ok(chunks.length >= 3, `text split over chunks: ${chunks.length}`);
    const msg = rebuild(chunks);
    assert.equal(msg.text, "I'll write the note now, in a few chunks of text.");
    assert.deepEqual(msg.calls, [
      { name: 'write_file', args: { file_path: '/wave/out/note.md', content: '# Note\n' } },
    ]);
    assert.equal(msg.finishReason, 'STOP');
    assert.equal(chunks.filter((c) => c.candidates[0].finishReason).length, 1, 'only the last chunk finishes');
    assert.deepEqual(msg.usage, {
      promptTokenCount: 2500,
      candidatesTokenCount: 120,
      totalTokenCount: 2620,
      cachedContentTokenCount: 500,
    });
    assert.equal(msg.modelVersion, 'gemini-2.5-flash');
    assert.ok(chunks.every((c) => c.candidates[0].content.role === 'model' && typeof c.responseId === 'string'));
    const rec = model.requests.at(-1)!;
    assert.equal(rec.protocol, 'gemini');
    assert.equal(rec.kind, 'turn');
    assert.equal(rec.stepId, 'writer');
  });

  it('answers the next turn after a functionResponse (generateContent, not streamed)', async () => {
    const history = [
      { role: 'model', parts: [{ text: 'x' }, { functionCall: { name: 'write_file', args: {} } }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'write_file', response: { output: 'Successfully created' } } }],
      },
    ];
    const res = await post(model, `${PATH}:generateContent`, request('writer', history), headers);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.candidates[0].content, { role: 'model', parts: [{ text: 'Done.' }] });
    assert.equal(res.json.candidates[0].finishReason, 'STOP');
  });

  it('streamGenerateContent without alt=sse answers one JSON array of chunks', async () => {
    const res = await post(model, `${PATH}:streamGenerateContent`, request('plain'), headers);
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json));
    assert.equal(rebuild(res.json).text, 'Just text.');
  });

  it("a side request asking for JSON gets a JSON object the CLI's schema accepts, never a scripted turn", async () => {
    const schema = {
      type: 'object',
      properties: { reasoning: { type: 'string' }, next_speaker: { type: 'string', enum: ['user', 'model'] } },
      required: ['reasoning', 'next_speaker'],
    };
    const body = {
      contents: [userText('wave-step: writer\nWho speaks next?')],
      systemInstruction: { parts: [{ text: 'check' }] },
      generationConfig: { responseJsonSchema: schema, responseMimeType: 'application/json' },
    };
    const res = await post(model, '/v1beta/models/gemini-2.5-flash-lite:generateContent', body, headers);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.json.candidates[0].content.parts[0].text), { reasoning: '', next_speaker: 'user' });
    assert.equal(model.requests.at(-1)!.kind, 'side_request');
    // A side request without a schema gets the usual short text.
    const plain = await post(model, `${PATH}:generateContent`, { contents: [userText('summarize')] }, headers);
    assert.equal(plain.json.candidates[0].content.parts[0].text, 'ok');
  });

  it('errors are google.rpc.Status JSON: 429 RESOURCE_EXHAUSTED with RetryInfo, 503, 500, 400', async () => {
    const r429 = await post(model, `${PATH}:streamGenerateContent?alt=sse`, request('busy'), headers);
    assert.equal(r429.status, 429);
    assert.equal(r429.headers.get('retry-after'), '3');
    assert.deepEqual(r429.json, {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }],
      },
    });
    const r503 = await post(model, `${PATH}:streamGenerateContent?alt=sse`, request('busy'), headers);
    assert.deepEqual(r503.json, { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } });
    const r500 = await post(model, `${PATH}:streamGenerateContent?alt=sse`, request('busy'), headers);
    assert.equal(r500.json.error.status, 'INTERNAL');
    const r400 = await post(model, `${PATH}:streamGenerateContent?alt=sse`, request('busy'), headers);
    assert.equal(r400.json.error.status, 'INVALID_ARGUMENT');
    assert.equal(googleStatus(504), 'DEADLINE_EXCEEDED');
    assert.equal(googleStatus(401), 'UNAUTHENTICATED');
  });

  it('an unknown step is a 400 INVALID_ARGUMENT that names the known steps', async () => {
    const res = await post(model, `${PATH}:streamGenerateContent?alt=sse`, request('nope'), headers);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.status, 'INVALID_ARGUMENT');
    assert.match(res.json.error.message, /no script for step "nope".*writer/);
  });

  it('the key: x-goog-api-key or ?key=; a wrong one is 401 UNAUTHENTICATED in the Gemini error shape', async () => {
    const wrong = await post(model, `${PATH}:generateContent`, request('plain'), {
      'x-goog-api-key': 'wave-placeholder-key',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.status, 'UNAUTHENTICATED');
    const query = await post(model, `${PATH}:generateContent?key=${KEY}`, request('plain'), {});
    assert.equal(query.status, 200);
  });

  it('countTokens answers an estimate', async () => {
    const res = await post(model, `${PATH}:countTokens`, { contents: [userText('x'.repeat(400))] }, headers);
    assert.equal(res.status, 200);
    assert.ok(res.json.totalTokens > 100, JSON.stringify(res.json));
    assert.equal(model.requests.at(-1)!.kind, 'count_tokens');
  });
});
