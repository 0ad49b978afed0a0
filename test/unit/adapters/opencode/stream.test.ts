// The OpenCode stream parser against real `opencode run --format json` lines: the captured lines of
// agent-clis.md §2.3 (1.18.18) and lines of the pinned 1.18.33 (refusals, an API error), verbatim.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOpencodeParser } from '../../../../src/adapters/opencode/index.js';
import type { AdapterEvent, AgentOutcome } from '../../../../src/adapters/types.js';

// agent-clis.md §2.3 "Real lines" [cap opencode 1.18.18], verbatim (state.output trimmed by the capturer).
const DOC_LINES = [
  String.raw`{"type":"step_start","timestamp":1787138268455,"sessionID":"ses_fe64248c1ffeT4xyThvSemc697","part":{"id":"prt_019bddce5001vq7wqxDCg77vbs","messageID":"msg_019bdb8fc001MNeahrlP0zBwVZ","sessionID":"ses_fe64248c1ffeT4xyThvSemc697","snapshot":"b6d3fe107575ff3a178af4d30638dc849bb37766","type":"step-start"}}`,
  String.raw`{"type":"tool_use","timestamp":1787138268642,"sessionID":"ses_fe64248c1ffeT4xyThvSemc697","part":{"type":"tool","tool":"bash","callID":"tool-a04824fda33d4b7ab56e97577915fcdc","state":{"status":"completed","input":{"command":"ls -la"},"output":"total 15…"},"id":"prt_019bddd03001Mc1yW55pEc6OjM","sessionID":"ses_fe64248c1ffeT4xyThvSemc697","messageID":"msg_019bdb8fc001MNeahrlP0zBwVZ"}}`,
  String.raw`{"type":"step_finish","timestamp":1787138269007,"sessionID":"ses_fe64248c1ffeT4xyThvSemc697","part":{"id":"prt_019bddf49001kwcb9fNedRFOkZ","reason":"tool-calls","snapshot":"03d8da06a348c0567e842f72ab070336059f5854","messageID":"msg_019bdb8fc001MNeahrlP0zBwVZ","sessionID":"ses_fe64248c1ffeT4xyThvSemc697","type":"step-finish","tokens":{"total":8279,"input":237,"output":39,"reasoning":67,"cache":{"write":0,"read":7936}},"cost":0}}`,
  String.raw`{"type":"text","timestamp":1787138383889,"sessionID":"ses_fe6408d1fffeItGSsqaALiap7W","part":{"id":"prt_019bfa00e0010HWpumuEzQ33U4","messageID":"msg_019bf74840014ncOd27nVYlgLu","sessionID":"ses_fe6408d1fffeItGSsqaALiap7W","type":"text","text":"4","time":{"start":1787138383886,"end":1787138383889}}}`,
  String.raw`{"type":"step_finish","timestamp":1787138272364,"sessionID":"ses_fe64248c1ffeT4xyThvSemc697","part":{"id":"prt_019bdec5e0014PM2f3OIVJ7lFp","reason":"stop","snapshot":"25b954b2d0cf7923e2afa401ea2e7f365680cea0","messageID":"msg_019bde0d6001N6axPzOtFwnCMC","sessionID":"ses_fe64248c1ffeT4xyThvSemc697","type":"step-finish","tokens":{"total":8555,"input":609,"output":1,"reasoning":9,"cache":{"write":0,"read":7936}},"cost":0}}`,
];

// opencode 1.18.33 (wave/opencode image), verbatim: persona Read, Glob, Grep, Write(/wave/out/*), deny Bash; the model
// wrote /wave/out/note.md, called bash (removed by the rules), wrote /wave/src/evil.txt (deny rule), grepped, and read
// /etc/hostname (outside the allowed directories).
const REFUSALS_1_18_33 = [
  String.raw`{"type":"step_start","timestamp":1795297520923,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"id":"prt_200122c52001TcHmNghoESxjmP","messageID":"msg_200122764001vTWr5mnytj4sDU","sessionID":"ses_dffede32effe2skBJQRADDjL1k","type":"step-start"}}`,
  String.raw`{"type":"tool_use","timestamp":1795297520927,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"type":"tool","tool":"invalid","callID":"call_13_1","state":{"status":"completed","input":{"tool":"bash","error":"Model tried to call unavailable tool 'bash'. Available tools: edit, glob, grep, invalid, read, write."},"output":"The arguments provided to the tool are invalid: Model tried to call unavailable tool 'bash'. Available tools: edit, glob, grep, invalid, read, write.","metadata":{"truncated":false},"title":"Invalid Tool","time":{"start":1795297520765,"end":1795297520772}},"id":"prt_200122c740015Tw8mz0qKiHon1","sessionID":"ses_dffede32effe2skBJQRADDjL1k","messageID":"msg_200122764001vTWr5mnytj4sDU"}}`,
  String.raw`{"type":"tool_use","timestamp":1795297520927,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"type":"tool","tool":"write","callID":"call_13_2","state":{"status":"error","input":{"filePath":"/wave/src/evil.txt","content":"x"},"error":"The user has specified a rule which prevents you from using this specific tool call. Here are some of the relevant rules [{\"permission\":\"*\",\"action\":\"allow\",\"pattern\":\"*\"},{\"permission\":\"*\",\"action\":\"deny\",\"pattern\":\"*\"},{\"permission\":\"edit\",\"pattern\":\"*\",\"action\":\"deny\"},{\"permission\":\"edit\",\"pattern\":\"wave/out/*\",\"action\":\"allow\"},{\"permission\":\"edit\",\"pattern\":\"/wave/out/*\",\"action\":\"allow\"},{\"permission\":\"*\",\"action\":\"deny\",\"pattern\":\"*\"},{\"permission\":\"edit\",\"pattern\":\"*\",\"action\":\"deny\"},{\"permission\":\"edit\",\"pattern\":\"wave/out/*\",\"action\":\"allow\"},{\"permission\":\"edit\",\"pattern\":\"/wave/out/*\",\"action\":\"allow\"}]","time":{"start":1795297520778,"end":1795297520854}},"id":"prt_200122c80001DI1oF2uRhaA0W0","sessionID":"ses_dffede32effe2skBJQRADDjL1k","messageID":"msg_200122764001vTWr5mnytj4sDU"}}`,
  String.raw`{"type":"tool_use","timestamp":1795297520927,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"type":"tool","tool":"read","callID":"call_13_4","state":{"status":"error","input":{"filePath":"/etc/hostname"},"error":"The user has specified a rule which prevents you from using this specific tool call. Here are some of the relevant rules [{\"permission\":\"*\",\"action\":\"allow\",\"pattern\":\"*\"},{\"permission\":\"external_directory\",\"pattern\":\"*\",\"action\":\"ask\"},{\"permission\":\"external_directory\",\"pattern\":\"/home/wave/.local/share/opencode/tool-output/*\",\"action\":\"allow\"},{\"permission\":\"external_directory\",\"pattern\":\"/tmp/opencode/*\",\"action\":\"allow\"},{\"permission\":\"*\",\"action\":\"deny\",\"pattern\":\"*\"},{\"permission\":\"external_directory\",\"pattern\":\"*\",\"action\":\"deny\"},{\"permission\":\"external_directory\",\"pattern\":\"/wave/out/**\",\"action\":\"allow\"},{\"permission\":\"external_directory\",\"pattern\":\"/wave/in/**\",\"action\":\"allow\"},{\"permission\":\"external_directory\",\"pattern\":\"/tmp/**\",\"action\":\"allow\"},{\"permission\":\"*\",\"action\":\"deny\",\"pattern\":\"*\"},{\"permission\":\"external_directory\",\"pattern\":\"*\",\"action\":\"deny\"},{\"permission\":\"external_directory\",\"pattern\":\"/wave/out/**\",\"action\":\"allow\"},{\"permission\":\"external_directory\",\"pattern\":\"/wave/in/**\",\"action\":\"allow\"},{\"permission\":\"external_directory\",\"pattern\":\"/tmp/**\",\"action\":\"allow\"},{\"permission\":\"external_directory\",\"pattern\":\"/home/wave/.local/share/opencode/tool-output/*\",\"action\":\"allow\"}]","time":{"start":1795297520816,"end":1795297520864}},"id":"prt_200122c99001w6MXg71fJgqbs3","sessionID":"ses_dffede32effe2skBJQRADDjL1k","messageID":"msg_200122764001vTWr5mnytj4sDU"}}`,
  String.raw`{"type":"tool_use","timestamp":1795297520928,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"type":"tool","tool":"write","callID":"call_13_0","state":{"status":"completed","input":{"filePath":"/wave/out/note.md","content":"hello\n"},"output":"Wrote file successfully.","metadata":{"diagnostics":{},"filepath":"/wave/out/note.md","exists":false,"truncated":false},"title":"wave/out/note.md","time":{"start":1795297520752,"end":1795297520912}},"id":"prt_200122c5d0010rpxmWb2Krbbp9","sessionID":"ses_dffede32effe2skBJQRADDjL1k","messageID":"msg_200122764001vTWr5mnytj4sDU"}}`,
  String.raw`{"type":"tool_use","timestamp":1795297521151,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"type":"tool","tool":"grep","callID":"call_13_3","state":{"status":"completed","input":{"pattern":"proj"},"output":"Found 1 matches\n/wave/src/README.md:\n  Line 1: # proj\n","metadata":{"matches":1,"truncated":false},"title":"proj","time":{"start":1795297520786,"end":1795297521037}},"id":"prt_200122c8c0015RlAPeeaMaKjMy","sessionID":"ses_dffede32effe2skBJQRADDjL1k","messageID":"msg_200122764001vTWr5mnytj4sDU"}}`,
  String.raw`{"type":"step_finish","timestamp":1795297521155,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"id":"prt_200122dab001Ya6WiYVJ9fe0Dk","reason":"tool-calls","messageID":"msg_200122764001vTWr5mnytj4sDU","sessionID":"ses_dffede32effe2skBJQRADDjL1k","type":"step-finish","tokens":{"total":130,"input":100,"output":10,"reasoning":0,"cache":{"write":0,"read":20}},"cost":0}}`,
  String.raw`{"type":"step_start","timestamp":1795297521789,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"id":"prt_200122e38001lpjVorhln1YDoe","messageID":"msg_200122dcc001wt0r163Rq42ntj","sessionID":"ses_dffede32effe2skBJQRADDjL1k","type":"step-start"}}`,
  String.raw`{"type":"text","timestamp":1795297521789,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"id":"prt_200122e3c001GNgJc3O8YaeYaM","messageID":"msg_200122dcc001wt0r163Rq42ntj","sessionID":"ses_dffede32effe2skBJQRADDjL1k","type":"text","text":"Done.","time":{"start":1795297521212,"end":1795297521216}}}`,
  String.raw`{"type":"step_finish","timestamp":1795297521789,"sessionID":"ses_dffede32effe2skBJQRADDjL1k","part":{"id":"prt_200122e44001oGABnvBeKJ7ZGf","reason":"stop","messageID":"msg_200122dcc001wt0r163Rq42ntj","sessionID":"ses_dffede32effe2skBJQRADDjL1k","type":"step-finish","tokens":{"total":130,"input":100,"output":10,"reasoning":0,"cache":{"write":0,"read":20}},"cost":0}}`,
];

// opencode 1.18.33, verbatim: the provider answered 529 six times (OpenCode retried with backoff), then exit 1.
const API_ERROR_1_18_33 = [
  String.raw`{"type":"error","timestamp":1795297610746,"sessionID":"ses_dffed89a6ffe0CoxmOw0cDZ3Gs","error":{"name":"APIError","data":{"message":"Overloaded","statusCode":529,"isRetryable":true,"responseHeaders":{"connection":"keep-alive","content-type":"application/json","date":"Sat, 21 Nov 2026 21:46:50 GMT","keep-alive":"timeout=5","transfer-encoding":"chunked"},"responseBody":"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}","metadata":{"url":"http://127.0.0.1:47613/v1/messages"}}}}`,
];

function run(lines: string[], exitCode: number | null = 0): { events: AdapterEvent[]; outcome: AgentOutcome } {
  const parser = createOpencodeParser();
  const events = lines.flatMap((l) => parser.push(l));
  return { events, outcome: parser.finish(exitCode) };
}

const line = (obj: Record<string, unknown>) => JSON.stringify({ timestamp: 1, sessionID: 'ses_x', ...obj });
const stepFinish = (messageID: string, reason: string, tokens: Record<string, unknown>, cost = 0) =>
  line({
    type: 'step_finish',
    part: { id: `prt_${messageID}`, reason, messageID, sessionID: 'ses_x', type: 'step-finish', tokens, cost },
  });
const text = (messageID: string, t: string) =>
  line({
    type: 'text',
    part: { id: `prt_t${t.length}`, messageID, sessionID: 'ses_x', type: 'text', text: t, time: { start: 1, end: 2 } },
  });
const tool = (callID: string, toolName: string, state: Record<string, unknown>) =>
  line({
    type: 'tool_use',
    part: { type: 'tool', tool: toolName, callID, state, id: `prt_${callID}`, sessionID: 'ses_x', messageID: 'msg_a' },
  });
const TOKENS = { total: 10, input: 5, output: 3, reasoning: 2, cache: { write: 0, read: 0 } };

describe('opencode parser: agent-clis.md §2.3 lines', () => {
  it('maps each real line to its events', () => {
    const parser = createOpencodeParser();
    const [start, bash, finish1, answer, finish2] = DOC_LINES.map((l) => parser.push(l));
    assert.deepEqual(start, [{ kind: 'init', tools: [], sessionId: 'ses_fe64248c1ffeT4xyThvSemc697' }]);
    assert.deepEqual(bash, [
      { kind: 'tool_call', id: 'tool-a04824fda33d4b7ab56e97577915fcdc', name: 'bash', input: { command: 'ls -la' } },
      { kind: 'tool_result', id: 'tool-a04824fda33d4b7ab56e97577915fcdc', isError: false, text: 'total 15…' },
    ]);
    assert.deepEqual(finish1, [
      {
        kind: 'usage',
        inputTokens: 237,
        outputTokens: 39,
        cacheReadTokens: 7936,
        cacheCreationTokens: 0,
        messageId: 'msg_019bdb8fc001MNeahrlP0zBwVZ',
        reasoningTokens: 67,
      },
    ]);
    assert.deepEqual(answer, [{ kind: 'text', text: '4' }]);
    assert.deepEqual(finish2, [
      {
        kind: 'usage',
        inputTokens: 609,
        outputTokens: 1,
        cacheReadTokens: 7936,
        cacheCreationTokens: 0,
        messageId: 'msg_019bde0d6001N6axPzOtFwnCMC',
        reasoningTokens: 9,
      },
    ]);
    const outcome = parser.finish(0);
    assert.deepEqual(outcome, {
      ok: true,
      usage: { inputTokens: 846, outputTokens: 40, cacheReadTokens: 15872, cacheCreationTokens: 0 },
      toolCalls: 1,
      permissionDenials: [],
      numTurns: 2,
      sessionId: 'ses_fe64248c1ffeT4xyThvSemc697',
      totalCostUsd: 0,
      // The §2.3 text line comes from another capture (its messageID matches no step): the last text is the answer.
      finalText: '4',
    });
  });

  it('the lines in another order, one repeated, and noise in between: same totals, the call once', () => {
    const shuffled = [
      '',
      'not json',
      '[1,2]',
      DOC_LINES[1]!,
      DOC_LINES[0]!,
      DOC_LINES[1]!,
      '{"type":"reasoning","part":{}}',
      DOC_LINES[2]!,
      DOC_LINES[4]!,
      DOC_LINES[3]!,
    ];
    const { events, outcome } = run(shuffled);
    assert.equal(events.filter((e) => e.kind === 'tool_call').length, 1, 'deduplicated on callID');
    assert.equal(events.filter((e) => e.kind === 'init').length, 1);
    assert.equal(outcome.usage.inputTokens, 846);
    assert.equal(outcome.toolCalls, 1);
  });
});

describe('opencode parser: opencode 1.18.33 lines', () => {
  it('refusals: a removed tool (via `invalid`) and deny rules are failed calls and permission denials', () => {
    const { events, outcome } = run(REFUSALS_1_18_33);
    const calls = events.filter((e) => e.kind === 'tool_call');
    assert.deepEqual(
      calls.map((e) => [e.id, e.name, e.input]),
      [
        ['call_13_1', 'bash', {}],
        ['call_13_2', 'write', { filePath: '/wave/src/evil.txt', content_length: 1 }],
        ['call_13_4', 'read', { json: '{"filePath":"/etc/hostname"}' }],
        ['call_13_0', 'write', { filePath: '/wave/out/note.md', content_length: 6 }],
        ['call_13_3', 'grep', { json: '{"pattern":"proj"}' }],
      ],
    );
    const results = new Map(events.flatMap((e) => (e.kind === 'tool_result' ? [[e.id, e] as const] : [])));
    assert.deepEqual(
      [...results.values()].map((r) => [r.id, r.isError]),
      [
        ['call_13_1', true],
        ['call_13_2', true],
        ['call_13_4', true],
        ['call_13_0', false],
        ['call_13_3', false],
      ],
    );
    assert.match(results.get('call_13_1')!.text, /^Model tried to call unavailable tool 'bash'/);
    assert.match(
      results.get('call_13_2')!.text,
      /^The user has specified a rule which prevents you from using this specific tool call/,
    );
    assert.ok(results.get('call_13_2')!.text.length <= 2000, 'result text is truncated');
    const denials = events.filter((e) => e.kind === 'permission_denial').map((e) => [e.tool, e.id]);
    assert.deepEqual(denials, [
      ['bash', 'call_13_1'],
      ['write', 'call_13_2'],
      ['read', 'call_13_4'],
    ]);
    assert.equal(outcome.ok, true, 'refused calls do not fail the run (exit 0); the contract decides');
    assert.equal(outcome.toolCalls, 5);
    assert.equal(outcome.permissionDenials.length, 3);
    assert.equal(outcome.finalText, 'Done.');
    assert.equal(outcome.numTurns, 2);
    assert.deepEqual(outcome.usage, {
      inputTokens: 200,
      outputTokens: 20,
      cacheReadTokens: 40,
      cacheCreationTokens: 0,
    });
  });

  it('an API error line: an error event, and with exit 1 a provider_error failure', () => {
    const { events, outcome } = run(API_ERROR_1_18_33, 1);
    assert.deepEqual(events, [{ kind: 'error', message: 'Overloaded', code: 'APIError' }]);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failure?.class, 'provider_error');
    assert.match(outcome.failure?.reason ?? '', /APIError: Overloaded/);
    assert.match(outcome.failure?.reason ?? '', /exited with code 1/);
    assert.equal(outcome.totalCostUsd, undefined, 'no step, no cost');
  });
});

describe('opencode parser: rules', () => {
  it('usage per step_finish, summed; cost summed; final text from the stopped message only', () => {
    const { events, outcome } = run([
      line({ type: 'step_start', part: { type: 'step-start', messageID: 'msg_a' } }),
      text('msg_a', 'I will write it.'),
      stepFinish(
        'msg_a',
        'tool-calls',
        { total: 1, input: 100, output: 10, reasoning: 0, cache: { write: 50, read: 1000 } },
        0.25,
      ),
      line({ type: 'step_start', part: { type: 'step-start', messageID: 'msg_b' } }),
      text('msg_b', 'Part one.'),
      text('msg_b', 'Part two.'),
      stepFinish(
        'msg_b',
        'stop',
        { total: 1, input: 20, output: 5, reasoning: 1, cache: { write: 0, read: 1150 } },
        0.5,
      ),
    ]);
    const usage = events.filter((e) => e.kind === 'usage');
    assert.deepEqual(
      usage.map((u) => [u.inputTokens, u.cacheReadTokens, u.cacheCreationTokens, u.outputTokens]),
      [
        [100, 1000, 50, 10],
        [20, 1150, 0, 5],
      ],
    );
    assert.equal(events.filter((e) => e.kind === 'init').length, 1, 'only the first step_start is init');
    assert.equal(outcome.finalText, 'Part one.\nPart two.');
    assert.equal(outcome.totalCostUsd, 0.75);
    assert.deepEqual(outcome.usage, {
      inputTokens: 120,
      outputTokens: 15,
      cacheReadTokens: 2150,
      cacheCreationTokens: 50,
    });
  });

  it('tool inputs are summarized without file contents; a failed call is an error result, not a denial', () => {
    const { events } = run([
      tool('c1', 'edit', {
        status: 'completed',
        input: { filePath: '/wave/out/a', oldString: 'x', newString: 'secret text' },
        output: 'Edit applied successfully.',
      }),
      tool('c2', 'apply_patch', {
        status: 'completed',
        input: { patchText: '*** Begin Patch\n+secret\n*** End Patch' },
        output: 'ok',
      }),
      tool('c3', 'read', {
        status: 'error',
        input: { filePath: '/wave/src/nope.txt' },
        error: 'File not found: /wave/src/nope.txt',
      }),
      tool('c4', 'bash', { status: 'running', input: { command: 'sleep 1' } }),
      tool('c5', 'bash', {
        status: 'error',
        input: { command: 'rm -rf /' },
        error: 'The user rejected permission to use this specific tool call.',
      }),
    ]);
    const calls = events.filter((e) => e.kind === 'tool_call');
    assert.deepEqual(
      calls.map((c) => c.input),
      [
        { filePath: '/wave/out/a', content_length: 11 },
        { content_length: 37 },
        { json: '{"filePath":"/wave/src/nope.txt"}' },
        { command: 'rm -rf /' },
      ],
    );
    assert.ok(!JSON.stringify(events).includes('secret'), 'no written content in the events');
    assert.deepEqual(
      events.filter((e) => e.kind === 'permission_denial').map((e) => e.id),
      ['c5'],
      'a missing file is no denial; a rejected ask is',
    );
    assert.equal(events.filter((e) => e.kind === 'tool_result' && e.isError).length, 2);
  });

  it('a `done` line (newer OpenCode) adds its rejected tools as denials, once', () => {
    const { events, outcome } = run([
      line({ type: 'step_start', part: {} }),
      tool('c1', 'bash', {
        status: 'error',
        input: { command: 'curl x' },
        error: 'The user rejected permission to use this specific tool call.',
      }),
      stepFinish('m', 'stop', TOKENS),
      line({ type: 'done', reason: 'idle', rejected: ['bash', 'webfetch', 42] }),
    ]);
    assert.deepEqual(
      events.filter((e) => e.kind === 'permission_denial').map((e) => e.tool),
      ['bash', 'webfetch'],
    );
    assert.equal(outcome.permissionDenials.length, 2);
    assert.equal(outcome.ok, true);
  });

  it('exit codes: 0 idle is ok; 1 fails; killed (null) fails as exit; 0 without any step fails', () => {
    const steps = [line({ type: 'step_start', part: {} }), stepFinish('m', 'stop', TOKENS)];
    assert.equal(run(steps, 0).outcome.ok, true);
    const one = run(steps, 1).outcome;
    assert.deepEqual(one.failure, { class: 'exit', reason: 'opencode exited with code 1' });
    const killed = run([line({ type: 'step_start', part: {} })], null).outcome;
    assert.deepEqual(killed.failure, { class: 'exit', reason: 'opencode was killed (no exit code)' });
    assert.equal(run([], 0).outcome.failure?.class, 'exit');
    assert.equal(run(steps, 0).outcome.finalText, undefined, 'a stop without any text has no final text');
  });

  it('an error line fails the run even with exit 0; classified by status, then text', () => {
    const err = (name: string, data: Record<string, unknown>) => line({ type: 'error', error: { name, data } });
    const steps = [line({ type: 'step_start', part: {} }), stepFinish('m', 'stop', TOKENS)];
    const rate = run(
      [...steps, err('APIError', { message: 'slow down', statusCode: 429, isRetryable: true })],
      0,
    ).outcome;
    assert.equal(rate.ok, false);
    assert.equal(rate.failure?.class, 'rate_limit');
    assert.equal(
      run([err('APIError', { message: 'prompt is too long: 210000 tokens > 200000 maximum', statusCode: 400 })], 1)
        .outcome.failure?.class,
      'context_exhausted',
    );
    assert.equal(
      run([err('ProviderAuthError', { message: 'invalid x-api-key', providerID: 'anthropic' })], 1).outcome.failure
        ?.class,
      'auth',
    );
    const forbidden = err('APIError', { message: 'permission denied', statusCode: 403 });
    assert.equal(run([forbidden], 1).outcome.failure?.class, 'auth');
    assert.equal(run([err('UnknownError', { message: 'something odd' })], 1).outcome.failure?.class, 'unknown');
    assert.equal(run([line({ type: 'error', error: 'plain string' })], 1).outcome.failure?.class, 'unknown');
  });

  it('never throws on garbage', () => {
    const parser = createOpencodeParser();
    const garbage = [
      '{',
      '{"type":"tool_use"}',
      '{"type":"tool_use","part":{"state":null}}',
      '{"type":"step_finish","part":{"tokens":{"input":-5,"cache":7}}}',
      '{"type":"text","part":{"text":5}}',
      '{"type":"error"}',
      '{"type":"done","rejected":{}}',
      'null',
      '{"type":"step_start","sessionID":7}',
    ];
    for (const g of garbage) assert.doesNotThrow(() => parser.push(g));
    assert.doesNotThrow(() => parser.finish(0));
  });

  it('several lines in one push are split', () => {
    const parser = createOpencodeParser();
    const events = parser.push(`${DOC_LINES[0]}\n${DOC_LINES[1]}\n`);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['init', 'tool_call', 'tool_result'],
    );
  });
});

describe('opencode parser: the CLI log on stderr explains an UnknownError', () => {
  it('the error text of an ERROR log line joins the failure reason; other log lines are ignored', () => {
    const parser = createOpencodeParser();
    parser.push(
      '{"type":"error","timestamp":1795298630738,"sessionID":"ses_dffdce716ffeLd9EKWS99W7fU7","error":{"name":"UnknownError","data":{"message":"Unexpected server error. Check server logs for details.","ref":"err_98f3c9e8"}}}',
    );
    assert.deepEqual(parser.pushStderr?.('timestamp=2026-11-21T22:03:50.737Z level=WARN message=slow'), []);
    parser.pushStderr?.(
      'timestamp=2026-11-21T22:03:50.737Z level=ERROR run=0f453202 message=failed ref=err_98f3c9e8 error="ProviderModelNotFoundError: Model not found: openai/o4-mini. Did you mean: gpt-4.1-mini?" cause="…"',
    );
    const outcome = parser.finish(1);
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.failure?.reason ?? '',
      /UnknownError: Unexpected server error.* \| ProviderModelNotFoundError: Model not found: openai\/o4-mini/,
    );
  });
});
