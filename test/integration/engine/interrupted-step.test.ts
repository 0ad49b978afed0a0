// Through the real CLI and real containers: an attempt that throws on the host (here a dependency's artifact
// vanished from the workspace before `wave resume`, so copying it in fails with ENOENT) must fail its step,
// let the parallel step finish, exit 6 with the stack only in the run's log, and leave a run that the next
// `wave resume` completes. Before the fix the step stayed `running` and every later resume failed with
// "illegal state transition running → pending" (issue 13 finding 3, issue 14 item 5).
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, runStatus, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-interrupted-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Status {
  status: string;
  steps: Array<{
    id: string;
    status: string;
    attempts: number;
    error: string | null;
    attemptHistory: Array<{ status: string; failureClass: string | null }>;
  }>;
}
const status = (runId: string) => runStatus<Status>(dir, runId);
const stepsOf = (s: Status) => Object.fromEntries(s.steps.map((x) => [x.id, x.status]));

// `left` and `right` fail until GATE_OPEN=1 is passed through (so the first run leaves them to resume), and
// each reads its own upstream's artifact; on_failure continue keeps one from halting the other.
const PIPELINE = `  - id: up1
    exec: {type: command, script: "echo one > /wave/out/one.txt"}
    output_artifacts: [{name: one, path: one.txt}]
  - id: up2
    exec: {type: command, script: "echo two > /wave/out/two.txt"}
    output_artifacts: [{name: two, path: two.txt}]
  - id: left
    dependencies: [up1]
    sandbox: {env_passthrough: [GATE_OPEN]}
    retry: {max_attempts: 1, on_failure: continue}
    exec: {type: command, script: "[ \\"$GATE_OPEN\\" = 1 ] && cat /wave/in/up1/one.txt > /wave/out/left.txt"}
    output_artifacts: [{name: left, path: left.txt}]
  - id: right
    dependencies: [up2]
    sandbox: {env_passthrough: [GATE_OPEN]}
    retry: {max_attempts: 1, on_failure: continue}
    exec: {type: command, script: "[ \\"$GATE_OPEN\\" = 1 ] && cat /wave/in/up2/two.txt > /wave/out/right.txt"}
    output_artifacts: [{name: right, path: right.txt}]
`;

function artifactPath(runId: string, stepId: string): string {
  const store = new Store(defaultStatePath(dir));
  try {
    const [artifact] = store.artifacts.list(runId, stepId);
    assert.ok(artifact, `${stepId} recorded its artifact`);
    return artifact.path;
  } finally {
    store.close();
  }
}

describe('a step whose attempt throws on the host', { skip }, () => {
  test('fails alone with exit 6, the parallel step completes, and the next resume finishes the run', () => {
    writePipeline(dir, 'gate', PIPELINE);
    const first = runWave(['run', 'gate', '-o', 'json'], dir);
    assert.equal(first.status, 3, first.stderr + first.stdout.slice(-2000));
    const runId = runIdOf(first.stdout);
    assert.deepEqual(stepsOf(status(runId)), { up1: 'completed', up2: 'completed', left: 'failed', right: 'failed' });

    // The host loses up1's output (a disk cleaner, a partial `rm -rf`): copying it into left's in/ throws.
    const lost = artifactPath(runId, 'up1');
    const content = readFileSync(lost, 'utf8');
    rmSync(lost);

    const broken = runWave(['resume', runId], dir, { GATE_OPEN: '1' });
    assert.equal(broken.status, 6, `exit 6 (the host's trouble): ${broken.stderr}${broken.stdout.slice(-2000)}`);
    assert.doesNotMatch(broken.stdout + broken.stderr, /illegal state transition/);
    assert.doesNotMatch(broken.stdout + broken.stderr, /\n\s+at .*\.ts:\d+/, 'no stack trace on the terminal');
    assert.match(broken.stdout + broken.stderr, /left .*failed.*ENOENT/);
    const afterBroken = status(runId);
    assert.equal(afterBroken.status, 'failed');
    assert.deepEqual(stepsOf(afterBroken), { up1: 'completed', up2: 'completed', left: 'failed', right: 'completed' });
    const left = afterBroken.steps.find((s) => s.id === 'left');
    assert.match(left?.error ?? '', /^host error: ENOENT/);
    assert.deepEqual(
      left?.attemptHistory.map((a) => [a.status, a.failureClass]),
      [
        ['failed', 'exit'],
        ['failed', 'infrastructure'],
      ],
    );
    const logged = readFileSync(path.join(dir, '.wave', 'traces', `${runId}.log`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; stepId?: string; detail?: string });
    const detail = logged.find((l) => l.msg === 'step_failed' && l.stepId === 'left' && l.detail)?.detail ?? '';
    assert.match(detail, /^Error: ENOENT[^\n]*\n\s+at /, 'the stack is in the run log');

    // The file is back: the same run resumes and completes; nothing that completed runs again.
    writeFileSync(lost, content);
    const fixed = runWave(['resume', runId, '-o', 'json'], dir, { GATE_OPEN: '1' });
    assert.equal(fixed.status, 0, fixed.stderr + fixed.stdout.slice(-2000));
    const done = status(runId);
    assert.equal(done.status, 'completed');
    assert.deepEqual(
      done.steps.map((s) => [s.id, s.status, s.attempts]),
      [
        ['up1', 'completed', 1],
        ['up2', 'completed', 1],
        ['left', 'completed', 3],
        ['right', 'completed', 2],
      ],
    );
    assert.equal(readFileSync(artifactPath(runId, 'left'), 'utf8'), 'one\n');
  });
});
