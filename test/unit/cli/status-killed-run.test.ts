// `wave status` of a run whose Wave process was killed: it shows the run failed with its open step
// interrupted, not `running` until someone resumes it (issue 14 item 5). No Docker: the run is written to
// the project's state db as a killed Wave would have left it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { runWave } from '../../support/run-cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-status-killed-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const STEP = { persona: '', adapter: 'command', model: '', image: 'wave/base:latest' };

describe('wave status', () => {
  test('a run whose Wave process died reads as failed, its running step interrupted, and stays so', () => {
    const gone = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
    );
    const store = new Store(defaultStatePath(dir));
    let runId: string;
    try {
      const run = store.runs.create({
        pipeline: 'p',
        pipelinePath: 'p.yaml',
        input: '',
        steps: [
          { stepId: 'one', level: 0, position: 0 },
          { stepId: 'two', level: 1, position: 1 },
        ],
      });
      store.runs.start(run.id, { host: hostname(), pid: gone });
      store.steps.start(run.id, 'one', STEP);
      store.steps.complete(run.id, 'one');
      store.steps.start(run.id, 'two', STEP);
      runId = run.id;
    } finally {
      store.close();
    }

    const res = runWave(['status', runId, '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr);
    const status = JSON.parse(res.stdout) as {
      status: string;
      error: string;
      steps: Array<{ id: string; status: string; error: string | null }>;
    };
    assert.equal(status.status, 'failed');
    assert.match(status.error, /the Wave process running it \(pid \d+\) died/);
    assert.deepEqual(
      status.steps.map((s) => [s.id, s.status]),
      [
        ['one', 'completed'],
        ['two', 'failed'],
      ],
    );

    const text = runWave(['status', runId], dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`run ${runId}\\s+failed`));
  });
});
