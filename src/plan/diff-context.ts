// The original's `git_diff` review context: a prompt step names an upstream step that changes code, and Wave adds
// that step's change to the prompt as a diff, computed by Wave's own git (never from a tree's .git). Which step it
// is, and the checks `wave validate` makes of it, live here; the engine renders it (engine/diff-context.ts).
import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import { parseMemory } from '../config/units.js';
import type { DiffContext, DocPath, Locator, Step } from '../config/types.js';
import type { StepGraph } from './graph.js';
import { writesCode } from './worktrees.js';

/** The original's limit on a context source: 50 KB. */
export const DEFAULT_DIFF_CONTEXT_BYTES = 50 * 1024;

/** The upstream writing step a context entry names, or the only one there is; an error message otherwise. */
export function diffContextStep(graph: StepGraph, step: Step, entry: DiffContext): { id: string } | { error: string } {
  const upstream = graph.ancestorsOf(step.id);
  const writers = graph.steps.filter((s) => upstream.has(s.id) && writesCode(s)).map((s) => s.id);
  if (entry.step === undefined) {
    if (writers.length === 1) return { id: writers[0] as string };
    const which = writers.length ? `several do (${writers.join(', ')}): name one with step:` : 'none does';
    return { error: `context git_diff needs an upstream step that changes code; ${which}` };
  }
  if (!graph.byId.has(entry.step)) {
    return { error: `context git_diff names unknown step '${entry.step}'${didYouMean(entry.step, graph.byId.keys())}` };
  }
  if (!upstream.has(entry.step)) return { error: `context git_diff: step '${entry.step}' is not upstream` };
  if (!writers.includes(entry.step)) return { error: `context git_diff: step '${entry.step}' changes no code` };
  return { id: entry.step };
}

export function diffContextBytes(entry: DiffContext): number {
  return entry.max_size === undefined ? DEFAULT_DIFF_CONTEXT_BYTES : (parseMemory(entry.max_size) ?? 0);
}

export function checkDiffContexts(graph: StepGraph, file: string, locate?: Locator): Problem[] {
  const problems: Problem[] = [];
  graph.steps.forEach((step, index) => {
    (step.context ?? []).forEach((entry, j) => {
      const error = (message: string, key: string, hint?: string): void => {
        const at: DocPath = ['steps', index, 'context', j, key];
        const pos = locate?.(at);
        const full = `step '${step.id}': ${message}`;
        problems.push({ severity: 'error', file, line: pos?.line, column: pos?.column, message: full, hint });
      };
      if (step.exec.type !== 'prompt') {
        error('context is added to a prompt; a command step reads the change itself', 'source', CHANGES_HINT);
      }
      const found = diffContextStep(graph, step, entry);
      if ('error' in found) error(found.error, 'step', 'add the writing step to dependencies, or name it');
      if (entry.max_size !== undefined && !diffContextBytes(entry)) {
        error(`context max_size '${String(entry.max_size)}' is not a size such as 51200 or "50kb"`, 'max_size');
      }
    });
  });
  return problems;
}

const CHANGES_HINT = 'read {{ deps.<step>.changes }}/changes.patch in the script';
