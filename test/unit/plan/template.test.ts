import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaveError } from '../../../src/errors.js';
import { classifyTemplateVar, findTemplateVars, renderTemplate } from '../../../src/plan/index.js';

const ctx = {
  input: 'the auth module',
  runId: 'code-review-20250101-120000-ab12',
  stepId: 'summary',
  pipelineName: 'code-review',
  deps: { analyze: { analysis: '/wave/in/analyze/analysis' } },
};

describe('renderTemplate', () => {
  const cases: Array<[string, string]> = [
    ['Review {{ input }}.', 'Review the auth module.'],
    ['Review {{input}}.', 'Review the auth module.'],
    ['{{   input   }}', 'the auth module'],
    ['run {{ run.id }} step {{ step_id }}', 'run code-review-20250101-120000-ab12 step summary'],
    ['name {{ run.name }}', 'name code-review-20250101-120000-ab12'],
    ['id {{ pipeline_id }} of {{ pipeline_name }}', 'id code-review-20250101-120000-ab12 of code-review'],
    ['read {{ deps.analyze.analysis }}', 'read /wave/in/analyze/analysis'],
    ['no placeholders', 'no placeholders'],
    ["docker inspect --format '\\{{.State.Status}}'", "docker inspect --format '{{.State.Status}}'"],
    ['{{ input }}{{ input }}', 'the auth modulethe auth module'],
    ['multi\nline {{ input }}\n', 'multi\nline the auth module\n'],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.equal(renderTemplate(text, ctx), expected));
  }

  it('does not re-expand placeholders inside the input', () => {
    assert.equal(renderTemplate('{{ input }}', { ...ctx, input: '{{ run.id }}' }), '{{ run.id }}');
  });

  const failures: Array<[string, RegExp]> = [
    ['{{ inptu }}', /unknown template variable 'inptu'/],
    ['{{ }}', /empty placeholder/],
    ['{{ deps.analyze }}', /must have the form deps\.<step>\.<artifact>/],
    ['{{ deps.analyze.nope }}', /\{\{ deps\.analyze\.nope \}\}: step 'analyze' gave this step no artifact 'nope'/],
    ['{{ deps.other.x }}', /step 'other' gave this step no artifact 'x'/],
  ];
  for (const [text, pattern] of failures) {
    it(`rejects ${text}`, () => {
      assert.throws(
        () => renderTemplate(text, ctx, "step 'summary' exec.source"),
        (err: unknown) =>
          err instanceof WaveError &&
          err.code === 'pipeline_invalid' &&
          pattern.test(err.message) &&
          err.message.startsWith("step 'summary' exec.source: "),
      );
    });
  }

  it('reports every bad placeholder, not only the first', () => {
    assert.throws(
      () => renderTemplate('{{ a }} {{ b }} {{ c }}', ctx),
      (err: unknown) => err instanceof WaveError && /'a'/.test(err.message) && err.details.length === 2,
    );
  });
});

describe('findTemplateVars', () => {
  it('finds expressions with positions and skips escaped ones', () => {
    const vars = findTemplateVars('a {{ input }}\n  {{deps.x.y}} \\{{ not }}');
    assert.deepEqual(
      vars.map((v) => [v.expr, v.line, v.column]),
      [
        ['input', 1, 3],
        ['deps.x.y', 2, 3],
      ],
    );
  });

  it('classifies references', () => {
    assert.deepEqual(classifyTemplateVar('deps.a-1.out_2'), { kind: 'dep_artifact', step: 'a-1', artifact: 'out_2' });
    assert.deepEqual(classifyTemplateVar('run.id'), { kind: 'run_id' });
    assert.deepEqual(classifyTemplateVar('project.skill'), { kind: 'project_var', name: 'project.skill' });
    assert.equal(classifyTemplateVar('forge.nope').kind, 'unknown');
  });
});
