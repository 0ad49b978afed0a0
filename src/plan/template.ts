// `{{ input }}`-style placeholders in prompts and scripts. Both `{{x}}` and `{{ x }}` are accepted. An unknown
// variable is an error rather than being left in place or blanked, because a prompt that silently lost its
// input is worse than a run that refuses to start. `\{{` writes a literal `{{` (e.g. for `docker --format`).
// Prompts get values as they are; in a command script every value is shell-quoted for its place in the script
// (see shell-context.ts), so an input such as `$(id)` stays data.

import { WaveError } from '../errors.js';
import { PLACEHOLDER, findTemplateVars, type TemplateVar } from '../config/placeholders.js';
import { FORGE_FIELDS } from '../config/forge.js';
import { quoteForPlace, shellPlaces, type ShellPlace } from './shell-context.js';

export { findTemplateVars, placeholderOffsets, type TemplateVar } from '../config/placeholders.js';

export type TemplateRef =
  | { kind: 'input' }
  | { kind: 'run_id' }
  | { kind: 'step_id' }
  | { kind: 'pipeline_name' }
  | { kind: 'dep_artifact'; step: string; artifact: string }
  | { kind: 'artifact'; name: string }
  | { kind: 'project_var'; name: string }
  | { kind: 'step_json'; step: string; artifact: string; path: string[] }
  | { kind: 'step_output'; step: string; field: StepOutputField }
  | { kind: 'item'; path: string[] }
  | { kind: 'iteration' }
  | { kind: 'unknown'; reason: string; hint?: string };

/** The variables Wave knows, for messages. */
export const TEMPLATE_VARIABLES = [
  'input',
  'run.id',
  'run.name',
  'pipeline_id',
  'step_id',
  'pipeline_name',
  'deps.<step>.<artifact>',
  'artifacts.<name>',
  'steps.<step>.artifacts.<artifact>.<field>',
  'steps.<step>.output.branch|base',
  'project.<key>',
  'forge.<field>',
  'item',
  'item.<field>',
  'iteration',
] as const;

/** The original format's step outputs: what a worktree step's tree is called and where it starts. */
export const STEP_OUTPUT_FIELDS = ['branch', 'base'] as const;
export type StepOutputField = (typeof STEP_OUTPUT_FIELDS)[number];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function classifyTemplateVar(expr: string): TemplateRef {
  switch (expr) {
    case 'input':
      return { kind: 'input' };
    // The original format's names for the run: its id is `<pipeline>-<YYYYMMDD-HHMMSS>-<suffix>`, a readable name
    // derived from the pipeline and the start time, and so is Wave's; both names give that id.
    case 'run.id':
    case 'run.name':
    case 'pipeline_id':
      return { kind: 'run_id' };
    case 'step_id':
      return { kind: 'step_id' };
    case 'pipeline_name':
      return { kind: 'pipeline_name' };
  }
  if (expr === 'iteration') return { kind: 'iteration' };
  // The original's name for a matrix item (README: strategy: matrix), the same as `{{ item }}`.
  if (expr === 'task') return { kind: 'item', path: [] };
  if (expr === 'item' || expr.startsWith('item.')) {
    const path = expr === 'item' ? [] : expr.slice('item.'.length).split('.');
    if (path.every((f) => /^[A-Za-z0-9_-]+$/.test(f))) return { kind: 'item', path };
    return { kind: 'unknown', reason: `'${expr}' must have the form item or item.<field>` };
  }
  if (expr.startsWith('deps.')) {
    const parts = expr.split('.');
    const [, step, artifact] = parts;
    if (parts.length === 3 && step && artifact && NAME.test(step) && NAME.test(artifact)) {
      return { kind: 'dep_artifact', step, artifact };
    }
    return { kind: 'unknown', reason: `'${expr}' must have the form deps.<step>.<artifact>` };
  }
  if (expr.startsWith('artifacts.')) {
    const name = expr.slice('artifacts.'.length);
    if (NAME.test(name)) return { kind: 'artifact', name };
    return { kind: 'unknown', reason: `'${expr}' must have the form artifacts.<name>` };
  }
  if (/^project\.[A-Za-z0-9_-]+$/.test(expr)) return { kind: 'project_var', name: expr };
  if (expr.startsWith('forge.')) {
    const field = expr.slice('forge.'.length);
    if ((FORGE_FIELDS as readonly string[]).includes(field)) return { kind: 'project_var', name: expr };
    return { kind: 'unknown', reason: `unknown forge field '${field}' (known: ${FORGE_FIELDS.join(', ')})` };
  }
  const json = /^steps\.([A-Za-z0-9][A-Za-z0-9_-]*)\.artifacts\.([A-Za-z0-9][A-Za-z0-9_-]*)\.(.+)$/.exec(expr);
  if (json?.[1] && json[2] && json[3]) {
    const fieldPath = json[3].split('.');
    if (fieldPath.every((f) => /^[A-Za-z0-9_-]+$/.test(f))) {
      return { kind: 'step_json', step: json[1], artifact: json[2], path: fieldPath };
    }
  }
  const output = /^steps\.([A-Za-z0-9][A-Za-z0-9_-]*)\.output\.(.+)$/.exec(expr);
  if (output?.[1] && output[2]) {
    const field = output[2];
    if ((STEP_OUTPUT_FIELDS as readonly string[]).includes(field)) {
      return { kind: 'step_output', step: output[1], field: field as StepOutputField };
    }
    return {
      kind: 'unknown',
      reason: `{{ ${expr} }}: a step has no output '${field}' (known: ${STEP_OUTPUT_FIELDS.join(', ')})`,
      hint: 'steps.<step>.artifacts.<artifact>.<field> reads a field of a JSON artifact',
    };
  }
  if (expr.startsWith('steps.')) {
    return {
      kind: 'unknown',
      reason: `'${expr}' must have the form steps.<step>.artifacts.<artifact>.<field> or steps.<step>.output.<field>`,
      hint: `steps.<step>.output.<field> is one of: ${STEP_OUTPUT_FIELDS.join(', ')}`,
    };
  }
  if (expr === '') return { kind: 'unknown', reason: 'empty placeholder {{ }}' };
  return {
    kind: 'unknown',
    reason: `unknown template variable '${expr}' (known: ${TEMPLATE_VARIABLES.join(', ')})`,
  };
}

/** Why a `deps.<step>.<artifact>` has no value for this step, with a hint. */
export interface MissingDep {
  message: string;
  hint?: string;
  /**
   * The reason is the step's place in the graph (not upstream, not injected): with a dependency that does not
   * resolve, the graph is incomplete, and `wave validate` drops it as a follow-on of that error.
   */
  graphReason?: boolean;
}

export interface TemplateContext {
  input: string;
  runId: string;
  stepId: string;
  pipelineName?: string;
  /** deps[step][artifact] → what the placeholder becomes, typically the path inside the container. */
  deps?: Record<string, Record<string, string>>;
  /** Explains a deps.<step>.<artifact> that `deps` lacks; see plan/inputs.ts. */
  missingDep?: (step: string, artifact: string) => MissingDep;
  /**
   * steps.<step>.artifacts.<artifact>.<field…>: the field of a JSON input, as the run reads it; absent when
   * validating (the input is then only checked to be one the step receives).
   */
  readJsonField?: (step: string, artifact: string, path: readonly string[]) => string | MissingDep;
  /** steps.<step>.output.<field>: the branch or base of a worktree step's tree (plan/step-outputs.ts). */
  stepOutput?: (step: string, field: StepOutputField) => string | MissingDep;
  /**
   * `{{ item }}` in an iterate step: the item's value; 'any' when validating (every item renders alike). Absent in
   * a step without iterate, where the placeholder is an error.
   */
  item?: { value: unknown } | 'any';
  /** `{{ iteration }}` in a loop's steps: the iteration, from 1; 'any' when validating. Absent elsewhere. */
  iteration?: number | 'any';
  /** artifacts.<name>: an injected artifact by its `as:` name or its own name → its path inside the container. */
  artifacts?: Record<string, string>;
  /**
   * `project.<key>` (wave.yaml's project: section) and `forge.<field>` values. Absent when no manifest is known
   * (validating a pipeline on its own): they are then not checked.
   */
  vars?: Readonly<Record<string, string>>;
}

export interface RenderOptions {
  /** 'shell': the text is a sh script; each value is quoted for its place, and a place that cannot be is refused. */
  syntax?: 'text' | 'shell';
}

/** One placeholder that cannot be filled, with its position in the text. */
export interface TemplateFailure {
  at: TemplateVar;
  message: string;
  hint: string;
  graphReason?: boolean;
}

const LITERAL_HINT = 'write \\{{ for a literal {{';

interface Filled {
  rendered: string;
  failures: TemplateFailure[];
}

/** Renders the text and collects every placeholder that cannot be filled; `wave validate` and a run share it. */
export function fillTemplate(text: string, ctx: TemplateContext, options: RenderOptions = {}): Filled {
  const vars = findTemplateVars(text);
  const places = options.syntax === 'shell' ? shellPlaces(text, vars) : undefined;
  const failures: TemplateFailure[] = [];
  let index = 0;
  const rendered = text.replace(PLACEHOLDER, (whole: string, escape: string) => {
    if (escape === '\\') return whole.slice(1);
    const place = places?.[index];
    const v = vars[index++];
    if (!v) return whole;
    const fail = (message: string, hint: string, graphReason?: boolean): string => {
      failures.push({ at: v, message, hint, ...(graphReason ? { graphReason } : {}) });
      return whole;
    };
    if (place?.kind === 'unsafe') return fail(unsafePlaceMessage(v.expr, place), UNSAFE_PLACE_HINT);
    const value = valueOf(v.expr, ctx);
    if (typeof value !== 'string') return fail(value.message, value.hint ?? LITERAL_HINT, value.graphReason);
    return place ? quoteForPlace(value, place) : value;
  });
  return { rendered, failures };
}

function valueOf(expr: string, ctx: TemplateContext): string | MissingDep {
  const ref = classifyTemplateVar(expr);
  switch (ref.kind) {
    case 'input':
      return ctx.input;
    case 'run_id':
      return ctx.runId;
    case 'step_id':
      return ctx.stepId;
    case 'pipeline_name':
      return ctx.pipelineName ?? { message: 'pipeline_name is not available here' };
    case 'dep_artifact': {
      const value = ctx.deps?.[ref.step]?.[ref.artifact];
      if (value !== undefined) return value;
      const missing = ctx.missingDep?.(ref.step, ref.artifact) ?? {
        message: `step '${ref.step}' gave this step no artifact '${ref.artifact}'`,
      };
      return { ...missing, message: `{{ ${expr} }}: ${missing.message}` };
    }
    case 'artifact': {
      const value = ctx.artifacts?.[ref.name];
      if (value !== undefined) return value;
      const known = Object.keys(ctx.artifacts ?? {});
      return {
        message: `{{ ${expr} }}: this step receives no artifact named '${ref.name}'`,
        hint: known.length ? `it receives: ${known.join(', ')}` : 'inject it with memory.inject_artifacts (as: name)',
      };
    }
    case 'step_json': {
      const value = ctx.deps?.[ref.step]?.[ref.artifact];
      if (value === undefined) {
        const missing = ctx.missingDep?.(ref.step, ref.artifact) ?? {
          message: `step '${ref.step}' gave this step no artifact '${ref.artifact}'`,
        };
        return { ...missing, message: `{{ ${expr} }}: ${missing.message}` };
      }
      if (!ctx.readJsonField) return value;
      const field = ctx.readJsonField(ref.step, ref.artifact, ref.path);
      return typeof field === 'string' ? field : { ...field, message: `{{ ${expr} }}: ${field.message}` };
    }
    case 'step_output': {
      const value = ctx.stepOutput?.(ref.step, ref.field) ?? { message: 'step outputs are not available here' };
      return typeof value === 'string' ? value : { ...value, message: `{{ ${expr} }}: ${value.message}` };
    }
    case 'item':
      return itemValue(expr, ref.path, ctx.item);
    case 'iteration':
      if (ctx.iteration === undefined) {
        return { message: "{{ iteration }} is only set in a loop's steps", hint: 'README: loop' };
      }
      return ctx.iteration === 'any' ? '1' : String(ctx.iteration);
    case 'project_var': {
      if (ctx.vars === undefined) return '';
      const value = ctx.vars[ref.name];
      if (value !== undefined) return value;
      return {
        message: `{{ ${expr} }} is not set in wave.yaml`,
        hint: `add ${ref.name.slice('project.'.length)}: <value> under project: in wave.yaml`,
      };
    }
    case 'unknown':
      return { message: ref.reason, ...(ref.hint === undefined ? {} : { hint: ref.hint }) };
  }
}

/** `{{ item }}` or `{{ item.<field>… }}`: a string item as it is, anything else as JSON. */
function itemValue(expr: string, path: readonly string[], item: TemplateContext['item']): string | MissingDep {
  if (item === undefined) {
    return {
      message: `{{ ${expr} }} is only set in a step with iterate:`,
      hint: 'add iterate: {over: "{{ steps.<id>.artifacts.<artifact>.<field> }}"} to the step',
    };
  }
  if (item === 'any') return 'item';
  let value = item.value;
  for (const [depth, key] of path.entries()) {
    const here = value as Record<string, unknown> | null;
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) {
      return { message: `{{ ${expr} }}: the item has no field '${path.slice(0, depth + 1).join('.')}'` };
    }
    value = here[key];
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Replaces every placeholder; throws a WaveError ('pipeline_invalid') naming each one that cannot be filled.
 * `where` (e.g. "step 'review' prompt") goes into the message.
 */
export function renderTemplate(
  text: string,
  ctx: TemplateContext,
  where = 'template',
  options: RenderOptions = {},
): string {
  const { rendered, failures } = fillTemplate(text, ctx, options);
  const [first] = failures;
  if (!first) return rendered;
  const at = (f: TemplateFailure): string => (text.includes('\n') ? ` (line ${f.at.line})` : '');
  throw new WaveError('pipeline_invalid', `${where}: ${first.message}${at(first)}`, {
    details: failures.slice(1).map((f) => `${f.message}${at(f)}`),
    hint: first.hint,
  });
}

/** Why a placeholder in a script is refused where it is; the same words for `wave validate` and a run. */
export function unsafePlaceMessage(expr: string, place: Extract<ShellPlace, { kind: 'unsafe' }>): string {
  return `{{ ${expr} }} is ${place.where}, where no quoting keeps its value from running as code`;
}

/** The hint for an unsafe place: what to write instead. */
export const UNSAFE_PLACE_HINT =
  'put the placeholder in a plain word, in \'…\' or in "…" (Wave quotes it); the input is also in $WAVE_INPUT, e.g. printf \'%s\\n\' "$WAVE_INPUT"';
