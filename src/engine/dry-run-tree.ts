// `wave run --dry-run` for composite steps (DESIGN.md "A run is a tree"): a pipeline step's child pipeline is
// known before the run, so its steps are shown (and theirs, down the tree); an iterate or matrix step's items are
// not, so it says what it expands over at run time, a branch step which value picks which pipeline, and a loop step
// how often it may repeat which steps. Lines, indented by depth.
import type { Matrix, Step } from '../config/types.js';
import { isLoopStep, iterationPlan } from '../plan/loop.js';
import { preparePipeline, type RunFlags } from './run-prepare.js';

export async function expansionOf(
  options: { manifestPath: string; projectDir: string },
  step: Step,
  flags: RunFlags,
  depth = 0,
): Promise<string[]> {
  const pad = '  '.repeat(depth);
  const lines: string[] = [];
  if (isLoopStep(step)) {
    const { max_iterations: n, until } = step.loop;
    lines.push(`${pad}loops up to ${n} time(s) until ${until}: each iteration a child run of`);
    let previous: string | undefined;
    for (const inner of iterationPlan({ metadata: { name: '' }, kind: 'WavePipeline', steps: [step] }, step).steps) {
      const after = previous ? ` after ${previous}` : '';
      lines.push(`${pad}  ${inner.id} [${inner.exec.type}]${after}`);
      lines.push(...(await expansionOf(options, inner, flags, depth + 2)));
      previous = inner.id;
    }
    return lines;
  }
  if (step.iterate) {
    const { over, mode, max_concurrent, on_failure } = step.iterate;
    const width = mode === 'parallel' ? `parallel${max_concurrent ? `, at most ${max_concurrent} at once` : ''}` : mode;
    lines.push(`${pad}expands at run time over ${over}: one child run per item (${width}, on_failure ${on_failure})`);
  }
  if (step.matrix) lines.push(`${pad}${matrixExpansion(step.matrix)}`);
  if (step.branch) {
    const cases = Object.entries(step.branch.cases).map(([value, target]) => `${value} → ${target}`);
    lines.push(`${pad}picks at run time by ${step.branch.on}: ${cases.join(', ')}`);
  } else if (step.exec.type === 'pipeline') {
    const name = step.exec.pipeline;
    const child = await preparePipeline(options, name, flags, () => undefined);
    const extracted = (step.exec.outputs ?? []).map((o) => `${o.name} = ${o.step}.${o.artifact}`);
    const runs = step.iterate || step.matrix ? 'each item runs' : 'runs';
    lines.push(`${pad}${runs} pipeline ${name}: ${child.steps.length} step(s)`);
    if (extracted.length) lines.push(`${pad}  extracts ${extracted.join(', ')}`);
    for (const inner of child.steps) {
      const after = inner.dependencies.length ? ` after ${inner.dependencies.join(', ')}` : '';
      lines.push(`${pad}  ${inner.id} [${inner.exec.type}]${after}`);
      lines.push(...(await expansionOf(options, inner, flags, depth + 2)));
    }
  }
  if (step.aggregate) {
    const { strategy, from, into, key } = step.aggregate;
    lines.push(`${pad}aggregate: ${strategy} of each item's ${from} into ${into}${key ? ` (key ${key})` : ''}`);
  }
  return lines;
}

function matrixExpansion(matrix: Matrix): string {
  const at = matrix.item_key ? ` at ${matrix.item_key}` : '';
  const width = matrix.max_concurrency ? `at most ${matrix.max_concurrency} at once` : 'all at once';
  const order = matrix.dependency_key
    ? `in tiers by ${matrix.dependency_key} (ids at ${matrix.item_id_key}), each tier ${width}`
    : `${width}, the first failure stops the rest`;
  return `expands at run time over the items of ${matrix.items_source}${at}: one child run per item (${order})`;
}
