// Every default pipeline (defaults/pipelines/*.yaml, so one added later is covered too) runs end to end offline on
// every adapter, as a new user would run it: `wave init`, then `wave run <pipeline> "<input>" --adapter X` with no
// provider key, so Wave answers with its scripted model (defaults/scripts/<pipeline>.yaml) through the real CLI in
// its real container. The script's actions are written once; each CLI gets them as its own tool calls. The input
// carries quotes and a `$`, so it only arrives intact if every CLI's call kept it as data.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PROVIDERS } from '../../src/sandbox/egress/providers.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { runPipeline } from '../support/e2e-project.js';
import { runWave } from '../support/run-cli.js';

const defaults = fileURLToPath(new URL('../../defaults/', import.meta.url));
const PIPELINES = readdirSync(path.join(defaults, 'pipelines'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();
const ADAPTERS = ['claude', 'codex', 'gemini', 'opencode'];
const INPUT = `Ada "Countess" O'Brien $HOME`;
/** The tools each CLI's events name for the scripts' write, run and read (Codex's shell is reported as Bash). */
const TOOLS: Record<string, string[]> = {
  claude: ['Write', 'Bash', 'Read'],
  codex: ['Bash'],
  gemini: ['write_file', 'run_shell_command', 'read_file'],
  opencode: ['write', 'bash', 'read'],
};

const { docker, skip: noDocker } = await dockerForTests();
const missing = new Map<string, boolean | string>();
for (const adapter of ADAPTERS) {
  missing.set(adapter, noDocker || (await imageForTests(docker, `wave/${adapter}:latest`)));
}

/** No provider key in the environment: the offline demo is what a new user without one sees. */
const OFFLINE_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.values(PROVIDERS).flatMap((p) => p.hostKeyEnv.map((k) => [k, undefined])),
);

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh project as `wave init` writes it: a git repository with a README and the default manifest. */
function newProject(adapter: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `wave-e2e-defaults-${adapter}-`));
  dirs.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(path.join(dir, 'README.md'), '# A project\n');
  writeFileSync(path.join(dir, '.gitignore'), '.wave/\nexport/\n');
  // A commit: impl-issue works in a tree made from it.
  execFileSync('git', ['add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'first'], {
    cwd: dir,
  });
  assert.equal(runWave(['init'], dir).status, 0);
  return dir;
}

/** The run's exported artifacts: `<step>/<file>` → content. */
function exportArtifacts(dir: string, runId: string): Map<string, string> {
  const out = path.join(dir, 'export', runId);
  const res = runWave(['artifacts', runId, '--export', out], dir);
  assert.equal(res.status, 0, res.stderr);
  const files = new Map<string, string>();
  for (const step of readdirSync(out)) {
    for (const entry of readdirSync(path.join(out, step), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.relative(path.join(out, step), path.join(entry.parentPath, entry.name));
      files.set(`${step}/${file}`, readFileSync(path.join(out, step, file), 'utf8'));
    }
  }
  return files;
}

interface PipelineDoc {
  steps: { id: string; output_artifacts?: { path: string }[] }[];
}

async function runOffline(dir: string, pipeline: string, adapter: string): Promise<void> {
  const flags = [INPUT, '--adapter', adapter];
  const { status, events, stderr } = await runPipeline(dir, pipeline, { env: OFFLINE_ENV, flags, timeoutMs: 600_000 });
  const failures = events.filter((e) => e.type === 'step_failed' || e.type === 'step_retrying');
  assert.equal(status, 0, `${pipeline} on ${adapter}: ${stderr}\n${JSON.stringify(failures)}`);
  assert.deepEqual(failures, [], 'every step passed at its first attempt');
  assert.match(stderr, /answering with the scripted model/, 'the run said it was an offline demo');
  const runId = events[0]?.runId as string;
  const calls = events.filter((e) => e.type === 'tool_call');
  assert.ok(calls.length > 0, 'the CLI made the scripted tool calls');
  for (const call of calls) {
    assert.ok(TOOLS[adapter]!.includes(String(call.name)), `${adapter} got its own tool: ${String(call.name)}`);
    assert.notEqual(call.status, 'error', `every action worked: ${JSON.stringify(call)}`);
  }
  assert.ok(!events.some((e) => e.type === 'warning' && e.code === 'permission_denied'), 'no action was refused');

  const doc = parse(readFileSync(path.join(defaults, 'pipelines', `${pipeline}.yaml`), 'utf8')) as PipelineDoc;
  const completed = new Set(events.filter((e) => e.type === 'step_completed').map((e) => e.stepId));
  const artifacts = exportArtifacts(dir, runId);
  for (const step of doc.steps) {
    assert.ok(completed.has(step.id), `step ${step.id} completed`);
    for (const out of step.output_artifacts ?? []) {
      const content = artifacts.get(`${step.id}/${path.basename(out.path)}`);
      assert.ok(content && content.trim() !== '', `${step.id} wrote ${out.path}`);
    }
  }
  // In a JSON artifact the input is a JSON string: its quotes come escaped.
  const inJson = JSON.stringify(INPUT).slice(1, -1);
  const naming = [...artifacts].filter(([, content]) => content.includes(INPUT) || content.includes(inJson));
  assert.ok(naming.length > 0, `an artifact names the input exactly: ${[...artifacts.keys()].join(', ')}`);
  if (pipeline === 'impl-issue') {
    // The change the CLI made in the worktree, published as a branch; the user's files untouched.
    assert.match(artifacts.get('implement/changes/changes.patch') ?? '', /^\+# Notes$/m);
    assert.equal(runWave(['apply', runId], dir).status, 0);
    const notes = execFileSync('git', ['show', `wave/${runId}:NOTES.md`], { cwd: dir, encoding: 'utf8' });
    assert.ok(notes.includes(INPUT), notes);
    assert.equal(execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir }).length, 0);
  }
  if (pipeline === 'hello-world') {
    const greeting = artifacts.get('greet/greeting.md') ?? '';
    assert.ok(greeting.startsWith(`# Greeting\n\nHello, ${INPUT},`), `the greeting names the input: ${greeting}`);
  }
}

describe('every default pipeline, offline, on every adapter', { concurrency: ADAPTERS.length }, () => {
  for (const adapter of ADAPTERS) {
    test(adapter, { skip: missing.get(adapter) }, async (t) => {
      const dir = newProject(adapter);
      for (const pipeline of PIPELINES) {
        await t.test(pipeline, () => runOffline(dir, pipeline, adapter));
      }
    });
  }
});
