import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_BENCH_PIPELINE } from '../../../src/bench/driver.js';
import { preparePipeline } from '../../../src/engine/run-service.js';

describe('the default bench pipeline', () => {
  it("is impl-issue up to its implement step (the task's tests replace verify and review)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wave-bench-default-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const prepared = await preparePipeline(
      { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml') },
      DEFAULT_BENCH_PIPELINE.pipeline,
      { steps: DEFAULT_BENCH_PIPELINE.steps },
      () => undefined,
    );
    assert.deepEqual(
      prepared.executorSteps.map((s) => s.id),
      ['assess', 'plan', 'implement'],
    );
    const implement = prepared.steps.find((s) => s.id === 'implement');
    assert.equal(implement?.workspace?.type, 'worktree', 'the step whose change is evaluated writes code');
  });
});
