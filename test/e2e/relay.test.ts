// The context relay end to end with the real agent CLIs in their containers, against the scripted model: the
// usage the model reports crosses 80% of the window at turn 2, Wave stops the CLI, the summarizer (Claude Code, in
// its own container) writes the checkpoint from the scrubbed transcript, and a fresh instance, whose first request
// holds the checkpoint and none of the earlier turns, finishes the step; a relay loop stops at max_relays.
// Claude Code and OpenCode report usage per model call; Codex and Gemini CLI only a total with their result, so no
// relay can happen mid-run with them (README: Context relay).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { modelScriptFromObject, startScriptedModel, type ScriptedModel } from '../../src/model/index.js';
import { defaultStatePath, Store } from '../../src/state/index.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { createE2eProject, modelTurns, personaOf, removeE2eProject, runPipeline } from '../support/e2e-project.js';

/** The adapters whose CLIs report usage per model call, with the model their persona names. */
const ADAPTERS = { claude: 'cheapest', opencode: 'openai-compatible/scripted-chat' } as const;
type Adapter = keyof typeof ADAPTERS;

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/claude:latest'));
const skipOf = async (adapter: string) => skip || (await imageForTests(docker, `wave/${adapter}:latest`));
const SKIP = { claude: skip, opencode: await skipOf('opencode') };
/** The adapters whose CLIs report usage only with their result (a run total): a crossing there relays nothing. */
const TOTALS_ONLY = { codex: 'balanced', gemini: 'balanced' } as const;
type TotalsOnly = keyof typeof TOTALS_ONLY;
const SKIP_TOTALS = { codex: await skipOf('codex'), gemini: await skipOf('gemini') };

const KEY = `sk-ant-test-${randomBytes(16).toString('hex')}`;
const CANARY = `relay-canary-${randomBytes(8).toString('hex')}`;
const EARLIER = 'earlier-turn-7c1e';
/** 85% of the 200k window Wave assumes for Claude until the CLI's result line says otherwise. */
const NEAR_FULL = { input_tokens: 170_000 };
/** The turn the stopped CLI would have asked for next: it never gets an answer in time. */
const NEVER = { delay_ms: 600_000, text: 'too late' };
const CHECKPOINT = {
  goal: 'write the report',
  done: ['wrote /wave/out/part1.txt'],
  remaining: ['write /wave/out/report.txt'],
  files_touched: ['/wave/out/part1.txt'],
  decisions: ['keep-the-format-4d2a'],
  open_questions: [],
};
const summarizer = [
  { tool_calls: [{ write: { path: '/wave/out/checkpoint.json', json: CHECKPOINT } }] },
  { text: 'Checkpoint written.' },
];

/** Each adapter's steps: `work-<adapter>` is relayed once and finishes; `spin-<adapter>` loops. */
const stepsOf = (adapter: Adapter) => ({
  [`work-${adapter}`]: [
    { tool_calls: [{ run: { command: `echo ${EARLIER} > /wave/out/part1.txt; printenv RELAY_CANARY` } }] },
    { tool_calls: [{ run: { command: 'true' } }], usage: NEAR_FULL },
    NEVER,
  ],
  [`work-${adapter}.checkpoint-1`]: summarizer,
  [`work-${adapter}.relay-1`]: [
    { tool_calls: [{ run: { command: 'cat /wave/out/part1.txt > /wave/out/report.txt' } }] },
    { text: 'Finished from the checkpoint.' },
  ],
  [`spin-${adapter}`]: [{ tool_calls: [{ run: { command: 'true' } }], usage: NEAR_FULL }, NEVER],
  [`spin-${adapter}.checkpoint-1`]: summarizer,
});

/** Two model calls of 90k tokens each: the run's total is 90% of the window, reported once, at the end. */
const totalsOf = (adapter: TotalsOnly) => ({
  [`total-${adapter}`]: [
    { tool_calls: [{ write: { path: '/wave/out/report.txt', content: 'done\n' } }], usage: { input_tokens: 90_000 } },
    { text: 'Done.', usage: { input_tokens: 90_000 } },
  ],
});

const script = modelScriptFromObject({
  steps: { ...stepsOf('claude'), ...stepsOf('opencode'), ...totalsOf('codex'), ...totalsOf('gemini') },
});

const pipeline = (id: string, persona: string, extra = '') => `kind: WavePipeline
metadata: {name: ${id}}
steps:
  - id: ${id}
    persona: ${persona}
    exec: {type: prompt, source: "Write the report."}
    output_artifacts: [{name: report, path: report.txt}]
    retry: {policy: none}
${extra}`;

const LOOP = '    handover: {compaction: {trigger: "token_limit_80%", max_relays: 1}}\n';

/** Per adapter: work-<a> and spin-<a> where usage comes per call, total-<a> where it comes as a total. */
function pipelines(): Record<string, string> {
  const all: Record<string, string> = {};
  for (const adapter of Object.keys(ADAPTERS)) {
    all[`work-${adapter}`] = pipeline(`work-${adapter}`, `tester-${adapter}`);
    all[`spin-${adapter}`] = pipeline(`spin-${adapter}`, `tester-${adapter}`, LOOP);
  }
  for (const adapter of Object.keys(TOTALS_ONLY))
    all[`total-${adapter}`] = pipeline(`total-${adapter}`, `tester-${adapter}`);
  return all;
}

let dir: string;
let model: ScriptedModel;

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: KEY });
  dir = createE2eProject({
    name: 'relay',
    manifest: (manifest) => {
      manifest.runtime.models = {
        anthropic: { base_url: model.url },
        openai: { base_url: `${model.url}/v1` },
        gemini: { base_url: model.url },
      };
      manifest.runtime.sandbox.env_passthrough = ['RELAY_CANARY'];
      for (const [adapter, name] of Object.entries({ ...ADAPTERS, ...TOTALS_ONLY })) {
        manifest.personas[`tester-${adapter}`] = personaOf(adapter, name)('e2e: writes a report', {
          allowed_tools: ['*'],
          deny: [],
        });
      }
    },
    pipelines: pipelines(),
  });
});
after(() => removeE2eProject(dir, model));

const env = () => ({ ANTHROPIC_API_KEY: KEY, OPENAI_API_KEY: KEY, GEMINI_API_KEY: KEY, RELAY_CANARY: CANARY });

for (const adapter of Object.keys(ADAPTERS) as Adapter[]) {
  describe(`context relay, end to end (${adapter})`, { skip: SKIP[adapter] }, () => {
    const work = `work-${adapter}`;
    test('at 85% the CLI is stopped, a checkpoint is written, a fresh instance finishes from it', async () => {
      const { status, events, stderr } = await runPipeline(dir, work, { env: env(), timeoutMs: 600_000 });
      const failures = events.filter((e) => e.type === 'step_failed');
      assert.equal(status, 0, stderr + JSON.stringify(failures));
      const relay = events.filter((e) => ['relay_triggered', 'checkpoint_written', 'relay_resumed'].includes(e.type));
      assert.deepEqual(
        relay.map((e) => [e.type, e.relay]),
        [
          ['relay_triggered', 1],
          ['checkpoint_written', 1],
          ['relay_resumed', 1],
        ],
      );
      assert.ok(Number(relay[0]?.contextPercent) >= 80, String(relay[0]?.contextPercent));

      // The summarizer saw the transcript (the earlier turns), without the canary the first instance printed.
      const summary = JSON.stringify(modelTurns(model, `${work}.checkpoint-1`)[0]?.body);
      assert.ok(summary.includes(EARLIER), 'the transcript reached the summarizer');
      assert.ok(summary.includes('[REDACTED]') && !summary.includes(CANARY), 'the canary reached the summarizer');
      // The fresh instance: a new conversation that starts with the checkpoint and none of the earlier turns.
      const fresh = modelTurns(model, `${work}.relay-1`);
      assert.equal(fresh.length, 2);
      const first = JSON.stringify(fresh[0]?.body);
      assert.ok(first.includes('keep-the-format-4d2a'), 'the checkpoint is in its first request');
      assert.ok(!first.includes(EARLIER) && !first.includes(CANARY), 'an earlier turn is in its first request');

      const runId = events[0]?.runId as string;
      const store = new Store(defaultStatePath(dir));
      try {
        const artifacts = store.artifacts.list(runId, work);
        const report = artifacts.find((a) => a.name === 'report')?.path ?? '';
        assert.equal(readFileSync(report, 'utf8'), `${EARLIER}\n`, "the stopped instance's /wave/out was kept");
        const checkpoint = artifacts.find((a) => a.name === 'checkpoint-1')?.path ?? '';
        assert.deepEqual(JSON.parse(readFileSync(checkpoint, 'utf8')), CHECKPOINT);
      } finally {
        store.close();
      }
    });

    test('a relay loop (every instance crosses again) stops at max_relays', async () => {
      const { status, events } = await runPipeline(dir, `spin-${adapter}`, { env: env(), timeoutMs: 600_000 });
      assert.notEqual(status, 0);
      const failed = events.find((e) => e.type === 'step_failed');
      assert.equal(failed?.failureClass, 'context_exhausted');
      assert.match(String(failed?.reason), /after 1 relay\(s\), the limit \(max_relays 1\)/);
      assert.equal(events.filter((e) => e.type === 'checkpoint_written').length, 1);
    });
  });
}

for (const adapter of Object.keys(TOTALS_ONLY) as TotalsOnly[]) {
  describe(
    `context relay, end to end (${adapter}: usage only as a total at the end)`,
    { skip: SKIP_TOTALS[adapter] },
    () => {
      test('a crossing reported with the result relays nothing: the finished step completes', async () => {
        const { status, events, stderr } = await runPipeline(dir, `total-${adapter}`, {
          env: env(),
          timeoutMs: 600_000,
        });
        assert.equal(status, 0, stderr + JSON.stringify(events.filter((e) => e.type === 'step_failed')));
        const usage = events.filter((e) => e.type === 'usage').map((e) => Number(e.contextPercent));
        assert.ok(
          usage.some((p) => p >= 80),
          `usage events: ${JSON.stringify(usage)}`,
        );
        assert.deepEqual(
          events.filter((e) => e.type.startsWith('relay_') || e.type === 'checkpoint_written'),
          [],
        );
      });
    },
  );
}
