// `wave bench` end to end with command steps in real containers (no agent, offline): a JSONL and a Harbor fixture
// dataset of 11 tasks each, some designed to fail in each way the report tells apart; every task's outcome is
// checked against its design. The JSONL batch is killed with SIGKILL mid-way and run again with the same command:
// no task that had completed runs again.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultStatePath, Store, type BenchTaskRecord } from '../../../src/state/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, ndjsonEvents } from '../../support/command-project.js';
import { runWave, runWaveAsync, spawnWave, waitForEvent } from '../../support/run-cli.js';
import { writeBenchPipeline, writeHarborDataset, writeJsonlDataset, type Expected } from './fixtures.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

let dir: string;
before(() => {
  dir = createCommandProject('wave-bench-');
  writeBenchPipeline(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tasksOf(benchId: string): BenchTaskRecord[] {
  const store = new Store(defaultStatePath(dir));
  try {
    return store.bench.tasks(benchId);
  } finally {
    store.close();
  }
}

interface Report {
  total: number;
  resolved: number;
  errorsByClass: Record<string, number>;
  tasks: Array<{ taskId: string; outcome: string; failureClass: string | null; reason: string | null }>;
}

function report(benchId: string): Report {
  const res = runWave(['bench', 'report', benchId, '-o', 'json'], dir);
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as Report;
}

function classified(r: Report): Expected {
  return Object.fromEntries(
    r.tasks.map((t) => [t.taskId, t.outcome === 'error' ? `error (${t.failureClass})` : t.outcome]),
  );
}

const runArgs = (dataset: string, benchId: string) => [
  'bench',
  'run',
  '--dataset',
  dataset,
  '--pipeline',
  'bench-cmd',
  '--workers',
  '4',
  '--bench-id',
  benchId,
  '-o',
  'json',
];

describe('wave bench', { skip }, () => {
  test('JSONL: kill -9 mid-batch, the same command again re-runs no completed task; outcomes as designed', async () => {
    const { file, expected } = writeJsonlDataset(dir);
    const first = spawnWave(runArgs(file, 'jsonl-1'), dir);
    let finished = 0;
    await waitForEvent(first, (e) => e.type === 'task_finished' && ++finished === 3, 240_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('close', resolve));
    const before = tasksOf('jsonl-1');
    const done = before.filter((t) => t.status === 'done');
    assert.ok(done.length >= 3, `at least 3 tasks done before the kill (${done.length})`);
    assert.ok(done.length < 11, 'the kill came mid-batch');

    const second = await runWaveAsync(runArgs(file, 'jsonl-1'), dir);
    assert.equal(second.status, 0, second.stderr);
    const events = ndjsonEvents<{ type: string; taskId?: string; done?: number; where?: string }>(second.stdout);
    const started = events.filter((e) => e.type === 'task_started').map((e) => e.taskId);
    for (const t of done) assert.ok(!started.includes(t.taskId), `${t.taskId} completed before the kill: not re-run`);
    assert.equal(events.find((e) => e.type === 'bench_started')?.done, done.length);
    // The bad lines are reported one each, with file:line, and skipped.
    const skipped = events.filter((e) => e.type === 'task_skipped').map((e) => path.basename(e.where ?? ''));
    assert.deepEqual(skipped, ['tasks.jsonl:4', 'tasks.jsonl:13']);

    const after = tasksOf('jsonl-1');
    for (const t of done) {
      const now = after.find((a) => a.taskId === t.taskId);
      assert.deepEqual([now?.runId, now?.tries, now?.outcome], [t.runId, 1, t.outcome], `${t.taskId} kept`);
    }
    assert.ok(after.every((t) => t.status === 'done'));
    const r = report('jsonl-1');
    assert.deepEqual(classified(r), expected);
    assert.equal(r.resolved, 5);
    assert.equal(r.errorsByClass.image_build, 1);
    const junit = readFileSync(path.join(dir, '.wave', 'bench', 'jsonl-1', 'junit.xml'), 'utf8');
    assert.match(junit, /tests="11" failures="3" errors="3"/);
  });

  test('Harbor: reward files, exit codes, a broken environment and an agent time limit, each as designed', async () => {
    const { dir: dataset, expected } = writeHarborDataset(dir);
    const res = await runWaveAsync(runArgs(dataset, 'harbor-1'), dir);
    assert.equal(res.status, 0, res.stderr);
    const skipped = ndjsonEvents<{ type: string; where?: string; message?: string }>(res.stdout).filter(
      (e) => e.type === 'task_skipped',
    );
    assert.deepEqual(
      skipped.map((e) => `${path.basename(e.where ?? '')}: ${e.message}`),
      ['h-incomplete: instruction.md: missing or empty'],
    );
    assert.deepEqual(classified(report('harbor-1')), expected);

    // Nothing changed outcome between a bench and itself; list shows both benches.
    const compare = runWave(['bench', 'compare', 'harbor-1', 'harbor-1', '-o', 'json'], dir);
    assert.equal(compare.status, 0, compare.stderr);
    assert.deepEqual((JSON.parse(compare.stdout) as { changed: unknown[] }).changed, []);
    const list = runWave(['bench', 'list', '-o', 'json'], dir);
    const ids = (JSON.parse(list.stdout) as Array<{ benchId: string }>).map((b) => b.benchId).sort();
    assert.deepEqual(ids, ['harbor-1', 'jsonl-1']);
  });
});
