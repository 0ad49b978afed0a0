// Golden-file tests of the Claude Code stream parser. Fixtures are built from the lines captured in agent-clis.md
// §1.3 (see test/fixtures/adapters/claude/README.md); each scenario's events and outcome are compared with
// <scenario>.expected.json. After a deliberate change, regenerate with UPDATE_GOLDEN=1 and review the diff.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { claudeAdapter, createClaudeParser } from '../../../../src/adapters/claude/index.js';
import { adapterFor, adapterNames, contextTokens } from '../../../../src/adapters/index.js';
import type { AdapterEvent, AgentOutcome, ToolCallEvent, UsageEvent } from '../../../../src/adapters/index.js';

const dir = (name: string) => fileURLToPath(new URL(`../../../fixtures/adapters/claude/${name}`, import.meta.url));
const lines = (fixture: string) => readFileSync(dir(`${fixture}.ndjson`), 'utf8').split('\n');

interface Run {
  events: AdapterEvent[];
  outcome: AgentOutcome;
}

function run(input: string[], exitCode: number | null): Run {
  const parser = createClaudeParser();
  const events = input.flatMap((l) => parser.push(l));
  return { events, outcome: parser.finish(exitCode) };
}

const scenarios: { name: string; fixture: string; exitCode: number | null }[] = [
  { name: 'success', fixture: 'success', exitCode: 0 },
  { name: 'success-exit-1', fixture: 'success', exitCode: 1 },
  { name: 'tool-error', fixture: 'tool-error', exitCode: 0 },
  { name: 'permission-denial', fixture: 'permission-denial', exitCode: 0 },
  { name: 'api-error-529', fixture: 'api-error-529', exitCode: 1 },
  { name: 'api-error-529-exit-0', fixture: 'api-error-529', exitCode: 0 },
  { name: 'rate-limit', fixture: 'rate-limit', exitCode: 1 },
  { name: 'structured-over-text', fixture: 'structured-over-text', exitCode: 1 },
  { name: 'prompt-too-long', fixture: 'prompt-too-long', exitCode: 1 },
  { name: 'max-turns', fixture: 'max-turns', exitCode: 1 },
  { name: 'killed', fixture: 'killed', exitCode: null },
  { name: 'killed-sigterm', fixture: 'killed', exitCode: 143 },
  { name: 'noise', fixture: 'noise', exitCode: 0 },
  { name: 'compaction', fixture: 'compaction', exitCode: 0 },
  { name: 'false-rate-limit', fixture: 'false-rate-limit', exitCode: 0 },
];

describe('claude stream parser: golden files', () => {
  for (const s of scenarios) {
    it(`${s.name} (${s.fixture}.ndjson, exit ${String(s.exitCode)})`, () => {
      const actual = run(lines(s.fixture), s.exitCode);
      // JSON round trip: the golden file cannot hold undefined-valued keys.
      const normalized = JSON.parse(JSON.stringify(actual)) as Run;
      const golden = dir(`${s.name}.expected.json`);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, `${JSON.stringify(normalized, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(golden, 'utf8')) as Run;
      assert.deepEqual(normalized, expected);
      assert.deepEqual(actual, normalized, 'no undefined-valued keys in events or outcome');
    });
  }
});

const kinds = (events: AdapterEvent[], kind: AdapterEvent['kind']) => events.filter((e) => e.kind === kind);

describe('claude stream parser: behaviour', () => {
  it('reads every content block of every assistant line, not only the first', () => {
    const { events } = run(lines('success'), 0);
    const calls = kinds(events, 'tool_call') as ToolCallEvent[];
    assert.deepEqual(
      calls.map((c) => c.name),
      ['Bash', 'Read', 'Write', 'Glob', 'Task', 'Read'],
    );
    // The line carrying text + Glob + Task yields all three, in order.
    const i = events.findIndex((e) => e.kind === 'text' && e.text === 'Now searching.');
    assert.deepEqual(
      events.slice(i, i + 3).map((e) => e.kind),
      ['text', 'tool_call', 'tool_call'],
    );
  });

  it('emits the usage of one message once, however many lines repeat it', () => {
    const { events, outcome } = run(lines('success'), 0);
    const usage = kinds(events, 'usage') as UsageEvent[];
    const ids = usage.map((u) => u.messageId);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids.filter((id) => id === 'msg_011CdsPgbhLQWTAcBPK21BHV').length, 1);
    const bash = usage.find((u) => u.messageId === 'msg_011CdsPgbhLQWTAcBPK21BHV')!;
    assert.equal(contextTokens(bash), 2 + 18833 + 10485);
    // With a result line the totals are the result's cumulative usage, not the sum of lines.
    assert.deepEqual(outcome.usage, {
      inputTokens: 4,
      outputTokens: 157,
      cacheReadTokens: 48151,
      cacheCreationTokens: 10650,
    });
  });

  it('summarizes tool inputs: Write by path and length, Bash by command, others as JSON', () => {
    const { events } = run(lines('success'), 0);
    const calls = kinds(events, 'tool_call') as ToolCallEvent[];
    const write = calls.find((c) => c.name === 'Write')!;
    assert.equal(write.input.file_path, '/wave/out/report.md');
    assert.equal(write.input.content_length, '# Report\n\n'.length + 'Findings line.\n'.length * 300);
    assert.equal(write.input.content, undefined);
    assert.deepEqual(calls.find((c) => c.name === 'Bash')!.input, { command: 'echo amux-fixture' });
    assert.deepEqual(calls.find((c) => c.name === 'Glob')!.input, { json: '{"pattern":"src/**/*.ts"}' });
  });

  it('marks subagent calls with the spawning tool_use id', () => {
    const { events } = run(lines('success'), 0);
    const sub = (kinds(events, 'tool_call') as ToolCallEvent[]).filter((c) => c.parentId !== undefined);
    assert.deepEqual(
      sub.map((c) => [c.name, c.parentId]),
      [['Read', 'toolu_01Task000000000000000001']],
    );
  });

  it('a successful run: ok, final text, cost, turns, distinct tool calls', () => {
    const { outcome } = run(lines('success'), 0);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.failure, undefined);
    assert.equal(outcome.finalText, 'done');
    assert.equal(outcome.totalCostUsd, 0.269648);
    assert.equal(outcome.numTurns, 2);
    assert.equal(outcome.toolCalls, 6);
  });

  it('a success result with a non-zero exit code is a failure of class exit', () => {
    const { outcome } = run(lines('success'), 1);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failure?.class, 'exit');
    assert.equal(outcome.finalText, undefined);
  });

  it('an is_error tool result is reported but does not fail the run', () => {
    const { events, outcome } = run(lines('tool-error'), 0);
    const results = kinds(events, 'tool_result');
    assert.deepEqual(results, [
      {
        kind: 'tool_result',
        id: 'toolu_01NpmTest000000000000001',
        isError: true,
        text: 'Exit code 1\nnpm ERR! Missing script: "test"',
      },
    ]);
    assert.equal(outcome.ok, true);
  });

  it('permission denials: is_error result, permission_denial events and the outcome list', () => {
    const { events, outcome } = run(lines('permission-denial'), 0);
    const expected = {
      tool: 'Write',
      input: { file_path: '/wave/src/hack.ts', content_length: 11 },
      id: 'toolu_01Deny000000000000000001',
    };
    assert.deepEqual(kinds(events, 'permission_denial'), [{ kind: 'permission_denial', ...expected }]);
    assert.deepEqual(outcome.permissionDenials, [expected]);
    assert.equal(outcome.ok, true);
  });

  it('classifies provider errors from structured fields first', () => {
    const cls = (fixture: string) => run(lines(fixture), 1).outcome.failure?.class;
    assert.equal(cls('api-error-529'), 'provider_error');
    assert.equal(cls('rate-limit'), 'rate_limit');
    assert.equal(cls('structured-over-text'), 'provider_error');
    assert.equal(cls('prompt-too-long'), 'context_exhausted');
    assert.equal(cls('max-turns'), 'context_exhausted');
  });

  it('an API error that exits 0 is still a failure (issue #79500)', () => {
    const { outcome } = run(lines('api-error-529'), 0);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failure?.class, 'provider_error');
  });

  it('the synthetic API-error line is an error event, not model text or usage', () => {
    const { events } = run(lines('rate-limit'), 1);
    assert.equal(kinds(events, 'text').length, 0);
    assert.equal(kinds(events, 'usage').length, 0);
    const [error] = kinds(events, 'error');
    assert.equal(error?.kind === 'error' ? error.code : undefined, 'rate_limit');
  });

  it('a killed run without a result line fails and falls back to the per-message usage sum', () => {
    for (const exitCode of [null, 143, 0]) {
      const { outcome } = run(lines('killed'), exitCode);
      assert.equal(outcome.ok, false, `exit ${String(exitCode)}`);
      assert.equal(outcome.failure?.class, 'exit');
      assert.match(outcome.failure.reason, /without a result line/);
      assert.deepEqual(outcome.usage, {
        inputTokens: 1 + 2,
        outputTokens: 4 + 4,
        cacheReadTokens: 29296 + 18833,
        cacheCreationTokens: 2087 + 10485,
      });
    }
  });

  it('an answer that talks about rate limits is not a rate limit', () => {
    const { outcome } = run(lines('false-rate-limit'), 0);
    assert.equal(outcome.ok, true);
  });

  it('ignores empty, non-JSON and non-object lines and unknown types', () => {
    const parser = createClaudeParser();
    for (const l of [
      '',
      '  ',
      'noise',
      '{bad',
      '[1]',
      'null',
      '3',
      '"s"',
      '{"type":"nope"}',
      '{"type":"assistant"}',
      '{}',
    ]) {
      assert.deepEqual(parser.push(l), [], JSON.stringify(l));
    }
    const { events } = run(lines('noise'), 0);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['init', 'usage', 'text', 'result'],
    );
  });

  it('does not depend on key order', () => {
    const reversed = lines('success').map((l) => {
      if (!l.startsWith('{')) return l;
      const reverse = (v: unknown): unknown =>
        Array.isArray(v)
          ? v.map(reverse)
          : v !== null && typeof v === 'object'
            ? Object.fromEntries(
                Object.entries(v)
                  .reverse()
                  .map(([k, x]) => [k, reverse(x)]),
              )
            : v;
      return JSON.stringify(reverse(JSON.parse(l)));
    });
    const a = run(lines('success'), 0);
    const b = run(reversed, 0);
    assert.deepEqual(JSON.parse(JSON.stringify(b)), JSON.parse(JSON.stringify(a)));
  });

  it('accepts a chunk of several lines in one push', () => {
    const parser = createClaudeParser();
    const events = parser.push(lines('tool-error').join('\n'));
    assert.deepEqual(events, run(lines('tool-error'), 0).events);
  });

  it('reads the context window from modelUsage (main model first) and compaction boundaries', () => {
    const { events, outcome } = run(lines('compaction'), 0);
    assert.deepEqual(kinds(events, 'compaction'), [{ kind: 'compaction', trigger: 'auto', preTokens: 167189 }]);
    assert.equal(outcome.contextWindow, 200000);
    assert.equal(outcome.finalText, 'Summary written.');
  });

  it('truncates tool results to 2000 characters and Bash commands to 500', () => {
    const parser = createClaudeParser();
    const call = parser.push(
      JSON.stringify({
        type: 'assistant',
        message: {
          id: 'm1',
          content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'x'.repeat(2000) } }],
        },
      }),
    );
    const input = (call[0] as ToolCallEvent).input;
    assert.equal((input.command as string).length, 500);
    assert.ok((input.command as string).endsWith('…'));
    const [result] = parser.push(
      JSON.stringify({
        type: 'user',
        message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: 'y'.repeat(5000) }] },
      }),
    );
    assert.equal(result?.kind === 'tool_result' ? result.text.length : 0, 2000);
  });

  it('a refusal seen only as an error result is a denial, counted once when the result line lists it too', () => {
    const parser = createClaudeParser();
    const call = { type: 'tool_use', id: 't1', name: 'Write', input: { file_path: '/wave/src/x', content: 'abc' } };
    parser.push(JSON.stringify({ type: 'assistant', message: { id: 'm1', content: [call] } }));
    const refusal = { type: 'tool_result', tool_use_id: 't1', is_error: true, content: 'No such tool available' };
    const denial = { tool: 'Write', input: { file_path: '/wave/src/x', content_length: 3 }, id: 't1' };
    const refused = parser.push(JSON.stringify({ type: 'user', message: { content: [refusal] } }));
    assert.deepEqual(
      refused.filter((e) => e.kind === 'permission_denial'),
      [{ kind: 'permission_denial', ...denial }],
    );
    const listed = { tool_name: 'Write', tool_use_id: 't1', tool_input: call.input };
    const result = { type: 'result', subtype: 'success', is_error: false, result: 'ok', permission_denials: [listed] };
    const events = parser.push(JSON.stringify(result));
    assert.deepEqual(
      events.map((e) => e.kind),
      ['result'],
    );
    assert.deepEqual(parser.finish(0).permissionDenials, [denial]);
  });

  it('dedupes a tool_use block repeated on a later line', () => {
    const parser = createClaudeParser();
    const line = JSON.stringify({
      type: 'assistant',
      message: { id: 'm1', content: [{ type: 'tool_use', id: 't1', name: 'Read', input: { file_path: '/a' } }] },
    });
    assert.equal(parser.push(line).filter((e) => e.kind === 'tool_call').length, 1);
    assert.equal(parser.push(line).length, 0);
    assert.equal(parser.finish(null).toolCalls, 1);
  });
});

describe('adapter registry', () => {
  it('knows the four CLIs by their exact names, and nothing else', () => {
    assert.equal(adapterFor('claude'), claudeAdapter);
    assert.equal(claudeAdapter.provider, 'anthropic');
    assert.equal(claudeAdapter.binary, 'claude');
    assert.deepEqual(adapterNames(), ['claude', 'codex', 'gemini', 'opencode']);
    for (const name of ['Claude', 'codex-cli', '', 'toString', '__proto__']) {
      assert.equal(adapterFor(name), undefined, name);
    }
  });
});

describe('claude failure classification: fallbacks', () => {
  const synthetic = (text: string, error: string) =>
    JSON.stringify({
      type: 'assistant',
      message: { model: '<synthetic>', content: [{ type: 'text', text }] },
      error,
      is_api_error_message: true,
    });
  const errorResult = (patch: Record<string, unknown>) =>
    JSON.stringify({ type: 'result', subtype: 'success', is_error: true, terminal_reason: 'api_error', ...patch });

  function classify(input: string[], exitCode: number | null = 1) {
    const parser = createClaudeParser();
    for (const l of input) parser.push(l);
    return parser.finish(exitCode).failure;
  }

  it('without a result line, a synthetic API error still classifies the failure', () => {
    assert.equal(classify([synthetic('API Error: Request rejected (429)', 'rate_limit')], null)?.class, 'rate_limit');
    assert.equal(classify([synthetic('API Error: 529 overloaded', 'unknown')], 1)?.class, 'provider_error');
  });

  it('the synthetic error code decides when there is no status', () => {
    assert.equal(
      classify([synthetic('Something went wrong', 'rate_limit'), errorResult({ result: 'Something went wrong' })])
        ?.class,
      'rate_limit',
    );
    // A refused key or account fails the same way on every attempt: auth, which the executor does not retry.
    assert.equal(
      classify([synthetic('Invalid API key', 'authentication_failed'), errorResult({ result: 'Invalid API key' })])
        ?.class,
      'auth',
    );
    assert.equal(classify([synthetic('Credit balance is too low', 'billing_error')], 1)?.class, 'auth');
  });

  it('text is the last resort, and an unrecognized error is unknown', () => {
    assert.equal(classify([errorResult({ result: 'API Error: 503 Service Unavailable' })])?.class, 'provider_error');
    assert.equal(classify([errorResult({ result: 'Prompt is too long' })])?.class, 'context_exhausted');
    assert.equal(classify([errorResult({ result: 'Too many requests, slow down' })])?.class, 'rate_limit');
    const odd = JSON.stringify({
      type: 'result',
      subtype: 'error_during_execution',
      is_error: true,
      errors: ['Tool crashed'],
    });
    assert.deepEqual(classify([odd]), {
      class: 'unknown',
      reason: 'claude reported an error (subtype error_during_execution, claude exited with code 1): Tool crashed',
    });
  });

  it('a rejected rate_limit_event makes an otherwise unexplained API error a rate limit', () => {
    const rejected = JSON.stringify({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected' } });
    assert.equal(classify([rejected, errorResult({ result: 'request failed' })])?.class, 'rate_limit');
  });
});
