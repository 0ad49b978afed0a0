// `wave status [run-id]`: a run and its steps (the latest run when no id is given).
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import type { ChangeSummary } from '../engine/changes-service.js';
import type { ArtifactRecord } from '../state/index.js';
import type { CliContext } from './context.js';
import { paint, printJson, table, terminalSafe } from './render.js';
import { childrenByStep, treeLines } from './run-tree.js';
import { duration, withStore } from './store-access.js';

export async function statusCommand(ctx: CliContext, runId: string | undefined): Promise<number> {
  return withStore(ctx, async (store) => {
    const found = runId ? store.runs.require(runId) : store.runs.list({ limit: 1, topLevel: true })[0];
    if (!found) throw new WaveError('run_not_found', 'no runs yet', { hint: 'start one with wave run <pipeline>' });
    // A killed Wave left the run `running`: say what it is (failed, steps interrupted), not what it was.
    const run = store.runs.abandonIfOwnerDied(found.id) ? store.runs.require(found.id) : found;
    const steps = store.steps.list(run.id);
    const attempts = store.attempts.list(run.id);
    const changes = await changeTotals(store.artifacts.list(run.id).filter((a) => a.name === 'changes'));
    const children = childrenByStep(store, run.id);
    // Graph mode: how often the walk visited each step, and its path.
    const walk = store.visits.list(run.id);
    const visits = store.visits.counts(run.id);
    const visitsOf = (stepId: string) => (walk.length ? { visits: visits.get(stepId) ?? 0 } : {});
    if (ctx.output === 'json') {
      printJson({
        runId: run.id,
        pipeline: run.pipeline,
        status: run.status,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        error: run.error,
        exitCode: run.exitCode,
        parentRunId: run.parentRunId,
        parentStepId: run.parentStepId,
        itemIndex: run.itemIndex,
        steps: steps.map((s) => ({
          id: s.stepId,
          status: s.status,
          attempts: s.attempts,
          ...visitsOf(s.stepId),
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          error: s.error,
          reusedFrom: s.reusedFrom,
          ...(changes.has(s.stepId) ? { changes: changes.get(s.stepId) } : {}),
          ...(children.has(s.stepId) ? { children: children.get(s.stepId) ?? [] } : {}),
          attemptHistory: attempts
            .filter((a) => a.stepId === s.stepId)
            .map((a) => ({
              attempt: a.attempt,
              status: a.status,
              exitCode: a.exitCode,
              reason: a.reason,
              failureClass: a.failureClass,
              delayMs: a.delayMs,
            })),
        })),
        ...(walk.length
          ? {
              walk: walk.map((v) => ({
                seq: v.seq,
                step: v.stepId,
                visit: v.visit,
                outcome: v.outcome,
                next: v.next,
                edge: v.edge,
              })),
            }
          : {}),
      });
      return 0;
    }
    const colour = run.status === 'completed' ? 'green' : run.status === 'running' ? 'yellow' : 'red';
    process.stdout.write(
      `run ${run.id}  ${paint(ctx, colour, run.status)}  pipeline ${run.pipeline}  ${duration(run.startedAt, run.finishedAt)}\n`,
    );
    // Errors and step notes quote what steps produced (exit reasons, file names): printed terminal-safe.
    if (run.error) process.stdout.write(`error: ${terminalSafe(run.error)}\n`);
    if (run.parentRunId) process.stdout.write(`child of run ${run.parentRunId}, step ${run.parentStepId}\n`);
    process.stdout.write('\n');
    const graph = walk.length > 0;
    process.stdout.write(
      table(
        ['step', 'status', 'attempts', ...(graph ? ['visits'] : []), 'time', 'changes', 'note'],
        steps.map((s) => [
          s.stepId,
          s.status,
          String(s.attempts),
          ...(graph ? [String(visits.get(s.stepId) ?? 0)] : []),
          duration(s.startedAt, s.finishedAt),
          describeTotals(changes.get(s.stepId)),
          s.reusedFrom ? `reused from ${s.reusedFrom}` : terminalSafe(s.error ?? ''),
        ]),
      ),
    );
    if (graph) {
      const visited = walk.map((v) => `${v.stepId}${v.outcome === 'failure' ? ' (failed)' : ''}`);
      const end = walk.at(-1)?.next;
      process.stdout.write(`\nwalk: ${[...visited, ...(end ? [end] : [])].join(' -> ')}\n`);
    }
    const tree = treeLines(store, children);
    if (tree.length) process.stdout.write(`\nchild runs:\n${tree.join('\n')}\n`);
    return 0;
  });
}

type Totals = ChangeSummary['totals'];

/** Each writing step's counts, from its changes.json (a step whose file is gone shows none). */
async function changeTotals(records: readonly ArtifactRecord[]): Promise<Map<string, Totals>> {
  const out = new Map<string, Totals>();
  for (const r of records) {
    const text = await fs.readFile(path.join(r.path, 'changes.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) out.set(r.stepId, (JSON.parse(text) as ChangeSummary).totals);
  }
  return out;
}

function describeTotals(t: Totals | undefined): string {
  return t ? `${t.files} file(s) +${t.additions} -${t.deletions}` : '';
}
