// `strategy: {type: matrix}` as data, with no I/O: where the items come from (`items_source: <step>/<path>`, an
// upstream step's JSON artifact), the tiers `dependency_key` makes of them (Kahn's algorithm over item ids, items
// of a tier in their file order), and the child's input `input_template` renders (the subset of Go's text/template
// the original's templates use: `{{ . }}` and `{{ .field.sub }}`).
import path from 'node:path';
import { INPUT_TEMPLATE_ACTION } from '../config/pipeline-matrix.js';
import type { Matrix, Step } from '../config/types.js';
import type { StepGraph } from './graph.js';
import type { MissingDep } from './template.js';
import { stepOutputs } from './worktrees.js';

export interface MatrixSource {
  step: string;
  artifact: string;
}

/** The upstream step and artifact `items_source` names, or why it names none. */
export function matrixSource(graph: StepGraph, step: Step, matrix: Matrix): MatrixSource | MissingDep {
  const source = matrix.items_source;
  const slash = source.indexOf('/');
  const from = source.slice(0, slash);
  const file = path.posix.normalize(source.slice(slash + 1));
  if (slash <= 0 || file === '.' || path.posix.isAbsolute(source)) {
    return {
      message: `strategy.items_source '${source}' must be <step>/<path> of an upstream step's JSON artifact`,
      hint: 'write it like plan/.wave/output/tasks.json',
    };
  }
  const upstream = graph.byId.get(from)?.step;
  if (!upstream) return { message: `strategy.items_source names unknown step '${from}'` };
  if (!graph.ancestorsOf(step.id).has(from)) {
    return { message: `strategy.items_source: step '${from}' is not upstream`, hint: 'add it to dependencies' };
  }
  const outputs = stepOutputs(upstream);
  const output = outputs.find((o) => path.posix.normalize(o.path) === file || o.name === file);
  if (!output) {
    const paths = outputs.map((o) => o.path);
    return {
      message: `strategy.items_source: step '${from}' declares no output artifact at '${file}'`,
      hint: paths.length ? `its outputs: ${paths.join(', ')}` : `declare it in step '${from}''s output_artifacts`,
    };
  }
  return { step: from, artifact: output.name };
}

export function isMatrixSource(value: MatrixSource | MissingDep): value is MatrixSource {
  return 'step' in value;
}

type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The value at a dot path (`a.b`) of a JSON value; undefined where a part is missing. */
export function valueAt(data: unknown, key: string): { found: boolean; value: unknown } {
  let current = data;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<string, unknown>)[part];
  }
  return { found: true, value: current };
}

/** The items of the document `items_source` holds, at `item_key` when set. */
export function matrixItems(document: unknown, matrix: Matrix): Result<unknown[]> {
  const at = matrix.item_key === undefined ? { found: true, value: document } : valueAt(document, matrix.item_key);
  if (!at.found)
    return { ok: false, reason: `strategy.item_key '${matrix.item_key}' is not in ${matrix.items_source}` };
  if (!Array.isArray(at.value)) {
    const got = at.value === null ? 'null' : typeof at.value;
    const where = matrix.item_key === undefined ? '' : ` at '${matrix.item_key}'`;
    return {
      ok: false,
      reason: `strategy.items_source ${matrix.items_source}${where} is not a JSON array (it is ${got})`,
    };
  }
  return { ok: true, value: at.value };
}

/** An id as the original writes it: strings as they are, integral numbers without a decimal point. */
function idText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface MatrixTiers {
  /** Item indices, tier by tier; items of a tier keep their order in the file. */
  tiers: number[][];
  ids: string[];
  /** The indices of the items each item depends on. */
  dependsOn: number[][];
}

/** The tiers of the items: every item after all it depends on. Unknown ids, duplicates and cycles are refused. */
export function matrixTiers(items: readonly unknown[], idKey: string, dependencyKey: string): Result<MatrixTiers> {
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    const id = valueAt(item, idKey);
    if (!id.found || id.value === null || typeof id.value === 'object') {
      return { ok: false, reason: `item ${i} has no id at strategy.item_id_key '${idKey}'` };
    }
    const text = idText(id.value);
    if (indexOf.has(text))
      return { ok: false, reason: `items ${indexOf.get(text)} and ${i} have the same id '${text}'` };
    indexOf.set(text, i);
    ids.push(text);
  }
  const dependsOn: number[][] = [];
  for (const [i, item] of items.entries()) {
    const deps = valueAt(item, dependencyKey);
    // No key, or null: no dependencies (as in the original).
    const list = deps.found && deps.value !== null ? deps.value : [];
    if (!Array.isArray(list)) {
      return { ok: false, reason: `item '${ids[i]}': strategy.dependency_key '${dependencyKey}' is not an array` };
    }
    const indices: number[] = [];
    for (const dep of list) {
      const at = indexOf.get(idText(dep));
      if (at === undefined) return { ok: false, reason: `item '${ids[i]}' depends on '${idText(dep)}', no item's id` };
      if (!indices.includes(at)) indices.push(at);
    }
    dependsOn.push(indices);
  }
  const tiers: number[][] = [];
  const placed = new Set<number>();
  while (placed.size < items.length) {
    const tier = items.flatMap((_, i) => (!placed.has(i) && dependsOn[i]?.every((d) => placed.has(d)) ? [i] : []));
    if (tier.length === 0)
      return { ok: false, reason: `dependency cycle among items: ${cycleOf(dependsOn, placed, ids)}` };
    for (const i of tier) placed.add(i);
    tiers.push(tier);
  }
  return { ok: true, value: { tiers, ids, dependsOn } };
}

/** One cycle among the items not placed, as `a → b → a`. */
function cycleOf(dependsOn: readonly number[][], placed: ReadonlySet<number>, ids: readonly string[]): string {
  const start = dependsOn.findIndex((_, i) => !placed.has(i));
  const path: number[] = [];
  let current = start;
  // Every item left waits on another item left, so following the first such edge must come back round.
  while (!path.includes(current)) {
    path.push(current);
    current = dependsOn[current]?.find((d) => !placed.has(d)) ?? start;
  }
  const loop = path.slice(path.indexOf(current));
  return [...loop, current].map((i) => ids[i]).join(' → ');
}

/** The child's input: the template with each action replaced by the item's field, or the item as JSON. */
export function renderInputTemplate(template: string | undefined, item: unknown): Result<string> {
  if (template === undefined || template === '') return { ok: true, value: JSON.stringify(item) };
  let missing: string | undefined;
  const value = template.replace(INPUT_TEMPLATE_ACTION, (whole, expr: string) => {
    const field = expr === '.' ? { found: true, value: item } : valueAt(item, expr.slice(1));
    if (!field.found) missing ??= expr;
    const v = field.value;
    return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  });
  if (missing !== undefined)
    return { ok: false, reason: `strategy.input_template: the item has no field '${missing}'` };
  return { ok: true, value };
}
