// Adapter-neutral actions: one `write`, `run` or `read` in a script becomes the call each CLI understands, chosen by
// the tools its request declares (the fixtures are real requests of Codex, Gemini CLI and OpenCode; Claude Code's
// is shaped like its own). `{{ input }}` is filled with the run's input, quoted for the shell in a command.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { addFilePatch, resolveCalls, shellWrite } from '../../../src/model/actions.js';
import { modelScriptFromObject, parseModelScript } from '../../../src/model/script-load.js';
import type { ScriptedModel } from '../../../src/model/server.js';
import { claudeRequest, post, serve } from './helpers.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const INPUT = `Ada "the Countess" O'Brien $(id)`;

const ACTIONS = [
  { write: { path: '/wave/out/greeting.md', content: '# Greeting\n\nHello, {{ input }}!\n' } },
  { write: { path: '/wave/out/review.json', json: { summary: 'for {{ input }}', score: 9 } } },
  { run: { command: 'printf %s {{ input }} > /wave/out/name.txt' } },
  { read: { path: '/wave/in/greet/greeting.md' } },
];
/** Every step answers every turn with all four actions (the fixtures are at different turns), then stops. */
const TURNS = [...Array(6).fill({ tool_calls: ACTIONS }), { text: 'done' }];
const SCRIPT = { steps: Object.fromEntries(['s', 'demo', 'writer', 'explore'].map((id) => [id, TURNS])) };

const GREETING = `# Greeting\n\nHello, ${INPUT}!\n`;
const REVIEW = `${JSON.stringify({ summary: `for ${INPUT}`, score: 9 }, null, 2)}\n`;
const NAME_COMMAND = `printf %s '${INPUT.replace(/'/g, `'\\''`)}' > /wave/out/name.txt`;

let model: ScriptedModel;
after(() => model?.close());

type Call = { name: string; input: Record<string, unknown> };

/** The tool calls of a non-streaming answer, whatever the API shape. */
async function callsOf(pathName: string, body: Record<string, unknown>): Promise<Call[]> {
  model ??= await serve(SCRIPT, { input: INPUT });
  const res = await post(model, pathName, { ...body, stream: false });
  assert.equal(res.status, 200, res.text);
  const j = res.json;
  if (Array.isArray(j.content)) {
    return j.content.filter((b: any) => b.type === 'tool_use').map((b: any) => ({ name: b.name, input: b.input }));
  }
  if (Array.isArray(j.output)) {
    const calls = j.output.filter((o: any) => o.type === 'function_call');
    return calls.map((o: any) => ({ name: o.name, input: JSON.parse(o.arguments) }));
  }
  if (Array.isArray(j.choices)) {
    const calls = j.choices[0].message.tool_calls;
    return calls.map((c: any) => ({ name: c.function.name, input: JSON.parse(c.function.arguments) }));
  }
  const parts = j.candidates[0].content.parts.filter((p: any) => p.functionCall);
  return parts.map((p: any) => ({ name: p.functionCall.name, input: p.functionCall.args }));
}

describe('adapter-neutral actions over each protocol', () => {
  it('Claude Code (Anthropic Messages, tools Write/Read/Bash): Write, Bash, Read', async () => {
    assert.deepEqual(await callsOf('/v1/messages', claudeRequest('s')), [
      { name: 'Write', input: { file_path: '/wave/out/greeting.md', content: GREETING } },
      { name: 'Write', input: { file_path: '/wave/out/review.json', content: REVIEW } },
      { name: 'Bash', input: { command: NAME_COMMAND } },
      { name: 'Read', input: { file_path: '/wave/in/greet/greeting.md' } },
    ]);
  });

  it('Codex (OpenAI Responses, its shell exec_command only): every action is a shell command', async () => {
    const calls = await callsOf('/v1/responses', fixture('codex-responses-request.json'));
    assert.deepEqual(calls, [
      { name: 'exec_command', input: { cmd: shellWrite('/wave/out/greeting.md', GREETING) } },
      { name: 'exec_command', input: { cmd: shellWrite('/wave/out/review.json', REVIEW) } },
      { name: 'exec_command', input: { cmd: NAME_COMMAND } },
      { name: 'exec_command', input: { cmd: `cat -- '/wave/in/greet/greeting.md'` } },
    ]);
  });

  it('Gemini CLI (generateContent): write_file, run_shell_command, read_file', async () => {
    assert.deepEqual(await callsOf('/v1beta/models/gemini-2.5-flash:generateContent', fixture('gemini-request.json')), [
      { name: 'write_file', input: { file_path: '/wave/out/greeting.md', content: GREETING } },
      { name: 'write_file', input: { file_path: '/wave/out/review.json', content: REVIEW } },
      { name: 'run_shell_command', input: { command: NAME_COMMAND } },
      { name: 'read_file', input: { file_path: '/wave/in/greet/greeting.md' } },
    ]);
  });

  it('OpenCode (Chat Completions, lower-case tools): write, bash with a description, read', async () => {
    // The fixture's persona had no shell: its tools get OpenCode's bash added.
    const body = fixture('opencode-chat-request.json');
    const parameters = { type: 'object', required: ['command', 'description'] };
    const bash = { type: 'function', function: { name: 'bash', parameters } };
    assert.deepEqual(await callsOf('/v1/chat/completions', { ...body, tools: [...(body.tools as unknown[]), bash] }), [
      { name: 'write', input: { filePath: '/wave/out/greeting.md', content: GREETING } },
      { name: 'write', input: { filePath: '/wave/out/review.json', content: REVIEW } },
      { name: 'bash', input: { command: NAME_COMMAND, description: 'Run a command' } },
      { name: 'read', input: { filePath: '/wave/in/greet/greeting.md' } },
    ]);
  });

  it('OpenCode over the Anthropic API is told apart from Claude Code by its tools', () => {
    const first = modelScriptFromObject(SCRIPT).steps.s!.attempts[0]![0]!;
    assert.ok(first.kind === 'answer');
    const resolved = resolveCalls(first.tool_calls, new Set(['bash', 'read', 'write', 'edit']), 'x');
    assert.ok('calls' in resolved);
    assert.deepEqual(
      resolved.calls.map((c) => c.name),
      ['write', 'write', 'bash', 'read'],
    );
  });

  it('a text gets the input too, and nothing from the environment', async () => {
    process.env.WAVE_MODEL_TEST_SECRET = 'leaked';
    const text = '${env:WAVE_MODEL_TEST_SECRET} {{ input }} $WAVE_MODEL_TEST_SECRET';
    const m = await serve({ steps: { s: [{ text }] } }, { input: 'Ada' });
    try {
      const res = await post(m, '/v1/messages', { ...claudeRequest('s'), stream: false });
      assert.equal(res.json.content[0].text, '${env:WAVE_MODEL_TEST_SECRET} Ada $WAVE_MODEL_TEST_SECRET');
    } finally {
      delete process.env.WAVE_MODEL_TEST_SECRET;
      await m.close();
    }
  });

  it('a request that declares no tool for an action gets a note, never a made-up call', async () => {
    const calls = [{ read: { path: '/wave/in/a' } }, { run: { command: 'ls' } }];
    const m = await serve({ steps: { s: [{ tool_calls: calls }, { text: 'done' }] } });
    try {
      const tools = [{ name: 'Read', input_schema: { type: 'object' } }];
      const res = await post(m, '/v1/messages', { ...claudeRequest('s'), tools, stream: false });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.json.content.map((b: any) => b.type),
        ['text'],
      );
      const text = String(res.json.content[0].text);
      assert.match(text, /has to run "ls", but the request declares no tool that can \(declared: Read\)$/);
      assert.match(String(m.requests[0]?.note), /declares no tool that can/);
    } finally {
      await m.close();
    }
  });

  it('Codex with apply_patch and no shell writes through a patch that adds the file', () => {
    const write = { action: 'write' as const, path: '/wave/out/a.md', content: 'one\ntwo\n' };
    const patch = '*** Begin Patch\n*** Add File: /wave/out/a.md\n+one\n+two\n*** End Patch\n';
    const resolved = resolveCalls([write], new Set(['apply_patch', 'view_image']), '');
    assert.deepEqual(resolved, { calls: [{ name: 'apply_patch', input: { input: patch } }] });
    assert.equal(addFilePatch('/x', 'no newline'), '*** Begin Patch\n*** Add File: /x\n+no newline\n*** End Patch\n');
  });
});

describe('the shell forms are exact', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-actions-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a shell write creates the folder and writes the content byte for byte, nothing expanded', () => {
    const content = `it's "quoted" $HOME \`id\` $(id) \\n %s %d\n\nlast line without newline`;
    const file = path.join(dir, 'sub folder', 'out.txt');
    execFileSync('sh', ['-c', shellWrite(file, content)]);
    assert.equal(readFileSync(file, 'utf8'), content);
  });

  it('{{ input }} in a command is one quoted word: the input stays data', () => {
    const resolved = resolveCalls([{ action: 'run', command: 'printf %s {{ input }}' }], new Set(['Bash']), INPUT);
    assert.ok('calls' in resolved);
    assert.equal(execFileSync('sh', ['-c', String(resolved.calls[0]?.input.command)], { encoding: 'utf8' }), INPUT);
  });
});

describe('loading actions', () => {
  const problem = (call: unknown) => {
    try {
      modelScriptFromObject({ steps: { s: [{ tool_calls: [call] }, { text: 'done' }] } });
    } catch (err) {
      return (err as Error).message;
    }
    return 'loaded';
  };

  it('reads the three actions from YAML', () => {
    const calls = ['write: {path: /a, json: {x: [1]}}', 'run: {command: ls}', 'read: {path: /b}'];
    const items = calls.map((c) => `        - ${c}\n`).join('');
    const script = parseModelScript(`steps:\n  s:\n    - tool_calls:\n${items}    - text: done\n`);
    const first = script.steps.s!.attempts[0]![0]!;
    assert.deepEqual(first.kind === 'answer' && first.tool_calls, [
      { action: 'write', path: '/a', json: { x: [1] } },
      { action: 'run', command: 'ls' },
      { action: 'read', path: '/b' },
    ]);
  });

  it('refuses what no CLI could be sent', () => {
    assert.match(problem({ write: { path: 'out/a.md', content: 'x' } }), /write\.path: must be an absolute path/);
    const both = problem({ write: { path: '/a', content: 'x', json: {} } });
    assert.match(both, /needs exactly one of "content" \(text\) and "json"/);
    assert.match(problem({ write: { path: '/a' } }), /needs exactly one of/);
    assert.match(problem({ write: { path: '/out/{{ input }}.md', content: 'x' } }), /a path is sent as written/);
    assert.match(problem({ read: { path: '/a', mode: 'x' } }), /read\.mode: unknown key "mode" \(allowed: path\)/);
    assert.match(problem({ run: 'ls' }), /"run" must be a mapping \(command\), got string "ls"/);
    assert.match(problem({ run: { command: 'ls' }, name: 'Bash' }), /unknown key "name" \(allowed: run\)/);
    assert.match(problem({ name: 'Bash', input: {}, run: { command: 'ls' } }), /unknown key "name" \(allowed: run\)/);
  });

  it('fills only {{ input }}, and in a command only where it can be quoted', () => {
    const deps = problem({ write: { path: '/a', content: '{{ deps.a.b }}' } });
    assert.match(deps, /only \{\{ input \}\} is filled in a model script, not \{\{ deps\.a\.b \}\}/);
    const nested = problem({ write: { path: '/a', json: { k: ['{{ run.id }}'] } } });
    assert.match(nested, /json\.k\[0\]: only \{\{ input \}\}/);
    const heredoc = problem({ run: { command: 'cat <<EOF\n{{ input }}\nEOF' } });
    assert.match(heredoc, /\{\{ input \}\} is .*where no quoting keeps its value from running as code/);
    assert.equal(problem({ write: { path: '/a', content: 'literal \\{{ x }}' } }), 'loaded');
  });
});
