// `iterate.over` and `branch.on`: the one reference to a JSON array an iterate step runs over (or the value a
// branch picks its case by), in the template forms the rest of Wave reads (template.ts): `{{ steps.<id>.artifacts.<artifact>.<path> }}`, or `{{ steps.<id>.output.<path> }}`
// for the step's only JSON output. The step named must be upstream and declare the artifact.
import { findTemplateVars } from '../config/placeholders.js';
import type { Step } from '../config/types.js';
import type { StepGraph } from './graph.js';
import { classifyTemplateVar, type MissingDep } from './template.js';
import { stepOutputs } from './worktrees.js';

export interface OverReference {
  step: string;
  artifact: string;
  /** The field path inside the artifact's JSON; empty for the whole document. */
  path: string[];
}

const OUTPUT_FORM = /^steps\.([A-Za-z0-9][A-Za-z0-9_-]*)\.output(?:\.(.+))?$/;
// `steps.` may be left out, as the original's shipped pipelines write it (`{{ scope.output.child_issues }}`).
const PREFIXLESS = /^[A-Za-z0-9][A-Za-z0-9_-]*\.(?:output|artifacts)(?:\.|$)/;

/** `scope.output.x` as `steps.scope.output.x`: the one reader of the original's references without `steps.`. */
function withStepsPrefix(expr: string): string {
  return PREFIXLESS.test(expr) && !expr.startsWith('steps.') ? `steps.${expr}` : expr;
}

/**
 * `key` names the setting in messages (branch.on reads a value the same way). `anyStep`: a graph edge may read
 * any step the walk has visited, its own included, so the step named need not be upstream.
 */
export function overReference(
  graph: StepGraph,
  step: Step,
  over: string,
  key = 'iterate.over',
  anyStep = false,
): OverReference | MissingDep {
  const vars = findTemplateVars(over);
  const [only] = vars;
  if (vars.length !== 1 || !only || over.trim() !== over.slice(only.start, only.end)) {
    const what = key === 'iterate.over' ? 'a JSON array' : 'a JSON value';
    return {
      message: `${key} '${over}' must be one reference to ${what}`,
      hint: 'write "{{ steps.<id>.artifacts.<artifact>.<field> }}" or "{{ steps.<id>.output.<field> }}"',
    };
  }
  const expr = withStepsPrefix(only.expr);
  const ref = classifyTemplateVar(expr);
  const output = OUTPUT_FORM.exec(expr);
  let found: OverReference | undefined;
  if (ref.kind === 'step_json') found = { step: ref.step, artifact: ref.artifact, path: ref.path };
  else if (output?.[1]) {
    const source = graph.byId.get(output[1])?.step;
    const json = source ? stepOutputs(source).filter((o) => o.type === 'json') : [];
    if (source && json.length !== 1) {
      return {
        message: `${key}: step '${output[1]}' has ${json.length} JSON outputs, so .output is ambiguous`,
        hint: `name one: {{ steps.${output[1]}.artifacts.<artifact>.<field> }}`,
      };
    }
    found = { step: output[1], artifact: json[0]?.name ?? '', path: output[2]?.split('.') ?? [] };
  }
  if (!found) return { message: `${key} '${over}' is not a step's JSON artifact (${expr})` };
  const source = graph.byId.get(found.step)?.step;
  if (!source) return { message: `${key} names unknown step '${found.step}'` };
  if (!anyStep && !graph.ancestorsOf(step.id).has(found.step)) {
    return { message: `${key}: step '${found.step}' is not upstream`, hint: `add it to dependencies` };
  }
  if (!stepOutputs(source).some((o) => o.name === found.artifact)) {
    return { message: `${key}: step '${found.step}' declares no artifact '${found.artifact}'` };
  }
  return found;
}

export function isOverReference(value: OverReference | MissingDep): value is OverReference {
  return 'step' in value;
}
