// `wave run --dry-run`: the plan without running anything: levels, and per step what would run where, with
// which contracts and outputs.
import { DEFAULT_PERSONA_NETWORK } from '../config/index.js';
import type { RunFlags } from '../engine/run-service.js';
import type { CliContext } from './context.js';
import { printJson } from './render.js';

export async function dryRunCommand(ctx: CliContext, pipelineRef: string, flags: RunFlags): Promise<number> {
  const { preparePipeline } = await import('../engine/run-service.js');
  const notes: string[] = [];
  const prepared = await preparePipeline(ctx, pipelineRef, flags, (m) => notes.push(m));
  const byId = new Map(prepared.executorSteps.map((s) => [s.id, s]));
  const steps = prepared.steps.map((step) => {
    const plan = byId.get(step.id);
    const persona = step.persona ? prepared.manifest.manifest.personas[step.persona] : undefined;
    return {
      id: step.id,
      level: prepared.levels.findIndex((l) => l.includes(step.id)),
      kind: step.exec.type,
      image: plan?.start.image,
      adapter: plan?.start.adapter,
      persona: plan?.start.persona || undefined,
      model: plan?.start.model || undefined,
      network: step.exec.type === 'command' ? 'none' : (step.sandbox?.network ?? persona?.sandbox?.network ?? DEFAULT_PERSONA_NETWORK),
      dependencies: step.dependencies,
      outputs: step.output_artifacts.map((o) => `${o.name}: /wave/out/${o.path}${o.required ? '' : ' (optional)'}`),
      contracts: step.handover.contracts.map((c) => `${c.type}${c.source ? ` ${c.source}` : ''}${c.on_failure && c.on_failure !== 'fail' ? ` (on_failure: ${c.on_failure})` : ''}`),
      retry: plan ? `${plan.retry.maxAttempts} attempt(s), ${plan.retry.backoff} backoff, on_failure ${plan.retry.onFailure}` : undefined,
    };
  });
  if (ctx.output === 'json') {
    printJson({ pipeline: prepared.pipeline.pipeline.metadata.name, file: prepared.pipeline.file, levels: prepared.levels, steps });
    return 0;
  }
  for (const n of notes) process.stderr.write(`wave: ${n}\n`);
  process.stdout.write(`pipeline ${prepared.pipeline.pipeline.metadata.name} (${prepared.pipeline.file}): ${steps.length} step(s) in ${prepared.levels.length} level(s)\n`);
  prepared.levels.forEach((level, i) => process.stdout.write(`  level ${i}: ${level.join(', ')}\n`));
  for (const s of steps) {
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
