// Renders a prompt step's `context: [{source: git_diff}]` (plan/diff-context.ts): the named upstream step's change
// as recorded (its `changes.patch`, from its tree's base), or computed again by Wave's own git from `diff_base`.
// The original cut a context source at 50 KB with a notice; so does Wave, at `max_size`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Step } from '../config/types.js';
import { WaveError } from '../errors.js';
import { diffContextBytes, diffContextStep } from '../plan/diff-context.js';
import type { StepGraph } from '../plan/graph.js';
import { computeChanges } from '../workspace/git/changes.js';
import type { StepRunnerDeps } from './step-deps.js';

/** The `## Context` section of the step's prompt; '' for a step without context. */
export async function renderDiffContext(deps: StepRunnerDeps, graph: StepGraph, step: Step): Promise<string> {
  const sections: string[] = [];
  for (const entry of step.context ?? []) {
    const found = diffContextStep(graph, step, entry);
    if ('error' in found) throw new WaveError('pipeline_invalid', `step '${step.id}': ${found.error}`);
    const patch =
      entry.diff_base === undefined
        ? await recordedPatch(deps, found.id)
        : await patchFrom(deps, found.id, entry.diff_base);
    const from = entry.diff_base === undefined ? '' : ` (from ${entry.diff_base})`;
    sections.push(`### Git diff: the change of step ${found.id}${from}\n\n${fenced(patch, diffContextBytes(entry))}`);
  }
  return sections.length ? `## Context\n\n${sections.join('\n\n')}\n` : '';
}

async function recordedPatch(deps: StepRunnerDeps, stepId: string): Promise<Buffer> {
  const record = deps.store.artifacts.list(deps.runId, stepId).find((a) => a.name === 'changes');
  if (!record) throw new WaveError('artifact_rejected', `step '${stepId}' recorded no changes in run ${deps.runId}`);
  return fs.readFile(path.join(record.path, 'changes.patch'));
}

async function patchFrom(deps: StepRunnerDeps, stepId: string, diffBase: string): Promise<Buffer> {
  const trees = deps.trees;
  const commit = trees ? await trees.stepCommit(stepId) : undefined;
  if (!trees || !commit)
    throw new WaveError('artifact_rejected', `step '${stepId}' recorded no changes in run ${deps.runId}`);
  const base = await trees.userCommit(diffBase);
  if (!base) {
    throw new WaveError('pipeline_invalid', `context diff_base '${diffBase}' is not a commit of the repository`, {
      hint: 'name a branch, tag or commit id (HEAD~1 counts from the commit the run started from)',
    });
  }
  return (await computeChanges(trees.store, base, commit)).patch;
}

/** The diff in a fence no line of it can close, cut at `max` bytes with the original's notice. */
function fenced(patch: Buffer, max: number): string {
  if (patch.length === 0) return 'No changes.';
  const cut = patch.length > max;
  const text = patch
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${fence}diff\n${body}${fence}${cut ? `\n\n[... truncated at ${max} bytes ...]` : ''}`;
}
