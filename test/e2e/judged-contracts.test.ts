// Judged contracts end to end: the reviewer is the real Claude Code CLI in its own container, against the scripted
// model; the judge is one call Wave makes on the host through the gateway's upstream (the scripted model refuses any
// key but the test's, so Wave, not a container, attached it).
// - agent_review: round 1 the reviewer first tries to overwrite what it judges (refused: its /wave/in is read-only)
//   and fails the report with an issue; the rework step adds what is missing; round 2 the review passes.
// - llm_judge with threshold 0.75: 3 of 4 criteria pass, 2 of 4 fail.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { modelScriptFromObject, startScriptedModel, type ScriptedModel } from '../../src/model/index.js';
import { defaultStatePath, Store } from '../../src/state/index.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { createE2eProject, modelTurns, personaOf, removeE2eProject, runPipeline } from '../support/e2e-project.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/claude:latest'));

const KEY = `sk-ant-test-${randomBytes(16).toString('hex')}`;
const verdict = (v: string, issues: Array<{ severity: string; description: string }>, summary: string) => ({
  name: 'Write',
  input: {
    file_path: '/wave/out/verdict.json',
    content: JSON.stringify({ verdict: v, issues, suggestions: [], summary }),
  },
});
const ATTACK =
  'echo hacked > /wave/in/draft/report.md || echo WRITE-REFUSED; touch /wave/in/draft/new || echo TOUCH-REFUSED';
const CRITERIA = ['has a title', 'has a summary', 'names the owner', 'has a date'];
const judgement = (passed: number) => ({
  name: 'record_judgement',
  input: {
    criteria_results: CRITERIA.map((criterion, i) => ({ criterion, pass: i < passed, reasoning: `checked ${i}` })),
    overall_pass: passed === CRITERIA.length,
    score: passed / CRITERIA.length,
    summary: `${passed} of ${CRITERIA.length}`,
  },
});

const script = modelScriptFromObject({
  steps: {
    'draft.review': {
      attempts: [
        [
          { tool_calls: [{ name: 'Bash', input: { command: ATTACK } }] },
          {
            expect_tool_result: { contains: 'WRITE-REFUSED' },
            tool_calls: [verdict('fail', [{ severity: 'high', description: 'missing summary' }], 'no summary')],
          },
          { text: 'Reviewed: fail.' },
        ],
        [{ tool_calls: [verdict('pass', [], 'complete')] }, { text: 'Reviewed: pass.' }],
      ],
    },
    'three.judge': [{ tool_calls: [judgement(3)] }],
    'two.judge': [{ tool_calls: [judgement(2)] }],
  },
});

const REVIEWED = `kind: WavePipeline
metadata: {name: reviewed}
steps:
  - id: draft
    exec: {type: command, script: "echo '# Report' > /wave/out/report.md"}
    output_artifacts: [{name: report, path: report.md}]
    retry: {max_attempts: 1}
    handover:
      contracts:
        - type: agent_review
          persona: reviewer
          criteria_path: review/criteria.md
          token_budget: 200000
          on_failure: rework
          rework_step: fix
  - id: fix
    rework_only: true
    exec:
      type: command
      script: "grep -q 'missing summary' \\"$WAVE_REWORK_FEEDBACK\\" && echo '## Summary' >> /wave/out/report.md"
`;

const judged = (id: string) => `kind: WavePipeline
metadata: {name: ${id}}
steps:
  - id: ${id}
    exec: {type: command, script: "echo '# Report' > /wave/out/report.md"}
    output_artifacts: [{name: report, path: report.md}]
    retry: {max_attempts: 1}
    handover:
      contract: {type: llm_judge, threshold: 0.75, criteria: [${CRITERIA.map((c) => JSON.stringify(c)).join(', ')}]}
`;

let dir: string;
let model: ScriptedModel;

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: KEY });
  dir = createE2eProject({
    name: 'judged',
    files: { 'review/criteria.md': '# Criteria\n\n- The report has a summary.\n' },
    manifest: (manifest) => {
      manifest.runtime.models = { anthropic: { base_url: model.url } };
      manifest.personas.reviewer = personaOf('claude', 'cheapest')('e2e: reviews reports', {
        allowed_tools: ['*'],
        deny: [],
      });
    },
    pipelines: { reviewed: REVIEWED, three: judged('three'), two: judged('two') },
  });
});
after(() => removeE2eProject(dir, model));

describe('judged contracts, end to end', { skip }, () => {
  test('agent_review fails round 1 with an issue, the rework step fixes the report, round 2 passes', async () => {
    const { status, events, stderr } = await runPipeline(dir, 'reviewed', {
      env: { ANTHROPIC_API_KEY: KEY },
      timeoutMs: 600_000,
    });
    assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed')));
    const runId = events[0]?.runId as string;
    const turns = modelTurns(model, 'draft.review');
    assert.equal(turns.filter((t) => t.note).length, 0, JSON.stringify(turns.map((t) => t.note)));
    assert.deepEqual([...new Set(turns.map((t) => t.attempt))], [1, 2], 'two reviews, one per round');
    const failed = events.filter((e) => e.type === 'contract_result' && e.stepId === 'draft' && e.ok === false);
    assert.match(JSON.stringify(failed), /\[high\] missing summary/);
    assert.ok(
      events.some((e) => e.type === 'usage' && e.stepId === 'draft.review'),
      'the review counts usage',
    );

    const store = new Store(defaultStatePath(dir));
    try {
      const report = store.artifacts.list(runId, 'draft').find((a) => a.name === 'report')?.path ?? '';
      // The rework step's change, and nothing of the reviewer's attempt to write it.
      assert.equal(readFileSync(report, 'utf8'), '# Report\n## Summary\n');
      assert.equal(store.steps.get(runId, 'fix')?.status, 'completed');
    } finally {
      store.close();
    }
  });

  test('the reviewer cannot write what it judges: its write and its new file were refused', () => {
    const attack = modelTurns(model, 'draft.review').find((t) => t.attempt === 1 && t.turnIndex === 1);
    const results = JSON.stringify(attack?.body ?? '');
    assert.match(results, /WRITE-REFUSED/);
    assert.match(results, /TOUCH-REFUSED/);
  });

  test('llm_judge with threshold 0.75 passes at 3 of 4 criteria and fails at 2 of 4', async () => {
    const three = await runPipeline(dir, 'three', { env: { ANTHROPIC_API_KEY: KEY }, timeoutMs: 300_000 });
    assert.equal(three.status, 0, three.stderr);
    const two = await runPipeline(dir, 'two', { env: { ANTHROPIC_API_KEY: KEY }, timeoutMs: 300_000 });
    assert.equal(two.status, 4, two.stderr);
    const result = two.events.find((e) => e.type === 'contract_result' && e.stepId === 'two');
    assert.match(JSON.stringify(result), /judge score 0\.50 is below the threshold 0\.75/);
    const calls = model.requests.filter((r) => r.stepId === 'three.judge' || r.stepId === 'two.judge');
    assert.equal(calls.length, 2, 'one model call per judgement');
    assert.ok(
      calls.every((c) => c.headers['x-api-key'] === KEY),
      'Wave attached the key on the host',
    );
  });
});
