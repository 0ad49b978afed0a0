// agent_review's reviewer: the reviewer persona in its own container, through the same launcher as a prompt step.
// It sees what it judges read-only (review-material.ts at /wave/in, the judged step's source at /wave/src, never
// writable) and writes only its verdict, in its own /wave/out. Its token use is counted from its usage events;
// over the contract's token_budget the container is stopped and the review fails.
import fs from 'node:fs/promises';
import path from 'node:path';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import type { Step } from '../config/types.js';
import type { ReviewRequest, ReviewRun, RunReview } from '../contracts/types.js';
import type { TemplateContext } from '../plan/template.js';
import type { SandboxSpec } from '../sandbox/types.js';
import { prepareStep, type StepWorkspace } from '../workspace/layout.js';
import type { AttemptRequest } from './attempt.js';
import { prepareReviewMaterial } from './review-material.js';
import type { StepRunnerDeps } from './step-deps.js';
import { resourcesFor, stopTimings, writeMetaFiles } from './step-environment.js';

const MAX_VERDICT_BYTES = 1024 * 1024;

export interface ReviewerEnv {
  deps: StepRunnerDeps;
  step: Step;
  ws: StepWorkspace;
  templates: TemplateContext;
  request: AttemptRequest;
  changesDir?: string;
  /** Numbers the reviews of one step, so every review is a new conversation (`wave-attempt:` marker). */
  nextCall: () => number;
}

/** The reviewer as a prompt step of its own: id `<step>.review` (a dot no pipeline step id may have). */
function reviewerStep(step: Step, request: ReviewRequest, prompt: string): Step {
  return {
    id: `${step.id}.review`,
    persona: request.spec.persona,
    ...(request.spec.model ? { model: request.spec.model } : {}),
    dependencies: [],
    // The criteria and the material are data, not templates.
    exec: { type: 'prompt', source: prompt.replaceAll('{{', '\\{{') },
    output_artifacts: [{ name: 'verdict', path: request.verdictPath, type: 'json', required: true }],
    handover: { contracts: [] },
  };
}

async function readVerdict(out: string, rel: string): Promise<string | undefined> {
  const file = path.join(out, rel);
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > MAX_VERDICT_BYTES) return undefined;
  return fs.readFile(file, 'utf8');
}

export function reviewRunner(env: ReviewerEnv): RunReview {
  return async (request) => {
    const { deps, step, ws } = env;
    if (!deps.agents) return { tokens: 0, failure: 'no agent launcher for this run' };
    const call = env.nextCall();
    const rws = await prepareStep(deps.runWorkspace, `${step.id}.review`, call, {
      ...(deps.stepUser ? { owner: deps.stepUser } : {}),
    });
    const where = await prepareReviewMaterial(
      request.spec,
      {
        store: deps.store,
        artifactsRunId: deps.inputsRunId ?? deps.runId,
        stepId: step.id,
        outDir: ws.out,
        ...(env.changesDir ? { changesDir: env.changesDir } : {}),
      },
      rws.in,
    );
    const prompt = `## What you review (read-only)\n\n${where.join('\n')}\n\n${request.prompt}`;
    const reviewer = reviewerStep(step, request, prompt);
    const stop = new AbortController();
    const signals = [stop.signal, ...(request.signal ? [request.signal] : [])];
    const attempt: AttemptRequest = { stepId: reviewer.id, attempt: call, signal: AbortSignal.any(signals) };
    const invocation = await deps.agents.invocationFor({ step: reviewer, templates: env.templates, request: attempt });
    let tokens = 0;
    const budget = request.spec.token_budget;
    const unsubscribe = deps.bus.subscribe({
      name: 'review budget',
      write: (e) => {
        if (e.type !== 'usage' || e.stepId !== reviewer.id || e.runId !== deps.runId) return;
        tokens += e.inputTokens + e.outputTokens + e.cacheReadTokens + e.cacheWriteTokens;
        if (budget !== undefined && tokens > budget) stop.abort();
      },
    });
    try {
      const meta = await writeMetaFiles(rws, invocation.files ?? {}, invocation.homeFiles ?? {});
      const spec: SandboxSpec = {
        image: invocation.image,
        argv: invocation.argv,
        env: { ...invocation.env, WAVE_RUN_ID: deps.runId, WAVE_STEP_ID: reviewer.id, WAVE_ATTEMPT: String(call) },
        // The judged step's tree as it left it, read-only even where the step itself could write it.
        mounts: { src: ws.src, in: rws.in, out: rws.out, srcWritable: false },
        labels: { run: deps.runId, step: reviewer.id, attempt: call },
        resources: resourcesFor(deps, reviewer),
        timeoutMs: request.timeoutMs,
        ...stopTimings(deps.manifest.manifest),
        ...(invocation.stdin !== undefined ? { stdin: invocation.stdin } : {}),
        ...(invocation.network ? { network: invocation.network } : {}),
        ...(invocation.egress ? { egress: invocation.egress } : {}),
        extraMounts: [{ host: meta, container: SANDBOX_PATHS.meta, readOnly: true }],
      };
      const result = await deps.sandbox.run(spec, {
        signal: attempt.signal,
        onLine: (line) => invocation.parseLine?.(line.text, line.stream),
      });
      const over = budget !== undefined && tokens > budget;
      if (over) return { tokens, failure: `the reviewer used ${tokens} tokens, over its token_budget of ${budget}` };
      if (result.status !== 'exited') return { tokens, failure: `the reviewer's container ${result.status}` };
      const agentFailure = invocation.verdict?.(result);
      if (agentFailure) return { tokens, failure: agentFailure.reason };
      if (result.exitCode !== 0) return { tokens, failure: `the reviewer exited with code ${result.exitCode}` };
      const verdict = await readVerdict(rws.out, request.verdictPath);
      return { tokens, ...(verdict === undefined ? {} : { verdict }) } satisfies ReviewRun;
    } finally {
      unsubscribe();
      await invocation.cleanup?.();
    }
  };
}
