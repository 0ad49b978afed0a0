// The original format's template variables: project.*, forge.*, artifacts.<name>, and the ones refused for now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Step } from '../../../src/config/index.js';
import { StepGraph, fillTemplate, stepTemplateContext } from '../../../src/plan/index.js';

const step = (id: string, extra: Partial<Step> = {}): Step => ({
  id,
  dependencies: [],
  exec: { type: 'prompt', source: 'x' },
  output_artifacts: [],
  handover: { contracts: [] },
  ...extra,
});

const greet = step('greet', { output_artifacts: [{ name: 'greeting', path: 'g.txt', type: 'text', required: true }] });
const review = step('review', {
  dependencies: ['greet'],
  memory: { inject_artifacts: [{ step: 'greet', artifact: 'greeting', as: 'greeting_file' }] },
});
const vars = {
  'project.language': 'go',
  'project.test_command': 'go test ./...',
  'forge.type': 'github',
  'forge.cli_tool': 'gh',
};

describe('template variables of the original format', () => {
  const ctx = stepTemplateContext(new StepGraph([greet, review]), review, {
    input: 'in',
    runId: 'r1',
    pipelineName: 'p',
    vars,
  });
  const cases: Array<[text: string, expected: string | RegExp]> = [
    ['{{ project.language }}', 'go'],
    ['run `{{ project.test_command }}`', 'run `go test ./...`'],
    ['{{ forge.type }} via {{ forge.cli_tool }}', 'github via gh'],
    ['{{ pipeline_id }}', 'r1'],
    ['{{ artifacts.greeting_file }}', '/wave/in/greeting_file'],
    ['{{ artifacts.greeting }}', '/wave/in/greet/g.txt'],
    ['{{ project.nope }}', /\{\{ project\.nope \}\} is not set in wave\.yaml/],
    ['{{ forge.nope }}', /unknown forge field 'nope' \(known: type, host, owner, repo, cli_tool/],
    ['{{ artifacts.other }}', /receives no artifact named 'other'.*|it receives: greeting, greeting_file/],
    ['{{ steps.greet.output.x }}', /steps\.greet\.output\.x \}\}: a step has no output 'x' \(known: branch, base\)/],
    ['{{ steps.greet.output.branch }}', /step 'greet' works in no worktree, so it has no branch/],
    ['{{ steps.greet.nope }}', /must have the form steps\.<step>\.artifacts\.<artifact>\.<field> or steps/],
    ['{{ steps.greet.artifacts.greeting.a.b }}', '/wave/in/greet/g.txt'],
    ['{{ steps.other.artifacts.x.a }}', /\{\{ steps\.other\.artifacts\.x\.a \}\}: unknown step 'other'/],
    ['{{ run.name }}', 'r1'],
    ['{{run.name}}-{{ run.id }}', 'r1-r1'],
  ];
  for (const [text, expected] of cases) {
    it(text, () => {
      const { rendered, failures } = fillTemplate(text, ctx);
      if (typeof expected === 'string') {
        assert.deepEqual(failures, []);
        assert.equal(rendered, expected);
      } else {
        assert.equal(failures.length, 1);
        assert.match(`${failures[0]?.message} | ${failures[0]?.hint}`, expected);
      }
    });
  }

  it('without a manifest project.* and forge.* are not checked (a pipeline validated on its own)', () => {
    const alone = stepTemplateContext(new StepGraph([greet]), greet, { input: '', runId: '', pipelineName: 'p' });
    assert.deepEqual(fillTemplate('{{ project.x }}{{ forge.type }}', alone).failures, []);
  });

  it('in a command script a project value is shell-quoted like any other', () => {
    const cmd = step('c', { exec: { type: 'command', script: 'x' } });
    const c = stepTemplateContext(new StepGraph([cmd]), cmd, { input: '', runId: '', pipelineName: 'p', vars });
    assert.equal(fillTemplate('{{ project.test_command }}', c, { syntax: 'shell' }).rendered, "'go test ./...'");
  });
});

describe('steps.<step>.output.<field>: the branch and base of a worktree step', () => {
  const tree = (branch?: string, base?: string): NonNullable<Step['workspace']> => ({
    type: 'worktree',
    ...(branch === undefined ? {} : { branch }),
    ...(base === undefined ? {} : { base }),
  });
  const impl = step('impl', { workspace: tree('feat-{{ pipeline_name }}-{{run.id}}', 'main') });
  const fix = step('fix', { dependencies: ['impl'], workspace: { ref: 'impl' } });
  const bare = step('bare', { workspace: tree() });
  const pr = step('pr', { dependencies: ['fix', 'bare'] });
  const ctx = stepTemplateContext(new StepGraph([impl, fix, bare, pr]), pr, {
    input: '',
    runId: 'r1',
    pipelineName: 'p',
  });
  const cases: Array<[text: string, expected: string | RegExp]> = [
    ['{{ steps.impl.output.branch }}', 'feat-p-r1'],
    ['{{steps.impl.output.base}}', 'main'],
    ['{{ steps.fix.output.branch }} from {{ steps.fix.output.base }}', 'feat-p-r1 from main'],
    ['{{ steps.bare.output.branch }}', /the worktree of step 'bare' has no branch \| name it/],
    ['{{ steps.bare.output.base }}', /the worktree of step 'bare' declares no base.*\| declare it/],
    ['{{ steps.impll.output.branch }}', /steps\.impll\.output\.branch \}\}: unknown step 'impll'.*impl/],
    ['{{ steps.impl.output.sha }}', /a step has no output 'sha' \(known: branch, base\)/],
  ];
  for (const [text, expected] of cases) {
    it(text, () => {
      const { rendered, failures } = fillTemplate(text, ctx);
      if (typeof expected === 'string') {
        assert.deepEqual(failures, []);
        assert.equal(rendered, expected);
      } else {
        assert.equal(failures.length, 1);
        assert.match(`${failures[0]?.message} | ${failures[0]?.hint}`, expected);
      }
    });
  }

  it('in a command script the branch is shell-quoted like any other value', () => {
    const named = step('named', { workspace: tree("it's") });
    const cmd = step('c', { dependencies: ['named'], exec: { type: 'command', script: 'x' } });
    const c = stepTemplateContext(new StepGraph([named, cmd]), cmd, { input: '', runId: 'r', pipelineName: 'p' });
    const { rendered } = fillTemplate('git push {{ steps.named.output.branch }}', c, { syntax: 'shell' });
    assert.equal(rendered, `git push 'it'\\''s'`);
  });
});
