// `wave validate` of strategy: matrix: items_source names an upstream step's artifact, child_pipeline exists and
// does not come back, and what Wave cannot make act (stacked, half a tier setup, Go template logic) is refused.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';
import { tempProject } from '../config/_helpers.js';

const pipeline = (name: string, steps: string) => `kind: WavePipeline\nmetadata: {name: ${name}}\nsteps:\n${steps}`;
const PLAN =
  '  - id: plan\n    exec: {type: command, script: "true"}\n' +
  '    output_artifacts: [{name: tasks, path: out/tasks.json}]\n';
const LEAF = pipeline('leaf', '  - id: work\n    exec: {type: command, script: "true"}\n');

async function problems(files: Record<string, string>, which: string): Promise<string[]> {
  const dir = await tempProject(
    Object.fromEntries(Object.entries(files).map(([name, text]) => [`.wave/pipelines/${name}.yaml`, text])),
  );
  const check = await checkPipelineFile(path.join(dir, '.wave', 'pipelines', `${which}.yaml`), dir);
  return check.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.message}`);
}

const matrixStep = (strategy: string, rest = '    exec: {type: command, script: "echo {{ task }}"}\n') =>
  `${PLAN}  - id: each\n    dependencies: [plan]\n    strategy: {type: matrix, ${strategy}}\n${rest}`;

describe('matrix validation', () => {
  it('accepts a step run per item, and a child_pipeline with tiers and an input_template', async () => {
    const own = pipeline('own', matrixStep('items_source: plan/out/tasks.json, item_key: tasks'));
    assert.deepEqual(await problems({ own }, 'own'), []);
    const strategy =
      'items_source: plan/out/tasks.json, child_pipeline: leaf, item_id_key: id, dependency_key: deps, ' +
      'input_template: "{{ .title }}", max_concurrency: 2, stacked: false';
    const child = pipeline('child', matrixStep(strategy, ''));
    assert.deepEqual(await problems({ leaf: LEAF, child }, 'child'), []);
  });

  it('refuses an items_source that is not an upstream artifact, naming what the step declares', async () => {
    const wrong = pipeline('wrong', matrixStep('items_source: plan/tasks.json'));
    assert.deepEqual(await problems({ wrong }, 'wrong'), [
      "9: step 'each': strategy.items_source: step 'plan' declares no output artifact at 'tasks.json'",
    ]);
    const loose = pipeline('loose', matrixStep('items_source: tasks.json'));
    const [first] = await problems({ loose }, 'loose');
    assert.match(first ?? '', /items_source 'tasks\.json' must be <step>\/<path>/);
  });

  it('refuses stacked, half a tier setup, template logic and input_template without a child pipeline', async () => {
    const bad = pipeline(
      'bad',
      matrixStep('items_source: plan/out/tasks.json, stacked: true, item_id_key: id, input_template: "{{ if .a }}"'),
    );
    const found = await problems({ bad }, 'bad');
    for (const expected of [
      /strategy\.stacked .* is not supported/,
      /strategy\.item_id_key needs strategy\.dependency_key/,
      /strategy\.input_template is the input of child_pipeline/,
      /input_template: '\{\{ if \.a \}\}' is not/,
    ]) {
      assert.ok(
        found.some((p) => expected.test(p)),
        `${expected}: ${found.join('\n')}`,
      );
    }
  });

  it('refuses an unknown child_pipeline, a cycle through it, and keys of other fan-outs', async () => {
    const persona = pipeline(
      'persona',
      matrixStep('items_source: plan/out/tasks.json, child_pipeline: leaf', '    persona: navigator\n'),
    );
    assert.deepEqual(await problems({ leaf: LEAF, persona }, 'persona'), [
      "10: step 'each': persona cannot be used with strategy.child_pipeline:",
    ]);
    const unknown = pipeline('unknown', matrixStep('items_source: plan/out/tasks.json, child_pipeline: nowhere', ''));
    const [first] = await problems({ unknown }, 'unknown');
    assert.match(first ?? '', /^9: step 'each': .*nowhere/);
    const loop = pipeline('loop', matrixStep('items_source: plan/out/tasks.json, child_pipeline: loop', ''));
    assert.deepEqual(await problems({ loop }, 'loop'), ["9: step 'each': circular pipeline reference: loop → loop"]);
    const both = pipeline(
      'both',
      matrixStep('items_source: plan/out/tasks.json', '    pipeline: leaf\n    input: x\n    config: {extract: [a]}\n'),
    );
    const found = await problems({ leaf: LEAF, both }, 'both');
    for (const key of ['pipeline', 'input', 'config.extract']) {
      assert.ok(
        found.some((p) => p.includes(`${key} cannot be used with strategy: matrix`)),
        found.join('\n'),
      );
    }
  });

  it('refuses a matrix over a step that changes code itself', async () => {
    const writes = pipeline(
      'writes',
      matrixStep(
        'items_source: plan/out/tasks.json',
        '    workspace: {type: worktree}\n    exec: {type: command, script: "true"}\n',
      ),
    );
    const [first] = await problems({ writes }, 'writes');
    assert.match(first ?? '', /a matrix over a step that changes code is not supported/);
  });
});
