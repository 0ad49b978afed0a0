// References from one step to another's outputs: memory.inject_artifacts entries and the templates' placeholders.
// A step may only read what an upstream step declared, because only those are guaranteed to have finished - and
// to exist - when it starts; what it receives is decided in inputs.ts.

import type { Problem } from '../config/problems.js';
import { type DocPath, type Locator, type SourceLocator, isPipelineInjection } from '../config/types.js';
import type { StepGraph } from './graph.js';
import { unavailableDep } from './inputs.js';
import { checkStepTexts, inlineTexts } from './step-templates.js';
import { isOverReference, overReference } from './iterate-over.js';
import { gateTargetProblems } from './gate-targets.js';
import { isMatrixSource, matrixSource } from './matrix.js';

export interface ReferenceCheckOptions {
  file: string;
  pipelineName: string;
  locate?: Locator;
  source?: SourceLocator;
  /** project.* and forge.* values (Manifest.variables). */
  vars?: Readonly<Record<string, string>>;
  /** The steps of a loop's iteration, where {{ iteration }} is set. */
  loopSteps?: ReadonlySet<string>;
}

export function checkReferences(graph: StepGraph, opts: ReferenceCheckOptions): Problem[] {
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath, hint?: string): void => {
    const pos = opts.locate?.(at);
    problems.push({ severity: 'error', file: opts.file, line: pos?.line, column: pos?.column, message, hint });
  };
  graph.steps.forEach((step, index) => {
    // With a misspelt dependency the graph is incomplete; "not one of its dependencies" would only repeat
    // the unknown-dependency error, so that follow-on check is skipped for this step.
    const incomplete = step.dependencies.some((d) => !graph.byId.has(d));
    const names = new Set<string>();
    (step.memory?.inject_artifacts ?? []).forEach((inj, j) => {
      const at: DocPath = ['steps', index, 'memory', 'inject_artifacts', j];
      // Another pipeline's output is checked against that pipeline (validate/pipeline-injections.ts).
      if (!isPipelineInjection(inj)) {
        const problem = unavailableDep(graph, step, inj.step, inj.artifact);
        // "upstream but not injected" is what this entry does; only a step that is not upstream is refused.
        const upstream = problem.graphReason && graph.ancestorsOf(step.id).has(inj.step);
        if (!upstream && !(problem.graphReason && incomplete)) {
          error(`step '${step.id}': inject_artifacts: ${problem.message}`, at, problem.hint);
        }
      }
      const as = inj.as ?? inj.artifact;
      if (names.has(as))
        error(
          `step '${step.id}': two injected artifacts are both named '${as}'`,
          [...at, 'as'],
          'give one a different `as:`',
        );
      names.add(as);
    });
    // A loop step's own texts are its body's, checked with its iteration's steps (plan/loop-check.ts).
    if (!step.loop) problems.push(...checkStepTexts(inlineTexts(step), { graph, step, index, ...opts }));
    if (step.iterate) {
      const over = overReference(graph, step, step.iterate.over);
      if (!isOverReference(over))
        error(`step '${step.id}': ${over.message}`, ['steps', index, 'iterate', 'over'], over.hint);
    }
    for (const p of gateTargetProblems(graph, step, index)) error(p.message, p.at, p.hint);
    if (step.matrix) {
      const source = matrixSource(graph, step, step.matrix);
      const at = ['steps', index, 'strategy', 'items_source'];
      if (!isMatrixSource(source)) error(`step '${step.id}': ${source.message}`, at, source.hint);
    }
    if (step.branch) {
      const on = overReference(graph, step, step.branch.on, 'branch.on');
      if (!isOverReference(on)) error(`step '${step.id}': ${on.message}`, ['steps', index, 'branch', 'on'], on.hint);
    }
  });
  return problems;
}
