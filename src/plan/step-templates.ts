// `wave validate`'s check of every text a run renders: each step's prompt (inline or from its file) and command
// script, filled by the same code a run uses (fillTemplate) with the same inputs (stepTemplateContext), so what
// validates renders. A problem points at the line of the placeholder itself: in the prompt file, or in the
// pipeline file through the scalar's source.

import type { Problem } from '../config/problems.js';
import type { DocPath, Locator, SourceLocator, Step } from '../config/types.js';
import type { StepGraph } from './graph.js';
import { stepTemplateContext } from './inputs.js';
import { fillTemplate, placeholderOffsets, type RenderOptions, type TemplateFailure } from './template.js';

export interface StepText {
  text: string;
  syntax: NonNullable<RenderOptions['syntax']>;
  /** The node the text is (or names the file of), relative to the step. */
  at: DocPath;
  /** A prompt file's path: positions are then lines of that file. */
  file?: string;
}

/** The texts of a step written in the pipeline file itself (a prompt file is read by the caller). */
export function inlineTexts(step: Step): StepText[] {
  if (step.exec.type === 'command') return [{ text: step.exec.script, syntax: 'shell', at: ['exec', 'script'] }];
  if (step.exec.type === 'gate') return [];
  if (step.exec.type === 'pipeline') {
    return step.exec.input === undefined ? [] : [{ text: step.exec.input, syntax: 'text', at: ['input'] }];
  }
  if (step.exec.type === 'conditional') return [];
  return step.exec.source === undefined ? [] : [{ text: step.exec.source, syntax: 'text', at: ['exec', 'source'] }];
}

export interface StepTextCheck {
  graph: StepGraph;
  step: Step;
  /** The step's index in the file. */
  index: number;
  pipelineName: string;
  file: string;
  locate?: Locator;
  source?: SourceLocator;
  /** project.* and forge.* values (Manifest.variables); without them those placeholders are not checked. */
  vars?: Readonly<Record<string, string>>;
  /** The steps of a loop's iteration, where {{ iteration }} is set. */
  loopSteps?: ReadonlySet<string>;
}

/** Sample values for what only a run knows; any value renders the same way, so any will do. */
const SAMPLE = { input: 'input', runId: 'validate' };

export function checkStepTexts(texts: readonly StepText[], c: StepTextCheck): Problem[] {
  const values = {
    ...SAMPLE,
    pipelineName: c.pipelineName,
    ...(c.vars ? { vars: c.vars } : {}),
    ...(c.loopSteps?.has(c.step.id) ? { iteration: 'any' as const } : {}),
  };
  const ctx = stepTemplateContext(c.graph, c.step, values);
  // With a dependency that does not resolve the graph is incomplete: "not upstream" would repeat that error.
  const incomplete = c.step.dependencies.some((d) => !c.graph.byId.has(d));
  const problems: Problem[] = [];
  for (const t of texts) {
    const { failures } = fillTemplate(t.text, ctx, { syntax: t.syntax });
    const place = positions(t, c);
    for (const f of failures) {
      if (f.graphReason && incomplete) continue;
      const { file, line, column, suffix } = place(f);
      const message = `step '${c.step.id}': ${f.message}${suffix}`;
      problems.push({ severity: 'error', file, line, column, message, hint: f.hint });
    }
  }
  return problems;
}

type Place = { file: string; line?: number | undefined; column?: number | undefined; suffix: string };

/** Where each failure of one text is: its own line in the prompt file or in the pipeline file. */
function positions(t: StepText, c: StepTextCheck): (f: TemplateFailure) => Place {
  const at: DocPath = ['steps', c.index, ...t.at];
  if (t.file !== undefined) {
    const file = t.file;
    return (f) => ({ file, line: f.at.line, column: f.at.column, suffix: '' });
  }
  const source = c.source?.(at);
  const offsets = source ? placeholderOffsets(source.raw) : [];
  // Escapes of a quoted scalar can hide a placeholder from the source; then the text's own line is named.
  const exact = source !== undefined && offsets.length === placeholderOffsets(t.text).length;
  const node = c.locate?.(at);
  return (f) => {
    const offset = offsets[f.at.ordinal];
    if (exact && offset !== undefined) return { file: c.file, ...source.positionAt(offset), suffix: '' };
    const suffix = f.at.line > 1 ? ` (line ${f.at.line} of the text)` : '';
    return { file: c.file, line: node?.line, column: node?.column, suffix };
  };
}
