// The step graph: ids, dependencies, cycles and topological levels. Everything here is iterative (no recursion),
// so pipelines with thousands of steps cannot overflow the stack.

import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import type { DocPath, Locator, Manifest, Pipeline, SourceLocator, Step } from '../config/types.js';
import { StepGraph } from './graph.js';
import { findTemplateVars } from './template.js';
import { checkReferences } from './references.js';
import { checkDiffContexts } from './diff-context.js';
import { checkJudgedContracts } from './judged-contracts.js';
import { checkWorktrees } from './worktrees.js';
import { checkLoops } from './loop-check.js';
import { checkGraphMode } from './graph-mode.js';

export { StepGraph };

export interface DagOptions {
  /** When given, persona and adapter names are checked against it. */
  manifest?: Manifest;
  /** The pipeline file, for problem positions. */
  file?: string;
  locate?: Locator;
  /** For problems in templated texts: the line of the placeholder itself. */
  source?: SourceLocator;
  /** Checking a loop's iteration (plan/loop-check.ts): its steps, where {{ iteration }} is set. */
  loopSteps?: ReadonlySet<string>;
}

export interface DagResult {
  problems: Problem[];
  /** Steps grouped by depth: every step's dependencies are in earlier levels. Steps on a cycle are left out. */
  levels: string[][];
}

export function checkDag(pipeline: Pipeline, opts: DagOptions = {}): DagResult {
  const problems: Problem[] = [];
  const file = opts.file ?? pipeline.metadata.name;
  const error = (message: string, at: DocPath, hint?: string): void => {
    const pos = opts.locate?.(at);
    problems.push({ severity: 'error', file, line: pos?.line, column: pos?.column, message, hint });
  };
  const warning = (message: string, at: DocPath): void => {
    const pos = opts.locate?.(at);
    problems.push({ severity: 'warning', file, line: pos?.line, column: pos?.column, message });
  };
  const graph = new StepGraph(pipeline.steps);
  const ids = [...graph.byId.keys()];

  pipeline.steps.forEach((step, i) => {
    const first = graph.byId.get(step.id);
    if (first && first.index !== i) {
      const firstPos = opts.locate?.(['steps', first.index]);
      error(`duplicate step id '${step.id}'${firstPos ? ` (first defined at line ${firstPos.line})` : ''}`, [
        'steps',
        i,
        'id',
      ]);
    }
    const listed = new Set<string>();
    step.dependencies.forEach((dep, j) => {
      const at: DocPath = ['steps', i, 'dependencies', j];
      if (dep === step.id) error(`step '${step.id}' depends on itself`, at);
      else if (!graph.byId.has(dep)) {
        error(`step '${step.id}': unknown dependency '${dep}'${didYouMean(dep, ids)}`, at);
      } else if (listed.has(dep)) warning(`step '${step.id}': dependency '${dep}' is listed twice`, at);
      listed.add(dep);
    });
    if (opts.manifest) checkAgentNames(step, i, opts.manifest, error);
  });

  const levels = topologicalLevels(graph);
  const placed = new Set(levels.flat());
  if (placed.size < graph.byId.size) {
    for (const cycle of findCycles(graph, placed)) {
      const start = cycle[0] as string;
      const index = graph.byId.get(start)?.index ?? 0;
      error(
        `dependency cycle: ${cycle.join(' -> ')}`,
        ['steps', index],
        'each step depends on the next one; remove one of these dependencies',
      );
    }
  }
  // References into other steps' outputs (inject_artifacts, {{ deps.* }}) and the other placeholders.
  problems.push(
    ...checkReferences(graph, {
      file,
      pipelineName: pipeline.metadata.name,
      ...(opts.locate ? { locate: opts.locate } : {}),
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.manifest?.variables ? { vars: opts.manifest.variables } : {}),
      ...(opts.loopSteps ? { loopSteps: opts.loopSteps } : {}),
    }),
  );
  checkPipelineOutputs(pipeline, graph, error);
  problems.push(...checkWorktrees(graph, { file, ...(opts.locate ? { locate: opts.locate } : {}) }));
  problems.push(...checkDiffContexts(graph, file, opts.locate));
  // Each loop's iteration, as a pipeline of its own (the same checks), and its until condition.
  const loopOpts = {
    file,
    ...(opts.locate ? { locate: opts.locate } : {}),
    ...(opts.source ? { source: opts.source } : {}),
  };
  problems.push(...checkLoops(pipeline, loopOpts, (p, o) => checkDag(p, { ...opts, ...o }).problems));
  problems.push(
    ...checkJudgedContracts(graph, {
      file,
      ...(opts.locate ? { locate: opts.locate } : {}),
      ...(opts.manifest ? { manifest: opts.manifest } : {}),
    }),
  );
  problems.push(...checkGraphMode(pipeline, graph, { file, locate: opts.locate, source: opts.source }));
  return { problems, levels };
}

/** pipeline_outputs name a step of this pipeline and an artifact it declares. */
function checkPipelineOutputs(
  pipeline: Pipeline,
  graph: StepGraph,
  error: (message: string, at: DocPath, hint?: string) => void,
): void {
  for (const [alias, out] of Object.entries(pipeline.pipeline_outputs ?? {})) {
    const step = graph.byId.get(out.step)?.step;
    const at: DocPath = ['pipeline_outputs', alias];
    if (!step) {
      error(`pipeline_outputs '${alias}': unknown step '${out.step}'${didYouMean(out.step, graph.byId.keys())}`, [
        ...at,
        'step',
      ]);
      continue;
    }
    const declared = step.output_artifacts.map((o) => o.name);
    if (!declared.includes(out.artifact)) {
      const message = `pipeline_outputs '${alias}': step '${out.step}' declares no artifact '${out.artifact}'`;
      error(
        `${message}${didYouMean(out.artifact, declared)}`,
        [...at, 'artifact'],
        `it declares: ${declared.join(', ')}`,
      );
    }
  }
}

function checkAgentNames(
  step: Step,
  i: number,
  manifest: Manifest,
  error: (message: string, at: DocPath, hint?: string) => void,
): void {
  const personas = Object.keys(manifest.personas);
  const adapters = Object.keys(manifest.adapters);
  // A name still templated could not be filled: static-templates.ts has said why.
  const unfilled = step.persona !== undefined && findTemplateVars(step.persona).length > 0;
  if (step.persona !== undefined && !unfilled && !manifest.personas[step.persona]) {
    error(
      `step '${step.id}': unknown persona '${step.persona}'${didYouMean(step.persona, personas)}`,
      ['steps', i, 'persona'],
      personas.length ? `personas in the manifest: ${personas.join(', ')}` : 'the manifest defines no personas',
    );
  }
  const summarizer = step.handover.compaction?.persona;
  if (summarizer !== undefined && !manifest.personas[summarizer]) {
    const unknown = `unknown persona '${summarizer}'${didYouMean(summarizer, personas)}`;
    error(
      `step '${step.id}': handover.compaction.persona: ${unknown}`,
      ['steps', i, 'handover', 'compaction', 'persona'],
      personas.length ? `personas in the manifest: ${personas.join(', ')}` : 'the manifest defines no personas',
    );
  }
  if (step.adapter !== undefined && !manifest.adapters[step.adapter]) {
    error(
      `step '${step.id}': unknown adapter '${step.adapter}'${didYouMean(step.adapter, adapters)}`,
      ['steps', i, 'adapter'],
      adapters.length ? `adapters in the manifest: ${adapters.join(', ')}` : 'the manifest defines no adapters',
    );
  }
}

/**
 * Kahn's algorithm, one level at a time. Within a level, steps keep their order in the file, so plans and
 * progress output are stable. Steps on (or behind) a cycle never reach in-degree zero and are left out.
 */
export function topologicalLevels(graphOrPipeline: StepGraph | Pipeline): string[][] {
  const graph = graphOrPipeline instanceof StepGraph ? graphOrPipeline : new StepGraph(graphOrPipeline.steps);
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of graph.byId.keys()) {
    const deps = new Set(graph.depsOf(id));
    indegree.set(id, deps.size);
    for (const d of deps) {
      const list = dependents.get(d);
      if (list) list.push(id);
      else dependents.set(d, [id]);
    }
  }
  const order = (a: string, b: string): number => (graph.byId.get(a)?.index ?? 0) - (graph.byId.get(b)?.index ?? 0);
  const levels: string[][] = [];
  let current = [...indegree].filter(([, n]) => n === 0).map(([id]) => id);
  while (current.length > 0) {
    current.sort(order);
    levels.push(current);
    const next: string[] = [];
    for (const id of current) {
      for (const child of dependents.get(id) ?? []) {
        const n = (indegree.get(child) ?? 0) - 1;
        indegree.set(child, n);
        if (n === 0) next.push(child);
      }
    }
    current = next;
  }
  return levels;
}

/**
 * Cycles among the steps that could not be levelled, each as a path that returns to its start
 * (`a -> b -> a`: a depends on b, b on a). Iterative depth-first search; one cycle per back edge, de-duplicated
 * by member set, at most `limit`.
 */
export function findCycles(graph: StepGraph, acyclic: ReadonlySet<string>, limit = 20): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const seenKeys = new Set<string>();
  for (const start of graph.byId.keys()) {
    if (acyclic.has(start) || state.has(start)) continue;
    const stack: Array<{ id: string; deps: string[]; next: number }> = [];
    const pathIndex = new Map<string, number>();
    const path: string[] = [];
    const push = (id: string): void => {
      state.set(id, 'open');
      pathIndex.set(id, path.length);
      path.push(id);
      stack.push({ id, deps: graph.depsOf(id).filter((d) => !acyclic.has(d)), next: 0 });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; deps: string[]; next: number };
      if (top.next < top.deps.length) {
        const d = top.deps[top.next++] as string;
        const s = state.get(d);
        if (s === 'open') {
          const cycle = path.slice(pathIndex.get(d) ?? 0);
          const key = [...cycle].sort().join('\0');
          if (!seenKeys.has(key) && cycles.length < limit) {
            seenKeys.add(key);
            cycles.push([...cycle, d]);
          }
        } else if (s === undefined) {
          push(d);
        }
      } else {
        state.set(top.id, 'done');
        stack.pop();
        path.pop();
        pathIndex.delete(top.id);
      }
    }
  }
  return cycles;
}
