// The run tree through the run service, without Docker: one worker limit for every container at any depth (six
// iterate items, each a sub-pipeline of two parallel steps, at --max-workers 2), and parents waiting for their
// children hold no slot, so the tree never deadlocks however small the limit.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startRun } from '../../../src/engine/run-service.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-run-tree-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pipelines = {
  leaf: `kind: WavePipeline
metadata: {name: leaf}
steps:
  - id: a
    exec: {type: command, script: "true"}
  - id: b
    exec: {type: command, script: "true"}
`,
  root: `kind: WavePipeline
metadata: {name: root}
steps:
  - id: scope
    exec: {type: command, script: "true"}
    output_artifacts: [{name: scope, path: scope.json}]
  - id: each
    dependencies: [scope]
    pipeline: leaf
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: parallel}
`,
};

/** In-process containers: scope writes six items; each container counts how many run at once. */
function countingSandbox(): Sandbox & { peak: () => number; started: () => number } {
  let running = 0;
  let peak = 0;
  let started = 0;
  return {
    kind: 'host',
    peak: () => peak,
    started: () => started,
    async run(spec: SandboxSpec) {
      running++;
      started++;
      peak = Math.max(peak, running);
      if (spec.labels.step === 'scope') {
        await fs.writeFile(path.join(spec.mounts.out, 'scope.json'), JSON.stringify({ items: [0, 1, 2, 3, 4, 5] }));
      }
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { status: 'exited', exitCode: 0, durationMs: 5, containerId: 'fake', stdoutTail: '', stderrTail: '' };
    },
  };
}

describe('run tree: one worker limit', () => {
  it('counts every container of the tree, and waiting parents hold no slot', async () => {
    const projectDir = path.join(dir, 'project');
    mkdirSync(path.join(projectDir, '.wave', 'pipelines'), { recursive: true });
    for (const [name, text] of Object.entries(pipelines)) {
      writeFileSync(path.join(projectDir, '.wave', 'pipelines', `${name}.yaml`), text);
    }
    const sandbox = countingSandbox();
    const options = { projectDir, manifestPath: path.join(projectDir, 'wave.yaml'), sinks: [], sandbox };
    const outcome = await startRun(options, 'root', '', { maxWorkers: 2 });
    assert.equal(outcome.summary.status, 'completed', outcome.summary.error);
    assert.equal(sandbox.started(), 13, 'scope, then two steps for each of six items');
    assert.equal(sandbox.peak(), 2, 'never more than --max-workers at once, whatever the depth');
    const store = new Store(defaultStatePath(projectDir));
    try {
      const items = store.runs.children(outcome.runId);
      assert.deepEqual(
        items.map((r) => [r.itemIndex, r.status]),
        [0, 1, 2, 3, 4, 5].map((i) => [i, 'completed']),
      );
      for (const item of items)
        assert.deepEqual(
          store.steps.list(item.id).map((s) => s.attempts),
          [1, 1],
        );
    } finally {
      store.close();
    }
  });
});
