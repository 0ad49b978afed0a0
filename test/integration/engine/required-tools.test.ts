// requires.tools against real images: `command -v` in a hardened throwaway container of the image says which tools
// are on its PATH; wave validate reports what an image lacks, and wave run refuses before any step starts.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createToolChecker } from '../../../src/engine/required-tools.js';
import { createDockerSandbox } from '../../../src/sandbox/index.js';
import { dockerForTests, imageForTests, TEST_IMAGE } from '../../support/docker.js';
import { createCommandProject, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

describe('requires.tools against real images', { skip }, () => {
  let dir: string;
  before(() => {
    dir = createCommandProject('wave-tools-');
    assert.equal(runWave(['init'], dir).status, 0);
    writePipeline(
      dir,
      'tools',
      `  - id: build
    exec: {type: command, script: 'echo ran > /wave/out/ran.txt', image: '${TEST_IMAGE}'}
` + 'requires:\n  tools: [sh, definitely-not-a-tool]\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('sh is on the PATH of the base image, definitely-not-a-tool is not; a missing image is unchecked', async () => {
    const checker = createToolChecker(createDockerSandbox({ docker }));
    assert.deepEqual(await checker.check(TEST_IMAGE, ['sh', 'definitely-not-a-tool']), {
      missing: ['definitely-not-a-tool'],
    });
    assert.deepEqual(await checker.check('wave/not-built-here:never', ['sh']), {
      unchecked: 'image wave/not-built-here:never is not built here',
    });
  });

  test('wave validate names the image, the tool and file:line; wave run refuses with exit 6', () => {
    const validate = runWave(['validate', '--pipeline', 'tools'], dir);
    assert.equal(validate.status, 2, validate.stderr);
    const line = `tools.yaml:7:15: error: image ${TEST_IMAGE} lacks tool 'definitely-not-a-tool' (needed by`;
    assert.ok(validate.stderr.includes(line), validate.stderr);
    const run = runWave(['run', 'tools'], dir);
    assert.equal(run.status, 6, run.stderr);
    assert.match(run.stderr, /lacks tool 'definitely-not-a-tool'/);
    assert.doesNotMatch(run.stdout + run.stderr, /step_started|build.*started/);
  });

  test('wave doctor fails its tools check, naming the image, the tool, the pipeline and file:line', () => {
    const doctor = runWave(['doctor', '-o', 'json'], dir);
    const report = JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; summary: string }> };
    const tools = report.checks.find((c) => c.id === 'tools');
    assert.equal(tools?.status, 'fail', doctor.stdout);
    const summary = tools.summary;
    assert.ok(summary.startsWith(`image ${TEST_IMAGE} lacks tool 'definitely-not-a-tool' (needed by pipeline 'tools'`));
    assert.ok(summary.endsWith('(.wave/pipelines/tools.yaml:7)'), summary);
    assert.equal(doctor.status, 6);
  });
});
