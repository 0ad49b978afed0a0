// The real Claude Code CLI in its image, in a hardened container, reaching the scripted model on host loopback
// only through Wave's bridge, egress session and model gateway. Nothing is mocked but the model's answers.
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
  NO_RETRY,
  personaOf,
  removeE2eProject,
  runPipeline,
  stepPipeline,
} from '../support/e2e-project.js';
import { runWave } from '../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/claude:latest'));

/** Looks like a real key, so the scrubber's patterns and the exact-value rule both have something to find. */
const TEST_KEY = `sk-ant-test-${randomBytes(16).toString('hex')}`;
const write = (file: string, content: string) => ({ name: 'Write', input: { file_path: file, content } });

const script = modelScriptFromObject({
  steps: {
    writer: [
      {
        tool_calls: [
          write('/wave/out/note.md', '# Note\n\nWritten by the real CLI.\n'),
          { name: 'Bash', input: { command: DUMP_ENV_COMMAND } },
        ],
      },
      { text: 'Done.' },
    ],
    denied: [
      { tool_calls: [write('/wave/out/blocked.md', '# Should not exist\n')] },
      { expect_tool_result: { is_error: true }, text: 'The write was refused.' },
    ],
    big: [
      { tool_calls: [write('/wave/out/big.md', '# Big\n')], usage: { input_tokens: 170_000, output_tokens: 50 } },
      { text: 'Done.', usage: { input_tokens: 170_100, output_tokens: 10 } },
    ],
    schema: {
      attempts: [
        [{ tool_calls: [write('/wave/out/result.json', '{"verdict": "maybe", "score": "high"}')] }, { text: 'Done.' }],
        [{ tool_calls: [write('/wave/out/result.json', '{"verdict": "pass", "score": 8}')] }, { text: 'Fixed.' }],
      ],
    },
    flaky: {
      attempts: [
        [
          { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' }, times: 50 },
          { text: 'unreachable' },
        ],
        [{ tool_calls: [write('/wave/out/ok.md', '# Fine now\n')] }, { text: 'Done.' }],
      ],
    },
  },
});

let dir: string;
let model: ScriptedModel;

const OUTPUT: Record<string, string> = {
  writer: 'note.md',
  denied: 'blocked.md',
  big: 'big.md',
  flaky: 'ok.md',
  schema: 'result.json',
};
const SCHEMA_CONTRACT = JSON.stringify({
  type: 'json_schema',
  schema: {
    type: 'object',
    required: ['verdict', 'score'],
    properties: { verdict: { enum: ['pass', 'fail'] }, score: { type: 'integer' } },
  },
});

const step = (id: string, persona: string, extra = '') =>
  stepPipeline({ id, persona, output: OUTPUT[id]!, extra, ...(id === 'schema' ? { contract: SCHEMA_CONTRACT } : {}) });
const RETRY_ONCE = '    retry: {max_attempts: 2, backoff: fixed, base_delay: 100ms}\n';

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: TEST_KEY });
  dir = createE2eProject({
    name: 'claude',
    manifest: (manifest) => {
      manifest.runtime.models = { anthropic: { base_url: model.url } };
      manifest.runtime.audit.log_all_tool_calls = true;
      manifest.runtime.sandbox.env_passthrough = ['CLAUDE_CODE_MAX_RETRIES'];
      // 'big' reports 85% of the window: here only the usage event is tested (the relay: test/e2e/relay.test.ts).
      manifest.runtime.relay.token_threshold_percent = 0;
      const persona = personaOf('claude', 'cheapest');
      manifest.personas.tester = persona('e2e: every tool', { allowed_tools: ['*'], deny: [] });
      manifest.personas.nowrite = persona(
        'e2e: may not write files',
        { allowed_tools: ['Read', 'Glob', 'Grep'], deny: ['Write', 'Edit'] },
        '.wave/personas/reviewer.md',
      );
    },
    pipelines: {
      writer: step('writer', 'tester'),
      denied: step('denied', 'nowrite', NO_RETRY),
      big: step('big', 'tester'),
      schema: step('schema', 'tester', RETRY_ONCE),
      flaky: step('flaky', 'tester', RETRY_ONCE),
    },
  });
});
after(() => removeE2eProject(dir, model));

const run = (pipeline: string, env: NodeJS.ProcessEnv = {}) =>
  runPipeline(dir, pipeline, { env: { ANTHROPIC_API_KEY: TEST_KEY, ...env } });

describe('Claude Code end to end', { skip }, () => {
  test('the step writes its output through a tool call; the gateway adds the key; the container never holds it', async () => {
    const { status, events, stderr } = await run('writer');
    assert.equal(
      status,
      0,
      stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'step_retrying')),
    );
    const runId = events[0]?.runId as string;
    const tools = events.filter((e) => e.type === 'tool_call' && e.status === 'started').map((e) => e.name);
    assert.deepEqual(tools, ['Write', 'Bash']);
    assert.ok(
      events.some((e) => e.type === 'usage'),
      'usage evented',
    );
    assert.ok(events.some((e) => e.type === 'contract_result' && e.ok === true));

    const out = path.join(dir, 'export-writer');
    assert.equal(runWave(['artifacts', runId, '--export', out], dir).status, 0);
    assert.match(readFileSync(path.join(out, 'writer', 'note.md'), 'utf8'), /Written by the real CLI/);

    const env = containerEnv(dir, runId, 'writer');
    assert.match(env, /ANTHROPIC_API_KEY=wave-placeholder-key/);
    assertKeyNotInContainerEnv(env, TEST_KEY);
    const keys = model.requests
      .filter((r) => r.path === '/v1/messages')
      .map((r) => r.headers['x-api-key'] ?? r.headers.authorization);
    assert.ok(keys.length > 0);
    for (const key of keys)
      assert.ok(String(key).includes(TEST_KEY), 'the model saw the real key, added by the gateway');

    assertKeyInNoWaveFile(dir, runId, TEST_KEY);
  });

  test('a persona that denies Write: the CLI refuses it, the audit and the events show it, the contract fails', async () => {
    const { status, events } = await run('denied');
    assert.equal(status, 4, 'the step failed on its contract');
    const runId = events[0]?.runId as string;
    assert.ok(
      events.some((e) => e.type === 'tool_call' && e.name === 'Write' && e.status === 'error'),
      'the Write came back as an error',
    );
    assert.ok(
      events.some((e) => e.type === 'warning' && e.code === 'permission_denied'),
      'the denial is evented',
    );
    const failed = events.find((e) => e.type === 'step_failed');
    assert.equal(failed?.failureClass, 'contract');
    const trace = readFileSync(path.join(dir, '.wave', 'traces', runId, 'tools.ndjson'), 'utf8');
    assert.match(trace, /"denied":true/);
    assert.ok(!existsSync(path.join(dir, '.wave', 'workspaces', runId, 'denied', 'out', 'blocked.md')));
  });

  test('170k tokens of a 200k window is a usage event at 85% of the context', async () => {
    const { status, events } = await run('big');
    assert.equal(
      status,
      0,
      JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type.startsWith('relay'))),
    );
    const usage = events.filter((e) => e.type === 'usage');
    assert.ok(
      usage.some((e) => e.contextWindow === 200_000 && e.contextPercent === 85),
      JSON.stringify(usage),
    );
  });

  test('a scripted 529 fails the attempt as provider_error and the step is retried per its policy', async () => {
    const { status, events } = await run('flaky', { CLAUDE_CODE_MAX_RETRIES: '0' });
    assert.equal(
      status,
      0,
      JSON.stringify(events.filter((e) => e.type === 'step_retrying' || e.type === 'step_failed')),
    );
    const retry = events.find((e) => e.type === 'step_retrying');
    assert.equal(retry?.failureClass, 'provider_error');
    assert.ok(events.some((e) => e.type === 'step_completed' && e.attempt === 2));
  });
});

describe('handover contracts end to end', { skip }, () => {
  test('invalid JSON on attempt 1, valid on attempt 2: the step passes and the second prompt carried the schema error', async () => {
    const { status, events } = await run('schema');
    assert.equal(
      status,
      0,
      JSON.stringify(
        events.filter((e) => e.type === 'step_retrying' || e.type === 'step_failed' || e.type === 'contract_result'),
      ),
    );
    const results = events.filter((e) => e.type === 'contract_result');
    assert.deepEqual(
      results.map((e) => [e.attempt, e.ok]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.equal(events.find((e) => e.type === 'step_retrying')?.failureClass, 'contract');
    const second = model.requests.filter((r) => r.stepId === 'schema' && r.attempt === 2 && r.kind === 'turn')[0];
    assert.ok(second, 'attempt 2 reached the model');
    const prompt = JSON.stringify(second.body);
    assert.match(prompt, /Retry context/);
    assert.match(prompt, /\/verdict/, 'the JSON pointer of the failing field');
    assert.match(prompt, /allowed values|enum/i);
  });
});
