// The real Gemini CLI (0.61.0, wave/gemini:latest) in a hardened container, reaching the scripted model (Gemini
// API shape) on host loopback only through Wave's bridge, egress session and model gateway. Nothing is mocked but
// the model's answers. The project also carries the files a hostile repository would use against the CLI: a
// `.env` and a `.gemini/.env` (loaded into the CLI's environment in a trusted folder) and a `.gemini/settings.json`
// that would remove write_file; none of them may take effect.
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
  assertSkillOffered,
  SKILL_FILES,
  skillPipeline,
} from '../support/e2e-project.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/gemini:latest'));

/** Shaped like a real Gemini API key, so a leak would look like one. */
const TEST_KEY = `AIza${randomBytes(18).toString('base64url')}`;
const writeFile = (file: string, content: string) => ({ name: 'write_file', input: { file_path: file, content } });
const shell = (command: string) => ({ name: 'run_shell_command', input: { command } });

const script = modelScriptFromObject({
  steps: {
    gwriter: [
      {
        text: "I'll write the note.",
        tool_calls: [
          writeFile('/wave/out/note.md', '# Note\n\nWritten by the real Gemini CLI.\n'),
          shell(DUMP_ENV_COMMAND),
        ],
        usage: { input_tokens: 3000, output_tokens: 80, cache_read_input_tokens: 1000 },
      },
      { expect_tool_result: { is_error: false }, text: 'Done.', usage: { input_tokens: 3200, output_tokens: 10 } },
    ],
    gskilled: [{ text: 'The notes are tidy.' }],
    gnoshell: [
      { tool_calls: [shell('echo escaped > /wave/out/shell.txt')] },
      {
        expect_tool_result: { is_error: true },
        tool_calls: [writeFile('/wave/out/report.md', '# Report\n\nThe shell was refused.\n')],
      },
      { text: 'The shell was refused; the report is written.' },
    ],
  },
});

let dir: string;
let model: ScriptedModel;

const pipeline = (id: string, persona: string, output: string) =>
  stepPipeline({ id, persona, output, extra: NO_RETRY });

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: TEST_KEY });
  dir = createE2eProject({
    name: 'gemini',
    // What a hostile source repository could use against the CLI (see the header).
    files: {
      ...SKILL_FILES,
      '.env': 'WAVE_LEAK_DOTENV=from-dotenv\n',
      '.gemini/.env': 'WAVE_LEAK_GEMINI_DOTENV=from-gemini-dotenv\n',
      '.gemini/settings.json': JSON.stringify({
        tools: { exclude: ['write_file'] },
        advanced: { ignoreLocalEnv: false },
      }),
    },
    manifest: (manifest) => {
      manifest.runtime.models = { gemini: { base_url: model.url } };
      manifest.runtime.audit.log_all_tool_calls = true;
      const persona = personaOf('gemini', 'balanced');
      manifest.personas.gtester = persona('e2e: every tool', { allowed_tools: ['*'], deny: [] });
      manifest.personas.gnoshell = persona('e2e: no shell', { allowed_tools: ['*'], deny: ['Bash'] });
    },
    pipelines: {
      gwriter: pipeline('gwriter', 'gtester', 'note.md'),
      gnoshell: pipeline('gnoshell', 'gnoshell', 'report.md'),
      gskilled: skillPipeline('gskilled', 'gtester'),
    },
  });
});
after(() => removeE2eProject(dir, model));

const run = (name: string) => runPipeline(dir, name, { env: { GEMINI_API_KEY: TEST_KEY }, timeoutMs: 120_000 });

const declaredTools = (body: unknown): string[] =>
  ((body as { tools?: { functionDeclarations?: { name: string }[] }[] }).tools ?? []).flatMap((t) =>
    (t.functionDeclarations ?? []).map((f) => f.name),
  );

describe('Gemini CLI end to end', { skip }, () => {
  test("the pipeline's skill is in Gemini CLI's user skills folder (~/.gemini/skills): offered", async () => {
    const { status, events, stderr } = await run('gskilled');
    assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed')));
    assertSkillOffered(model, 'gskilled');
  });

  test('the step writes its output through write_file; usage and tool calls are evented; the gateway adds the key; the container never holds it; the repo cannot configure the CLI', async () => {
    const { status, events, stderr } = await run('gwriter');
    assert.equal(
      status,
      0,
      stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'warning')),
    );
    const runId = events[0]?.runId as string;
    const tools = events.filter((e) => e.type === 'tool_call' && e.status === 'started').map((e) => e.name);
    assert.deepEqual(tools, ['write_file', 'run_shell_command']);
    assert.ok(events.some((e) => e.type === 'tool_call' && e.name === 'write_file' && e.status === 'ok'));
    const usage = events.filter((e) => e.type === 'usage');
    assert.equal(usage.length, 1, 'Gemini reports usage once, at the end');
    // The CLI's run total: both calls, cached tokens apart (3000 + 1000 cached, then 3200).
    assert.deepEqual([usage[0]?.inputTokens, usage[0]?.cacheReadTokens, usage[0]?.outputTokens], [6200, 1000, 90]);
    assert.ok(events.some((e) => e.type === 'contract_result' && e.ok === true));

    const out = path.join(dir, '.wave', 'workspaces', runId, 'gwriter', 'out');
    assert.match(readFileSync(path.join(out, 'note.md'), 'utf8'), /Written by the real Gemini CLI/);
    const env = containerEnv(dir, runId, 'gwriter');
    assert.match(env, /GEMINI_API_KEY=wave-placeholder-key/);
    assert.match(env, /GOOGLE_GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:4003/);
    assertKeyNotInContainerEnv(env, TEST_KEY);
    assert.doesNotMatch(env, /WAVE_LEAK_/, "neither the source's .env nor its .gemini/.env reached the CLI");

    const turns = modelTurns(model, 'gwriter');
    assert.equal(turns.length, 2);
    for (const r of turns) {
      assert.match(r.path, /^\/v1beta\/models\/gemini-2\.5-flash:streamGenerateContent$/);
      assert.equal(r.headers['x-goog-api-key'], TEST_KEY, 'the model saw the real key, added by the gateway');
    }
    assert.ok(
      declaredTools(turns[0]!.body).includes('write_file'),
      "the source's .gemini/settings.json was not applied",
    );
    assert.ok(
      !model.requests.some((r) => r.kind === 'invalid'),
      JSON.stringify(model.requests.filter((r) => r.kind === 'invalid').map((r) => r.note)),
    );

    assertKeyInNoWaveFile(dir, runId, TEST_KEY);
  });

  test('a persona that denies Bash: the shell is not offered, the call is refused by the CLI, the audit and the events show it', async () => {
    const { status, events, stderr } = await run('gnoshell');
    assert.equal(
      status,
      0,
      stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'warning')),
    );
    const runId = events[0]?.runId as string;
    assert.ok(
      events.some((e) => e.type === 'tool_call' && e.name === 'run_shell_command' && e.status === 'error'),
      'the shell call came back as an error',
    );
    assert.ok(
      events.some(
        (e) =>
          e.type === 'warning' && e.code === 'permission_denied' && String(e.message).startsWith('run_shell_command'),
      ),
      'the denial is evented',
    );
    assert.ok(events.some((e) => e.type === 'tool_call' && e.name === 'write_file' && e.status === 'ok'));
    assert.ok(
      !existsSync(path.join(dir, '.wave', 'workspaces', runId, 'gnoshell', 'out', 'shell.txt')),
      'the command never ran',
    );
    const trace = readFileSync(path.join(dir, '.wave', 'traces', runId, 'tools.ndjson'), 'utf8');
    assert.match(trace, /"tool":"run_shell_command".*"denied":true/);

    const turns = modelTurns(model, 'gnoshell');
    assert.equal(turns.length, 3);
    assert.ok(
      !declaredTools(turns[0]!.body).includes('run_shell_command'),
      'the policy removed the shell from the tools',
    );
    assert.ok(declaredTools(turns[0]!.body).includes('write_file'));
    // The refusal the model read: the expect_tool_result turn was served, not replaced by a mismatch note.
    assert.equal(turns[1]!.note, undefined, String(turns[1]!.note));
    assert.match(JSON.stringify(turns[1]!.body), /Tool \\"run_shell_command\\" not found/);
  });
});
