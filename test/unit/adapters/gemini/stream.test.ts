// The Gemini CLI stream parser against real lines: the verbatim capture of agent-clis.md §3.3 (0.53.1) and lines
// captured from the pinned 0.61.0 (refusals, API errors, the turn limit), copied here unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor, type AdapterEvent, type AgentOutcome } from '../../../../src/adapters/index.js';
import { createGeminiParser, geminiAdapter, httpStatusOfExit } from '../../../../src/adapters/gemini/index.js';

// agent-clis.md §3.3, verbatim (0.53.1, `gemini -p … -o stream-json --approval-mode yolo`).
const DOC_INIT =
  '{"type":"init","timestamp":"2026-08-09T15:23:21.036Z","session_id":"d1f03c4d-470b-4894-a540-3fd31e12be65","model":"auto"}';
const DOC_USER =
  '{"type":"message","timestamp":"2026-08-09T15:23:21.037Z","role":"user","content":"Run the shell command: echo amux-fixture"}';
const DOC_TOOL_USE =
  '{"type":"tool_use","timestamp":"2026-08-09T15:23:26.508Z","tool_name":"run_shell_command","tool_id":"run_shell_command__45c957ff","parameters":{"description":"Runs a simple echo command to output the string \'amux-fixture\'","command":"echo amux-fixture"}}';
const DOC_TOOL_RESULT =
  '{"type":"tool_result","timestamp":"2026-08-09T15:23:26.557Z","tool_id":"run_shell_command__45c957ff","status":"success","output":"amux-fixture"}';
const DOC_ASSISTANT =
  '{"type":"message","timestamp":"2026-08-09T15:23:28.202Z","role":"assistant","content":"amux-fixture","delta":true}';
const DOC_RESULT =
  '{"type":"result","timestamp":"2026-08-09T15:23:28.211Z","status":"success","stats":{"total_tokens":23632,"input_tokens":22915,"output_tokens":74,"cached":8115,"input":14800,"duration_ms":7175,"tool_calls":1,"models":{"gemini-3.1-flash-lite":{"total_tokens":1066,"input_tokens":963,"output_tokens":28,"cached":0,"input":963},"gemini-3.5-flash":{"total_tokens":22566,"input_tokens":21952,"output_tokens":46,"cached":8115,"input":13837}}}}';
const DOC_LINES = [DOC_INIT, DOC_USER, DOC_TOOL_USE, DOC_TOOL_RESULT, DOC_ASSISTANT, DOC_RESULT];

// Captured from 0.61.0 (wave/gemini:latest) against a capture server, verbatim.
const L = {
  init: '{"type":"init","timestamp":"2026-11-21T21:36:10.019Z","session_id":"a26ade6d-468e-41e4-944a-40cf3402436a","model":"gemini-2.5-flash"}',
  user: '{"type":"message","timestamp":"2026-11-21T21:36:10.022Z","role":"user","content":"Do the task\\n"}',
  text1:
    '{"type":"message","timestamp":"2026-11-21T21:36:10.131Z","role":"assistant","content":"I\'ll write.","delta":true}',
  write:
    '{"type":"tool_use","timestamp":"2026-11-21T21:36:10.310Z","tool_name":"write_file","tool_id":"write_file__write_file_1795296970132_0","parameters":{"file_path":"/wave/out/note.md","content":"# Note\\n"}}',
  writeOk:
    '{"type":"tool_result","timestamp":"2026-11-21T21:36:10.348Z","tool_id":"write_file__write_file_1795296970132_0","status":"success"}',
  shell:
    '{"type":"tool_use","timestamp":"2026-11-21T21:36:10.364Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795296970361_0","parameters":{"command":"env | sort > /wave/out/env.txt; echo done"}}',
  shellOk:
    '{"type":"tool_result","timestamp":"2026-11-21T21:36:10.486Z","tool_id":"run_shell_command__run_shell_command_1795296970361_0","status":"success","output":"done"}',
  text2:
    '{"type":"message","timestamp":"2026-11-21T21:36:10.956Z","role":"assistant","content":"All done.","delta":true}',
  result:
    '{"type":"result","timestamp":"2026-11-21T21:36:10.967Z","status":"success","stats":{"total_tokens":440,"input_tokens":400,"output_tokens":40,"cached":0,"input":400,"duration_ms":949,"tool_calls":3,"models":{"gemini-2.5-flash":{"total_tokens":440,"input_tokens":400,"output_tokens":40,"cached":0,"input":400}}}}',
  // A tool removed by a deny rule without args pattern, called anyway.
  hiddenUse:
    '{"type":"tool_use","timestamp":"2026-11-21T21:36:36.523Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795296996518_0","parameters":{"command":"echo hi > /wave/out/shell.txt"}}',
  hiddenResult:
    '{"type":"tool_result","timestamp":"2026-11-21T21:36:36.633Z","tool_id":"run_shell_command__run_shell_command_1795296996518_0","status":"error","output":"Tool \\"run_shell_command\\" not found. Did you mean one of: \\"update_topic\\", \\"grep_search\\", \\"replace\\"?","error":{"type":"tool_not_registered","message":"Tool \\"run_shell_command\\" not found. Did you mean one of: \\"update_topic\\", \\"grep_search\\", \\"replace\\"?"}}',
  // A deny rule with an args pattern.
  policyUse:
    '{"type":"tool_use","timestamp":"2026-11-21T21:36:43.910Z","tool_name":"write_file","tool_id":"write_file__write_file_1795297003901_0","parameters":{"file_path":"/wave/src/x.txt","content":"x"}}',
  policyResult:
    '{"type":"tool_result","timestamp":"2026-11-21T21:36:43.928Z","tool_id":"write_file__write_file_1795297003901_0","status":"error","output":"Tool execution denied by policy. denied by the persona\'s permissions (Wave)","error":{"type":"policy_violation","message":"Tool execution denied by policy. denied by the persona\'s permissions (Wave)"}}',
  // A path outside the workspace: a tool error, not a refusal.
  outsideUse:
    '{"type":"tool_use","timestamp":"2026-11-21T21:36:53.096Z","tool_name":"write_file","tool_id":"write_file__write_file_1795297013086_0","parameters":{"file_path":"/tmp/no.txt","content":"x"}}',
  outsideResult:
    '{"type":"tool_result","timestamp":"2026-11-21T21:36:53.108Z","tool_id":"write_file__write_file_1795297013086_0","status":"error","output":"Path not in workspace: Attempted path \\"/tmp/no.txt\\" resolves outside the allowed workspace directories: /wave/src, /wave/out or the project temp directory: /home/wave/.gemini/tmp/src","error":{"type":"invalid_tool_params","message":"Path not in workspace: Attempted path \\"/tmp/no.txt\\" resolves outside the allowed workspace directories: /wave/src, /wave/out or the project temp directory: /home/wave/.gemini/tmp/src"}}',
  refusedText:
    '{"type":"message","timestamp":"2026-11-21T21:36:36.666Z","role":"assistant","content":"Refused.","delta":true}',
  refusedResult:
    '{"type":"result","timestamp":"2026-11-21T21:36:36.674Z","status":"success","stats":{"total_tokens":220,"input_tokens":200,"output_tokens":20,"cached":0,"input":200,"duration_ms":220,"tool_calls":1,"models":{"gemini-2.5-flash":{"total_tokens":220,"input_tokens":200,"output_tokens":20,"cached":0,"input":200}}}}',
  // Final API errors (general.maxAttempts=1); the process exits with the HTTP status truncated to 8 bits.
  err429:
    '{"type":"result","timestamp":"2026-11-21T21:44:59.198Z","status":"error","error":{"type":"unknown","message":"[API Error: Resource has been exhausted (e.g. check quota).]\\nPlease wait and try again later. To increase your limits, request a quota increase through AI Studio, or switch to another /auth method"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-2.5-flash":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}',
  err500:
    '{"type":"result","timestamp":"2026-11-21T21:44:34.316Z","status":"error","error":{"type":"unknown","message":"[API Error: {\\"error\\":{\\"code\\":500,\\"message\\":\\"Internal error encountered.\\",\\"status\\":\\"INTERNAL\\"}}]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-2.5-flash":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}',
  err503:
    '{"type":"result","timestamp":"2026-11-21T21:44:51.224Z","status":"error","error":{"type":"unknown","message":"[API Error: The model is overloaded. Please try again later.]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-2.5-flash":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}',
  err400:
    '{"type":"result","timestamp":"2026-11-21T21:44:41.954Z","status":"error","error":{"type":"unknown","message":"[API Error: {\\"error\\":{\\"code\\":400,\\"message\\":\\"Request contains an invalid argument.\\",\\"status\\":\\"INVALID_ARGUMENT\\"}}]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-2.5-flash":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}',
  turnLimit:
    '{"type":"result","timestamp":"2026-11-21T21:45:13.027Z","status":"error","error":{"type":"FatalTurnLimitedError","message":"Reached max session turns for this session. Increase the number of turns by specifying maxSessionTurns in settings.json."},"stats":{"total_tokens":110,"input_tokens":100,"output_tokens":10,"cached":0,"input":100,"duration_ms":0,"tool_calls":1,"models":{"gemini-2.5-flash":{"total_tokens":110,"input_tokens":100,"output_tokens":10,"cached":0,"input":100}}}}',
};

function run(lines: string[], exitCode: number | null): { events: AdapterEvent[]; outcome: AgentOutcome } {
  const parser = createGeminiParser();
  const events = lines.flatMap((l) => parser.push(l));
  return { events, outcome: parser.finish(exitCode) };
}

const kinds = (events: AdapterEvent[]) => events.map((e) => e.kind);

describe('gemini parser: the agent-clis.md §3.3 capture', () => {
  it('maps every line to the normalized events, in order', () => {
    const { events } = run(DOC_LINES, 0);
    assert.deepEqual(kinds(events), ['init', 'tool_call', 'tool_result', 'text', 'usage', 'result']);
    assert.deepEqual(events[0], {
      kind: 'init',
      tools: [],
      model: 'auto',
      sessionId: 'd1f03c4d-470b-4894-a540-3fd31e12be65',
    });
    assert.deepEqual(events[1], {
      kind: 'tool_call',
      id: 'run_shell_command__45c957ff',
      name: 'run_shell_command',
      input: { command: 'echo amux-fixture' },
    });
    assert.deepEqual(events[2], {
      kind: 'tool_result',
      id: 'run_shell_command__45c957ff',
      isError: false,
      text: 'amux-fixture',
    });
    assert.deepEqual(events[3], { kind: 'text', text: 'amux-fixture' });
  });

  it('usage is the cumulative total: input_tokens minus cached as input, cached as cache reads', () => {
    const { events, outcome } = run(DOC_LINES, 0);
    const usage = { inputTokens: 22915 - 8115, outputTokens: 74, cacheReadTokens: 8115, cacheCreationTokens: 0 };
    assert.deepEqual(outcome.usage, usage);
    // With init.model "auto" the main model is the one with the most tokens, not the router.
    assert.deepEqual(events[4], { kind: 'usage', ...usage, model: 'gemini-3.5-flash' });
    const result = events[5];
    assert.ok(result?.kind === 'result');
    assert.equal(result.isError, false);
    assert.equal(result.durationMs, 7175);
    assert.equal(result.text, 'amux-fixture');
  });

  it('the outcome: ok, the final text, the session, one tool call', () => {
    const { outcome } = run(DOC_LINES, 0);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.finalText, 'amux-fixture');
    assert.equal(outcome.sessionId, 'd1f03c4d-470b-4894-a540-3fd31e12be65');
    assert.equal(outcome.toolCalls, 1);
    assert.equal(outcome.durationMs, 7175);
    assert.deepEqual(outcome.permissionDenials, []);
  });

  it('does not depend on key order and ignores unknown types and fields', () => {
    const reordered = DOC_LINES.map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(Object.fromEntries(Object.entries({ ...o, future_field: { x: 1 } }).reverse()));
    });
    const noisy = ['', 'not json', '[1,2]', '{"type":"thought","content":"hmm"}', '{"type":', ...reordered];
    assert.deepEqual(
      run(noisy, 0).events,
      run(DOC_LINES, 0).events.map((e) => e),
    );
  });
});

describe('gemini parser: 0.61.0 lines', () => {
  const full = [L.init, L.user, L.text1, L.write, L.writeOk, L.shell, L.shellOk, L.text2, L.result];

  it('the final text is the assistant text after the last tool result', () => {
    const { events, outcome } = run(full, 0);
    assert.deepEqual(
      events.filter((e) => e.kind === 'text').map((e) => (e.kind === 'text' ? e.text : '')),
      ["I'll write.", 'All done.'],
    );
    assert.equal(outcome.finalText, 'All done.');
    assert.equal(outcome.toolCalls, 2);
  });

  it('deltas of one answer are joined', () => {
    const delta = (t: string) =>
      JSON.stringify({ type: 'message', timestamp: 't', role: 'assistant', content: t, delta: true });
    const { outcome } = run([L.init, L.write, L.writeOk, delta('All '), delta('done'), delta('.'), L.result], 0);
    assert.equal(outcome.finalText, 'All done.');
  });

  it('file writes are summarized by path and size, never content; a successful write has no output', () => {
    const { events } = run(full, 0);
    assert.deepEqual(
      events.find((e) => e.kind === 'tool_call' && e.name === 'write_file'),
      {
        kind: 'tool_call',
        id: 'write_file__write_file_1795296970132_0',
        name: 'write_file',
        input: { file_path: '/wave/out/note.md', content_length: 7 },
      },
    );
    assert.deepEqual(
      events.find((e) => e.kind === 'tool_result'),
      { kind: 'tool_result', id: 'write_file__write_file_1795296970132_0', isError: false, text: '' },
    );
  });

  it('a tool removed by a deny rule (tool_not_registered) is an error result and a permission denial', () => {
    const { events, outcome } = run([L.init, L.hiddenUse, L.hiddenResult, L.refusedText, L.refusedResult], 0);
    assert.deepEqual(kinds(events), [
      'init',
      'tool_call',
      'tool_result',
      'permission_denial',
      'text',
      'usage',
      'result',
    ]);
    const denial = {
      tool: 'run_shell_command',
      input: { command: 'echo hi > /wave/out/shell.txt' },
      id: 'run_shell_command__run_shell_command_1795296996518_0',
    };
    assert.deepEqual(events[3], { kind: 'permission_denial', ...denial });
    assert.ok(events[2]?.kind === 'tool_result' && events[2].isError && /not found/.test(events[2].text));
    assert.equal(outcome.ok, true, 'a refusal alone does not fail the run; the contract decides');
    assert.deepEqual(outcome.permissionDenials, [denial]);
    const result = events.at(-1);
    assert.ok(result?.kind === 'result');
    assert.deepEqual(result.permissionDenials, [denial]);
  });

  it('a policy deny (policy_violation) is a permission denial too', () => {
    const { events } = run([L.init, L.policyUse, L.policyResult], 0);
    assert.deepEqual(
      events.find((e) => e.kind === 'permission_denial'),
      {
        kind: 'permission_denial',
        tool: 'write_file',
        input: { file_path: '/wave/src/x.txt', content_length: 1 },
        id: 'write_file__write_file_1795297003901_0',
      },
    );
  });

  it('a path outside the workspace is a tool error, not a denial', () => {
    const { events } = run([L.init, L.outsideUse, L.outsideResult], 0);
    assert.ok(events.some((e) => e.kind === 'tool_result' && e.isError));
    assert.ok(!events.some((e) => e.kind === 'permission_denial'));
  });

  it('a non-fatal error line is an error event; the run still succeeds on a success result', () => {
    const warning =
      '{"type":"error","timestamp":"2026-11-21T21:45:00.000Z","severity":"warning","message":"Loop detected, stopping execution"}';
    const { events, outcome } = run([L.init, L.text2, warning, L.result], 0);
    assert.deepEqual(events[2], { kind: 'error', message: 'Loop detected, stopping execution', code: 'warning' });
    assert.equal(outcome.ok, true);
  });
});

describe('gemini parser: failures', () => {
  it('429 (exit 173) is rate_limit', () => {
    const { outcome } = run([L.init, L.user, L.err429], 173);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failure?.class, 'rate_limit');
    assert.match(outcome.failure?.reason ?? '', /HTTP 429/);
    assert.match(outcome.failure?.reason ?? '', /Resource has been exhausted/);
  });

  it('500 (exit 244), 503 (exit 247) are provider_error; 400 (exit 144) too', () => {
    assert.equal(run([L.init, L.err500], 244).outcome.failure?.class, 'provider_error');
    assert.equal(run([L.init, L.err503], 247).outcome.failure?.class, 'provider_error');
    assert.equal(run([L.init, L.err400], 144).outcome.failure?.class, 'provider_error');
  });

  it('the structured status wins over the exit code', () => {
    // A 429 message with a generic exit 1 is still a rate limit.
    assert.equal(run([L.init, L.err429], 1).outcome.failure?.class, 'rate_limit');
  });

  it('a context overflow message is context_exhausted', () => {
    const line = JSON.stringify({
      type: 'result',
      timestamp: 't',
      status: 'error',
      error: {
        type: 'unknown',
        message:
          '[API Error: {"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}]',
      },
      stats: {
        total_tokens: 0,
        input_tokens: 0,
        output_tokens: 0,
        cached: 0,
        input: 0,
        duration_ms: 0,
        tool_calls: 0,
        models: {},
      },
    });
    assert.equal(run([L.init, line], 144).outcome.failure?.class, 'context_exhausted');
  });

  it('the turn limit (FatalTurnLimitedError, exit 53) is context_exhausted and keeps the usage', () => {
    const { outcome } = run([L.init, L.text1, L.write, L.writeOk, L.turnLimit], 53);
    assert.equal(outcome.failure?.class, 'context_exhausted');
    assert.match(outcome.failure?.reason ?? '', /FatalTurnLimitedError/);
    assert.deepEqual(outcome.usage, { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheCreationTokens: 0 });
    assert.equal(outcome.finalText, undefined);
  });

  it('exit 41 with an empty stdout is auth', () => {
    const { outcome } = run([], 41);
    assert.equal(outcome.failure?.class, 'auth');
    assert.match(outcome.failure?.reason ?? '', /authentication failed.*stderr/);
  });

  it('killed (null) and SIGTERM without a result are exit failures', () => {
    assert.deepEqual(run([L.init, L.write], null).outcome.failure, {
      class: 'exit',
      reason: 'gemini was killed (no exit code)',
    });
    assert.match(run([L.init, L.write], 143).outcome.failure?.reason ?? '', /SIGTERM.*without a result line/);
    assert.equal(run([L.init, L.write], 143).outcome.failure?.class, 'exit');
  });

  it('fatal exit codes without a result line: 42/44/52/54/55/130 are exit; 53 context; 173 rate limit', () => {
    for (const code of [1, 42, 44, 52, 54, 55, 130]) {
      const failure = run([], code).outcome.failure;
      assert.equal(failure?.class, 'exit', String(code));
    }
    assert.match(run([], 55).outcome.failure?.reason ?? '', /untrusted workspace/);
    assert.equal(run([], 53).outcome.failure?.class, 'context_exhausted');
    assert.equal(run([], 173).outcome.failure?.class, 'rate_limit');
    assert.equal(run([], 247).outcome.failure?.class, 'provider_error');
  });

  it('a success result with a non-zero exit fails as exit; exit 0 without a result fails too', () => {
    assert.equal(run([L.init, L.text2, L.result], 1).outcome.failure?.class, 'exit');
    assert.equal(run([L.init, L.text2], 0).outcome.failure?.class, 'exit');
  });

  it("httpStatusOfExit only decodes codes that are not the CLI's own", () => {
    assert.equal(httpStatusOfExit(173), 429);
    assert.equal(httpStatusOfExit(244), 500);
    assert.equal(httpStatusOfExit(53), undefined);
    assert.equal(httpStatusOfExit(0), undefined);
  });

  it('never throws on garbage', () => {
    const parser = createGeminiParser();
    for (const line of [
      '{"type":"tool_result"}',
      '{"type":"tool_use","tool_id":5}',
      '{"type":"result","stats":"x"}',
      '{"type":"message","role":"assistant","content":{}}',
      '{"type":"init","session_id":[]}',
    ]) {
      assert.doesNotThrow(() => parser.push(line));
    }
    assert.doesNotThrow(() => parser.finish(0));
  });
});

describe('gemini adapter registration', () => {
  it('is found by name with provider google and binary gemini', () => {
    assert.equal(adapterFor('gemini'), geminiAdapter);
    assert.equal(geminiAdapter.provider, 'google');
    assert.equal(geminiAdapter.binary, 'gemini');
  });
});
