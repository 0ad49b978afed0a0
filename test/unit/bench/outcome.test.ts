import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluationScript, readReward, testExits } from '../../../src/bench/evaluate.js';
import { verdictOfEvaluation, verdictOfRun, type EvaluationEnd } from '../../../src/bench/outcome.js';
import type { BenchTask, TaskJudge } from '../../../src/bench/types.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const tests: TaskJudge = { kind: 'tests', testCmd: 'run "$1"', failToPass: ['f1', 'f2'], passToPass: ['p1'] };
const script: TaskJudge = { kind: 'script', testsDir: '/x/tests' };

function ended(over: Partial<EvaluationEnd>): EvaluationEnd {
  return { status: 'exited', exitCode: 0, testExits: new Map(), outputTail: '', ...over };
}

describe('verdict of a run', () => {
  const failed = (failureClass: string, error = 'boom', contractFailure = false) =>
    verdictOfRun({ status: 'failed', failureClass: failureClass as never, contractFailure, error });

  it('a completed run goes on to its evaluation', () => {
    assert.equal(verdictOfRun({ status: 'completed', contractFailure: false }), undefined);
  });

  it('classes what was not the answer: timeout, provider, contract, OOM, infrastructure', () => {
    const cls = (v: ReturnType<typeof verdictOfRun>) => `${v?.outcome}/${v?.failureClass}`;
    assert.equal(cls(failed('timeout')), 'error/timeout');
    assert.equal(cls(failed('stalled')), 'error/timeout');
    assert.equal(cls(failed('rate_limit')), 'error/provider_error');
    assert.equal(cls(failed('provider_error')), 'error/provider_error');
    assert.equal(cls(failed('auth')), 'error/provider_error');
    assert.equal(cls(failed('exit', 'bad output', true)), 'error/contract');
    assert.equal(cls(failed('contract')), 'error/contract');
    assert.equal(cls(failed('exit', 'killed: out of memory (raise resources.memory)')), 'error/oom');
    assert.equal(cls(failed('infrastructure')), 'error/infrastructure');
    assert.equal(cls(failed('internal')), 'error/infrastructure');
    const limit = verdictOfRun({ status: 'cancelled', contractFailure: false, agentTimedOut: true });
    assert.equal(cls(limit), 'error/timeout');
    const late = verdictOfRun({ status: 'completed', contractFailure: false, agentTimedOut: true });
    assert.equal(cls(late), 'error/timeout');
  });

  it('an agent or command that failed on its own is a wrong answer', () => {
    const v = failed('exit', 'exit code 1');
    assert.equal(v?.outcome, 'unresolved');
    assert.equal(v?.failureClass, null);
    assert.match(v?.reason ?? '', /exit code 1/);
  });
});

describe('verdict of an evaluation', () => {
  it('SWE-bench: resolved only when every FAIL_TO_PASS and PASS_TO_PASS test passed', () => {
    const all = verdictOfEvaluation(
      tests,
      ended({
        testExits: new Map([
          [0, 0],
          [1, 0],
          [2, 0],
        ]),
      }),
      1000,
    );
    assert.equal(all.outcome, 'resolved');
    assert.deepEqual(all.tests, {
      FAIL_TO_PASS: { f1: 'passed', f2: 'passed' },
      PASS_TO_PASS: { p1: 'passed' },
    });
    const broke = verdictOfEvaluation(
      tests,
      ended({
        testExits: new Map([
          [0, 0],
          [1, 0],
          [2, 1],
        ]),
      }),
      1000,
    );
    assert.equal(broke.outcome, 'unresolved');
    assert.match(broke.reason ?? '', /1 of 3 tests did not pass: p1/);
    const missing = verdictOfEvaluation(
      tests,
      ended({
        testExits: new Map([
          [0, 0],
          [2, 0],
        ]),
      }),
      1000,
    );
    assert.equal(missing.outcome, 'unresolved');
    assert.deepEqual(missing.tests?.FAIL_TO_PASS, { f1: 'passed', f2: 'not_run' });
  });

  it('SWE-bench: no test reached at all is the environment failing, not the answer', () => {
    const v = verdictOfEvaluation(tests, ended({ exitCode: 125, outputTail: 'cd: no such dir' }), 1000);
    assert.equal(v.outcome, 'error');
    assert.equal(v.failureClass, 'infrastructure');
  });

  it('SWE-bench without test lists: the test command once decides', () => {
    const judge: TaskJudge = { kind: 'tests', testCmd: 'make test', failToPass: [], passToPass: [] };
    assert.equal(verdictOfEvaluation(judge, ended({ testExits: new Map([[0, 0]]) }), 1).outcome, 'resolved');
    assert.equal(verdictOfEvaluation(judge, ended({ testExits: new Map([[0, 2]]) }), 1).outcome, 'unresolved');
  });

  it('Harbor: the reward file decides when there is one, else the exit code', () => {
    assert.equal(verdictOfEvaluation(script, ended({ exitCode: 0 }), 1).outcome, 'resolved');
    assert.equal(verdictOfEvaluation(script, ended({ exitCode: 1 }), 1).outcome, 'unresolved');
    const full = verdictOfEvaluation(script, ended({ exitCode: 1, reward: 1 }), 1);
    assert.equal(full.outcome, 'resolved');
    const partial = verdictOfEvaluation(script, ended({ exitCode: 0, reward: 0.5 }), 1);
    assert.equal(partial.outcome, 'unresolved');
    assert.equal(partial.reward, 0.5);
  });

  it('a timed out, OOM-killed or cancelled evaluation is an error of its class', () => {
    const v = verdictOfEvaluation(script, ended({ status: 'timed_out', exitCode: 137 }), 3000);
    assert.deepEqual([v.outcome, v.failureClass, v.reason], ['error', 'timeout', 'the evaluation timed out after 3 s']);
    assert.equal(verdictOfEvaluation(tests, ended({ status: 'oom_killed' }), 1).failureClass, 'oom');
    assert.equal(verdictOfEvaluation(tests, ended({ status: 'cancelled' }), 1).failureClass, 'infrastructure');
  });
});

describe('evaluation script', () => {
  const task = { judge: tests } as BenchTask;

  it('runs each test with its name as $1, quoted, and marks its exit code with the nonce', () => {
    const judge: TaskJudge = { ...tests, failToPass: ["it's $(bad)"], passToPass: [] };
    const text = evaluationScript({ judge } as BenchTask, 'n0nce');
    assert.match(text, /WAVE_BENCH_TEST_CMD='run "\$1"'/);
    assert.match(text, /t 0 'it'\\''s \$\(bad\)'/);
    assert.match(text, /echo "WAVE_BENCH_n0nce \$1 \$\?"/);
    assert.ok(evaluationScript(task, 'n0nce').includes("t 2 'p1'"));
  });

  it('reads only lines carrying the nonce: a test cannot forge a pass without it', () => {
    const exits = testExits(
      ['WAVE_BENCH_abc 0 0', 'WAVE_BENCH_xyz 1 0', 'WAVE_BENCH_abc 1 3', 'noise'].join('\n'),
      'abc',
    );
    assert.deepEqual(
      [...exits],
      [
        [0, 0],
        [1, 3],
      ],
    );
  });

  it('reads a Harbor reward from reward.txt, else reward.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wave-reward-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(await readReward(dir), undefined);
    writeFileSync(path.join(dir, 'reward.json'), '{"reward": 0.25}');
    assert.equal(await readReward(dir), 0.25);
    writeFileSync(path.join(dir, 'reward.txt'), '1\n');
    assert.equal(await readReward(dir), 1);
  });
});
