// Two Wave processes on one state.db: the run in one terminal, `wave cancel` or `wave logs` in another.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Store } from '../../../src/state/index.js';
import { openStore, STEP_INFO, tempDbPath } from './helpers.js';

describe('concurrent writers', () => {
  it('two Store instances on one file, writes interleaved, stay consistent', () => {
    const path = tempDbPath();
    const a = openStore(path);
    const b = openStore(path);
    const steps = Array.from({ length: 200 }, (_, i) => ({ stepId: `s${i}`, level: 0, position: i }));
    const run = a.runs.create({ pipeline: 'wide', pipelinePath: 'w.yaml', input: '', steps });
    b.runs.start(run.id);
    for (let i = 0; i < 200; i++) {
      const [first, second] = i % 2 ? [a, b] : [b, a];
      first.steps.start(run.id, `s${i}`, STEP_INFO);
      second.events.append({
        type: 'step_output',
        runId: run.id,
        stepId: `s${i}`,
        attempt: 1,
        time: new Date().toISOString(),
        stream: 'stdout',
        line: 'x',
      });
      second.steps.complete(run.id, `s${i}`);
      if (i === 100) b.runs.requestCancel(run.id);
      assert.equal(first.runs.isCancelRequested(run.id), i >= 100);
    }
    assert.equal(a.steps.list(run.id).filter((s) => s.status === 'completed').length, 200);
    assert.equal(b.events.since(run.id, 0, { limit: 10_000 }).length, 1 + 200 * 3 + 1);
    assert.equal(a.integrityCheck(), 'ok');
    assert.equal(b.integrityCheck(), 'ok');
  });

  it('a second process writing at the same time waits for the lock instead of failing', async () => {
    const path = tempDbPath();
    const store = openStore(path);
    const run = store.runs.create({
      pipeline: 'p',
      pipelinePath: 'p.yaml',
      input: '',
      steps: [{ stepId: 's', level: 0, position: 0 }],
    });
    store.runs.start(run.id);
    store.steps.start(run.id, 's', STEP_INFO);

    const writer = fileURLToPath(new URL('./fixtures/event-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path, run.id, '2000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await ready;
    // Meanwhile this process writes too, in small transactions, yielding so the child gets turns.
    for (let i = 0; i < 2000; i++) {
      store.events.append({
        type: 'step_output',
        runId: run.id,
        stepId: 's',
        attempt: 1,
        time: new Date().toISOString(),
        stream: 'stderr',
        line: `parent ${i}`,
      });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(await exited, 0, stderr);
    const lines = store.events.since(run.id, 0, { types: ['step_output'], limit: 10_000 });
    assert.equal(lines.length, 4000);
    assert.equal(store.integrityCheck(), 'ok');
    const reopened = new Store(path);
    assert.equal(reopened.integrityCheck(), 'ok');
    reopened.close();
  });
});
