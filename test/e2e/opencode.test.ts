// The real OpenCode (opencode 1.18.33 in wave/opencode:latest) in a hardened container, reaching the scripted model
// on host loopback only through Wave's bridge, egress session and model gateway. Nothing is mocked but the model's
// answers. The model is `openai-compatible/scripted-chat`: OpenCode's bundled @ai-sdk/openai-compatible provider,
// OpenAI's Chat Completions API through the openai gateway (no package is installed at start). Its tools are
// write (filePath, content), edit, read, grep, glob, bash (command, description): a model name with `gpt-` in it
// would get apply_patch instead of write and edit.
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
  modelTurns,
  NO_RETRY,
  personaOf,
  removeE2eProject,
  runPipeline,
  stepPipeline,
  type WaveEvent,
  assertSkillOffered,
  SKILL_FILES,
  skillPipeline,
} from '../support/e2e-project.js';
import { runWave } from '../support/run-cli.js';

const IMAGE = 'wave/opencode:latest';
const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, IMAGE));

/** Looks like a real key, so the scrubber's patterns and the exact-value rule both have something to find. */
const TEST_KEY = `sk-proj-test-${randomBytes(16).toString('hex')}`;
const write = (filePath: string, content: string) => ({ name: 'write', input: { filePath, content } });
const bash = (command: string) => ({ name: 'bash', input: { command, description: 'Run a command' } });

const script = modelScriptFromObject({
  steps: {
    writer: [
      {
        text: 'Writing the note.',
        tool_calls: [write('/wave/out/note.md', '# Note\n\nWritten by the real OpenCode.\n'), bash(DUMP_ENV_COMMAND)],
        usage: { input_tokens: 3000, output_tokens: 40, cache_read_input_tokens: 1000 },
      },
      {
        expect_tool_result: { is_error: false, contains: 'Wrote file successfully' },
        text: 'Done.',
        usage: { input_tokens: 3100, output_tokens: 5 },
      },
    ],
    // The persona denies the shell: OpenCode removes bash from the tools and answers a call anyway through its
    // `invalid` tool; the write the persona allows goes through.
    skilled: [{ text: 'The notes are tidy.' }],
    noshell: [
      { tool_calls: [bash("printf 'x' > /wave/out/shell.md"), write('/wave/out/report.md', '# Report\n')] },
      { expect_tool_result: { is_error: true, contains: "unavailable tool 'bash'" }, text: 'The shell was refused.' },
    ],
  },
});

let dir: string;
let model: ScriptedModel;

const OUTPUT: Record<string, string> = { writer: 'note.md', noshell: 'report.md' };

const step = (id: string, persona: string, extra = '') => stepPipeline({ id, persona, output: OUTPUT[id]!, extra });

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: TEST_KEY });
  dir = createE2eProject({
    name: 'opencode',
    // The workspace's own OpenCode files must not widen the persona's permissions or reach the model.
    files: {
      ...SKILL_FILES,
      'opencode.json': JSON.stringify({
        permission: { '*': 'allow', bash: 'allow' },
        agent: { wave: { permission: { bash: 'allow' }, prompt: 'PROJECT-AGENT-PROMPT' } },
      }),
      'AGENTS.md': 'PROJECT-AGENTS-MD\n',
    },
    manifest: (manifest) => {
      // The gateway maps the container's /v1/… onto this base: /v1/chat/completions reaches the model's.
      manifest.runtime.models = {
        openai: { base_url: `${model.url}/v1` },
        anthropic: { base_url: model.url },
        gemini: { base_url: model.url },
      };
      manifest.runtime.audit.log_all_tool_calls = true;
      manifest.adapters.opencode.image = IMAGE;
      const persona = personaOf('opencode', 'openai-compatible/scripted-chat');
      manifest.personas.coder = persona('e2e: every tool', { allowed_tools: ['*'], deny: [] });
      manifest.personas.noshell = persona('e2e: no shell', {
        allowed_tools: ['Read', 'Write(/wave/out/*)'],
        deny: ['Bash'],
      });
    },
    pipelines: {
      writer: step('writer', 'coder'),
      noshell: step('noshell', 'noshell', NO_RETRY),
      skilled: skillPipeline('skilled', 'coder'),
    },
  });
});
after(() => removeE2eProject(dir, model));

const KEYS = { OPENAI_API_KEY: TEST_KEY, ANTHROPIC_API_KEY: TEST_KEY, GEMINI_API_KEY: TEST_KEY };
const run = (pipeline: string, flags: string[] = []) =>
  runPipeline(dir, pipeline, { env: KEYS, flags, timeoutMs: 120_000 });
const turns = (stepId: string) => modelTurns(model, stepId);
const failures = (events: WaveEvent[]) =>
  JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'step_retrying' || e.type === 'warning'));

describe('OpenCode end to end', { skip }, () => {
  test("the pipeline's skill is in OpenCode's skills folder (~/.config/opencode/skills): offered", async () => {
    const { status, events, stderr } = await run('skilled');
    assert.equal(status, 0, stderr + failures(events));
    assertSkillOffered(model, 'skilled');
  });

  test('the step writes its output through the write tool over Chat Completions; the gateway adds the key; the container never holds it', async () => {
    const { status, events, stderr } = await run('writer');
    assert.equal(status, 0, stderr + failures(events));
    const runId = events[0]?.runId as string;
    const tools = events.filter((e) => e.type === 'tool_call' && e.status === 'started').map((e) => e.name);
    assert.deepEqual([...tools].sort(), ['bash', 'write']);
    assert.ok(events.some((e) => e.type === 'tool_call' && e.name === 'write' && e.status === 'ok'));
    const usage = events.filter((e) => e.type === 'usage');
    // Chat Completions reports cached tokens inside prompt_tokens; OpenCode subtracts them again.
    assert.ok(
      usage.some((e) => e.inputTokens === 3000 && e.cacheReadTokens === 1000 && e.outputTokens === 40),
      JSON.stringify(usage),
    );
    assert.ok(events.some((e) => e.type === 'contract_result' && e.ok === true));

    const out = path.join(dir, 'export-writer');
    assert.equal(runWave(['artifacts', runId, '--export', out], dir).status, 0);
    assert.match(readFileSync(path.join(out, 'writer', 'note.md'), 'utf8'), /Written by the real OpenCode/);

    const served = turns('writer');
    assert.equal(served.length, 2, 'two model turns, no side request (the title is given)');
    for (const r of served) {
      assert.equal(r.protocol, 'openai-chat');
      assert.equal(r.path, '/v1/chat/completions');
      assert.ok(String(r.headers.authorization).includes(TEST_KEY), 'the model saw the real key, added by the gateway');
    }
    const body = JSON.stringify(served[0]!.body);
    assert.match(body, /wave-step: writer/, 'the instructions reached the model as the agent prompt');
    assert.ok(
      !body.includes('PROJECT-AGENT-PROMPT') && !body.includes('PROJECT-AGENTS-MD'),
      "the workspace's opencode.json and AGENTS.md were ignored",
    );

    const refused = events.filter((e) => e.type === 'egress_decision' && e.allowed === false).map((e) => e.host);
    assert.deepEqual(refused, [], 'no start-up download (npm plugin install, ripgrep, models.dev) was tried');

    const env = containerEnv(dir, runId, 'writer');
    assert.match(env, /OPENAI_API_KEY=wave-placeholder-key/);
    assert.match(env, /OPENCODE_DISABLE_PROJECT_CONFIG=1/);
    assertKeyNotInContainerEnv(env, TEST_KEY);
    assertKeyInNoWaveFile(dir, runId, TEST_KEY);
  });

  test('a persona that denies the shell: OpenCode refuses the bash call, the events and the audit show it; the allowed write passes', async () => {
    const { status, events, stderr } = await run('noshell');
    assert.equal(status, 0, stderr + failures(events));
    const runId = events[0]?.runId as string;
    assert.ok(
      events.some((e) => e.type === 'tool_call' && e.name === 'bash' && e.status === 'error'),
      'the bash call came back as an error',
    );
    assert.ok(
      events.some((e) => e.type === 'tool_call' && e.name === 'write' && e.status === 'ok'),
      'the allowed write went through',
    );
    assert.ok(
      events.some(
        (e) => e.type === 'warning' && e.code === 'permission_denied' && String(e.message).startsWith('bash'),
      ),
      'the denial is evented',
    );
    const trace = readFileSync(path.join(dir, '.wave', 'traces', runId, 'tools.ndjson'), 'utf8');
    assert.match(trace, /"tool":"bash","denied":true/);
    assert.ok(
      !existsSync(path.join(dir, '.wave', 'workspaces', runId, 'noshell', 'out', 'shell.md')),
      'the command never ran',
    );
    const [first] = turns('noshell');
    const tools = ((first?.body as { tools?: { function: { name: string } }[] }).tools ?? []).map(
      (t) => t.function.name,
    );
    assert.ok(!tools.includes('bash'), `bash is not offered to the model: ${tools.join(', ')}`);
    assert.ok(tools.includes('write') && tools.includes('read'));
  });

  // The same step over the other providers OpenCode routes to, chosen on the command line (flag > persona).
  for (const [modelName, protocol, path, header] of [
    ['anthropic/claude-haiku-4-5', 'anthropic', '/v1/messages', 'x-api-key'],
    ['openai/scripted-responses', 'openai-responses', '/v1/responses', 'authorization'],
    ['google/gemini-2.5-flash', 'gemini', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', 'x-goog-api-key'],
  ] as const) {
    test(`--adapter opencode --model ${modelName}: the ${protocol} API through its own gateway`, async () => {
      model.reset();
      const { status, events, stderr } = await run('writer', ['--adapter', 'opencode', '--model', modelName]);
      assert.equal(
        status,
        0,
        stderr + failures(events) + JSON.stringify(model.requests.map((r) => [r.kind, r.path, r.status, r.note])),
      );
      assert.ok(events.some((e) => e.type === 'contract_result' && e.ok === true));
      const served = turns('writer');
      assert.equal(served.length, 2, JSON.stringify(model.requests.map((r) => [r.kind, r.path, r.note])));
      for (const r of served) {
        assert.equal(r.protocol, protocol);
        assert.equal(r.path, path);
        assert.ok(String(r.headers[header]).includes(TEST_KEY), 'the gateway added the real key');
      }
    });
  }
});
