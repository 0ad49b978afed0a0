// `source: stdout` outputs in a real run: the step's stdout becomes the artifact a dependent step receives, and a
// step that also writes that file itself fails instead of having it replaced.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

describe('stdout outputs in a run', { skip }, () => {
  let dir: string;
  before(() => {
    dir = createCommandProject('wave-stdout-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the step's stdout is the artifact; stderr is not in it", () => {
    writePipeline(
      dir,
      'printed',
      `  - id: say
    exec: {type: command, script: 'echo hello; echo oops >&2; echo world'}
    output_artifacts: [{name: said, path: said.txt, source: stdout}]
  - id: read
    dependencies: [say]
    exec: {type: command, script: 'cat {{ deps.say.said }} > /wave/out/copy.txt'}
    output_artifacts: [{name: copy, path: copy.txt}]
`,
    );
    const res = runWave(['run', 'printed', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const copy = path.join(dir, '.wave', 'workspaces', runIdOf(res.stdout), 'read', 'out', 'copy.txt');
    assert.equal(readFileSync(copy, 'utf8'), 'hello\nworld\n');
  });

  test('a step that writes its stdout output itself fails', () => {
    writePipeline(
      dir,
      'clash',
      `  - id: say
    exec: {type: command, script: 'echo hi; echo mine > /wave/out/said.txt'}
    output_artifacts: [{name: said, path: said.txt, source: stdout}]
`,
    );
    const res = runWave(['run', 'clash', '-o', 'json'], dir);
    assert.notEqual(res.status, 0);
    assert.match(res.stdout + res.stderr, /stdout output said: the step itself wrote the file/);
  });
});
