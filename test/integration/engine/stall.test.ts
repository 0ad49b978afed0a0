// runtime.stall_timeout in a real run: a command step that goes quiet is stopped (SIGTERM, then SIGKILL) and fails
// 'stalled: no output for <d>'; one that keeps printing, a line at a time more often than the limit, completes.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { createCommandProject, ndjsonEvents, writePipeline } from '../../support/command-project.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

describe('stall watchdog in a run', { skip }, () => {
  let dir: string;
  before(() => {
    dir = createCommandProject('wave-stall-');
    assert.equal(runWave(['init'], dir).status, 0);
    const file = path.join(dir, 'wave.yaml');
    const manifest = parse(readFileSync(file, 'utf8'));
    manifest.runtime.stall_timeout = '2s';
    manifest.runtime.timeouts = { process_grace_seconds: 1 };
    writeFileSync(file, stringify(manifest));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a step that prints nothing for the limit is stopped and fails as stalled', () => {
    writePipeline(
      dir,
      'quiet',
      `  - id: nap\n    exec: {type: command, script: 'echo start; sleep 600'}\n    retry: {policy: none}\n`,
    );
    const res = runWave(['run', 'quiet', '-o', 'json'], dir);
    assert.equal(res.status, 3, res.stderr);
    const failed = ndjsonEvents<{ type: string; reason?: string; failureClass?: string }>(res.stdout).find(
      (e) => e.type === 'step_failed',
    );
    assert.deepEqual(failed && [failed.reason, failed.failureClass], ['stalled: no output for 2s', 'stalled']);
  });

  test('a step that keeps printing more often than the limit completes', () => {
    const script = 'for i in 1 2 3 4 5 6; do echo $i; sleep 0.5; done';
    writePipeline(
      dir,
      'chatty',
      `  - id: talk\n    exec: {type: command, script: '${script}'}\n    retry: {policy: none}\n`,
    );
    const res = runWave(['run', 'chatty', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-1000));
  });
});
