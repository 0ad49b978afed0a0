// The `codex exec --json` stream parser. The first fixtures are the verbatim lines of agent-clis.md §4.3 (captured
// from 0.141.0 and the exec.md sample); the "0.169" ones were captured from the pinned binary (wave/codex:latest)
// against a loopback capture server, ids and timestamps as they came.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor } from '../../../../src/adapters/index.js';
import { classifyCodexError, codexAdapter, createCodexParser } from '../../../../src/adapters/codex/index.js';
import type { AdapterEvent, AgentOutcome } from '../../../../src/adapters/index.js';

// agent-clis.md §4.3 "Real lines" [cap 0.141.0, verbatim].
const HI = [
  '{"type":"thread.started","thread_id":"019fe715-0c25-72c3-878b-7728e09afc96"}',
  '{"type":"turn.started"}',
  '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Hi!"}}',
  '{"type":"turn.completed","usage":{"input_tokens":13836,"cached_input_tokens":3456,"output_tokens":26,"reasoning_output_tokens":18}}',
];
const QUOTA = [
  '{"type":"error","message":"You\'ve hit your usage limit. To continue using Codex and get access to GPT-5.3-Codex, start a free trial of Plus today (https://chatgpt.com/explore/plus), or try again at Aug 27th, 2026 8:00 PM."}',
  '{"type":"turn.failed","error":{"message":"You\'ve hit your usage limit. …"}}',
];
// agent-clis.md §4.3 "Tool lines" [doc exec.md sample, verbatim except the ls output is shortened].
const TOOLS = [
  '{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Searching for README files**"}}',
  '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"AGENTS.md\\nREADME.md\\n","exit_code":0,"status":"completed"}}',
  '{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}',
];
// agent-clis.md §4.3, the file change "with the shape taken from the struct".
const FILE_CHANGE =
  '{"type":"item.completed","item":{"id":"item_4","type":"file_change","changes":[{"path":"/repo/src/a.ts","kind":"update"}],"status":"completed"}}';

// 0.169: a shell write, a failing command, the fallback-metadata warning item, usage with cache_write_input_tokens.
const REAL_169 = [
  '{"type":"thread.started","thread_id":"01a2000a-125a-7851-8239-6dd1ddd308db"}',
  '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-5-codex` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}',
  '{"type":"turn.started"}',
  '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Writing the file."}}',
  '{"type":"item.started","item":{"id":"item_2","type":"command_execution","command":"/bin/sh -lc \'echo hello > /wave/out/a.txt && cat /wave/out/a.txt\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_2","type":"command_execution","command":"/bin/sh -lc \'echo hello > /wave/out/a.txt && cat /wave/out/a.txt\'","aggregated_output":"hello\\n","exit_code":0,"status":"completed"}}',
  '{"type":"item.started","item":{"id":"item_3","type":"command_execution","command":"/bin/sh -lc \'exit 3\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"/bin/sh -lc \'exit 3\'","aggregated_output":"","exit_code":3,"status":"failed"}}',
  '{"type":"item.completed","item":{"id":"item_4","type":"agent_message","text":"Done."}}',
  '{"type":"turn.completed","usage":{"input_tokens":3000,"cached_input_tokens":600,"cache_write_input_tokens":0,"output_tokens":150,"reasoning_output_tokens":30}}',
];
// 0.169 with gpt-5.5: apply_patch into /wave/out, then into the read-only source.
const PATCH_169 = [
  '{"type":"thread.started","thread_id":"01a2000c-866b-72c1-8f8d-3c28427f06b4"}',
  '{"type":"turn.started"}',
  '{"type":"item.started","item":{"id":"item_0","type":"file_change","changes":[{"path":"/wave/out/p.md","kind":"add"}],"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_0","type":"file_change","changes":[{"path":"/wave/out/p.md","kind":"add"}],"status":"completed"}}',
  '{"type":"item.started","item":{"id":"item_1","type":"file_change","changes":[{"path":"/wave/src/evil.md","kind":"add"}],"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"/wave/src/evil.md","kind":"add"}],"status":"failed"}}',
  '{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Done."}}',
  '{"type":"turn.completed","usage":{"input_tokens":3000,"cached_input_tokens":600,"cache_write_input_tokens":0,"output_tokens":150,"reasoning_output_tokens":30}}',
];
// 0.169 provider failures (scripted 429, 400 context_length_exceeded, 401), and a 500 retried into success.
const RATE_169 = [
  '{"type":"thread.started","thread_id":"01a2000b-df44-77a0-82cf-3626a5d792a1"}',
  '{"type":"turn.started"}',
  '{"type":"error","message":"exceeded retry limit, last status: 429 Too Many Requests"}',
  '{"type":"turn.failed","error":{"message":"exceeded retry limit, last status: 429 Too Many Requests"}}',
];
const CONTEXT_169 = [
  '{"type":"error","message":"Codex ran out of room in the model\'s context window. Start a new thread or clear earlier history before retrying."}',
  '{"type":"turn.failed","error":{"message":"Codex ran out of room in the model\'s context window. Start a new thread or clear earlier history before retrying."}}',
];
const AUTH_169 = [
  '{"type":"error","message":"unexpected status 401 Unauthorized: Incorrect API key provided: wave-pla*****-key., url: http://127.0.0.1:18555/v1/responses"}',
  '{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized: Incorrect API key provided: wave-pla*****-key., url: http://127.0.0.1:18555/v1/responses"}}',
];
const RETRIED_169 = [
  '{"type":"thread.started","thread_id":"01a2000b-e1f0-7a22-9d1e-2b8d7e9f0c11"}',
  '{"type":"turn.started"}',
  '{"type":"error","message":"Reconnecting... 1/5 (We’re currently experiencing high demand, which may cause temporary errors.)"}',
  '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Done (queue empty)."}}',
  '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":200,"cache_write_input_tokens":0,"output_tokens":50,"reasoning_output_tokens":10}}',
];

function run(lines: string[], exitCode: number | null): { events: AdapterEvent[]; outcome: AgentOutcome } {
  const parser = createCodexParser();
  const events = lines.flatMap((l) => parser.push(l));
  return { events, outcome: parser.finish(exitCode) };
}

describe('codex stream parser: the lines of agent-clis.md §4.3', () => {
  it('"say hi": init, text, cumulative usage with the cached part split out, a successful result', () => {
    const { events, outcome } = run(HI, 0);
    const usage = { inputTokens: 13836 - 3456, outputTokens: 26, cacheReadTokens: 3456, cacheCreationTokens: 0 };
    assert.deepEqual(events, [
      { kind: 'init', tools: [], sessionId: '019fe715-0c25-72c3-878b-7728e09afc96' },
      { kind: 'text', text: 'Hi!' },
      { kind: 'usage', ...usage, reasoningTokens: 18 },
      { kind: 'result', isError: false, permissionDenials: [], errors: [], text: 'Hi!', usage },
    ]);
    assert.deepEqual(outcome, {
      ok: true,
      usage,
      toolCalls: 0,
      permissionDenials: [],
      sessionId: '019fe715-0c25-72c3-878b-7728e09afc96',
      finalText: 'Hi!',
    });
  });

  it('a usage-limit failure: error events, a failed result, class rate_limit', () => {
    const { events, outcome } = run([...HI.slice(0, 2), ...QUOTA], 1);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['init', 'error', 'error', 'result'],
    );
    const result = events.at(-1);
    assert.ok(result?.kind === 'result' && result.isError);
    assert.deepEqual(result.errors, ["You've hit your usage limit. …"]);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failure?.class, 'rate_limit');
    assert.match(outcome.failure?.reason ?? '', /^codex turn failed: You've hit your usage limit/);
  });

  it('tool lines: one tool_call per item id (started, then completed), the output as the result, reasoning ignored', () => {
    const { events, outcome } = run(TOOLS, 0);
    assert.deepEqual(events.slice(0, 2), [
      { kind: 'tool_call', id: 'item_1', name: 'Bash', input: { command: 'bash -lc ls' } },
      { kind: 'tool_result', id: 'item_1', isError: false, text: 'AGENTS.md\nREADME.md\n' },
    ]);
    const usage = events.find((e) => e.kind === 'usage');
    assert.deepEqual(usage, {
      kind: 'usage',
      inputTokens: 315,
      outputTokens: 122,
      cacheReadTokens: 24448,
      cacheCreationTokens: 0,
    });
    assert.equal(outcome.toolCalls, 1);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.finalText, undefined, 'no agent_message, no final text');
  });

  it('a file change completed without a started line still yields the call before its result', () => {
    const { events } = run([FILE_CHANGE], 0);
    assert.deepEqual(events, [
      {
        kind: 'tool_call',
        id: 'item_4',
        name: 'Edit',
        input: { file_path: '/repo/src/a.ts', files: 1, kinds: 'update' },
      },
      { kind: 'tool_result', id: 'item_4', isError: false, text: 'update /repo/src/a.ts' },
    ]);
  });
});

describe('codex stream parser: 0.169 captures', () => {
  it('a shell write and a failing command; the non-fatal warning item is no event; the last message is the answer', () => {
    const { events, outcome } = run(REAL_169, 0);
    assert.deepEqual(
      events.filter((e) => e.kind === 'tool_call' || e.kind === 'tool_result'),
      [
        {
          kind: 'tool_call',
          id: 'item_2',
          name: 'Bash',
          input: { command: "/bin/sh -lc 'echo hello > /wave/out/a.txt && cat /wave/out/a.txt'" },
        },
        { kind: 'tool_result', id: 'item_2', isError: false, text: 'hello\n' },
        { kind: 'tool_call', id: 'item_3', name: 'Bash', input: { command: "/bin/sh -lc 'exit 3'" } },
        { kind: 'tool_result', id: 'item_3', isError: true, text: '' },
      ],
    );
    assert.ok(!events.some((e) => e.kind === 'error'), 'the fallback-metadata item is not an error event');
    assert.deepEqual(
      events.filter((e) => e.kind === 'text').map((e) => (e.kind === 'text' ? e.text : '')),
      ['Writing the file.', 'Done.'],
    );
    assert.deepEqual(outcome, {
      ok: true,
      usage: { inputTokens: 2400, outputTokens: 150, cacheReadTokens: 600, cacheCreationTokens: 0 },
      toolCalls: 2,
      permissionDenials: [],
      sessionId: '01a2000a-125a-7851-8239-6dd1ddd308db',
      finalText: 'Done.',
    });
  });

  it('apply_patch: file_change items, the write into the read-only source is an error result', () => {
    const { events } = run(PATCH_169, 0);
    assert.deepEqual(
      events.filter((e) => e.kind === 'tool_result'),
      [
        { kind: 'tool_result', id: 'item_0', isError: false, text: 'add /wave/out/p.md' },
        { kind: 'tool_result', id: 'item_1', isError: true, text: 'add /wave/src/evil.md' },
      ],
    );
  });

  it('a 429 after retries is rate_limit; a 400 context error is context_exhausted; a 401 is auth', () => {
    assert.equal(run(RATE_169, 1).outcome.failure?.class, 'rate_limit');
    assert.equal(run(CONTEXT_169, 1).outcome.failure?.class, 'context_exhausted');
    assert.equal(run(AUTH_169, 1).outcome.failure?.class, 'auth');
  });

  it('a retried 500 that later succeeded: the error line is evented but the run is ok', () => {
    const { events, outcome } = run(RETRIED_169, 0);
    assert.equal(events.filter((e) => e.kind === 'error').length, 1);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.finalText, 'Done (queue empty).');
  });
});

describe('codex stream parser: behaviour', () => {
  it('a declined command is an error result and a permission denial, in the events and the outcome', () => {
    const { events, outcome } = run(
      [
        '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc \'rm -rf /\'","aggregated_output":"","status":"in_progress"}}',
        '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc \'rm -rf /\'","aggregated_output":"","exit_code":null,"status":"declined"}}',
        '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":1}}',
      ],
      0,
    );
    const denial = { tool: 'Bash', input: { command: "bash -lc 'rm -rf /'" }, id: 'item_1' };
    assert.deepEqual(events.slice(1, 3), [
      { kind: 'tool_result', id: 'item_1', isError: true, text: 'declined' },
      { kind: 'permission_denial', ...denial },
    ]);
    assert.deepEqual(outcome.permissionDenials, [denial]);
    const result = events.find((e) => e.kind === 'result');
    assert.ok(result?.kind === 'result');
    assert.deepEqual(result.permissionDenials, [denial]);
  });

  it('mcp calls are named mcp__server__tool; an error object makes the result an error', () => {
    const { events } = run(
      [
        '{"type":"item.completed","item":{"id":"item_2","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x","limit":2},"result":null,"error":{"message":"server gone"},"status":"failed"}}',
        '{"type":"item.completed","item":{"id":"item_3","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"y"},"result":{"content":[{"type":"text","text":"found"}],"structured_content":null},"error":null,"status":"completed"}}',
        '{"type":"item.completed","item":{"id":"item_4","type":"web_search","query":"wave sandbox"}}',
      ],
      0,
    );
    assert.deepEqual(events, [
      { kind: 'tool_call', id: 'item_2', name: 'mcp__docs__search', input: { json: '{"limit":2,"q":"x"}' } },
      { kind: 'tool_result', id: 'item_2', isError: true, text: 'server gone' },
      { kind: 'tool_call', id: 'item_3', name: 'mcp__docs__search', input: { json: '{"q":"y"}' } },
      { kind: 'tool_result', id: 'item_3', isError: false, text: 'found' },
      { kind: 'tool_call', id: 'item_4', name: 'WebSearch', input: { query: 'wave sandbox' } },
      { kind: 'tool_result', id: 'item_4', isError: false, text: 'wave sandbox' },
    ]);
  });

  it('duplicate lines, item.updated and unknown types yield no duplicate events', () => {
    const started =
      '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"ls","status":"in_progress"}}';
    const updated =
      '{"type":"item.updated","item":{"id":"item_1","type":"command_execution","command":"ls","status":"in_progress"}}';
    const done =
      '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"ls","aggregated_output":"a\\n","exit_code":0,"status":"completed"}}';
    const { events } = run(
      [started, updated, started, '{"type":"item.plan.delta","item_id":"x","delta":"y"}', done, done],
      0,
    );
    assert.deepEqual(
      events.map((e) => e.kind),
      ['tool_call', 'tool_result'],
    );
  });

  it('never throws on garbage and ignores non-JSON noise', () => {
    const parser = createCodexParser();
    const garbage = [
      '',
      'not json',
      '[1,2]',
      '{',
      '{"type":null}',
      '{"type":"item.completed"}',
      '{"type":"item.completed","item":"x"}',
      '{"type":"item.completed","item":{"type":"command_execution"}}',
      '{"type":"turn.failed"}',
      '{"type":"error"}',
      '{"type":"turn.completed","usage":{"input_tokens":-5,"cached_input_tokens":"x"}}',
      '2026-11-21T21:36:46Z ERROR codex_core::tools::router: error=unsupported call: exec_command',
    ];
    for (const line of garbage) assert.doesNotThrow(() => parser.push(line));
    assert.doesNotThrow(() => parser.finish(1));
  });

  it('an item type named like an Object property (constructor, toString) is no tool call', () => {
    const item = (type: string) => JSON.stringify({ type: 'item.completed', item: { id: type, type } });
    const lines = ['constructor', 'toString', '__proto__'].map(item);
    assert.deepEqual(run(lines, 0).events, []);
  });

  it('several lines in one push are split', () => {
    const parser = createCodexParser();
    assert.deepEqual(
      parser.push(HI.join('\n')).map((e) => e.kind),
      ['init', 'text', 'usage', 'result'],
    );
  });

  it('input_tokens below the cached count never make inputTokens negative', () => {
    const { outcome } = run(
      [
        '{"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":9,"cache_write_input_tokens":2,"output_tokens":1}}',
      ],
      0,
    );
    assert.deepEqual(outcome.usage, { inputTokens: 0, outputTokens: 1, cacheReadTokens: 9, cacheCreationTokens: 2 });
  });

  it('a long command output is truncated to 2000 characters', () => {
    const out = 'x'.repeat(5000);
    const { events } = run(
      [
        `{"type":"item.completed","item":{"id":"i","type":"command_execution","command":"cat","aggregated_output":"${out}","exit_code":0,"status":"completed"}}`,
      ],
      0,
    );
    const result = events.find((e) => e.kind === 'tool_result');
    assert.equal(result?.kind === 'tool_result' ? result.text.length : 0, 2000);
  });
});

describe('codex stream parser: refusals logged on stderr (0.169 writes no JSONL item for them)', () => {
  it('a switched-off shell tool and a forbidden prefix rule become permission denials; other stderr is ignored', () => {
    const parser = createCodexParser();
    const off =
      parser.pushStderr?.(
        '2026-11-21T10:00:00.000000Z ERROR codex_core::tools::router: error=unsupported call: exec_command',
      ) ?? [];
    assert.deepEqual(off, [{ kind: 'permission_denial', tool: 'exec_command', input: {}, id: 'stderr-1' }]);
    const rule =
      parser.pushStderr?.(
        'ERROR codex_core::tools::router: error=exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/sh -lc \'rm -rf /wave/out\'` rejected: denied by Wave\\")" }',
      ) ?? [];
    assert.deepEqual(rule, [
      {
        kind: 'permission_denial',
        tool: 'exec_command',
        input: { command: "/bin/sh -lc 'rm -rf /wave/out'" },
        id: 'stderr-2',
      },
    ]);
    assert.deepEqual(parser.pushStderr?.('WARN codex_core::models: Model metadata for `gpt-5-codex` not found'), []);
    assert.equal(parser.finish(0).permissionDenials.length, 2);
  });
});

describe('codex stream parser: exit codes (agent-clis.md §4.4)', () => {
  it('killed (null), SIGTERM and SIGKILL are exit failures', () => {
    assert.deepEqual(run(HI.slice(0, 3), null).outcome.failure, {
      class: 'exit',
      reason: 'codex was killed (no exit code)',
    });
    assert.match(run(HI.slice(0, 3), 143).outcome.failure?.reason ?? '', /SIGTERM/);
    assert.match(run(HI.slice(0, 3), 137).outcome.failure?.reason ?? '', /SIGKILL/);
  });

  it('exit 2 is a usage error; exit 1 with no error line is an exit failure', () => {
    assert.deepEqual(run([], 2).outcome.failure, {
      class: 'exit',
      reason: 'codex exited with code 2 (a command-line usage error)',
    });
    assert.deepEqual(run([], 1).outcome.failure, { class: 'exit', reason: 'codex exited with code 1' });
  });

  it('exit 0 without turn.completed fails; exit 1 after turn.completed fails', () => {
    assert.equal(run(HI.slice(0, 3), 0).outcome.failure?.class, 'exit');
    const late = run(HI, 1).outcome;
    assert.equal(late.ok, false);
    assert.equal(late.finalText, undefined);
  });

  it('exit 1 with error lines but no turn.failed is classified from the last error', () => {
    const { outcome } = run(['{"type":"error","message":"stream disconnected: status 503 Service Unavailable"}'], 1);
    assert.equal(outcome.failure?.class, 'provider_error');
    assert.match(outcome.failure?.reason ?? '', /^codex exited with code 1: stream disconnected/);
  });

  it("a turn.failed decides even when the exit code is 0; a model's answer about rate limits does not", () => {
    assert.equal(run(RATE_169, 0).outcome.ok, false);
    const chat = run(
      [
        '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Rate limit 429 explained."}}',
        HI[3]!,
      ],
      0,
    );
    assert.equal(chat.outcome.ok, true);
  });

  it('classifyCodexError: Codex wording, shared classifier, then provider_error', () => {
    assert.equal(classifyCodexError("Codex ran out of room in the model's context window."), 'context_exhausted');
    assert.equal(classifyCodexError('exceeded retry limit, last status: 500 Internal Server Error'), 'provider_error');
    assert.equal(classifyCodexError('something odd'), 'provider_error');
  });
});

describe('codex adapter registration', () => {
  it('is found by name with its provider and binary', () => {
    assert.equal(adapterFor('codex'), codexAdapter);
    assert.equal(codexAdapter.provider, 'openai');
    assert.equal(codexAdapter.binary, 'codex');
  });
});
