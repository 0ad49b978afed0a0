// A run tree end to end with the real Claude Code CLI in its containers, against the scripted model: a scope step
// returns a list, a parallel iterate runs a sub-pipeline per item (its own prompt step each), and an aggregate
// merges their reports into one artifact that a last step reads; a prompt step iterated directly runs once per
// item with {{ item }} in its prompt, its texts concatenated.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { modelScriptFromObject, startScriptedModel, type ScriptedModel } from '../../src/model/index.js';
import { defaultStatePath, Store } from '../../src/state/index.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { createE2eProject, modelTurns, personaOf, removeE2eProject, runPipeline } from '../support/e2e-project.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/claude:latest'));

const KEY = `sk-ant-test-${randomBytes(16).toString('hex')}`;
const write = (file: string, content: string) => ({ name: 'Write', input: { file_path: file, content } });

const script = modelScriptFromObject({
  steps: {
    scope: [
      { tool_calls: [write('/wave/out/scope.json', '{"issues": [{"n": 1}, {"n": 2}]}')] },
      { text: 'Two issues.' },
    ],
    review: [{ tool_calls: [write('/wave/out/report.json', '[{"reviewed": true}]')] }, { text: 'Reviewed.' }],
    summarise: [{ tool_calls: [write('/wave/out/summary.txt', 'summarised\n')] }, { text: 'Summarised.' }],
  },
});

const PARENT = `kind: WavePipeline
metadata: {name: inception}
steps:
  - id: scope
    persona: tester
    exec: {type: prompt, source: "List the issues of {{ input }}."}
    output_artifacts: [{name: scope, path: scope.json}]
    retry: {policy: none}
  - id: each
    dependencies: [scope]
    pipeline: review-one
    input: "issue {{ item.n }}"
    iterate: {over: "{{ steps.scope.artifacts.scope.issues }}", mode: parallel}
    aggregate: {from: report, into: reports, strategy: merge_arrays}
  - id: summarise
    dependencies: [scope]
    persona: tester
    exec: {type: prompt, source: "Summarise issue {{ item.n }}."}
    output_artifacts: [{name: summary, path: summary.txt}]
    iterate: {over: "{{ steps.scope.artifacts.scope.issues }}", mode: sequential}
    aggregate: {from: summary, into: summaries, strategy: concat}
    retry: {policy: none}
  - id: publish
    dependencies: [each, summarise]
    exec: {type: command, script: "cp {{ deps.each.reports }} /wave/out/all.json"}
    output_artifacts: [{name: all, path: all.json}]
`;

const CHILD = `kind: WavePipeline
metadata: {name: review-one}
pipeline_outputs:
  report: {step: review, artifact: report}
steps:
  - id: review
    persona: tester
    exec: {type: prompt, source: "Review {{ input }}."}
    output_artifacts: [{name: report, path: report.json}]
    retry: {policy: none}
`;

let dir: string;
let model: ScriptedModel;

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: KEY });
  dir = createE2eProject({
    name: 'tree',
    manifest: (manifest) => {
      manifest.runtime.models = { anthropic: { base_url: model.url } };
      manifest.personas.tester = personaOf('claude', 'cheapest')('e2e: writes reports', {
        allowed_tools: ['*'],
        deny: [],
      });
    },
    pipelines: { inception: PARENT, 'review-one': CHILD },
  });
});
after(() => removeE2eProject(dir, model));

describe('a run tree, end to end', { skip }, () => {
  test('scope lists two issues, a sub-pipeline reviews each in parallel, an aggregate merges the reports', async () => {
    const { status, events, stderr } = await runPipeline(dir, 'inception', {
      env: { ANTHROPIC_API_KEY: KEY },
      flags: ['acme/widgets'],
      timeoutMs: 600_000,
    });
    const failures = events.filter((e) => e.type === 'step_failed');
    assert.equal(status, 0, stderr + JSON.stringify(failures));
    const runId = events[0]?.runId as string;
    const children = events.filter(
      (e) => e.type === 'run_started' && e.parentRunId === runId && e.parentStepId === 'each',
    );
    assert.deepEqual(children.map((e) => e.itemIndex).sort(), [0, 1]);
    assert.equal(modelTurns(model, 'review').length, 4, 'two turns per review, one review per item');

    const store = new Store(defaultStatePath(dir));
    try {
      const all = store.artifacts.list(runId, 'publish')[0]?.path ?? '';
      assert.deepEqual(JSON.parse(readFileSync(all, 'utf8')), [{ reviewed: true }, { reviewed: true }]);
      assert.deepEqual(
        store.runs
          .children(runId)
          .map((r) => [r.pipeline, r.itemIndex, r.status])
          .sort((a, b) => String(a).localeCompare(String(b))),
        [
          ['inception.summarise', 0, 'completed'],
          ['inception.summarise', 1, 'completed'],
          ['review-one', 0, 'completed'],
          ['review-one', 1, 'completed'],
        ],
      );
      assert.equal(path.basename(all), 'all.json');
      // The iterated prompt step: one run per item, in order, each prompt with its item.
      const prompts = modelTurns(model, 'summarise').map((r) => JSON.stringify(r.body));
      assert.equal(prompts.length, 4, 'two turns per item');
      assert.ok(prompts[0]?.includes('Summarise issue 1.') && !prompts[0].includes('Summarise issue 2.'));
      assert.ok(prompts[2]?.includes('Summarise issue 2.'));
      const summaries = store.artifacts.list(runId, 'summarise')[0]?.path ?? '';
      assert.equal(readFileSync(summaries, 'utf8'), 'summarised\nsummarised\n');
    } finally {
      store.close();
    }
  });
});
