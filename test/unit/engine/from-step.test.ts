// `wave run --from-step` without Docker: which steps run and which are reused, how the earlier run is found and
// its artifacts checked and copied, and the run service end to end against a scripted sandbox (including a
// resumed run that died before it had taken the reused steps over).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Step } from '../../../src/config/types.js';
import { copyReusedArtifacts, planFromStep, resolveReuseSource } from '../../../src/engine/from-step.js';
import { preparePipeline, resumeRun, startRun } from '../../../src/engine/run-service.js';
import { isWaveError } from '../../../src/errors.js';
import type { WaveEvent } from '../../../src/events/types.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';

const node = (id: string, ...dependencies: string[]) => ({ id, dependencies });
const CHAIN = [node('a'), node('b', 'a'), node('c', 'b')];
const DIAMOND = [
  node('analyze'),
  node('security', 'analyze'),
  node('quality', 'analyze'),
  node('summary', 'security', 'quality'),
];

function userError(code: string, message: RegExp) {
  return (err: unknown) => isWaveError(err) && err.code === code && err.exitCode === 2 && message.test(err.message);
}

describe('planFromStep', () => {
  it('a chain: X and everything after it run, everything before it is reused', () => {
    assert.deepEqual(planFromStep(CHAIN, 'b', 'chain'), { fromStep: 'b', run: ['b', 'c'], reuse: ['a'] });
    assert.deepEqual(planFromStep(CHAIN, 'c', 'chain'), { fromStep: 'c', run: ['c'], reuse: ['a', 'b'] });
    assert.deepEqual(planFromStep(CHAIN, 'a', 'chain'), { fromStep: 'a', run: ['a', 'b', 'c'], reuse: [] });
  });

  it("a diamond: a downstream step's other input (the side branch) is reused too, never run", () => {
    assert.deepEqual(planFromStep(DIAMOND, 'security', 'diamond'), {
      fromStep: 'security',
      run: ['security', 'summary'],
      reuse: ['analyze', 'quality'],
    });
    assert.deepEqual(planFromStep(DIAMOND, 'summary', 'diamond').reuse, ['analyze', 'security', 'quality']);
  });

  it('steps neither upstream nor downstream are not part of the run; pipeline order is kept', () => {
    const steps = [node('z'), node('a'), node('x', 'z'), node('b', 'a'), node('y', 'x'), node('c', 'b', 'a')];
    assert.deepEqual(planFromStep(steps, 'b', 'p'), { fromStep: 'b', run: ['b', 'c'], reuse: ['a'] });
  });

  it('an unknown step is a usage error with a suggestion and the list of steps', () => {
    assert.throws(
      () => planFromStep(DIAMOND, 'secuirty', 'diamond'),
      (err: unknown) => {
        assert.ok(isWaveError(err));
        assert.equal(err.exitCode, 2);
        assert.equal(err.message, "--from-step secuirty: pipeline diamond has no such step (did you mean 'security'?)");
        assert.equal(err.hint, 'steps: analyze, security, quality, summary');
        return true;
      },
    );
  });
});

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-from-step-'));
  store = new Store(path.join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const output = (name: string, file: string, required = true) => ({ name, path: file, required });
/** Just enough of a Step for the resolver: its id and declared outputs. */
function stepDef(id: string, outputs: Array<{ name: string; path: string; required: boolean }>): Step {
  return { id, dependencies: [], output_artifacts: outputs } as unknown as Step;
}
const STEPS = [
  stepDef('a', [output('a', 'sub/a.txt'), output('extra', 'extra.txt', false)]),
  stepDef('b', [output('b', 'b.txt')]),
  stepDef('c', []),
];

/** A finished run of `pipeline` in which `completed` completed, each writing `<step>-<tag>` to its declared files. */
function earlierRun(completed: string[], tag: string, pipeline = 'chain'): string {
  const run = store.runs.create({
    pipeline,
    pipelinePath: 'p.yaml',
    input: '',
    steps: ['a', 'b', 'c'].map((stepId, i) => ({ stepId, level: i, position: i })),
  });
  store.runs.start(run.id);
  for (const stepId of completed) {
    store.steps.start(run.id, stepId, { persona: '', adapter: 'command', model: '', image: 'img' });
    for (const o of STEPS.find((s) => s.id === stepId)?.output_artifacts ?? []) {
      if (!o.required) continue;
      const file = path.join(dir, 'ws', run.id, stepId, 'out', o.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${stepId}-${tag}\n`);
      store.artifacts.record(run.id, stepId, {
        name: o.name,
        path: file,
        size: `${stepId}-${tag}\n`.length,
        sha256: sha256(`${stepId}-${tag}\n`),
      });
    }
    store.steps.complete(run.id, stepId);
  }
  store.runs.finish(run.id, 'completed');
  return run.id;
}
const planC = () => planFromStep(CHAIN, 'c', 'chain');

describe('resolveReuseSource', () => {
  it('takes the newest run of the pipeline where every reused step completed, with its checked artifacts', async () => {
    const good = earlierRun(['a', 'b', 'c'], 'one');
    earlierRun(['a'], 'two'); // newer, but b did not complete
    earlierRun(['a', 'b'], 'other', 'other-pipeline');
    const source = await resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planC() });
    assert.equal(source?.run.id, good);
    assert.deepEqual(
      source?.steps.map((s) => [s.stepId, s.artifacts.map((a) => [a.name, a.relPath, a.file, a.sha256])]),
      [
        ['a', [['a', 'sub/a.txt', path.join(dir, 'ws', good, 'a', 'out', 'sub/a.txt'), sha256('a-one\n')]]],
        ['b', [['b', 'b.txt', path.join(dir, 'ws', good, 'b', 'out', 'b.txt'), sha256('b-one\n')]]],
      ],
      'the optional output that was never written is left out',
    );
  });

  it('nothing upstream: nothing to resolve', async () => {
    assert.equal(
      await resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planFromStep(CHAIN, 'a', 'chain') }),
      undefined,
    );
  });

  it('no earlier run where they all completed: tells the user to run the whole pipeline first', async () => {
    earlierRun(['a'], 'one');
    await assert.rejects(
      resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planC() }),
      (err: unknown) => {
        assert.ok(isWaveError(err));
        assert.equal(err.exitCode, 2);
        assert.equal(err.message, '--from-step c: no earlier run of chain in which steps a, b completed');
        assert.equal(err.hint, 'run the whole pipeline first: wave run chain');
        return true;
      },
    );
  });

  it('--from-run: that run, refused when it is of another pipeline, unknown, or the steps did not complete there', async () => {
    const older = earlierRun(['a', 'b'], 'old');
    earlierRun(['a', 'b'], 'new');
    const partial = earlierRun(['a'], 'partial');
    const other = earlierRun(['a', 'b'], 'x', 'other-pipeline');
    const resolve = (fromRun: string) =>
      resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planC(), fromRun });
    assert.equal((await resolve(older))?.run.id, older);
    await assert.rejects(
      resolve(other),
      userError('usage', new RegExp(`--from-run ${other} is a run of pipeline other-pipeline, not chain`)),
    );
    await assert.rejects(resolve('chain-nope'), userError('run_not_found', /no run "chain-nope"/));
    await assert.rejects(
      resolve(partial),
      userError('usage', new RegExp(`--from-run ${partial}: step b \\(pending\\) did not complete there`)),
    );
  });

  it('a file that is gone, changed on disk, or never recorded is refused, naming it', async () => {
    const runId = earlierRun(['a', 'b'], 'one');
    const file = path.join(dir, 'ws', runId, 'b', 'out', 'b.txt');
    const resolve = () => resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planC() });

    appendFileSync(file, 'edited\n');
    await assert.rejects(
      resolve(),
      userError(
        'usage',
        new RegExp(`artifact b\\.b of run ${runId} changed on disk since it was recorded: ${file}.*sha256`),
      ),
    );
    rmSync(file);
    await assert.rejects(
      resolve(),
      userError('file_not_found', new RegExp(`artifact b\\.b of run ${runId} is gone: ${file}$`)),
    );
    writeFileSync(file, 'b-one\n');
    assert.ok(await resolve(), 'restored as recorded: fine again');

    const newOutput = [stepDef('a', [output('a', 'sub/a.txt'), output('added', 'added.txt')]), ...STEPS.slice(1)];
    await assert.rejects(
      resolveReuseSource(store, { pipelineName: 'chain', steps: newOutput, plan: planC() }),
      userError('file_not_found', new RegExp(`artifact a\\.added of run ${runId} was never recorded`)),
    );
  });
});

describe('copyReusedArtifacts', () => {
  it("copies into <run>/<step>/out/<declared path> and reports the copy's path and hash", async () => {
    const runId = earlierRun(['a', 'b'], 'one');
    const resolved = await resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planC() });
    const a = resolved?.steps[0];
    assert.ok(a);
    const copied = await copyReusedArtifacts(path.join(dir, 'new-run'), a, runId);
    const target = path.join(dir, 'new-run', 'a', 'out', 'sub', 'a.txt');
    assert.deepEqual(copied, [{ name: 'a', path: target, size: 6, sha256: sha256('a-one\n') }]);
    assert.equal(readFileSync(target, 'utf8'), 'a-one\n');
    rmSync(path.join(dir, 'ws', runId), { recursive: true });
    assert.equal(readFileSync(target, 'utf8'), 'a-one\n', 'a copy, not a link');
  });

  it('refuses a file that changed or went away between the check and the copy', async () => {
    const runId = earlierRun(['a', 'b'], 'one');
    const resolved = await resolveReuseSource(store, { pipelineName: 'chain', steps: STEPS, plan: planC() });
    const b = resolved?.steps[1];
    assert.ok(b);
    writeFileSync(path.join(dir, 'ws', runId, 'b', 'out', 'b.txt'), 'changed\n');
    await assert.rejects(
      copyReusedArtifacts(path.join(dir, 'new-run'), b, runId),
      userError('usage', /artifact b\.b of run .* changed while it was being copied/),
    );
    rmSync(path.join(dir, 'ws', runId), { recursive: true });
    await assert.rejects(
      copyReusedArtifacts(path.join(dir, 'new-run'), b, runId),
      userError('file_not_found', /artifact b\.b of run .* is gone/),
    );
  });
});

// ---- the run service with a scripted sandbox: each step appends its id to what it was given ----

const PIPELINE = `kind: WavePipeline
metadata: {name: chain}
steps:
  - id: a
    exec: {type: command, script: "true"}
    output_artifacts: [{name: a, path: a.txt}]
  - id: b
    dependencies: [a]
    exec: {type: command, script: "true"}
    output_artifacts: [{name: b, path: b.txt}]
  - id: c
    dependencies: [b]
    exec: {type: command, script: "true"}
    output_artifacts: [{name: c, path: c.txt}]
`;

/** Runs steps in-process: out/<step>.txt = the concatenation of in/<dep>/* plus a line naming the step and run. */
function scriptedSandbox(started: string[]): Sandbox {
  return {
    kind: 'host',
    async run(spec: SandboxSpec) {
      const step = spec.labels.step;
      started.push(step);
      const inDir = spec.mounts.in ?? '';
      let text = '';
      for (const dep of (await fs.readdir(inDir)).sort()) {
        for (const f of await fs.readdir(path.join(inDir, dep)))
          text += await fs.readFile(path.join(inDir, dep, f), 'utf8');
      }
      await fs.writeFile(path.join(spec.mounts.out, `${step}.txt`), `${text}${step}@${spec.labels.run}\n`);
      return {
        status: 'exited',
        exitCode: 0,
        durationMs: 1,
        containerId: `fake:${step}`,
        stdoutTail: '',
        stderrTail: '',
      };
    },
  };
}

function project() {
  const projectDir = path.join(dir, 'project');
  mkdirSync(path.join(projectDir, '.wave', 'pipelines'), { recursive: true });
  writeFileSync(path.join(projectDir, '.wave', 'pipelines', 'chain.yaml'), PIPELINE);
  const started: string[] = [];
  const events: WaveEvent[] = [];
  const options = {
    projectDir,
    manifestPath: path.join(projectDir, 'wave.yaml'),
    sinks: [{ name: 'test', write: (e: WaveEvent) => void events.push(e) }],
    sandbox: scriptedSandbox(started),
  };
  const open = () => new Store(defaultStatePath(projectDir));
  return { projectDir, options, started, events, open };
}

describe('run service with --from-step', () => {
  it('a new run: a is reused (copied, 0 attempts), b and c run on its artifact; the options record the source run', async () => {
    const p = project();
    const first = await startRun(p.options, 'chain', '', {});
    assert.equal(first.exitCode, 0);
    p.started.length = 0;
    p.events.length = 0;

    const second = await startRun(p.options, 'chain', '', { fromStep: 'b' });
    assert.equal(second.exitCode, 0, second.summary.error);
    assert.deepEqual(p.started, ['b', 'c'], 'no sandbox for a');
    assert.deepEqual(p.events.map((e) => `${e.type}:${e.stepId ?? ''}`).slice(0, 3), [
      'run_started:',
      'step_reused:a',
      'step_started:b',
    ]);

    const db = p.open();
    try {
      assert.deepEqual(db.runs.get(second.runId)?.options, { fromStep: 'b', fromRun: first.runId });
      assert.deepEqual(
        db.steps.list(second.runId).map((s) => [s.stepId, s.status, s.attempts, s.reusedFrom]),
        [
          ['a', 'completed', 0, first.runId],
          ['b', 'completed', 1, null],
          ['c', 'completed', 1, null],
        ],
      );
      const c = db.artifacts.list(second.runId, 'c')[0];
      assert.equal(readFileSync(c?.path ?? '', 'utf8'), `a@${first.runId}\nb@${second.runId}\nc@${second.runId}\n`);
    } finally {
      db.close();
    }
  });

  it('wave resume of a run that died before taking the reused steps over takes them over from the recorded run', async () => {
    const p = project();
    const first = await startRun(p.options, 'chain', '', {});
    p.started.length = 0;
    const db = p.open();
    let died: string;
    try {
      // As if Wave was killed right after the run started: a is still pending.
      const run = db.runs.create({
        pipeline: 'chain',
        pipelinePath: path.join(p.projectDir, '.wave', 'pipelines', 'chain.yaml'),
        input: '',
        options: { fromStep: 'b', fromRun: first.runId },
        steps: ['a', 'b', 'c'].map((stepId, i) => ({ stepId, level: i, position: i })),
      });
      db.runs.start(run.id, { host: 'elsewhere', pid: 1 });
      db.runs.finish(run.id, 'failed', { error: 'killed' });
      died = run.id;
    } finally {
      db.close();
    }
    const resumed = await resumeRun(p.options, died);
    assert.equal(resumed.exitCode, 0, resumed.summary.error);
    assert.deepEqual(p.started, ['b', 'c']);
    const after = p.open();
    try {
      assert.deepEqual(
        after.steps.list(died).map((s) => [s.stepId, s.attempts, s.reusedFrom]),
        [
          ['a', 0, first.runId],
          ['b', 1, null],
          ['c', 1, null],
        ],
      );
    } finally {
      after.close();
    }
  });

  it('refuses --from-step with --steps, and --from-run without --from-step, before creating anything', async () => {
    const p = project();
    const ctx = { projectDir: p.projectDir, manifestPath: p.options.manifestPath };
    await assert.rejects(
      preparePipeline(ctx, 'chain', { fromStep: 'b', steps: ['b'] }, () => undefined),
      userError('usage', /--from-step and --steps cannot be combined/),
    );
    await assert.rejects(
      preparePipeline(ctx, 'chain', { fromRun: 'x' }, () => undefined),
      userError('usage', /--from-run needs --from-step/),
    );
    await assert.rejects(
      startRun(p.options, 'chain', '', { fromStep: 'c' }),
      userError('run_not_found', /no earlier run of chain in which steps a, b completed/),
    );
    const db = p.open();
    try {
      assert.deepEqual(db.runs.list(), [], 'no run row for a refused --from-step');
    } finally {
      db.close();
    }
  });
});
