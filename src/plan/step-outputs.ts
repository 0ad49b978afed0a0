// `{{ steps.<step>.output.branch|base }}`, the original format's step outputs: what a worktree step's tree is
// called and where it starts. Both are known from the pipeline and the run's values alone, so `wave validate`
// and a run give the same answer (or the same error).
import { didYouMean } from '../config/suggest.js';
import type { StepGraph } from './graph.js';
import { fillTemplate, type MissingDep, type StepOutputField } from './template.js';
import { isWorktreeStep, treeKeyOf, treeSettings } from './worktrees.js';

/** The run's constants a branch may use (a TemplateValues of inputs.ts fits). */
interface RunConstants {
  input: string;
  runId: string;
  pipelineName: string;
}

export function stepOutputOf(
  graph: StepGraph,
  values: RunConstants,
): (step: string, field: StepOutputField) => string | MissingDep {
  return (id, field) => {
    const step = graph.byId.get(id)?.step;
    if (!step) return { message: `unknown step '${id}'${didYouMean(id, graph.byId.keys())}` };
    const key = isWorktreeStep(step) ? treeKeyOf(graph, step) : undefined;
    if (key === undefined) {
      return {
        message: `step '${id}' works in no worktree, so it has no ${field}`,
        hint: `give '${id}' workspace: {type: worktree, branch: …}`,
      };
    }
    if (field === 'base') {
      const { base } = treeSettings(graph, key);
      if (base !== undefined) return base;
      return {
        message: `the worktree of step '${id}' declares no base (it starts from the commit checked out at the start)`,
        hint: `declare it: workspace: {type: worktree, base: main}`,
      };
    }
    if (!key.startsWith('branch:')) {
      return {
        message: `the worktree of step '${id}' has no branch`,
        hint: "name it: workspace: {type: worktree, branch: 'wave-{{ run.id }}'}",
      };
    }
    // A branch may only use the run's constants (checkWorktrees), which are filled the same for every step.
    const ctx = { input: values.input, runId: values.runId, stepId: id, pipelineName: values.pipelineName };
    const { rendered, failures } = fillTemplate(key.slice('branch:'.length), ctx);
    const [failure] = failures;
    return failure ? { message: `its branch: ${failure.message}`, hint: failure.hint } : rendered;
  };
}
