// inject_artifacts from another pipeline: checked against that pipeline's pipeline_outputs by wave validate, and
// taken from its newest completed run by the step runner.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { PipelineInjection, Step } from '../../../src/config/index.js';
import { injectFromPipelines } from '../../../src/engine/pipeline-inputs.js';
import type { Store } from '../../../src/state/index.js';
import { validateProject } from '../../../src/validate/index.js';
import type { StepWorkspace } from '../../../src/workspace/layout.js';
import { PROMPT_FILES, manifestYaml, tempProject } from '../config/_helpers.js';
import { STEP_INFO, TestClock, openStore, tempDir, tempDbPath } from '../state/helpers.js';

const PLANNER = `kind: WavePipeline
metadata: {name: planner}
pipeline_outputs:
  plan: {step: plan, artifact: impl-plan, type: plan_ref}
steps:
  - id: plan
    exec: {type: command, script: "true"}
    output_artifacts: [{name: impl-plan, path: plan.json}]
`;
const user = (inj: string) => `kind: WavePipeline
metadata: {name: user}
steps:
  - id: use
    exec: {type: command, script: "cat {{ artifacts.the_plan }}"}
    memory:
      inject_artifacts: [${inj}]
`;

describe('inject_artifacts from another pipeline: validate', () => {
  const check = async (inj: string, planner = PLANNER) => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(),
      ...PROMPT_FILES,
      '.wave/pipelines/planner.yaml': planner,
      '.wave/pipelines/user.yaml': user(inj),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: 'user' });
    return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.message}`);
  };
  const cases: Array<[string, string, string[]]> = [
    ['an offered output', '{pipeline: planner, artifact: plan, as: the_plan}', []],
    [
      'an alias it does not offer',
      '{pipeline: planner, artifact: plam, as: the_plan}',
      [
        "7:37 step 'use': inject_artifacts: pipeline 'planner' offers no 'plam' in its pipeline_outputs (did you mean 'plan'?)",
      ],
    ],
    [
      'an unknown pipeline',
      '{pipeline: planer, artifact: plan, as: the_plan}',
      ["7:37 step 'use': inject_artifacts: no pipeline named 'planer' (did you mean 'planner'?)"],
    ],
    [
      'both step and pipeline',
      '{pipeline: planner, step: x, artifact: plan, as: the_plan}',
      ["7:26 step 'use': inject_artifacts entry 1 needs either step or pipeline, not both"],
    ],
  ];
  for (const [name, inj, expected] of cases) {
    it(name, async () => assert.deepEqual(await check(inj), expected));
  }

  it('pipeline_outputs name a declared artifact of a step', async () => {
    const dir = await tempProject({
      'wave.yaml': manifestYaml(),
      ...PROMPT_FILES,
      '.wave/pipelines/planner.yaml': PLANNER.replace('artifact: impl-plan', 'artifact: impl-plna'),
    });
    const r = await validateProject({ manifestPath: path.join(dir, 'wave.yaml'), pipeline: 'planner' });
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error').map((p) => p.message),
      ["pipeline_outputs 'plan': step 'plan' declares no artifact 'impl-plna' (did you mean 'impl-plan'?)"],
    );
  });
});

describe('inject_artifacts from another pipeline: the run', () => {
  const inj: PipelineInjection = {
    pipeline: 'planner',
    artifact: 'plan',
    as: 'the_plan',
    source: { step: 'plan', artifact: 'impl-plan' },
  };
  const step: Step = {
    id: 'use',
    dependencies: [],
    exec: { type: 'command', script: 'true' },
    output_artifacts: [],
    handover: { contracts: [] },
    memory: { inject_artifacts: [inj] },
  };
  const workspace = (): StepWorkspace => {
    const dir = tempDir();
    for (const d of ['in', 'out', 'src']) mkdirSync(path.join(dir, d));
    return {
      dir,
      src: path.join(dir, 'src'),
      srcWritable: false,
      mounts: [],
      written: [],
      in: path.join(dir, 'in'),
      out: path.join(dir, 'out'),
    };
  };
  const plannerRun = (store: Store, content: string, status: 'completed' | 'failed') => {
    const run = store.runs.create({
      pipeline: 'planner',
      pipelinePath: 'planner.yaml',
      input: '',
      steps: [{ stepId: 'plan', level: 0, position: 0 }],
    });
    store.runs.start(run.id);
    store.steps.start(run.id, 'plan', STEP_INFO);
    const file = path.join(tempDir(), 'plan.json');
    writeFileSync(file, content);
    store.artifacts.record(run.id, 'plan', {
      name: 'impl-plan',
      path: file,
      size: content.length,
      sha256: 'ab'.repeat(32),
    });
    if (status === 'completed') store.steps.complete(run.id, 'plan');
    else store.steps.fail(run.id, 'plan', { reason: 'exit 1', failureClass: 'exit' });
    store.runs.finish(run.id, status);
  };

  it("copies the artifact of the pipeline's newest completed run to /wave/in/<as>", async () => {
    const clock = new TestClock();
    const store = openStore(tempDbPath(), { clock: clock.now });
    plannerRun(store, '{"v":1}', 'completed');
    clock.advance(1000);
    plannerRun(store, '{"v":2}', 'completed');
    clock.advance(1000);
    plannerRun(store, '{"v":3}', 'failed');
    const ws = workspace();
    const present = new Set<string>();
    assert.deepEqual(await injectFromPipelines(store, step, ws, present), []);
    assert.equal(readFileSync(path.join(ws.in, 'the_plan'), 'utf8'), '{"v":2}');
    assert.deepEqual([...present], ['pipeline:planner/plan']);
  });

  it('without a completed run it is missing, unless optional', async () => {
    const store = openStore();
    const missing = await injectFromPipelines(store, step, workspace(), new Set());
    assert.deepEqual(missing, ["planner.plan (no completed run of pipeline 'planner' in this project)"]);
    const optional = { ...step, memory: { inject_artifacts: [{ ...inj, optional: true }] } };
    assert.deepEqual(await injectFromPipelines(store, optional, workspace(), new Set()), []);
  });
});
