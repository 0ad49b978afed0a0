// `wave run --dry-run`: renders the plan of engine/dry-run.ts (levels, per step what would run where, the steps
// --from-step would reuse), as JSON or as text.
import { dryRun } from '../engine/dry-run.js';
import type { RunFlags } from '../engine/run-service.js';
import type { CliContext } from './context.js';
import { printJson } from './render.js';

export async function dryRunCommand(ctx: CliContext, pipelineRef: string, flags: RunFlags): Promise<number> {
  const notes: string[] = [];
  const { prepared, source, steps, graph } = await dryRun(ctx, pipelineRef, flags, (m) => notes.push(m));
  if (ctx.output === 'json') {
    printJson({
      pipeline: prepared.pipeline.pipeline.metadata.name,
      file: prepared.pipeline.file,
      levels: prepared.levels,
      ...(graph ? { graph } : {}),
      ...(prepared.fromStep
        ? {
            fromStep: prepared.fromStep.fromStep,
            reusedFrom: source?.run.id ?? null,
            reuse: prepared.fromStep.reuse,
            run: prepared.fromStep.run,
          }
        : {}),
      steps,
    });
    return 0;
  }
  for (const n of notes) process.stderr.write(`wave: ${n}\n`);
  process.stdout.write(
    `pipeline ${prepared.pipeline.pipeline.metadata.name} (${prepared.pipeline.file}): ${steps.length} step(s) in ${prepared.levels.length} level(s)\n`,
  );
  if (graph) {
    process.stdout.write(
      `  graph mode: the walk starts at ${graph.start}; each step's first matching edge leads on ` +
        `(at most ${graph.maxStepVisits} visits in all)\n`,
    );
  } else prepared.levels.forEach((level, i) => process.stdout.write(`  level ${i}: ${level.join(', ')}\n`));
  if (prepared.fromStep) {
    const { reuse, run } = prepared.fromStep;
    process.stdout.write(`from step ${prepared.fromStep.fromStep}: run ${run.join(', ')}`);
    process.stdout.write(
      source ? `; reuse ${reuse.join(', ')} from run ${source.run.id}\n` : '; nothing upstream to reuse\n',
    );
  }
  for (const s of steps) {
    if (s.action === 'reuse') {
      process.stdout.write(`\n${s.id}  [reused from ${s.reusedFrom}: not run again]\n`);
      for (const a of s.reusedArtifacts ?? [])
        process.stdout.write(`  artifact ${a.name}: ${a.path} (sha256 ${a.sha256.slice(0, 12)}…, checked)\n`);
      continue;
    }
    process.stdout.write(`\n${s.id}  [${s.kind}]${s.image ? `  image ${s.image}` : ''}\n`);
    for (const line of s.expansion ?? []) process.stdout.write(`  ${line}\n`);
    if (s.kind === 'prompt') process.stdout.write(`  agent: ${s.adapter}, persona ${s.persona}, model ${s.model}\n`);
    if (s.network) process.stdout.write(`  network: ${s.network}\n`);
    if (s.dependencies.length) process.stdout.write(`  after: ${s.dependencies.join(', ')}\n`);
    for (const o of s.outputs) process.stdout.write(`  output ${o}\n`);
    for (const c of s.contracts) process.stdout.write(`  contract ${c}\n`);
    process.stdout.write(`  retry: ${s.retry}\n`);
    if (s.edges) {
      process.stdout.write(`  visits: at most ${s.maxVisits}\n`);
      for (const edge of s.edges) process.stdout.write(`  ${edge}\n`);
    }
  }
  process.stdout.write('\n(dry run: nothing was started)\n');
  return 0;
}
