// An output of `type: binary` is stored as it is, never read as text: bytes that are not UTF-8 (a NUL, 0xFF) pass,
// are recorded with their sha256 and reach the dependent step unchanged.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startRun } from '../../../src/engine/run-service.js';
import { ExitCode } from '../../../src/errors.js';
import type { Sandbox } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { PROMPT_FILES, manifestYaml, pipelineYaml, tempProject } from '../config/_helpers.js';

const BYTES = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x00]);

describe('binary outputs', () => {
  it('pass as they are and reach the dependent step byte for byte', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(),
      ...PROMPT_FILES,
      '.wave/pipelines/p.yaml': pipelineYaml(`  - id: make
    exec: {type: command, script: "true"}
    output_artifacts: [{name: blob, path: out/blob.bin, type: binary}]
  - id: use
    dependencies: [make]
    exec: {type: command, script: "cat {{ deps.make.blob }}"}
`),
    });
    let received: Buffer | undefined;
    const sandbox: Sandbox = {
      kind: 'host',
      async run(spec) {
        if (spec.labels.step === 'make') {
          await fs.mkdir(path.join(spec.mounts.out, 'out'));
          await fs.writeFile(path.join(spec.mounts.out, 'out', 'blob.bin'), BYTES);
        } else if (spec.mounts.in) {
          received = await fs.readFile(path.join(spec.mounts.in, 'make', 'out', 'blob.bin'));
        }
        return { status: 'exited', exitCode: 0, durationMs: 1, containerId: 'fake', stdoutTail: '', stderrTail: '' };
      },
    };
    const options = { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml'), sinks: [], sandbox };
    const outcome = await startRun(options, 'p', '', {});
    assert.equal(outcome.exitCode, ExitCode.ok, outcome.summary.error);
    assert.deepEqual(received, BYTES);
    const store = new Store(defaultStatePath(dir));
    try {
      const [artifact] = store.artifacts.list(outcome.runId, 'make');
      assert.equal(artifact?.sha256, createHash('sha256').update(BYTES).digest('hex'));
      assert.equal(artifact?.size, BYTES.length);
    } finally {
      store.close();
    }
  });
});
