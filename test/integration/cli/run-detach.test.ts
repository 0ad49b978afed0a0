// `wave run … --input-file - --detach`: the input read from stdin reaches the background run (issue 14 #6).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runStatus, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

describe('wave run --detach', { skip }, () => {
  let dir: string;
  before(() => {
    dir = createCommandProject('wave-detach-');
    writePipeline(
      dir,
      'echo',
      `  - id: echo
    exec: {type: command, script: "printf '%s' \\"$WAVE_INPUT\\" > /wave/out/input.txt"}
    output_artifacts: [{name: input, path: input.txt}]
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--input-file - hands what stdin held to the background run', async () => {
    const input = `line one\nline two: ${'x'.repeat(100_000)}\n`; // more than a pipe buffer holds
    const res = runWave(['run', 'echo', '--input-file', '-', '--detach', '-o', 'json'], dir, {}, input);
    assert.equal(res.status, 0, res.stderr);
    const { runId } = JSON.parse(res.stdout) as { runId: string };
    let status = '';
    for (let i = 0; i < 120 && !['completed', 'failed', 'cancelled'].includes(status); i++) {
      await sleep(1000);
      status = (() => {
        try {
          return runStatus<{ status: string }>(dir, runId).status;
        } catch {
          return ''; // not created yet
        }
      })();
    }
    assert.equal(status, 'completed', readFileSync(path.join(dir, '.wave', 'detached', `${runId}.log`), 'utf8'));
    const seen = readFileSync(path.join(dir, '.wave', 'workspaces', runId, 'echo', 'out', 'input.txt'), 'utf8');
    assert.equal(seen.length, input.length, `the step saw ${JSON.stringify(seen.slice(0, 40))}…`);
    assert.ok(seen === input);
  });
});
