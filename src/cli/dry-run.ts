// `wave run --dry-run`: the plan without running anything: levels, and per step what would run where, with
// which contracts and outputs; with --from-step, which steps would be reused from which run (checked exactly as
// the run would check them, so a dry run fails where the run would).
import { existsSync } from 'node:fs';
import { DEFAULT_PERSONA_NETWORK, SANDBOX_PATHS } from '../config/index.js';
import { noEarlierRun, type ReuseSource } from '../engine/from-step.js';
import type { Prepared, RunFlags } from '../engine/run-service.js';
import { WaveError } from '../errors.js';
import { defaultStatePath } from '../state/index.js';
import type { CliContext } from './context.js';
import { printJson } from './render.js';

export async function dryRunCommand(ctx: CliContext, pipelineRef: string, flags: RunFlags): Promise<number> {
  const { preparePipeline } = await import('../engine/run-service.js');
  const notes: string[] = [];
  const prepared = await preparePipeline(ctx, pipelineRef, flags, (m) => notes.push(m));
  const source = prepared.fromStep ? await reuseSourceFor(ctx, prepared, flags) : undefined;
  const reusedFrom = new Map((source?.steps ?? []).map((s) => [s.stepId, s]));
  const byId = new Map(prepared.executorSteps.map((s) => [s.id, s]));
  const steps = prepared.steps.map((step) => {
    const plan = byId.get(step.id);
    const persona = step.persona ? prepared.manifest.manifest.personas[step.persona] : undefined;
    const reused = reusedFrom.get(step.id);
    return {
      id: step.id,
      action: reused ? ('reuse' as const) : ('run' as const),
      ...(reused && source ? { reusedFrom: source.run.id, reusedArtifacts: reused.artifacts.map((a) => ({ name: a.name, path: a.file, sha256: a.sha256 })) } : {}),
      level: prepared.levels.findIndex((l) => l.includes(step.id)),
      kind: step.exec.type,
      image: plan?.start.image,
      adapter: plan?.start.adapter,
      persona: plan?.start.persona || undefined,
      model: plan?.start.model || undefined,
      network: step.exec.type === 'command' ? 'none' : (step.sandbox?.network ?? persona?.sandbox?.network ?? DEFAULT_PERSONA_NETWORK),
      dependencies: step.dependencies,
      outputs: step.output_artifacts.map((o) => `${o.name}: ${SANDBOX_PATHS.out}/${o.path}${o.required ? '' : ' (optional)'}`),
      contracts: step.handover.contracts.map((c) => `${c.type}${c.source ? ` ${c.source}` : ''}${c.on_failure && c.on_failure !== 'fail' ? ` (on_failure: ${c.on_failure})` : ''}`),
      retry: plan ? `${plan.retry.maxAttempts} attempt(s), ${plan.retry.backoff} backoff, on_failure ${plan.retry.onFailure}` : undefined,
    };
  });
  if (ctx.output === 'json') {
    printJson({
      pipeline: prepared.pipeline.pipeline.metadata.name,
      file: prepared.pipeline.file,
      levels: prepared.levels,
      ...(prepared.fromStep ? { fromStep: prepared.fromStep.fromStep, reusedFrom: source?.run.id ?? null, reuse: prepared.fromStep.reuse, run: prepared.fromStep.run } : {}),
      steps,
    });
    return 0;
  }
  for (const n of notes) process.stderr.write(`wave: ${n}\n`);
  process.stdout.write(`pipeline ${prepared.pipeline.pipeline.metadata.name} (${prepared.pipeline.file}): ${steps.length} step(s) in ${prepared.levels.length} level(s)\n`);
  prepared.levels.forEach((level, i) => process.stdout.write(`  level ${i}: ${level.join(', ')}\n`));
  if (prepared.fromStep) {
    const { reuse, run } = prepared.fromStep;
    process.stdout.write(`from step ${prepared.fromStep.fromStep}: run ${run.join(', ')}`);
    process.stdout.write(source ? `; reuse ${reuse.join(', ')} from run ${source.run.id}\n` : '; nothing upstream to reuse\n');
  }
  for (const s of steps) {
    if (s.action === 'reuse') {
      process.stdout.write(`\n${s.id}  [reused from ${s.reusedFrom}: not run again]\n`);
      for (const a of s.reusedArtifacts ?? []) process.stdout.write(`  artifact ${a.name}: ${a.path} (sha256 ${a.sha256.slice(0, 12)}…, checked)\n`);
      continue;
    }
    process.stdout.write(`\n${s.id}  [${s.kind}]  image ${s.image}\n`);
    if (s.kind === 'prompt') process.stdout.write(`  agent: ${s.adapter}, persona ${s.persona}, model ${s.model}\n`);
    process.stdout.write(`  network: ${s.network}\n`);
    if (s.dependencies.length) process.stdout.write(`  after: ${s.dependencies.join(', ')}\n`);
    for (const o of s.outputs) process.stdout.write(`  output ${o}\n`);
    for (const c of s.contracts) process.stdout.write(`  contract ${c}\n`);
    process.stdout.write(`  retry: ${s.retry}\n`);
  }
  process.stdout.write('\n(dry run: nothing was started)\n');
  return 0;
}

/** The run --from-step would reuse; without a state db there is no earlier run, which the resolver reports. */
async function reuseSourceFor(ctx: CliContext, prepared: Prepared, flags: RunFlags): Promise<ReuseSource | undefined> {
  const { findReuseSource, openStore } = await import('../engine/run-service.js');
  // A dry run must not create the state db as a side effect.
  if (!existsSync(defaultStatePath(ctx.projectDir))) {
    if (prepared.fromStep?.reuse.length) throw noEarlierRun(prepared.pipeline.pipeline.metadata.name, prepared.fromStep);
    if (flags.fromRun) throw new WaveError('run_not_found', `no run "${flags.fromRun}": there are no runs yet`, { hint: 'list runs with: wave list runs' });
    return undefined;
  }
  const store = openStore(ctx.projectDir);
  try {
    return await findReuseSource(store, prepared, flags);
  } finally {
    store.close();
  }
}
