// A branch step through the run service, without Docker: the case its value picks runs as a child run (the same
// path as a pipeline: step, resumed as one), skip runs nothing, and no matching case fails the step naming the
// value and the cases.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { resumeRun, startRun } from '../../../src/engine/run-service.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-branch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const leaf = (name: string) =>
  `kind: WavePipeline\nmetadata: {name: ${name}}\nsteps:\n  - id: ${name}-work\n    exec: {type: command, script: "true"}\n`;
const root = `kind: WavePipeline
metadata: {name: root}
steps:
  - id: scope
    exec: {type: command, script: "true"}
    output_artifacts: [{name: scope, path: scope.json}]
  - id: pick
    dependencies: [scope]
    branch:
      on: "{{ steps.scope.output.kind }}"
      cases: {small: small, big: big, none: skip}
  - id: after
    dependencies: [pick]
    exec: {type: command, script: "true"}
`;

/** In-process containers: scope writes `{kind}`; `after` fails while `failAfter` says so; all record that they ran. */
function fakeSandbox(kind: unknown): Sandbox & { steps: string[]; failAfter: boolean } {
  const steps: string[] = [];
  const sandbox = {
    kind: 'host' as const,
    steps,
    failAfter: false,
    async run(spec: SandboxSpec) {
      steps.push(spec.labels.step ?? '?');
      if (spec.labels.step === 'scope') {
        await fs.writeFile(path.join(spec.mounts.out, 'scope.json'), JSON.stringify({ kind }));
      }
      const exitCode = spec.labels.step === 'after' && sandbox.failAfter ? 1 : 0;
      return {
        status: 'exited' as const,
        exitCode,
        durationMs: 1,
        containerId: 'fake',
        stdoutTail: '',
        stderrTail: '',
      };
    },
  };
  return sandbox;
}

async function runWith(kind: unknown, failAfter = false) {
  const projectDir = mkdtempSync(path.join(dir, 'project-'));
  mkdirSync(path.join(projectDir, '.wave', 'pipelines'), { recursive: true });
  const files = { root, small: leaf('small'), big: leaf('big') };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(projectDir, '.wave', 'pipelines', `${name}.yaml`), text);
  }
  const sandbox = fakeSandbox(kind);
  sandbox.failAfter = failAfter;
  const options = { projectDir, manifestPath: path.join(projectDir, 'wave.yaml'), sinks: [], sandbox };
  const outcome = await startRun(options, 'root', '', {});
  const read = () => {
    const store = new Store(defaultStatePath(projectDir));
    try {
      const children = store.runs.children(outcome.runId).map((r) => [r.pipeline, r.status]);
      const pick = store.steps.list(outcome.runId).find((s) => s.stepId === 'pick');
      return { children, pick };
    } finally {
      store.close();
    }
  };
  return { outcome, ran: sandbox.steps, sandbox, options, read, ...read() };
}

describe('branch', () => {
  it("runs the picked case's pipeline as a child run", async () => {
    const { outcome, children, ran } = await runWith('big');
    assert.equal(outcome.summary.status, 'completed', outcome.summary.error);
    assert.deepEqual(children, [['big', 'completed']]);
    assert.deepEqual(ran, ['scope', 'big-work', 'after']);
  });

  it('resume takes the completed case child as it is and runs only what did not complete', async () => {
    const first = await runWith('small', true);
    assert.equal(first.outcome.summary.status, 'failed');
    first.sandbox.failAfter = false;
    const resumed = await resumeRun(first.options, first.outcome.runId);
    assert.equal(resumed.summary.status, 'completed', resumed.summary.error);
    assert.deepEqual(first.ran, ['scope', 'small-work', 'after', 'after'], 'the case child ran once');
    assert.deepEqual(first.read().children, [['small', 'completed']]);
  });

  it('skip completes the step with nothing run', async () => {
    const { outcome, children, ran, pick } = await runWith('none');
    assert.equal(outcome.summary.status, 'completed', outcome.summary.error);
    assert.deepEqual(children, []);
    assert.deepEqual(ran, ['scope', 'after']);
    assert.equal(pick?.status, 'completed');
  });

  it('no matching case and no _default fails the step naming the value and the cases', async () => {
    const { outcome, children, pick } = await runWith('huge');
    assert.equal(outcome.summary.status, 'failed');
    assert.deepEqual(children, []);
    assert.equal(pick?.status, 'failed');
    assert.match(
      outcome.summary.error ?? '',
      /branch\.on \{\{ steps\.scope\.output\.kind \}\} is 'huge', which no case matches \(cases: small, big, none\)/,
    );
  });
});
