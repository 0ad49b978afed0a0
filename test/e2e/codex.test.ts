// The real Codex CLI (codex-cli 0.169.0 in wave/codex:latest) in a hardened container, reaching the scripted model
// on host loopback only through Wave's bridge, egress session and model gateway (OpenAI Responses API). Nothing is
// mocked but the model's answers. The model names `gpt-5-codex`, whose tools in 0.169 are exec_command (the shell)
// and no apply_patch: files are written through the shell.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { modelScriptFromObject, startScriptedModel, type ScriptedModel } from '../../src/model/index.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import {
  assertKeyInNoWaveFile,
  assertKeyNotInContainerEnv,
  containerEnv,
  createE2eProject,
  DUMP_ENV_COMMAND,
  logFiles,
  modelTurns,
  NO_RETRY,
  personaOf,
  removeE2eProject,
  runPipeline,
  assertSkillOffered,
  SKILL_FILES,
  skillPipeline,
  stepPipeline,
} from '../support/e2e-project.js';
import { runWave } from '../support/run-cli.js';

const IMAGE = 'wave/codex:latest';
const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, IMAGE));

/** Looks like a real key, so the scrubber's patterns and the exact-value rule both have something to find. */
const TEST_KEY = `sk-proj-test-${randomBytes(16).toString('hex')}`;
const shell = (cmd: string) => ({ name: 'exec_command', input: { cmd } });

const script = modelScriptFromObject({
  steps: {
    writer: [
      {
        text: 'Writing the note.',
        tool_calls: [
          shell(`printf '# Note\\n\\nWritten by the real Codex CLI.\\n' > /wave/out/note.md && ${DUMP_ENV_COMMAND}`),
        ],
        usage: { input_tokens: 3000, output_tokens: 40, cache_read_input_tokens: 1000 },
      },
      {
        expect_tool_result: { is_error: false, contains: 'Process exited with code 0' },
        text: 'Done.',
        usage: { input_tokens: 3100, output_tokens: 5, cache_read_input_tokens: 1000 },
      },
    ],
    // The persona denies the shell: Codex offers no exec_command, and answers a call anyway with this text.
    noshell: [
      { tool_calls: [shell("printf 'x' > /wave/out/blocked.md")] },
      {
        expect_tool_result: { is_error: true, contains: 'unsupported call: exec_command' },
        text: 'The shell was refused.',
      },
    ],
    // The persona denies `Bash(rm*)`: an execpolicy rule makes Codex refuse the command before it runs.
    normrf: [
      { tool_calls: [shell('rm -rf /wave/out/keep.md')] },
      {
        expect_tool_result: { is_error: true, contains: 'rejected: `rm` is denied' },
        tool_calls: [shell("printf 'kept\\n' > /wave/out/keep.md")],
      },
      { text: 'rm was refused; the file was written.' },
    ],
    // An adapter-neutral write for a model from Codex's catalog without a shell: it becomes an apply_patch call.
    skilled: [{ text: 'The notes are tidy.' }],
    patcher: [
      { tool_calls: [{ write: { path: '/wave/out/patched.md', content: '# Patched\n\nFor {{ input }}.\n' } }] },
      { text: 'Done.' },
    ],
  },
});

let dir: string;
let model: ScriptedModel;

const OUTPUT: Record<string, string> = {
  writer: 'note.md',
  noshell: 'blocked.md',
  normrf: 'keep.md',
  patcher: 'patched.md',
};

const step = (id: string, persona: string, extra = '') => stepPipeline({ id, persona, output: OUTPUT[id]!, extra });

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: TEST_KEY, input: 'Ada' });
  dir = createE2eProject({
    name: 'codex',
    files: SKILL_FILES,
    manifest: (manifest) => {
      // The gateway maps the container's /v1/… onto this base: /v1/responses reaches the model's /v1/responses.
      manifest.runtime.models = { openai: { base_url: `${model.url}/v1` } };
      manifest.runtime.audit.log_all_tool_calls = true;
      manifest.adapters.codex.image = IMAGE;
      const persona = personaOf('codex', 'balanced');
      manifest.personas.coder = persona('e2e: every tool', { allowed_tools: ['*'], deny: [] });
      manifest.personas.noshell = persona('e2e: no shell', {
        allowed_tools: ['Read', 'Write(/wave/out/*)'],
        deny: ['Bash'],
      });
      manifest.personas.normrf = persona('e2e: no rm', { allowed_tools: ['*'], deny: ['Bash(rm*)'] });
      // gpt-5.5 is in Codex's catalog, which gives it apply_patch.
      manifest.personas.patcher = personaOf('codex', 'gpt-5.5')('e2e: writes, no shell', {
        allowed_tools: ['Write'],
        deny: ['Bash'],
      });
    },
    pipelines: {
      writer: step('writer', 'coder'),
      noshell: step('noshell', 'noshell', NO_RETRY),
      normrf: step('normrf', 'normrf'),
      patcher: step('patcher', 'patcher', NO_RETRY),
      skilled: skillPipeline('skilled', 'coder'),
    },
  });
});
after(() => removeE2eProject(dir, model));

const run = (pipeline: string) => runPipeline(dir, pipeline, { env: { OPENAI_API_KEY: TEST_KEY }, timeoutMs: 120_000 });
const turns = (stepId: string) => modelTurns(model, stepId);

describe('Codex CLI end to end', { skip }, () => {
  test("the pipeline's skill is in Codex's user skills folder (~/.agents/skills): offered to the model", async () => {
    const { status, events, stderr } = await run('skilled');
    assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed')));
    assertSkillOffered(model, 'skilled');
  });

  test('the step writes its output through a shell call; usage is evented; the gateway adds the key; the container never holds it', async () => {
    const { status, events, stderr } = await run('writer');
    assert.equal(
      status,
      0,
      stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'step_retrying')),
    );
    const runId = events[0]?.runId as string;
    const calls = events.filter((e) => e.type === 'tool_call');
    assert.deepEqual(
      calls.map((e) => [e.name, e.status]),
      [
        ['Bash', 'started'],
        ['Bash', 'ok'],
      ],
    );
    assert.match(String(calls[0]?.input), /printf '# Note/);
    const usage = events.filter((e) => e.type === 'usage');
    assert.equal(usage.length, 1, 'Codex reports usage once, at the end of the turn');
    // The sum of both model calls: (3000 + 3100) uncached and 2 × 1000 cached input tokens, 40 + 5 output.
    assert.deepEqual([usage[0]?.inputTokens, usage[0]?.cacheReadTokens, usage[0]?.outputTokens], [6100, 2000, 45]);
    assert.ok(events.some((e) => e.type === 'contract_result' && e.ok === true));

    const requests = turns('writer');
    assert.deepEqual(
      requests.map((r) => [r.path, r.protocol, r.turnIndex, r.note]),
      [
        ['/v1/responses', 'openai-responses', 0, undefined],
        ['/v1/responses', 'openai-responses', 1, undefined],
      ],
    );
    const body = requests[0]?.body as { tools: { name?: string }[]; stream: boolean };
    assert.equal(body.stream, true);
    assert.ok(
      body.tools.some((t) => t.name === 'exec_command'),
      'the shell tool was offered',
    );
    for (const r of model.requests)
      assert.equal(r.headers.authorization, `Bearer ${TEST_KEY}`, 'the model saw the real key, added by the gateway');
    assert.ok(
      model.requests.every((r) => r.path === '/v1/responses'),
      'no other request (model lists, websockets) reached the model',
    );

    const out = path.join(dir, 'export-writer');
    assert.equal(runWave(['artifacts', runId, '--export', out], dir).status, 0);
    assert.match(readFileSync(path.join(out, 'writer', 'note.md'), 'utf8'), /Written by the real Codex CLI/);

    const env = containerEnv(dir, runId, 'writer');
    assert.match(env, /OPENAI_API_KEY=wave-placeholder-key/);
    assertKeyNotInContainerEnv(env, TEST_KEY);
    assertKeyInNoWaveFile(dir, runId, TEST_KEY);
    const egress = logFiles(dir, runId).join('\n');
    assert.ok(
      !/"kind":"(connect|http)"/.test(egress),
      'codex made no request through the egress proxy (no analytics, updates or plugins)',
    );
  });

  test('a persona that denies the shell: Codex offers no shell tool and refuses the call; nothing is written', async () => {
    const { status, events } = await run('noshell');
    assert.equal(status, 4, 'the step failed on its contract');
    const runId = events[0]?.runId as string;
    const requests = turns('noshell');
    assert.equal(requests.length, 2);
    const tools = (requests[0]?.body as { tools: { name?: string }[] }).tools.map((t) => t.name);
    assert.ok(
      !tools.includes('exec_command') && !tools.includes('write_stdin'),
      `no shell tool offered: ${tools.join(', ')}`,
    );
    assert.equal(
      requests[1]?.note,
      undefined,
      'the model saw the refusal "unsupported call: exec_command" as the tool output',
    );
    // 0.169 logs a refused call on stderr only (no JSONL item): the parser reads it there.
    assert.ok(!events.some((e) => e.type === 'tool_call' && e.status === 'ok'), 'no tool ran');
    assert.ok(
      events.some(
        (e) => e.type === 'warning' && e.code === 'permission_denied' && String(e.message).includes('exec_command'),
      ),
      'the refusal is evented',
    );
    assert.match(
      readFileSync(path.join(dir, '.wave', 'traces', runId, 'tools.ndjson'), 'utf8'),
      /"denied":true/,
      'and in the audit trace',
    );
    assert.equal(events.find((e) => e.type === 'step_failed')?.failureClass, 'contract');
    assert.ok(!existsSync(path.join(dir, '.wave', 'workspaces', runId, 'noshell', 'out', 'blocked.md')));
  });

  test('a persona that denies Bash(rm*): Codex refuses rm through its execpolicy rule and still runs other commands', async () => {
    const { status, events } = await run('normrf');
    assert.equal(status, 0, JSON.stringify(events.filter((e) => e.type === 'step_failed')));
    const requests = turns('normrf');
    assert.deepEqual(
      requests.map((r) => r.note),
      [undefined, undefined, undefined],
      'the rm refusal reached the model as an error result',
    );
    const calls = events.filter((e) => e.type === 'tool_call' && e.status === 'started').map((e) => String(e.input));
    assert.equal(calls.length, 1, 'only the printf ran (the refused rm has no JSONL item in 0.169)');
    assert.match(calls[0]!, /printf 'kept/);
    const denied = events
      .filter((e) => e.type === 'warning' && e.code === 'permission_denied')
      .map((e) => String(e.message));
    assert.equal(denied.length, 1, 'the refused rm is evented (read from stderr)');
    assert.match(denied[0]!, /rm /);
  });

  test('an adapter-neutral write reaches a model with apply_patch and no shell as an apply_patch call', async () => {
    const { status, events, stderr } = await run('patcher');
    assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed')));
    const tools = (turns('patcher')[0]?.body as { tools: { name?: string }[] }).tools.map((t) => t.name);
    assert.ok(tools.includes('apply_patch') && !tools.includes('exec_command'), tools.join(', '));
    assert.deepEqual(
      turns('patcher').map((r) => r.note),
      [undefined, undefined],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'tool_call').map((e) => [e.name, e.status]),
      [
        ['Edit', 'started'],
        ['Edit', 'ok'],
      ],
    );
    const runId = events[0]?.runId as string;
    assert.equal(
      readFileSync(path.join(dir, '.wave', 'workspaces', runId, 'patcher', 'out', 'patched.md'), 'utf8'),
      '# Patched\n\nFor Ada.\n',
    );
  });
});
