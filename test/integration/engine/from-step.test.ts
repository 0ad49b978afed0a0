// `wave run <pipeline> --from-step X` end to end with command steps in real containers: the steps upstream of X
// are not run again (no step_started, 0 attempts) but reused from an earlier run, with their artifacts copied
// and checked; X and everything downstream run and see those artifacts exactly as in a normal run.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../../src/state/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import {
  createCommandProject,
  ndjsonEvents,
  runIdOf as runIdFromStdout,
  runStatus,
  writePipeline,
} from '../../support/command-project.js';
import { runWave, type CliRun } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-from-step-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const pipeline = (name: string, steps: string) => writePipeline(dir, name, steps);

// a writes something that differs on every run, so a re-run of a would show in c's output. c fails on its first
// attempt when the run's source snapshot has FAIL_C (a resumed run keeps its snapshot; attempt 2 passes).
const CHAIN = `  - id: a
    exec: {type: command, script: "cat /proc/sys/kernel/random/uuid > /wave/out/a.txt"}
    output_artifacts: [{name: a, path: a.txt}]
  - id: b
    dependencies: [a]
    exec: {type: command, script: "(cat /wave/in/a/a.txt; echo b) > /wave/out/b.txt"}
    output_artifacts: [{name: b, path: b.txt}]
  - id: c
    dependencies: [b]
    exec: {type: command, script: "if [ -f /wave/src/FAIL_C ] && [ $WAVE_ATTEMPT = 1 ]; then exit 1; fi; (cat {{ deps.b.b }}; echo c) > /wave/out/c.txt"}
    output_artifacts: [{name: c, path: c.txt}]
`;

interface Event {
  type: string;
  runId: string;
  stepId?: string;
  fromRun?: string;
  artifacts?: Array<{ name: string; path: string; sha256: string }>;
}
interface Status {
  status: string;
  steps: Array<{ id: string; status: string; attempts: number; reusedFrom: string | null }>;
}

const events = (res: CliRun) => ndjsonEvents<Event>(res.stdout);
const runIdOf = (res: CliRun) => runIdFromStdout(res.stdout);
const status = (runId: string) => runStatus<Status>(dir, runId);
function withStore<T>(fn: (store: Store) => T): T {
  const store = new Store(path.join(dir, '.wave', 'state.db'));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
function artifactOf(runId: string, stepId: string): { path: string; sha256: string } {
  const record = withStore((s) => s.artifacts.list(runId, stepId)[0]);
  assert.ok(record, `run ${runId} has an artifact for ${stepId}`);
  return record;
}
function exported(runId: string, step: string, file: string): string {
  const out = mkdtempSync(path.join(tmpdir(), 'wave-export-'));
  try {
    const res = runWave(['artifacts', runId, '--export', out], dir);
    assert.equal(res.status, 0, res.stderr);
    return readFileSync(path.join(out, step, file), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
/** A user error: exit code 2, one `error:` line and one `hint:` line on stderr, no stack trace. */
function assertUsageError(res: CliRun, message: RegExp, hint: RegExp): void {
  assert.equal(res.status, 2, res.stdout + res.stderr);
  const errors = res.stderr.split('\n').filter((l) => l.startsWith('error:'));
  const hints = res.stderr.split('\n').filter((l) => l.startsWith('hint:'));
  assert.equal(errors.length, 1, res.stderr);
  assert.match(errors[0] ?? '', message);
  assert.equal(hints.length, 1, res.stderr);
  assert.match(hints[0] ?? '', hint);
  assert.doesNotMatch(res.stderr, /^\s+at /m, 'no stack trace');
}

describe('wave run --from-step', { skip }, () => {
  let first: string;
  let second: string;
  let aLine: string;

  test('the whole chain runs first', () => {
    pipeline('chain', CHAIN);
    const res = runWave(['run', 'chain', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    first = runIdOf(res);
    aLine = readFileSync(artifactOf(first, 'a').path, 'utf8');
    assert.match(aLine, /^[0-9a-f-]{36}\n$/);
    assert.equal(exported(first, 'c', 'c.txt'), `${aLine}b\nc\n`);
  });

  test("--from-step b: a is reused (no container, 0 attempts), b and c run and see a's artifact", () => {
    const res = runWave(['run', 'chain', '--from-step', 'b', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    second = runIdOf(res);
    assert.notEqual(second, first, 'a new run');
    const evs = events(res);
    assert.deepEqual(
      evs.filter((e) => e.type === 'step_started').map((e) => e.stepId),
      ['b', 'c'],
      'no container started for a',
    );
    const reused = evs.filter((e) => e.type === 'step_reused');
    assert.deepEqual(
      reused.map((e) => [e.stepId, e.fromRun]),
      [['a', first]],
    );
    assert.ok(
      evs.findIndex((e) => e.type === 'step_reused') < evs.findIndex((e) => e.type === 'step_started'),
      'a is completed before b starts',
    );

    const s = status(second);
    assert.equal(s.status, 'completed');
    assert.deepEqual(
      s.steps.map((x) => [x.id, x.status, x.attempts, x.reusedFrom]),
      [
        ['a', 'completed', 0, first],
        ['b', 'completed', 1, null],
        ['c', 'completed', 1, null],
      ],
    );

    // a's artifact is a copy in the new run's workspace with the same hash, announced in the event.
    const original = artifactOf(first, 'a');
    const copy = artifactOf(second, 'a');
    assert.equal(copy.sha256, original.sha256);
    assert.notEqual(copy.path, original.path);
    assert.ok(copy.path.includes(`${path.sep}${second}${path.sep}a${path.sep}out${path.sep}`), copy.path);
    assert.deepEqual(
      reused[0]?.artifacts?.map((a) => [a.name, a.path, a.sha256]),
      [['a', copy.path, copy.sha256]],
    );

    // b read a's output through /wave/in/a/…, c through {{ deps.b.b }}: a did not run again.
    assert.equal(exported(second, 'c', 'c.txt'), `${aLine}b\nc\n`);
  });

  test('--dry-run --from-step shows what would be reused from which run and what would run', () => {
    const json = runWave(['run', 'chain', '--dry-run', '--from-step', 'c', '-o', 'json'], dir);
    assert.equal(json.status, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as {
      reusedFrom: string;
      reuse: string[];
      run: string[];
      steps: Array<{ id: string; action: string; reusedFrom?: string }>;
    };
    assert.equal(plan.reusedFrom, second, 'the newest run where a and b completed');
    assert.deepEqual([plan.reuse, plan.run], [['a', 'b'], ['c']]);
    assert.deepEqual(
      plan.steps.map((s) => [s.id, s.action, s.reusedFrom]),
      [
        ['a', 'reuse', second],
        ['b', 'reuse', second],
        ['c', 'run', undefined],
      ],
    );

    const text = runWave(['run', 'chain', '--dry-run', '--from-step', 'b', '--from-run', first], dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`from step b: run b, c; reuse a from run ${first}`));
    assert.match(text.stdout, new RegExp(`\\na  \\[reused from ${first}: not run again\\]`));
    assert.match(text.stdout, /nothing was started/);
    assert.equal(
      withStore((s) => s.runs.list({ pipeline: 'chain' }).length),
      2,
      'a dry run creates no run',
    );
  });

  test("removing the earlier run's workspace does not break the new run; --from-run then names the missing file", () => {
    const original = artifactOf(first, 'a').path;
    const firstWorkspace = path.dirname(path.dirname(path.dirname(original)));
    assert.equal(path.basename(firstWorkspace), first);
    rmSync(firstWorkspace, { recursive: true, force: true });

    assert.equal(exported(second, 'c', 'c.txt'), `${aLine}b\nc\n`, 'the new run has its own copy');
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'b', '--from-run', first], dir),
      new RegExp(`artifact a\\.a of run ${first} is gone: .*a\\.txt`),
      /--from-run|wave run chain/,
    );
  });

  test('wave resume of a --from-step run keeps the reused steps completed', () => {
    writeFileSync(path.join(dir, 'FAIL_C'), 'make c fail\n');
    const failed = runWave(['run', 'chain', '--from-step', 'c', '-o', 'json'], dir);
    rmSync(path.join(dir, 'FAIL_C'));
    assert.equal(failed.status, 3, failed.stderr + failed.stdout.slice(-2000));
    const third = runIdOf(failed);
    assert.deepEqual(
      events(failed)
        .filter((e) => e.type === 'step_started')
        .map((e) => e.stepId),
      ['c'],
    );

    const resumed = runWave(['resume', third, '-o', 'json'], dir);
    assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout.slice(-2000));
    assert.deepEqual(
      events(resumed)
        .filter((e) => e.type === 'step_started')
        .map((e) => e.stepId),
      ['c'],
    );
    assert.deepEqual(
      events(resumed).filter((e) => e.type === 'step_reused'),
      [],
      'nothing is taken over twice',
    );
    const s = status(third);
    assert.equal(s.status, 'completed');
    assert.deepEqual(
      s.steps.map((x) => [x.id, x.status, x.attempts, x.reusedFrom]),
      [
        ['a', 'completed', 0, second],
        ['b', 'completed', 0, second],
        ['c', 'completed', 2, null],
      ],
    );
    assert.equal(exported(third, 'c', 'c.txt'), `${aLine}b\nc\n`);
  });

  test('user errors: exit 2 with one line and a hint, and no run is created', () => {
    const before = withStore((s) => s.runs.list({ limit: 1000 }).length);
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'B'], dir),
      /--from-step B: pipeline chain has no such step \(did you mean 'b'\?\)/,
      /steps: a, b, c/,
    );
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'zz'], dir),
      /--from-step zz: pipeline chain has no such step$/,
      /steps: a, b, c/,
    );
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'b', '--steps', 'b,c'], dir),
      /--from-step and --steps cannot be combined/,
      /--steps runs exactly/,
    );
    assertUsageError(
      runWave(['run', 'chain', '--from-run', second], dir),
      /--from-run needs --from-step/,
      /--from-step <step>/,
    );

    pipeline(
      'other',
      `  - id: a\n    exec: {type: command, script: "true"}\n  - id: b\n    dependencies: [a]\n    exec: {type: command, script: "true"}\n`,
    );
    assertUsageError(
      runWave(['run', 'other', '--from-step', 'b'], dir),
      /no earlier run of other in which step a completed/,
      /run the whole pipeline first: wave run other/,
    );
    assertUsageError(
      runWave(['run', 'other', '--dry-run', '--from-step', 'b'], dir),
      /no earlier run of other/,
      /run the whole pipeline first/,
    );
    assertUsageError(
      runWave(['run', 'other', '--from-step', 'b', '--from-run', second], dir),
      new RegExp(`--from-run ${second} is a run of pipeline chain, not other`),
      /wave list runs/,
    );
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'b', '--from-run', 'chain-nope'], dir),
      /no run "chain-nope"/,
      /wave list runs/,
    );

    // The newest run where a and b completed is the resumed one; tamper with its a.txt, then take it away.
    const latest = withStore((s) => s.runs.latestWithCompletedSteps('chain', ['a', 'b']));
    assert.ok(latest);
    const file = artifactOf(latest.id, 'a').path;
    appendFileSync(file, 'tampered\n');
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'c'], dir),
      new RegExp(
        `artifact a\\.a of run ${latest.id} changed on disk since it was recorded: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
      /run the whole pipeline again|--from-run/,
    );
    writeFileSync(file, aLine);
    renameSync(file, `${file}.away`);
    assertUsageError(
      runWave(['run', 'chain', '--from-step', 'c'], dir),
      new RegExp(`artifact a\\.a of run ${latest.id} is gone`),
      /wave clean|--from-run/,
    );
    renameSync(`${file}.away`, file);
    assert.equal(
      withStore((s) => s.runs.list({ limit: 1000 }).length),
      before,
      'no run was created by a refused command',
    );

    // Restored as recorded: reusable again.
    const ok = runWave(['run', 'chain', '--from-step', 'c', '-o', 'json'], dir);
    assert.equal(ok.status, 0, ok.stderr + ok.stdout.slice(-2000));
    assert.deepEqual(
      events(ok)
        .filter((e) => e.type === 'step_reused')
        .map((e) => [e.stepId, e.fromRun]),
      [
        ['a', latest.id],
        ['b', latest.id],
      ],
    );
  });
});
