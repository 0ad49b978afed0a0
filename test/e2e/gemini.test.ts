// The real Gemini CLI (0.61.0, wave/gemini:latest) in a hardened container, reaching the scripted model (Gemini
// API shape) on host loopback only through Wave's bridge, egress session and model gateway. Nothing is mocked but
// the model's answers. The project also carries the files a hostile repository would use against the CLI: a
// `.env` and a `.gemini/.env` (loaded into the CLI's environment in a trusted folder) and a `.gemini/settings.json`
// that would remove write_file; none of them may take effect.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { modelScriptFromObject, startScriptedModel, type ScriptedModel } from '../../src/model/index.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { runWave, runWaveAsync } from '../support/run-cli.js';

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
          shell('env > /wave/out/env.txt; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done >> /wave/out/env.txt 2>/dev/null; true'),
        ],
        usage: { input_tokens: 3000, output_tokens: 80, cache_read_input_tokens: 1000 },
      },
      { expect_tool_result: { is_error: false }, text: 'Done.', usage: { input_tokens: 3200, output_tokens: 10 } },
    ],
    gnoshell: [
      { tool_calls: [shell('echo escaped > /wave/out/shell.txt')] },
      { expect_tool_result: { is_error: true }, tool_calls: [writeFile('/wave/out/report.md', '# Report\n\nThe shell was refused.\n')] },
      { text: 'The shell was refused; the report is written.' },
    ],
  },
});

let dir: string;
let model: ScriptedModel;

function pipeline(id: string, persona: string, output: string): string {
  return `kind: WavePipeline
metadata: {name: ${id}}
steps:
  - id: ${id}
    persona: ${persona}
    exec: {type: prompt, source: "Do the ${id} task."}
    output_artifacts: [{name: out, path: ${output}}]
    handover:
      contract: {type: non_empty_file}
    retry: {policy: none}
`;
}

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: TEST_KEY });
  dir = mkdtempSync(path.join(tmpdir(), 'wave-e2e-gemini-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(path.join(dir, 'README.md'), '# e2e project\n');
  // What a hostile source repository could use against the CLI (see the header).
  writeFileSync(path.join(dir, '.env'), 'WAVE_LEAK_DOTENV=from-dotenv\n');
  mkdirSync(path.join(dir, '.gemini'));
  writeFileSync(path.join(dir, '.gemini', '.env'), 'WAVE_LEAK_GEMINI_DOTENV=from-gemini-dotenv\n');
  writeFileSync(path.join(dir, '.gemini', 'settings.json'), JSON.stringify({ tools: { exclude: ['write_file'] }, advanced: { ignoreLocalEnv: false } }));
  assert.equal(runWave(['init'], dir).status, 0);
  const manifestPath = path.join(dir, 'wave.yaml');
  const manifest = parse(readFileSync(manifestPath, 'utf8'));
  manifest.runtime.models = { gemini: { base_url: model.url } };
  manifest.runtime.audit.log_all_tool_calls = true;
  manifest.personas.gtester = {
    adapter: 'gemini',
    description: 'e2e: every tool',
    model: 'balanced',
    system_prompt_file: '.wave/personas/craftsman.md',
    permissions: { allowed_tools: ['*'], deny: [] },
  };
  manifest.personas.gnoshell = {
    adapter: 'gemini',
    description: 'e2e: no shell',
    model: 'balanced',
    system_prompt_file: '.wave/personas/craftsman.md',
    permissions: { allowed_tools: ['*'], deny: ['Bash'] },
  };
  writeFileSync(manifestPath, stringify(manifest));
  const pipelines = path.join(dir, '.wave', 'pipelines');
  mkdirSync(pipelines, { recursive: true });
  writeFileSync(path.join(pipelines, 'gwriter.yaml'), pipeline('gwriter', 'gtester', 'note.md'));
  writeFileSync(path.join(pipelines, 'gnoshell.yaml'), pipeline('gnoshell', 'gnoshell', 'report.md'));
});
after(async () => {
  await model?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Event = { type: string; stepId?: string; runId: string; [k: string]: unknown };
async function run(name: string): Promise<{ status: number | null; events: Event[]; stderr: string }> {
  const res = await runWaveAsync(['run', name, '-o', 'json'], dir, { GEMINI_API_KEY: TEST_KEY }, 120_000);
  const events = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
  return { status: res.status, events, stderr: res.stderr };
}

const declaredTools = (body: unknown): string[] =>
  ((body as { tools?: { functionDeclarations?: { name: string }[] }[] }).tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name));

describe('Gemini CLI end to end', { skip }, () => {
  test('the step writes its output through write_file; usage and tool calls are evented; the gateway adds the key; the container never holds it; the repo cannot configure the CLI', async () => {
    const { status, events, stderr } = await run('gwriter');
    assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'warning')));
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
    const env = readFileSync(path.join(out, 'env.txt'), 'utf8');
    assert.match(env, /GEMINI_API_KEY=wave-placeholder-key/);
    assert.match(env, /GOOGLE_GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:4003/);
    assert.ok(!env.includes(TEST_KEY), 'the real key is nowhere in the container environment');
    assert.doesNotMatch(env, /WAVE_LEAK_/, "neither the source's .env nor its .gemini/.env reached the CLI");

    const turns = model.requests.filter((r) => r.stepId === 'gwriter' && r.kind === 'turn');
    assert.equal(turns.length, 2);
    for (const r of turns) {
      assert.match(r.path, /^\/v1beta\/models\/gemini-2\.5-flash:streamGenerateContent$/);
      assert.equal(r.headers['x-goog-api-key'], TEST_KEY, 'the model saw the real key, added by the gateway');
    }
    assert.ok(declaredTools(turns[0]!.body).includes('write_file'), "the source's .gemini/settings.json was not applied");
    assert.ok(!model.requests.some((r) => r.kind === 'invalid'), JSON.stringify(model.requests.filter((r) => r.kind === 'invalid').map((r) => r.note)));

    const written = [readFileSync(path.join(dir, '.wave', 'state.db')).toString('latin1'), ...logFiles(runId)];
    for (const text of written) assert.ok(!text.includes(TEST_KEY), 'the key is in no file Wave wrote');
  });

  test('a persona that denies Bash: the shell is not offered, the call is refused by the CLI, the audit and the events show it', async () => {
    const { status, events, stderr } = await run('gnoshell');
    assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed' || e.type === 'warning')));
    const runId = events[0]?.runId as string;
    assert.ok(events.some((e) => e.type === 'tool_call' && e.name === 'run_shell_command' && e.status === 'error'), 'the shell call came back as an error');
    assert.ok(events.some((e) => e.type === 'warning' && e.code === 'permission_denied' && String(e.message).startsWith('run_shell_command')), 'the denial is evented');
    assert.ok(events.some((e) => e.type === 'tool_call' && e.name === 'write_file' && e.status === 'ok'));
    assert.ok(!existsSync(path.join(dir, '.wave', 'workspaces', runId, 'gnoshell', 'out', 'shell.txt')), 'the command never ran');
    const trace = readFileSync(path.join(dir, '.wave', 'traces', runId, 'tools.ndjson'), 'utf8');
    assert.match(trace, /"tool":"run_shell_command".*"denied":true/);

    const turns = model.requests.filter((r) => r.stepId === 'gnoshell' && r.kind === 'turn');
    assert.equal(turns.length, 3);
    assert.ok(!declaredTools(turns[0]!.body).includes('run_shell_command'), 'the policy removed the shell from the tools');
    assert.ok(declaredTools(turns[0]!.body).includes('write_file'));
    // The refusal the model read: the expect_tool_result turn was served, not replaced by a mismatch note.
    assert.equal(turns[1]!.note, undefined, String(turns[1]!.note));
    assert.match(JSON.stringify(turns[1]!.body), /Tool \\"run_shell_command\\" not found/);
  });
});

function logFiles(runId: string): string[] {
  const traces = path.join(dir, '.wave', 'traces');
  const files = [path.join(traces, `${runId}.log`), path.join(traces, runId, 'tools.ndjson'), path.join(traces, runId, 'egress.ndjson')];
  return files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'));
}
