// References from one step to another's outputs: memory.inject_artifacts, strategy.items_source and
// {{ deps.<step>.<artifact> }} placeholders. A step may only read what a (transitive) dependency declared,
// because only those are guaranteed to have finished - and to exist - when it starts.

import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import type { DocPath, Locator, Step } from '../config/types.js';
import type { StepGraph } from './graph.js';
import { shellPlaces } from './shell-context.js';
import { UNSAFE_PLACE_HINT, classifyTemplateVar, findTemplateVars, unsafePlaceMessage } from './template.js';

export interface ReferenceCheckOptions {
  file: string;
  locate?: Locator;
}

type Report = (message: string, at: DocPath, hint?: string) => void;

function reporter(problems: Problem[], opts: ReferenceCheckOptions): Report {
  return (message, at, hint) => {
    const pos = opts.locate?.(at);
    problems.push({ severity: 'error', file: opts.file, line: pos?.line, column: pos?.column, message, hint });
  };
}

export function checkReferences(graph: StepGraph, opts: ReferenceCheckOptions): Problem[] {
  const problems: Problem[] = [];
  const error = reporter(problems, opts);
  graph.steps.forEach((step, i) => {
    const needsAncestors =
      (step.memory?.inject_artifacts?.length ?? 0) > 0 ||
      step.strategy !== undefined ||
      textsOf(step).some(([text]) => text.includes('{{'));
    if (!needsAncestors) return;
    const ancestors = graph.ancestorsOf(step.id);
    // With a misspelt dependency the graph is incomplete; "not one of its dependencies" would only repeat
    // the unknown-dependency error, so that follow-on check is skipped for this step.
    const incomplete = step.dependencies.some((d) => !graph.byId.has(d));

    const names = new Set<string>();
    (step.memory?.inject_artifacts ?? []).forEach((inj, j) => {
      const at: DocPath = ['steps', i, 'memory', 'inject_artifacts', j];
      checkArtifactRef(graph, step, ancestors, inj.step, inj.artifact, at, `inject_artifacts`, error, incomplete);
      const as = inj.as ?? inj.artifact;
      if (names.has(as)) error(`step '${step.id}': two injected artifacts are both named '${as}'`, [...at, 'as'], 'give one a different `as:`');
      names.add(as);
    });

    if (step.strategy) {
      const source = step.strategy.items_source;
      const from = source.split('/')[0] ?? '';
      const at: DocPath = ['steps', i, 'strategy', 'items_source'];
      if (!graph.byId.has(from)) {
        error(`step '${step.id}': items_source names unknown step '${from}'${didYouMean(from, graph.byId.keys())}`, at);
      } else if (!ancestors.has(from) && !incomplete) {
        error(`step '${step.id}': items_source reads from '${from}', which is not one of its dependencies`, at, `add '${from}' to dependencies`);
      }
    }

    for (const [text, at] of textsOf(step).map(([t, p]) => [t, ['steps', i, ...p]] as const)) {
      problems.push(...checkTemplateText(text, { graph, step, ancestors, at, ...opts }, incomplete));
    }
    if (step.exec.type === 'command') checkScriptPlaces(step.id, step.exec.script, ['steps', i, 'exec', 'script'], error);
  });
  return problems;
}

/** The step's inline templated texts with their document paths (relative to the step). */
function textsOf(step: Step): Array<[string, DocPath]> {
  if (step.exec.type === 'prompt') return step.exec.source === undefined ? [] : [[step.exec.source, ['exec', 'source']]];
  return [[step.exec.script, ['exec', 'script']]];
}

/** A command script's placeholders are quoted for their place; a place where quoting cannot protect is refused. */
function checkScriptPlaces(stepId: string, script: string, at: DocPath, error: Report): void {
  const vars = findTemplateVars(script);
  shellPlaces(script, vars).forEach((place, k) => {
    const v = vars[k];
    if (place.kind !== 'unsafe' || !v) return;
    const where = v.line > 1 ? ` (line ${v.line} of the script)` : '';
    error(`step '${stepId}': ${unsafePlaceMessage(v.expr, place)}${where}`, at, UNSAFE_PLACE_HINT);
  });
}

export interface TemplateTextCheck extends ReferenceCheckOptions {
  graph: StepGraph;
  step: Step;
  ancestors?: Set<string>;
  /** Where the text sits in the pipeline document (problems point there). */
  at: DocPath;
  /** When the text came from another file (exec.source_path), its name for messages. */
  textFile?: string;
}

/** Checks every placeholder in one text: known variable, and deps.<step>.<artifact> reachable and declared. */
export function checkTemplateText(text: string, c: TemplateTextCheck, incompleteGraph = false): Problem[] {
  const problems: Problem[] = [];
  const error = reporter(problems, c);
  const ancestors = c.ancestors ?? c.graph.ancestorsOf(c.step.id);
  for (const v of findTemplateVars(text)) {
    const where = c.textFile ? ` (${c.textFile}:${v.line}:${v.column})` : v.line > 1 ? ` (line ${v.line} of the text)` : '';
    const ref = classifyTemplateVar(v.expr);
    if (ref.kind === 'unknown') {
      error(`step '${c.step.id}': ${ref.reason}${where}`, c.at, 'write \\{{ for a literal {{');
    } else if (ref.kind === 'dep_artifact') {
      checkArtifactRef(c.graph, c.step, ancestors, ref.step, ref.artifact, c.at, `{{ ${v.expr} }}${where}`, error, incompleteGraph);
    }
  }
  return problems;
}

function checkArtifactRef(
  graph: StepGraph,
  step: Step,
  ancestors: Set<string>,
  from: string,
  artifact: string,
  at: DocPath,
  what: string,
  error: Report,
  incompleteGraph = false,
): void {
  const source = graph.byId.get(from)?.step;
  if (from === step.id) {
    error(`step '${step.id}': ${what} refers to the step itself`, at);
  } else if (!source) {
    error(`step '${step.id}': ${what} refers to unknown step '${from}'${didYouMean(from, graph.byId.keys())}`, at);
  } else if (!ancestors.has(from)) {
    if (incompleteGraph) return;
    error(`step '${step.id}': ${what} reads from '${from}', which is not one of its dependencies`, at, `add '${from}' to dependencies`);
  } else if (!source.output_artifacts.some((o) => o.name === artifact)) {
    const declared = source.output_artifacts.map((o) => o.name);
    error(
      `step '${step.id}': ${what}: step '${from}' declares no artifact '${artifact}'${didYouMean(artifact, declared)}`,
      at,
      declared.length ? `'${from}' declares: ${declared.join(', ')}` : `'${from}' declares no output_artifacts`,
    );
  }
}
