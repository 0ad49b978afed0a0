// `wave status`: the child runs of a run's pipeline and iterate steps (DESIGN.md "A run is a tree"), as JSON
// nested under the step that started them, and as indented lines under the step table.
import type { RunRecord, Store } from '../state/index.js';
import { terminalSafe } from './render.js';
import { duration } from './store-access.js';

export interface ChildRunJson {
  runId: string;
  pipeline: string;
  itemIndex: number | null;
  status: string;
  error: string | null;
  steps: Array<{ id: string; status: string; attempts: number; error: string | null; children?: ChildRunJson[] }>;
}

/** The children each step of `runId` started, by step id, each with its own steps and children. */
export function childrenByStep(store: Store, runId: string): Map<string, ChildRunJson[]> {
  const out = new Map<string, ChildRunJson[]>();
  for (const child of store.runs.children(runId)) {
    const list = out.get(child.parentStepId ?? '') ?? [];
    list.push(childJson(store, child));
    out.set(child.parentStepId ?? '', list);
  }
  return out;
}

function childJson(store: Store, run: RunRecord): ChildRunJson {
  const nested = childrenByStep(store, run.id);
  return {
    runId: run.id,
    pipeline: run.pipeline,
    itemIndex: run.itemIndex,
    status: run.status,
    error: run.error,
    steps: store.steps.list(run.id).map((s) => {
      const children = nested.get(s.stepId);
      return {
        id: s.stepId,
        status: s.status,
        attempts: s.attempts,
        error: s.error,
        ...(children ? { children } : {}),
      };
    }),
  };
}

/** Indented lines: one per child run, then its steps, and so on down the tree. */
export function treeLines(store: Store, byStep: Map<string, ChildRunJson[]>, depth = 1): string[] {
  const lines: string[] = [];
  const pad = '  '.repeat(depth);
  for (const [stepId, children] of byStep) {
    for (const child of children) {
      const item = child.itemIndex === null ? '' : ` item ${child.itemIndex}`;
      const run = store.runs.get(child.runId);
      const time = run ? duration(run.startedAt, run.finishedAt) : '';
      const error = child.error ? `  ${terminalSafe(child.error)}` : '';
      lines.push(`${pad}${stepId}${item} → run ${child.runId}  ${child.status}  ${time}${error}`);
      for (const step of child.steps) {
        const why = step.error ? `  ${terminalSafe(step.error)}` : '';
        lines.push(`${pad}  ${step.id}  ${step.status}  attempts ${step.attempts}${why}`);
        if (step.children) lines.push(...treeLines(store, new Map([[step.id, step.children]]), depth + 2));
      }
    }
  }
  return lines;
}
