// The checks `wave validate` makes of judged contracts and rework, the original's rules with file:line:
// - agent_review: the reviewer persona exists and is not the step's own (no self-review);
// - on_failure rework: rework_step names a step that exists, is rework_only, is not the step itself, is neither
//   upstream nor downstream of it, and is the rework_step of this one step only;
// - a rework_only step is some contract's rework_step, nothing depends on it, and what it depends on is upstream
//   of the step it reworks (so it is there when the rework runs);
// - rework is refused where Wave cannot do it yet: a step that changes code, an iterated step.
import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import type { DocPath, Locator, Manifest } from '../config/types.js';
import type { StepGraph } from './graph.js';
import { writesCode } from './worktrees.js';

export interface JudgedCheckOptions {
  file: string;
  locate?: Locator;
  manifest?: Manifest;
}

/** Downstream of `id`: every step that depends on it, directly or not. */
function descendantsOf(graph: StepGraph, id: string): Set<string> {
  return new Set(graph.steps.filter((s) => graph.ancestorsOf(s.id).has(id)).map((s) => s.id));
}

export function checkJudgedContracts(graph: StepGraph, opts: JudgedCheckOptions): Problem[] {
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath[], hint?: string): void => {
    const pos = at.map((p) => opts.locate?.(p)).find((p) => p !== undefined);
    problems.push({ severity: 'error', file: opts.file, line: pos?.line, column: pos?.column, message, hint });
  };
  const contractAt = (index: number, j: number, key: string): DocPath[] => [
    ['steps', index, 'handover', 'contracts', j, key],
    ['steps', index, 'handover', 'contract', key],
  ];
  const reworkedBy = new Map<string, string[]>();

  graph.steps.forEach((step, index) => {
    step.handover.contracts.forEach((c, j) => {
      const label = `step '${step.id}': ${c.type} contract`;
      if (c.type === 'agent_review' && c.persona !== undefined) {
        if (c.persona === step.persona) {
          const hint = 'a step does not judge its own work: name another persona as the reviewer';
          error(
            `${label}: the reviewer persona '${c.persona}' is the step's own`,
            contractAt(index, j, 'persona'),
            hint,
          );
        } else if (opts.manifest && !opts.manifest.personas[c.persona]) {
          const names = Object.keys(opts.manifest.personas);
          const message = `${label}: unknown reviewer persona '${c.persona}'${didYouMean(c.persona, names)}`;
          error(message, contractAt(index, j, 'persona'), `personas in the manifest: ${names.join(', ') || 'none'}`);
        }
      }
      if (c.on_failure !== 'rework' || c.rework_step === undefined) return;
      const at = contractAt(index, j, 'rework_step');
      const target = graph.byId.get(c.rework_step)?.step;
      reworkedBy.set(c.rework_step, [...(reworkedBy.get(c.rework_step) ?? []), step.id]);
      if (writesCode(step)) {
        const hint = 'use on_failure: fail (the step is retried with the feedback) for a step that changes code';
        error(`${label}: rework of a step that changes code is not supported yet`, at, hint);
      }
      if (step.iterate) error(`${label}: rework of an iterated step is not supported yet`, at);
      if (!target) {
        const guess = didYouMean(c.rework_step, graph.byId.keys());
        const message = `${label}: rework_step '${c.rework_step}' is not a step${guess}`;
        error(message, at);
        return;
      }
      if (target.id === step.id) error(`${label}: a step cannot be its own rework_step`, at);
      else if (!target.rework_only) {
        error(
          `${label}: rework_step '${target.id}' is not rework_only`,
          at,
          `add rework_only: true to step '${target.id}'`,
        );
      } else if (graph.ancestorsOf(step.id).has(target.id)) {
        error(`${label}: rework_step '${target.id}' is upstream of step '${step.id}'`, at);
      } else if (descendantsOf(graph, step.id).has(target.id)) {
        error(`${label}: rework_step '${target.id}' is downstream of step '${step.id}'`, at);
      }
    });
  });

  graph.steps.forEach((step, index) => {
    if (!step.rework_only) return;
    const at: DocPath[] = [['steps', index, 'rework_only']];
    const users = reworkedBy.get(step.id) ?? [];
    if (users.length === 0) {
      const hint = "name it in a contract's rework_step (with on_failure: rework), or drop rework_only";
      error(`step '${step.id}' is rework_only but no contract names it as rework_step: it would never run`, at, hint);
    }
    if (users.length > 1) error(`step '${step.id}' is the rework_step of several steps: ${users.join(', ')}`, at);
    const dependents = graph.steps.filter((s) => s.dependencies.includes(step.id)).map((s) => s.id);
    if (dependents.length) {
      error(`step '${step.id}' is rework_only, so it cannot be a dependency (of ${dependents.join(', ')})`, at);
    }
    if (writesCode(step)) error(`step '${step.id}': a rework_only step that changes code is not supported yet`, at);
    const judged = users[0];
    if (judged === undefined) return;
    const upstream = graph.ancestorsOf(judged);
    for (const dep of graph.depsOf(step.id)) {
      if (!upstream.has(dep)) {
        const why = `which is not upstream of '${judged}' (the step it reworks)`;
        error(`step '${step.id}' depends on '${dep}', ${why}`, [['steps', index, 'dependencies']]);
      }
    }
  });
  return problems;
}
