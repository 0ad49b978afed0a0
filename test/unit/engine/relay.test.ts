// The context relay in a run (the run service with an in-process sandbox and a fake agent launcher): an instance
// whose usage crosses the threshold is stopped, the summarizer runs in its own read-only container over the
// scrubbed transcript, its checkpoint becomes the step's artifact, and a fresh instance starts with it; a relay
// loop stops at max_relays; a retried attempt continues from the last checkpoint with the outputs it had.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentInvocationRequest, AgentLauncher } from '../../../src/engine/agent.js';
import type { Invocation } from '../../../src/engine/invocation.js';
import { RelayMonitor } from '../../../src/engine/relay-monitor.js';
import { resumeRun, startRun } from '../../../src/engine/run-service.js';
import { ExitCode } from '../../../src/errors.js';
import type { WaveEvent } from '../../../src/events/types.js';
import type { Sandbox, SandboxResult, SandboxRunOptions, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { pipelineYaml, tempProject } from '../config/_helpers.js';

const CANARY = 'canary-relay-7f3a9c2e-value';
const CANARY_ENV = 'WAVE_TEST_RELAY_CANARY';
before(() => void (process.env[CANARY_ENV] = CANARY));
after(() => void delete process.env[CANARY_ENV]);

const CHECKPOINT = {
  goal: 'write the report',
  done: ['wrote part one'],
  remaining: ['write part two'],
  files_touched: ['/wave/out/part1.txt'],
  decisions: [],
  open_questions: [],
};

const manifest = (relay: string) => `apiVersion: v1
kind: WaveManifest
metadata: {name: test}
adapters:
  claude: {binary: claude, image: wave/claude:latest, default_model: m}
personas:
  worker: {adapter: claude, system_prompt_file: prompts/p.md}
  summarizer: {adapter: claude, system_prompt_file: prompts/p.md}
runtime:
  relay: {${relay}}
  timeouts: {relay_compaction_minutes: 7}
  sandbox: {env_passthrough: [${CANARY_ENV}]}
`;

/** What one instance of the step does: the usage percents it reports, then (if not stopped) its exit code. */
type Instance = { usage: number[]; exit?: number; write?: string; cancel?: AbortController };

interface Seen {
  requests: AgentInvocationRequest[];
  specs: SandboxSpec[];
  events: WaveEvent[];
}

/** A launcher whose "CLI" prints JSON lines: {usage: percent} and {text}. */
function fakeAgents(seen: Seen): AgentLauncher {
  return {
    judge: () => Promise.reject(new Error('no llm_judge in these tests')),
    invocationFor(request) {
      seen.requests.push(request);
      const { relay } = request;
      const monitor = relay
        ? new RelayMonitor({ thresholdPercent: relay.thresholdPercent, scrub: (t) => t, task: 'write the report' })
        : undefined;
      const invocation: Invocation = {
        image: 'wave/claude:latest',
        argv: ['agent'],
        env: {},
        parseLine: (line) => {
          const parsed = JSON.parse(line) as { usage?: number; text?: string };
          if (parsed.text !== undefined) monitor?.record({ kind: 'text', text: parsed.text });
          if (parsed.usage !== undefined) monitor?.usage(parsed.usage);
          monitor?.settle();
        },
        ...(monitor ? { relay: monitor } : {}),
      };
      return Promise.resolve(invocation);
    },
  };
}

/** Runs the step's instances in order; the summarizer's container writes `checkpoint`. */
function fakeSandbox(instances: Instance[], seen: Seen, checkpoint: unknown = CHECKPOINT): Sandbox {
  let next = 0;
  const result = (status: SandboxResult['status'], exitCode: number): SandboxResult => ({
    status,
    exitCode,
    durationMs: 1,
    containerId: 'fake',
    stdoutTail: '',
    stderrTail: '',
  });
  return {
    kind: 'host',
    async run(spec: SandboxSpec, options: SandboxRunOptions = {}) {
      seen.specs.push(spec);
      if (spec.labels.step.includes('.checkpoint-')) {
        writeFileSync(path.join(spec.mounts.out, 'checkpoint.json'), JSON.stringify(checkpoint));
        return result('exited', 0);
      }
      const instance = instances[Math.min(next++, instances.length - 1)] as Instance;
      await options.onLine?.({
        stream: 'stdout',
        text: JSON.stringify({ text: `the key is ${CANARY}` }),
        truncatedBytes: 0,
      });
      if (instance.write) writeFileSync(path.join(spec.mounts.out, instance.write), 'x\n');
      if (instance.cancel) {
        instance.cancel.abort(); // the user stops the run (Ctrl-C, wave cancel) while the fresh instance works
        return result('cancelled', 143);
      }
      for (const usage of instance.usage) {
        await options.onLine?.({ stream: 'stdout', text: JSON.stringify({ usage }), truncatedBytes: 0 });
        if (options.stop?.aborted) return result('stopped', 143);
      }
      return result('exited', instance.exit ?? 0);
    },
  };
}

async function run(
  relay: string,
  instances: Instance[],
  retry = '    retry: {policy: none}\n',
  checkpoint?: unknown,
  signal?: AbortSignal,
) {
  const step = `  - id: work
    persona: worker
    exec: {type: prompt, source: "write the report"}
    output_artifacts: [{name: report, path: report.txt}]
${retry}`;
  const dir = await tempProject({
    'wave.yaml': manifest(relay),
    'prompts/p.md': '# p\n',
    '.wave/pipelines/p.yaml': pipelineYaml(step),
  });
  const seen: Seen = { requests: [], specs: [], events: [] };
  const sink = { name: 'test', write: (e: WaveEvent) => void seen.events.push(e) };
  const outcome = await startRun(
    {
      projectDir: dir,
      manifestPath: path.join(dir, 'wave.yaml'),
      sinks: [sink],
      sandbox: fakeSandbox(instances, seen, checkpoint),
      agents: () => Promise.resolve(fakeAgents(seen)),
      ...(signal ? { signal } : {}),
    },
    'p',
    '',
    {},
  );
  return { dir, outcome, seen };
}

const types = (seen: Seen) =>
  seen.events.filter((e) => e.type.startsWith('relay_') || e.type === 'checkpoint_written').map((e) => e.type);

describe('context relay in a run', () => {
  it('crossing the threshold stops the instance; the checkpoint reaches a fresh instance, which finishes', async () => {
    const { dir, outcome, seen } = await run('token_threshold_percent: 80', [
      { usage: [30, 85, 95], write: 'report.txt' },
      { usage: [10, 20], write: 'report.txt' },
    ]);
    assert.equal(outcome.exitCode, ExitCode.ok, outcome.summary.error);
    assert.deepEqual(types(seen), ['relay_triggered', 'checkpoint_written', 'relay_resumed']);
    const triggered = seen.events.find((e) => e.type === 'relay_triggered');
    assert.deepEqual(triggered?.type === 'relay_triggered' && [triggered.contextPercent, triggered.relay], [85, 1]);

    const [first, summarizer, fresh] = seen.requests;
    assert.deepEqual(
      [first?.relay, fresh?.relay],
      [
        { thresholdPercent: 80, instance: 0 },
        { thresholdPercent: 80, instance: 1 },
      ],
    );
    assert.equal(first?.context, '');
    assert.ok(fresh?.context?.includes('"write part two"'), fresh?.context);
    // The summarizer: its own step and persona, not relayed, the transcript scrubbed of the passthrough value.
    assert.equal(summarizer?.step.id, 'work.checkpoint-1');
    assert.equal(summarizer?.step.persona, 'summarizer');
    assert.equal(summarizer?.relay, undefined);
    assert.ok(summarizer?.context?.includes('the key is [REDACTED]'), summarizer?.context);
    assert.ok(!JSON.stringify(seen.requests).includes(CANARY), 'the canary reached an agent');

    // Its container sees the step's outputs and tree read-only, and has the summarizer's time limit.
    const [stepSpec, summarizerSpec] = seen.specs;
    assert.equal(summarizerSpec?.mounts.in, stepSpec?.mounts.out);
    assert.equal(summarizerSpec?.mounts.srcWritable, false);
    assert.notEqual(summarizerSpec?.mounts.out, stepSpec?.mounts.out);
    assert.equal(summarizerSpec?.timeoutMs, 7 * 60_000);

    const store = new Store(defaultStatePath(dir));
    try {
      const artifacts = store.artifacts.list(outcome.runId, 'work');
      assert.deepEqual(artifacts.map((a) => a.name).sort(), ['checkpoint-1', 'report']);
      const kept = artifacts.find((a) => a.name === 'checkpoint-1')?.path ?? '';
      assert.equal(path.basename(kept), 'checkpoint-1.json');
      assert.deepEqual(JSON.parse(readFileSync(kept, 'utf8')), CHECKPOINT);
    } finally {
      store.close();
    }
  });

  it('a relay loop stops at max_relays with a context_exhausted failure', async () => {
    const { outcome, seen } = await run('token_threshold_percent: 50, max_relays: 2', [{ usage: [60] }]);
    assert.equal(outcome.exitCode, ExitCode.stepFailed);
    const failed = seen.events.find((e) => e.type === 'step_failed');
    assert.equal(failed?.type === 'step_failed' && failed.failureClass, 'context_exhausted');
    assert.match(failed?.type === 'step_failed' ? failed.reason : '', /after 2 relay\(s\), the limit \(max_relays 2\)/);
    assert.equal(seen.requests.filter((r) => r.step.id.includes('.checkpoint-')).length, 2);
    assert.equal(seen.events.filter((e) => e.type === 'relay_triggered').length, 2);
  });

  it('handover.compaction wins over runtime.relay; a checkpoint off the schema fails the step', async () => {
    const { outcome, seen } = await run(
      'token_threshold_percent: 0',
      [{ usage: [45] }],
      '    retry: {policy: none}\n    handover: {compaction: {trigger: "token_limit_40%", persona: summarizer}}\n',
      { goal: 'only a goal' },
    );
    assert.equal(outcome.exitCode, ExitCode.contractFailed);
    assert.equal(seen.requests[0]?.relay?.thresholdPercent, 40);
    const failed = seen.events.find((e) => e.type === 'step_failed');
    assert.match(failed?.type === 'step_failed' ? failed.reason : '', /checkpoint does not match/);
  });

  it('a threshold of 0 turns the relay off', async () => {
    const { outcome, seen } = await run('token_threshold_percent: 0', [{ usage: [99], write: 'report.txt' }]);
    assert.equal(outcome.exitCode, ExitCode.ok, outcome.summary.error);
    assert.equal(seen.requests[0]?.relay, undefined);
    assert.deepEqual(types(seen), []);
  });

  it('a retried attempt starts from the last checkpoint with the outputs it had then', async () => {
    const { outcome, seen } = await run(
      'token_threshold_percent: 80',
      [
        { usage: [90], write: 'part1.txt' },
        { usage: [10], exit: 1 },
        { usage: [10], write: 'report.txt' },
      ],
      '    retry: {max_attempts: 2, base_delay: 1ms}\n',
    );
    assert.equal(outcome.exitCode, ExitCode.ok, outcome.summary.error);
    const last = seen.requests.at(-1);
    assert.equal(last?.request.attempt, 2);
    assert.deepEqual(last?.relay, { thresholdPercent: 80, instance: 1 });
    assert.ok(last?.context?.includes('Checkpoint (context relay 1)'));
    const lastSpec = seen.specs.at(-1);
    assert.equal(readFileSync(path.join(lastSpec?.mounts.out ?? '', 'part1.txt'), 'utf8'), 'x\n');
  });

  it('wave resume of a run stopped after a relay continues from its last checkpoint', async () => {
    const cancel = new AbortController();
    const first = await run(
      'token_threshold_percent: 80',
      [
        { usage: [90], write: 'part1.txt' },
        { usage: [], cancel },
      ],
      undefined,
      undefined,
      cancel.signal,
    );
    assert.equal(first.outcome.exitCode, ExitCode.cancelled, first.outcome.summary.error);
    const seen: Seen = { requests: [], specs: [], events: [] };
    const resumed = await resumeRun(
      {
        projectDir: first.dir,
        manifestPath: path.join(first.dir, 'wave.yaml'),
        sinks: [{ name: 'test', write: (e: WaveEvent) => void seen.events.push(e) }],
        sandbox: fakeSandbox([{ usage: [10], write: 'report.txt' }], seen),
        agents: () => Promise.resolve(fakeAgents(seen)),
      },
      first.outcome.runId,
    );
    assert.equal(resumed.exitCode, ExitCode.ok, resumed.summary.error);
    assert.deepEqual(types(seen), ['relay_resumed']);
    assert.deepEqual(seen.requests[0]?.relay, { thresholdPercent: 80, instance: 1 });
    assert.ok(seen.requests[0]?.context?.includes('"write part two"'));
    const out = seen.specs[0]?.mounts.out ?? '';
    assert.equal(readFileSync(path.join(out, 'part1.txt'), 'utf8'), 'x\n', 'the outputs at the checkpoint are back');
  });
});
