// requires.tools: each image is asked once per process (by image id) which tools are on PATH, and the answers become
// validate's errors and warnings at the tool that is required, and wave run's refusal before any step starts.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadManifest } from '../../../src/config/index.js';
import { ExitCode, type WaveError } from '../../../src/errors.js';
import { validationChecks } from '../../../src/engine/preflight.js';
import { createToolChecker, requiredToolProblems } from '../../../src/engine/required-tools.js';
import { startRun } from '../../../src/engine/run-service.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { validateProject } from '../../../src/validate/index.js';
import { checkPipelineFile } from '../../../src/validate/project.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from '../config/_helpers.js';

/** Images by name: their id (absent = not built here) and the tools on their PATH; `sh: false` has no shell. */
type Images = Record<string, { id: string; tools: string[]; sh?: false }>;

interface Fake extends Sandbox {
  runs: SandboxSpec[];
}

function fakeSandbox(images: Images): Fake {
  const runs: SandboxSpec[] = [];
  return {
    kind: 'docker',
    runs,
    imageId: (image) => Promise.resolve(images[image]?.id),
    async run(spec, options) {
      runs.push(spec);
      const image = images[spec.image];
      const done = { durationMs: 1, containerId: 'fake', stdoutTail: '' };
      if (!image || image.sh === false) {
        return { ...done, status: 'exited', exitCode: 127, stderrTail: 'exec: "sh": executable file not found' };
      }
      if (spec.argv[0] !== 'sh' || spec.argv[3] !== 'wave-tools') {
        return { ...done, status: 'exited', exitCode: 0, stderrTail: '' }; // a step: does nothing
      }
      for (const tool of spec.argv.slice(4)) {
        const text = `wave-tool ${image.tools.includes(tool) ? 'yes' : 'no'} ${tool}`;
        await options?.onLine?.({ stream: 'stdout', text, truncatedBytes: 0 });
      }
      return { ...done, status: 'exited', exitCode: 0, stderrTail: '' };
    },
  };
}

const uniqueId = (): string => `sha256:${Math.random().toString(16).slice(2)}`;

const COMMAND_STEP = '  - id: build\n    exec: {type: command, script: "true", image: "tools/cmd:1"}\n';
const PROMPT_STEP = '  - id: ask\n    persona: navigator\n    exec: {type: prompt, source: hi}\n';

async function project(tools: string, steps = COMMAND_STEP + PROMPT_STEP, extra = '') {
  return tempProject({
    'wave.yaml': manifestYaml(extra),
    ...PROMPT_FILES,
    '.wave/pipelines/p.yaml': pipelineYaml(steps, `requires:\n  tools: ${tools}\n`),
  });
}

async function problems(dir: string, sandbox: Sandbox) {
  const { manifest } = await loadManifest(path.join(dir, 'wave.yaml'));
  const checked = await checkPipelineFile(path.join(dir, '.wave/pipelines/p.yaml'), dir, manifest);
  assert.ok(checked.loaded, JSON.stringify(checked.problems));
  const found = await requiredToolProblems(checked.loaded, manifest, createToolChecker(sandbox));
  return found.map((p) => `${p.line}:${p.column} ${p.severity}: ${p.message}`);
}

describe('requires.tools', () => {
  it('names each image that lacks a tool, at the tool, with the pipeline and the steps', async () => {
    const sandbox = fakeSandbox({
      'tools/cmd:1': { id: uniqueId(), tools: ['sh', 'git'] },
      'wave/claude:latest': { id: uniqueId(), tools: ['sh'] },
    });
    assert.deepEqual(await problems(await project('[sh, git]'), sandbox), [
      "5:15 error: image wave/claude:latest lacks tool 'git' (needed by pipeline 'demo'; step ask run in it)",
    ]);
  });

  it('an image that is not built here, or cannot run the check, is a warning that it was not checked', async () => {
    const sandbox = fakeSandbox({ 'wave/claude:latest': { id: uniqueId(), tools: [], sh: false } });
    const [notBuilt, noShell] = await problems(await project('[gh]'), sandbox);
    assert.equal(
      notBuilt,
      '5:10 warning: requires.tools: could not check image tools/cmd:1 (step build): ' +
        'image tools/cmd:1 is not built here',
    );
    assert.match(
      noShell ?? '',
      /^5:10 warning: .* wave\/claude:latest \(step ask\): the check did not run in image .*exit code 127: exec: "sh"/,
    );
  });

  it('asks an image once per process and tool, by its id: a rebuilt tag is asked again', async () => {
    const images: Images = { 'tools/cmd:1': { id: uniqueId(), tools: ['sh'] } };
    const sandbox = fakeSandbox(images);
    const checker = createToolChecker(sandbox);
    assert.deepEqual(await checker.check('tools/cmd:1', ['sh', 'definitely-not-a-tool']), {
      missing: ['definitely-not-a-tool'],
    });
    assert.deepEqual(await createToolChecker(sandbox).check('tools/cmd:1', ['sh']), { missing: [] });
    assert.equal(sandbox.runs.length, 1, 'the second checker used the process-wide answers');
    await checker.check('tools/cmd:1', ['sh', 'jq']);
    assert.deepEqual(sandbox.runs[1]?.argv.slice(4), ['jq'], 'only the tool not asked yet');
    images['tools/cmd:1'] = { id: uniqueId(), tools: ['sh', 'jq'] };
    assert.deepEqual(await checker.check('tools/cmd:1', ['sh', 'jq']), { missing: [] });
    assert.equal(sandbox.runs.length, 3);
    const probe = sandbox.runs[0];
    assert.equal(probe?.network, 'none');
    assert.equal(probe?.env, undefined);
    assert.deepEqual(probe?.extraMounts, undefined);
  });

  it('a tool name may come from project.*; a name that is no command is refused by validate', async () => {
    const named = await project('["{{ project.cli }}"]', COMMAND_STEP, 'project:\n  cli: gh\n');
    const sandbox = fakeSandbox({ 'tools/cmd:1': { id: uniqueId(), tools: [] } });
    assert.deepEqual(await problems(named, sandbox), [
      "5:11 error: image tools/cmd:1 lacks tool 'gh' (needed by pipeline 'demo'; step build run in it)",
    ]);
    const bad = await project('["gh; rm -rf /", "{{ project.cli }}"]', COMMAND_STEP, 'project:\n  cli: "a b"\n');
    const r = await validateProject({ manifestPath: path.join(bad, 'wave.yaml'), pipeline: 'p' });
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.message}`),
      [
        "5:11 'requires.tools[0]' must be a command name such as gh (or a {{ project.* }} / {{ forge.* }} " +
          'template) (got string "gh; rm -rf /")',
        "5:27 requires.tools: 'a b' is not a command name",
      ],
    );
  });

  it('wave validate without a Docker engine: a warning that the images could not be checked', async () => {
    const dir = await project('[gh]', COMMAND_STEP);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${path.join(dir, 'no-engine.sock')}`;
    try {
      const r = await validateProject({
        manifestPath: path.join(dir, 'wave.yaml'),
        pipeline: 'p',
        extraChecks: validationChecks(),
      });
      const [warning, ...more] = r.problems.filter((p) => p.message.startsWith('requires.tools'));
      assert.deepEqual(more, []);
      assert.equal(warning?.severity, 'warning');
      assert.match(warning?.message ?? '', /^requires\.tools: could not check image tools\/cmd:1 \(step build\): /);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it("the original's requires.skills is refused", async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(),
      ...PROMPT_FILES,
      '.wave/pipelines/p.yaml': pipelineYaml(COMMAND_STEP, 'requires:\n  skills: {gh-cli: {check: gh --version}}\n'),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: 'p' });
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.message}`),
      ["5:3 'requires': 'skills' is not supported yet"],
    );
  });

  it('wave run refuses before any step starts (exit 6), naming the image, the tool and file:line', async () => {
    const dir = await project('[sh, definitely-not-a-tool]', COMMAND_STEP);
    const sandbox = fakeSandbox({ 'tools/cmd:1': { id: uniqueId(), tools: ['sh'] } });
    const options = { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml'), sinks: [], sandbox };
    await assert.rejects(startRun(options, 'p', '', {}), (err: WaveError) => {
      assert.equal(err.code, 'tools_missing');
      assert.equal(err.exitCode, ExitCode.infrastructure);
      const expected =
        /p\.yaml:5: image tools\/cmd:1 lacks tool 'definitely-not-a-tool' \(needed by pipeline 'demo'; step build/;
      assert.match(err.message, expected);
      return true;
    });
    assert.ok(
      sandbox.runs.every((r) => r.argv[3] === 'wave-tools'),
      'only the check ran',
    );
  });
});
