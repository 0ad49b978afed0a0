// `strategy: {type: matrix, …}` of a step, normalised and checked on its own (DESIGN.md "A run is a tree"). What
// needs the other steps (items_source upstream) is checked in plan/references.ts, the child pipeline in
// validate/sub-pipelines.ts. What the original has and Wave cannot make act is refused here, never ignored.
import { type Ctx, type RawStep, report } from './pipeline-context.js';
import type { DocPath, Matrix, OutputArtifact } from './types.js';

export function normaliseMatrix(
  raw: RawStep,
  at: DocPath,
  ctx: Ctx,
  itemOutputs: OutputArtifact[],
): Matrix | undefined {
  const s = raw.strategy;
  if (!s) return undefined;
  const where = [...at, 'strategy'];
  const refuse = (key: string, message: string, hint?: string): void =>
    report(ctx, 'error', `step '${raw.id}': ${message}`, [...where, key], hint);
  if (s.stacked) {
    const hint = "drop stacked: each item's change is recorded on its own; `wave apply --step` publishes one";
    refuse('stacked', "strategy.stacked (branching each tier from its parents' branches) is not supported", hint);
  }
  if ((s.item_id_key === undefined) !== (s.dependency_key === undefined)) {
    const [has, lacks] =
      s.dependency_key === undefined ? ['item_id_key', 'dependency_key'] : ['dependency_key', 'item_id_key'];
    refuse(has, `strategy.${has} needs strategy.${lacks}`, 'tiers need both: the id of each item and the ids it needs');
  }
  if (s.input_template !== undefined && s.child_pipeline === undefined) {
    refuse(
      'input_template',
      'strategy.input_template is the input of child_pipeline',
      'add child_pipeline, or drop it',
    );
  }
  for (const problem of inputTemplateProblems(s.input_template ?? '')) {
    refuse('input_template', `strategy.input_template: ${problem}`, 'Wave renders {{ . }} and {{ .<field>.<field> }}');
  }
  for (const key of ['iterate', 'branch', 'pipeline', 'input', 'input_ref'] as const) {
    if (raw[key] === undefined) continue;
    const hint = key.startsWith('input') ? 'strategy.input_template gives each child its input' : undefined;
    report(ctx, 'error', `step '${raw.id}': ${key} cannot be used with strategy: matrix`, [...at, key], hint);
  }
  if (raw.config?.extract !== undefined) {
    const hint = "each item's outputs stay in its child run (wave status shows them)";
    report(
      ctx,
      'error',
      `step '${raw.id}': config.extract cannot be used with strategy: matrix`,
      [...at, 'config'],
      hint,
    );
  }
  const writes = raw.workspace?.type === 'worktree' || raw.workspace?.mount?.some((m) => m.mode === 'readwrite');
  if (writes && s.child_pipeline === undefined) {
    const hint = 'give the items a child_pipeline that changes code (file conflicts between items are then checked)';
    report(ctx, 'error', `step '${raw.id}': a matrix over a step that changes code is not supported`, where, hint);
  }
  // max_concurrency 0 is the original's "no limit".
  const { type: _type, stacked: _stacked, max_concurrency: width, ...rest } = s;
  return { ...rest, ...(width ? { max_concurrency: width } : {}), item_outputs: itemOutputs };
}

/** One action of an input_template (`{{ . }}`, `{{ .field }}` …). */
export const INPUT_TEMPLATE_ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;
const FIELD = /^\.(?:[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)?$/;

/** The actions of an input_template Wave cannot render, as messages. */
export function inputTemplateProblems(template: string): string[] {
  return [...template.matchAll(INPUT_TEMPLATE_ACTION)].flatMap((m) =>
    FIELD.test(m[1] ?? '') ? [] : [`'${m[0]}' is not {{ . }} or {{ .<field> }}`],
  );
}
