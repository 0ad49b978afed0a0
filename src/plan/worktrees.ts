// Steps that change code: which steps write (a `workspace.type: worktree`, a `ref:` to one, or a readwrite
// mount), which git tree of the run each works in, and the `changes` artifact each of them gets. Steps sharing
// a tree must be ordered by their dependencies: two that could run at the same time would write it together.
import type { Problem } from '../config/problems.js';
import { findTemplateVars } from '../config/placeholders.js';
import { didYouMean } from '../config/suggest.js';
import type { DocPath, Locator, OutputArtifact, Step } from '../config/types.js';
import type { StepGraph } from './graph.js';

/** The artifact Wave records after each writing step: `changes.patch` and `changes.json` in a folder. */
export const CHANGES_OUTPUT: OutputArtifact = { name: 'changes', path: 'changes', type: 'binary', required: true };

/** Contracts that check a step's change: only a writing step has one. */
const CHANGE_CONTRACTS = new Set(['source_diff', 'test_diff', 'test_count_baseline']);

/** Variables whose value is the same for every step of a run: a branch may name them. */
const RUN_CONSTANT = new Set(['input', 'run.id', 'run.name', 'pipeline_id', 'pipeline_name']);

/** The run's id has three names; a branch written with any of them is the same tree. */
function canonicalVar(_whole: string, expr: string): string {
  return expr === 'run.name' || expr === 'pipeline_id' ? '{{run.id}}' : `{{${expr}}}`;
}

export function isWorktreeStep(step: Step): boolean {
  return step.workspace?.type === 'worktree' || step.workspace?.ref !== undefined;
}

/** A step whose /wave/src, or one of its mounts, is a private tree Wave turns into a `changes` artifact. */
export function writesCode(step: Step): boolean {
  return isWorktreeStep(step) || (step.workspace?.mount ?? []).some((m) => m.mode === 'readwrite');
}

/** The declared outputs, plus `changes` for a writing step. */
export function stepOutputs(step: Step): OutputArtifact[] {
  return writesCode(step) ? [...step.output_artifacts, CHANGES_OUTPUT] : step.output_artifacts;
}

/**
 * The run's tree a worktree step works in: its branch (placeholders written alike), the tree of the step its
 * `ref:` names, or a tree of its own. Undefined for other steps, and for a `ref:` that leads nowhere.
 */
export function treeKeyOf(graph: StepGraph, step: Step): string | undefined {
  const seen = new Set<string>();
  let current: Step | undefined = step;
  while (current && isWorktreeStep(current) && !seen.has(current.id)) {
    seen.add(current.id);
    const ws: Step['workspace'] = current.workspace;
    if (ws?.branch !== undefined) return `branch:${ws.branch.replace(/\{\{\s*([^}]*?)\s*\}\}/g, canonicalVar)}`;
    if (ws?.ref === undefined) return `step:${current.id}`;
    current = graph.byId.get(ws.ref)?.step;
  }
  return undefined;
}

export interface WorktreeCheckOptions {
  file: string;
  locate?: Locator;
}

export function checkWorktrees(graph: StepGraph, opts: WorktreeCheckOptions): Problem[] {
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath, hint?: string): void => {
    const pos = opts.locate?.(at);
    problems.push({ severity: 'error', file: opts.file, line: pos?.line, column: pos?.column, message, hint });
  };
  const byKey = new Map<string, Array<{ step: Step; index: number }>>();
  graph.steps.forEach((step, index) => {
    const ws = step.workspace;
    const at = (key: string): DocPath => ['steps', index, 'workspace', key];
    step.handover.contracts.forEach((c, j) => {
      if (CHANGE_CONTRACTS.has(c.type) && !writesCode(step)) {
        const hint = 'give the step workspace: {type: worktree}, or a readwrite mount';
        const message = `step '${step.id}': a ${c.type} contract checks a change, and this step changes no code`;
        error(message, ['steps', index, 'handover', 'contracts', j, 'type'], hint);
      }
    });
    if (!ws) return;
    if (ws.type !== 'worktree' && ws.ref === undefined) {
      for (const key of ['branch', 'base', 'include_uncommitted'] as const) {
        if (ws[key] !== undefined) error(`step '${step.id}': workspace.${key} needs type: worktree`, at(key));
      }
    }
    if (!isWorktreeStep(step)) return;
    if (ws.mount?.length) {
      const hint = 'a worktree step sees the whole tree at /wave/src; drop mount, or use a readwrite mount instead';
      error(`step '${step.id}': workspace.mount cannot be combined with a worktree`, at('mount'), hint);
    }
    if (ws.ref !== undefined) checkRef(graph, step, ws.ref, (m, h) => error(m, at('ref'), h));
    if (ws.ref !== undefined && (ws.branch !== undefined || ws.base !== undefined)) {
      const hint = 'the tree of the step ref names has its branch and base: drop them here';
      error(`step '${step.id}': workspace.ref cannot be combined with branch or base`, at('ref'), hint);
    }
    if (ws.base !== undefined && ws.include_uncommitted) {
      const hint = 'the uncommitted files are changes to HEAD: drop base, or include_uncommitted';
      error(`step '${step.id}': workspace.include_uncommitted starts from HEAD, not from base`, at('base'), hint);
    }
    for (const v of findTemplateVars(ws.branch ?? '')) {
      if (!RUN_CONSTANT.has(v.expr.trim())) {
        const hint = `a branch may use ${[...RUN_CONSTANT].map((n) => `{{ ${n} }}`).join(', ')}`;
        error(`step '${step.id}': workspace.branch cannot use {{ ${v.expr.trim()} }}`, at('branch'), hint);
      }
    }
    if (step.output_artifacts.some((o) => o.name === CHANGES_OUTPUT.name)) {
      const hint = 'Wave records the change of a writing step as its `changes` artifact; rename this output';
      error(`step '${step.id}': output artifact name 'changes' is reserved for a writing step`, ['steps', index], hint);
    }
    const key = treeKeyOf(graph, step);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), { step, index }]);
  });
  for (const sharing of byKey.values()) checkSharing(graph, sharing, error);
  return problems;
}

function checkRef(graph: StepGraph, step: Step, ref: string, error: (m: string, hint?: string) => void): void {
  const target = graph.byId.get(ref)?.step;
  if (!target) {
    error(`step '${step.id}': workspace.ref names unknown step '${ref}'${didYouMean(ref, graph.byId.keys())}`);
  } else if (!isWorktreeStep(target)) {
    error(`step '${step.id}': workspace.ref '${ref}' is not a worktree step`, `give '${ref}' type: worktree`);
  } else if (!graph.ancestorsOf(step.id).has(ref)) {
    error(`step '${step.id}': workspace.ref '${ref}' is not upstream`, `add '${ref}' to dependencies`);
  }
}

/** Every two steps of one tree are ordered by dependencies, and they agree on where the tree starts. */
function checkSharing(
  graph: StepGraph,
  sharing: ReadonlyArray<{ step: Step; index: number }>,
  error: (message: string, at: DocPath, hint?: string) => void,
): void {
  const ancestors = new Map(sharing.map(({ step }) => [step.id, graph.ancestorsOf(step.id)]));
  for (const [i, a] of sharing.entries()) {
    for (const b of sharing.slice(i + 1)) {
      const ordered = ancestors.get(a.step.id)?.has(b.step.id) || ancestors.get(b.step.id)?.has(a.step.id);
      if (!ordered) {
        error(
          `steps '${a.step.id}' and '${b.step.id}' share a worktree and could write it at the same time`,
          ['steps', b.index, 'workspace'],
          `make one depend on the other (dependencies: [${a.step.id}]), or give them different branches`,
        );
      }
      for (const key of ['base', 'include_uncommitted'] as const) {
        const [x, y] = [a.step.workspace?.[key], b.step.workspace?.[key]];
        if (x !== undefined && y !== undefined && x !== y) {
          const hint = `declare ${key} once, on the first step of the tree`;
          error(
            `steps '${a.step.id}' and '${b.step.id}' share a worktree but differ in ${key}`,
            ['steps', b.index],
            hint,
          );
        }
      }
    }
  }
}

/** The tree's settings (base, include_uncommitted): whichever step of the tree declares them. */
export function treeSettings(
  graph: StepGraph,
  key: string,
): { base?: string; includeUncommitted: boolean; steps: Step[] } {
  const steps = graph.steps.filter((s) => treeKeyOf(graph, s) === key);
  const base = steps.map((s) => s.workspace?.base).find((b) => b !== undefined);
  const includeUncommitted = steps.some((s) => s.workspace?.include_uncommitted === true);
  return { ...(base !== undefined ? { base } : {}), includeUncommitted, steps };
}

/** The writer of the same tree that ran last before `step` (nearest upstream first), ids in order. */
export function earlierWriters(graph: StepGraph, step: Step): string[] {
  const key = treeKeyOf(graph, step);
  if (key === undefined) return [];
  const upstream = graph.ancestorsOf(step.id);
  const writers = graph.steps.filter((s) => s.id !== step.id && upstream.has(s.id) && treeKeyOf(graph, s) === key);
  // Writers of one tree are ordered: the one with the most upstream writers ran last.
  const depth = (s: Step) => writers.filter((w) => graph.ancestorsOf(s.id).has(w.id)).length;
  return writers.sort((a, b) => depth(b) - depth(a)).map((s) => s.id);
}
