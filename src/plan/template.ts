// `{{ input }}`-style placeholders in prompts and scripts. Both `{{x}}` and `{{ x }}` are accepted. An unknown
// variable is an error rather than being left in place or blanked, because a prompt that silently lost its
// input is worse than a run that refuses to start. `\{{` writes a literal `{{` (e.g. for `docker --format`).
// Prompts get values as they are; in a command script every value is shell-quoted for its place in the script
// (see shell-context.ts), so an input such as `$(id)` stays data.

import { WaveError } from '../errors.js';
import { quoteForPlace, shellPlaces, type ShellPlace } from './shell-context.js';

export interface TemplateVar {
  /** The trimmed expression between the braces, e.g. "deps.analyze.analysis". */
  expr: string;
  /** Offsets of the whole `{{ … }}` in the text. */
  start: number;
  end: number;
  /** 1-based position of the `{{` within the text. */
  line: number;
  column: number;
}

export type TemplateRef =
  | { kind: 'input' }
  | { kind: 'run_id' }
  | { kind: 'step_id' }
  | { kind: 'pipeline_name' }
  | { kind: 'dep_artifact'; step: string; artifact: string }
  | { kind: 'unknown'; reason: string };

/** The variables Wave knows, for messages. */
export const TEMPLATE_VARIABLES = ['input', 'run.id', 'step_id', 'pipeline_name', 'deps.<step>.<artifact>'] as const;

const PLACEHOLDER = /(\\?)\{\{([^{}]*)\}\}/g;

export function findTemplateVars(text: string): TemplateVar[] {
  const out: TemplateVar[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m[1] === '\\') continue; // escaped
    const start = m.index ?? 0;
    const before = text.slice(0, start);
    const line = before.split('\n').length;
    const column = start - before.lastIndexOf('\n');
    out.push({ expr: (m[2] ?? '').trim(), start, end: start + m[0].length, line, column });
  }
  return out;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function classifyTemplateVar(expr: string): TemplateRef {
  switch (expr) {
    case 'input':
      return { kind: 'input' };
    case 'run.id':
    case 'pipeline_id': // the original format's name for the run id
      return { kind: 'run_id' };
    case 'step_id':
      return { kind: 'step_id' };
    case 'pipeline_name':
      return { kind: 'pipeline_name' };
  }
  if (expr.startsWith('deps.')) {
    const parts = expr.split('.');
    const [, step, artifact] = parts;
    if (parts.length === 3 && step && artifact && NAME.test(step) && NAME.test(artifact)) {
      return { kind: 'dep_artifact', step, artifact };
    }
    return { kind: 'unknown', reason: `'${expr}' must have the form deps.<step>.<artifact>` };
  }
  if (expr === '') return { kind: 'unknown', reason: 'empty placeholder {{ }}' };
  return {
    kind: 'unknown',
    reason: `unknown template variable '${expr}' (known: ${TEMPLATE_VARIABLES.join(', ')})`,
  };
}

export interface TemplateContext {
  input: string;
  runId: string;
  stepId: string;
  pipelineName?: string;
  /** deps[step][artifact] → what the placeholder becomes, typically the path inside the container. */
  deps?: Record<string, Record<string, string>>;
}

export interface RenderOptions {
  /** 'shell': the text is a sh script; each value is quoted for its place, and a place that cannot be is refused. */
  syntax?: 'text' | 'shell';
}

/**
 * Replaces every placeholder; throws a WaveError ('pipeline_invalid') naming each variable that cannot be
 * filled. `where` (e.g. "step 'review' exec.source") goes into the message.
 */
export function renderTemplate(text: string, ctx: TemplateContext, where = 'template', options: RenderOptions = {}): string {
  const failures: string[] = [];
  const places = options.syntax === 'shell' ? shellPlaces(text, findTemplateVars(text)) : undefined;
  let index = 0;
  let unsafe = false;
  const rendered = text.replace(PLACEHOLDER, (whole: string, escape: string, inner: string) => {
    if (escape === '\\') return whole.slice(1);
    const place = places?.[index++];
    if (place?.kind === 'unsafe') {
      failures.push(unsafePlaceMessage(inner.trim(), place));
      unsafe = true;
      return whole;
    }
    const value = valueOf(inner);
    return value === undefined ? whole : place ? quoteForPlace(value, place) : value;
  });
  function valueOf(inner: string): string | undefined {
    const ref = classifyTemplateVar(inner.trim());
    switch (ref.kind) {
      case 'input':
        return ctx.input;
      case 'run_id':
        return ctx.runId;
      case 'step_id':
        return ctx.stepId;
      case 'pipeline_name':
        if (ctx.pipelineName !== undefined) return ctx.pipelineName;
        failures.push('pipeline_name is not available here');
        return undefined;
      case 'dep_artifact': {
        const value = ctx.deps?.[ref.step]?.[ref.artifact];
        if (value !== undefined) return value;
        failures.push(
          ctx.deps?.[ref.step]
            ? `step '${ref.step}' has no artifact '${ref.artifact}'`
            : `'deps.${ref.step}' is not a dependency of step '${ctx.stepId}'`,
        );
        return undefined;
      }
      case 'unknown':
        failures.push(ref.reason);
        return undefined;
    }
  }
  if (failures.length > 0) {
    const [first] = failures;
    throw new WaveError('pipeline_invalid', `${where}: ${first}`, {
      details: failures.slice(1),
      hint: unsafe ? UNSAFE_PLACE_HINT : `template variables: ${TEMPLATE_VARIABLES.join(', ')}; write \\{{ for a literal {{`,
    });
  }
  return rendered;
}

/** Why a placeholder in a script is refused where it is; the same words for `wave validate` and a run. */
export function unsafePlaceMessage(expr: string, place: Extract<ShellPlace, { kind: 'unsafe' }>): string {
  return `{{ ${expr} }} is ${place.where}, where no quoting keeps its value from running as code`;
}

/** The hint for an unsafe place: what to write instead. */
export const UNSAFE_PLACE_HINT =
  'put the placeholder in a plain word, in \'…\' or in "…" (Wave quotes it); the input is also in $WAVE_INPUT, e.g. printf \'%s\\n\' "$WAVE_INPUT"';
