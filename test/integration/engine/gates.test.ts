// Gates end to end with command steps in real containers: an approval answered by `wave gate` from a second
// process, --auto-approve (with a timer gate on the way), timeouts with and without a default, reject, a choice
// that runs an upstream step again, and kill -9 while waiting followed by `wave resume` (waiting again, or taking
// an answer given while no process ran).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, runStatus, writePipeline } from '../../support/command-project.js';
import { runWave, spawnWave, waitForEvent } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-gates-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Status {
  status: string;
  error: string | null;
  exitCode: number | null;
  steps: Array<{
    id: string;
    status: string;
    attempts: number;
    error: string | null;
    gate?: Array<{ round: number; answer?: { choice: string | null; how: string; by: string; message?: string } }>;
  }>;
}
const status = (runId: string) => runStatus<Status>(dir, runId);
const step = (s: Status, id: string) => s.steps.find((x) => x.id === id);
const lastAnswer = (s: Status, id: string) => step(s, id)?.gate?.at(-1)?.answer;

/** build → approve (the given gate) → after, which checks the decision it reads from the gate's artifact. */
const gated = (gate: string, expect: string) => `  - id: build
    exec: {type: command, script: "echo built"}
  - id: approve
    dependencies: [build]
    gate:
${gate}
  - id: after
    dependencies: [approve]
    exec: {type: command, script: "[ {{ steps.approve.artifacts.decision.choice }} = ${expect} ]"}
`;

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitingAt(child: ChildProcess, round = 1): Promise<string> {
  const e = await waitForEvent<{ runId: string }>(child, (x) => x.type === 'gate_waiting' && x.round === round);
  return e.runId;
}

describe('gates (command steps)', { skip }, () => {
  test('an approval answered by wave gate approve from a second process resumes the run', async () => {
    writePipeline(dir, 'approval', gated('      type: approval\n      message: ship it?', 'approve'));
    const child = spawnWave(['run', 'approval', '-o', 'json'], dir);
    const runId = await waitingAt(child);
    assert.equal(status(runId).steps.find((s) => s.id === 'approve')?.status, 'waiting');
    const listed = runWave(['gate', 'list', '-o', 'json'], dir);
    const open = JSON.parse(listed.stdout) as Array<{ runId: string; stepId: string; message: string }>;
    assert.ok(open.some((g) => g.runId === runId && g.stepId === 'approve' && g.message === 'ship it?'));

    const answered = runWave(['gate', 'approve', runId, 'approve', '--message', 'looks good'], dir);
    assert.equal(answered.status, 0, answered.stderr);
    assert.equal(await exitOf(child), 0);
    const s = status(runId);
    assert.equal(s.status, 'completed');
    const answer = lastAnswer(s, 'approve');
    assert.deepEqual([answer?.choice, answer?.how, answer?.message], ['approve', 'cli', 'looks good']);
    const again = runWave(['gate', 'approve', runId, 'approve'], dir);
    assert.equal(again.status, 2, 'a gate is answered once');
    assert.match(again.stderr, /not waiting for an answer/);
    const logs = runWave(['logs', runId], dir);
    assert.match(logs.stdout, /approve gate answered 'approve' by \S+ \(cli\): looks good/);
  });

  test('--auto-approve takes the default; a timer gate on the way waits its time', () => {
    const steps =
      gated(
        '      type: approval\n      choices: [{key: go, label: Go}, {key: stop, label: Stop, target: _fail}]\n' +
          '      default: go',
        'go',
      ) +
      `  - id: pause
    dependencies: [after]
    gate: {type: timer, timeout: 1s}
`;
    writePipeline(dir, 'auto', steps);
    const res = runWave(['run', 'auto', '--auto-approve', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const s = status(runIdOf(res.stdout));
    assert.equal(lastAnswer(s, 'approve')?.choice, 'go');
    assert.equal(lastAnswer(s, 'approve')?.how, 'auto');
    assert.equal(lastAnswer(s, 'pause')?.how, 'timeout');
    assert.equal(step(s, 'pause')?.status, 'completed');
  });

  test('--auto-approve refuses a gate with choices and no default before the run starts', () => {
    writePipeline(
      dir,
      'nodefault',
      gated('      type: approval\n      choices: [{key: a, label: A}, {key: b, label: B}]', 'a'),
    );
    const res = runWave(['run', 'nodefault', '--auto-approve'], dir);
    assert.equal(res.status, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /--auto-approve: gate 'approve' has choices \(a, b\) and no default/);
  });

  test('a timeout takes the default; without a default the step times out and the run fails', () => {
    writePipeline(
      dir,
      'late-default',
      gated('      type: approval\n      timeout: 1s\n      choices: [{key: ok, label: OK}]\n      default: ok', 'ok'),
    );
    const withDefault = runWave(['run', 'late-default', '-o', 'json'], dir);
    assert.equal(withDefault.status, 0, withDefault.stderr);
    assert.equal(lastAnswer(status(runIdOf(withDefault.stdout)), 'approve')?.how, 'timeout');

    writePipeline(dir, 'late', gated('      type: approval\n      timeout: 1s', 'approve'));
    const without = runWave(['run', 'late', '-o', 'json'], dir);
    assert.equal(without.status, 3, without.stderr);
    const s = status(runIdOf(without.stdout));
    assert.equal(step(s, 'approve')?.status, 'timed_out');
    assert.equal(lastAnswer(s, 'approve')?.choice, null);
    assert.equal(step(s, 'after')?.status, 'skipped');
  });

  test('wave gate reject ends the run rejected (exit 8) with the message', async () => {
    writePipeline(dir, 'rejected', gated('      type: approval', 'approve'));
    const child = spawnWave(['run', 'rejected', '-o', 'json'], dir);
    const runId = await waitingAt(child);
    const res = runWave(['gate', 'reject', runId, 'approve', '--message', 'not today'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(await exitOf(child), 8);
    const s = status(runId);
    assert.equal(s.status, 'rejected');
    assert.match(s.error ?? '', /gate 'approve' rejected by \S+: not today/);
    assert.equal(step(s, 'approve')?.status, 'failed');
    assert.equal(step(s, 'after')?.status, 'skipped');
  });

  test('a choice whose target is upstream runs that step again, then the gate asks again', async () => {
    writePipeline(
      dir,
      'rework',
      gated(
        '      type: approval\n      choices: [{key: again, label: Again, target: build}, {key: ship, label: Ship}]',
        'ship',
      ),
    );
    const child = spawnWave(['run', 'rework', '-o', 'json'], dir);
    const runId = await waitingAt(child, 1);
    assert.equal(runWave(['gate', 'approve', runId, 'approve', '--choice', 'again'], dir).status, 0);
    await waitingAt(child, 2);
    const bad = runWave(['gate', 'approve', runId, 'approve', '--choice', 'nope'], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--choice 'nope' is not a choice of gate 'approve'/);
    assert.equal(runWave(['gate', 'approve', runId, 'approve', '--choice', 'ship'], dir).status, 0);
    assert.equal(await exitOf(child), 0);
    const s = status(runId);
    assert.deepEqual(
      s.steps.map((x) => [x.id, x.status, x.attempts]),
      [
        ['build', 'completed', 2],
        ['approve', 'completed', 2],
        ['after', 'completed', 1],
      ],
    );
    assert.deepEqual(
      step(s, 'approve')?.gate?.map((g) => [g.round, g.answer?.choice]),
      [
        [1, 'again'],
        [2, 'ship'],
      ],
    );
  });

  test('kill -9 while waiting: wave resume waits at the gate again without re-running build', async () => {
    writePipeline(dir, 'killed', gated('      type: approval', 'approve'));
    const child = spawnWave(['run', 'killed', '-o', 'json'], dir);
    const runId = await waitingAt(child);
    child.kill('SIGKILL');
    await exitOf(child);

    const resumed = spawnWave(['resume', runId, '-o', 'json'], dir);
    await waitingAt(resumed, 1);
    assert.equal(runWave(['gate', 'approve', runId, 'approve'], dir).status, 0);
    assert.equal(await exitOf(resumed), 0);
    const s = status(runId);
    assert.equal(s.status, 'completed');
    assert.equal(step(s, 'build')?.attempts, 1, 'build did not run again');
  });

  test('an answer given while no process runs the run is taken on wave resume', async () => {
    writePipeline(dir, 'offline', gated('      type: approval', 'approve'));
    const child = spawnWave(['run', 'offline', '-o', 'json'], dir);
    const runId = await waitingAt(child);
    child.kill('SIGKILL');
    await exitOf(child);
    const listed = runWave(['gate', 'list'], dir);
    assert.match(listed.stdout, new RegExp(`${runId}\\s+approve\\s+approval.*taken on wave resume`));
    assert.equal(runWave(['gate', 'approve', runId, 'approve'], dir).status, 0);

    const res = runWave(['resume', runId, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const s = status(runId);
    assert.equal(step(s, 'build')?.attempts, 1);
    assert.equal(lastAnswer(s, 'approve')?.how, 'cli');
  });
});
