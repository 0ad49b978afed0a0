// Where a gate's choices may lead (README: Gates): `_fail`, or a step upstream of the gate, which the answer runs
// again with everything that depends on it (the original's rework routing). A default that re-runs a step would
// loop without anyone answering (--auto-approve, a timeout), so it is refused.
import { FAIL_TARGET } from '../config/pipeline-gate.js';
import type { DocPath, Step } from '../config/types.js';
import type { StepGraph } from './graph.js';

export interface GateTargetProblem {
  message: string;
  at: DocPath;
  hint?: string;
}

export function gateTargetProblems(graph: StepGraph, step: Step, index: number): GateTargetProblem[] {
  const gate = step.exec;
  if (gate.type !== 'gate') return [];
  const problems: GateTargetProblem[] = [];
  const upstream = graph.ancestorsOf(step.id);
  gate.choices.forEach((choice, j) => {
    const target = choice.target;
    if (target === undefined || target === FAIL_TARGET) return;
    const at: DocPath = ['steps', index, 'gate', 'choices', j, 'target'];
    if (!graph.byId.has(target)) {
      const known = [...upstream].join(', ');
      const hint = known ? `upstream steps: ${known}, or _fail` : 'use _fail, or add the step to dependencies';
      problems.push({
        message: `step '${step.id}': gate choice '${choice.key}' targets unknown step '${target}'`,
        at,
        hint,
      });
    } else if (!upstream.has(target)) {
      const hint = 'a choice runs an upstream step again (and what depends on it), or fails the run with _fail';
      problems.push({
        message: `step '${step.id}': gate choice '${choice.key}' targets '${target}', which is not upstream`,
        at,
        hint,
      });
    } else if (choice.key === gate.default) {
      const hint = 'make a choice that continues or fails the default';
      const message =
        `step '${step.id}': gate.default '${choice.key}' runs '${target}' again: ` +
        'an unanswered gate (--auto-approve, a timeout) would loop';
      problems.push({ message, at: ['steps', index, 'gate', 'default'], hint });
    }
  });
  return problems;
}
