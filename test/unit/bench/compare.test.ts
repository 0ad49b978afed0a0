import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareTasks } from '../../../src/bench/compare.js';
import { benchJUnit, summarize, type TaskReport } from '../../../src/bench/report.js';
import type { BenchRecord } from '../../../src/state/index.js';

function task(taskId: string, outcome: TaskReport['outcome'], failureClass: string | null = null): TaskReport {
  return {
    taskId,
    outcome,
    failureClass,
    reason: outcome === 'resolved' ? null : `why ${taskId}`,
    runId: `run-${taskId}`,
    tries: 1,
    reward: null,
    tests: null,
    runMs: 1000,
    evalMs: 500,
    tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
  };
}

const bench: BenchRecord = {
  id: 'b1',
  dataset: '/d/tasks.jsonl',
  format: 'jsonl',
  pipeline: 'impl-issue',
  options: {},
  status: 'completed',
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  ownerHost: null,
  ownerPid: null,
  ownerStart: null,
  cancelRequested: false,
};

describe('bench compare', () => {
  it('lists the tasks whose outcome changed, gains and losses, and tasks only one side has', () => {
    const a = [
      task('t1', 'resolved'),
      task('t2', 'unresolved'),
      task('t3', 'error', 'timeout'),
      task('t4', 'resolved'),
    ];
    const b = [task('t1', 'resolved'), task('t2', 'resolved'), task('t3', 'error', 'oom'), task('t5', 'pending')];
    const diff = compareTasks(a, b);
    assert.deepEqual(diff.changed, [
      { taskId: 't2', before: 'unresolved', after: 'resolved' },
      { taskId: 't3', before: 'error (timeout)', after: 'error (oom)' },
    ]);
    assert.deepEqual(diff.gained, ['t2']);
    assert.deepEqual(diff.lost, []);
    assert.deepEqual(diff.onlyInA, ['t4']);
    assert.deepEqual(diff.onlyInB, ['t5']);
    assert.equal(diff.unchanged, 1);
  });
});

describe('bench report', () => {
  const tasks = [
    task('t1', 'resolved'),
    task('t2', 'unresolved'),
    task('t3', 'error', 'image_build'),
    task('t4', 'error', 'timeout'),
    task('t5', 'pending'),
  ];

  it('counts outcomes, the resolved rate over all tasks, errors by class, tokens and time', () => {
    const report = summarize(bench, tasks);
    assert.deepEqual(
      [report.total, report.resolved, report.unresolved, report.errors, report.pending],
      [5, 1, 1, 2, 1],
    );
    assert.equal(report.resolvedRate, 0.2);
    assert.equal(report.errorsByClass.image_build, 1);
    assert.equal(report.errorsByClass.timeout, 1);
    assert.equal(report.errorsByClass.oom, 0);
    assert.deepEqual(report.tokens, { input: 50, output: 25, cacheRead: 0, cacheWrite: 0 });
    assert.equal(report.runMs, 5000);
  });

  it('writes JUnit: a failure per unresolved task, an error of its class per error, skipped for not run', () => {
    const xml = benchJUnit(summarize(bench, tasks));
    assert.match(xml, /<testsuites name="wave bench b1 \(impl-issue\)" tests="5" failures="1" errors="2" skipped="1"/);
    assert.match(xml, /<testcase name="t1" classname="bench.b1" time="1.500"\/>/);
    assert.match(xml, /<failure message="why t2" type="unresolved">why t2<\/failure>/);
    assert.match(xml, /<error message="why t3" type="image_build">/);
    assert.match(xml, /<testcase name="t5"[^>]*>\n {6}<skipped /);
  });
});
