import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runBench, type BenchRunOptions } from '../../../src/bench/driver.js';
import type { BenchEvent } from '../../../src/bench/events.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';

function project(): { dir: string; dataset: string; events: BenchEvent[]; options: BenchRunOptions } {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-bench-driver-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const dataset = path.join(dir, 'tasks.jsonl');
  writeFileSync(dataset, '{"instance_id": "a"}\nnot json\n');
  const events: BenchEvent[] = [];
  const options: BenchRunOptions = {
    projectDir: dir,
    manifestPath: path.join(dir, 'wave.yaml'),
    dataset,
    pipeline: 'hello-world',
    selection: {},
    benchId: 'b1',
    onEvent: (e) => events.push(e),
    note: () => undefined,
    openStore: () => new Store(defaultStatePath(dir)),
  };
  return { dir, dataset, events, options };
}

function seed(dir: string, id: string, fields: { dataset: string; pipeline: string }): void {
  const store = new Store(defaultStatePath(dir));
  try {
    store.bench.open({ id, format: 'jsonl', options: {}, tasks: ['a'], ...fields });
    store.bench.finish(id, 'completed');
  } finally {
    store.close();
  }
}

describe('bench driver, before anything runs', () => {
  it('reports every unreadable task and refuses a dataset with none left, naming the flag', async () => {
    const { options, events } = project();
    await assert.rejects(runBench(options), /--dataset .*tasks.jsonl: no task to run/);
    assert.deepEqual(
      events.map((e) => (e.type === 'task_skipped' ? path.basename(e.where) : e.type)),
      ['tasks.jsonl:1', 'tasks.jsonl:2'],
    );
  });

  it('does not mix another dataset or another pipeline into an existing bench id', async () => {
    const { dir, options } = project();
    mkdirSync(path.join(dir, 'repo'));
    mkdirSync(path.join(dir, 'env'));
    writeFileSync(path.join(dir, 'env', 'Dockerfile'), 'FROM wave/base\n');
    const task = {
      instance_id: 'a',
      repo: 'repo',
      base_commit: 'a'.repeat(40),
      problem_statement: 'x',
      test_cmd: 'true',
      environment: 'env',
    };
    writeFileSync(options.dataset, `${JSON.stringify(task)}\n`);
    seed(dir, 'b1', { dataset: '/elsewhere/tasks.jsonl', pipeline: 'hello-world' });
    await assert.rejects(runBench(options), /bench b1 runs dataset \/elsewhere\/tasks.jsonl, not /);
    seed(dir, 'b2', { dataset: options.dataset, pipeline: 'impl-issue' });
    await assert.rejects(
      runBench({ ...options, benchId: 'b2' }),
      /bench b2 runs impl-issue \{\}, not hello-world \{\}/,
    );
  });

  it('refuses a bench id that is not a plain name', async () => {
    const { options } = project();
    await assert.rejects(runBench({ ...options, benchId: '../x' }), /--bench-id \.\.\/x: letters, digits/);
  });
});
