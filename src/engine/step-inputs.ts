// The dependency artifacts a step receives, copied into its in/ folder before its container starts.
import type { Step } from '../config/types.js';
import type { StepGraph } from '../plan/graph.js';
import { stepInputs } from '../plan/inputs.js';
import type { ArtifactRecord } from '../state/index.js';
import { injectArtifact, type StepWorkspace } from '../workspace/layout.js';
import { failure, type AttemptFailure } from './attempt.js';
import { upstreamRecords } from './child-inputs.js';
import { injectFromPipelines } from './pipeline-inputs.js';
import type { StepRunnerDeps } from './step-deps.js';

/**
 * Copies what the step receives (plan/inputs.ts) to in/<step>/<path>, and inject_artifacts aliases to in/<as>.
 * Returns the inputs that were there (`<step>/<artifact>`); a missing required one fails the attempt.
 */
export async function injectInputs(
  deps: StepRunnerDeps,
  graph: StepGraph,
  step: Step,
  ws: StepWorkspace,
): Promise<{ ok: true; present: Set<string> } | { ok: false; failure: AttemptFailure }> {
  const present = new Set<string>();
  const missing: string[] = [];
  const records = new Map<string, Map<string, ArtifactRecord>>();
  const recordsOf = (stepId: string): Map<string, ArtifactRecord> => {
    const byName = records.get(stepId) ?? new Map(upstreamRecords(deps, stepId).map((a) => [a.name, a]));
    records.set(stepId, byName);
    return byName;
  };
  for (const input of stepInputs(graph, step)) {
    const record = recordsOf(input.from).get(input.output.name);
    if (!record) {
      if (input.required) missing.push(`${input.from}.${input.output.name}`);
      continue;
    }
    for (const rel of [input.rel, ...input.aliases]) await injectArtifact(ws, rel, record.path);
    present.add(`${input.from}/${input.output.name}`);
  }
  missing.push(...(await injectFromPipelines(deps.store, step, ws, present)));
  // A sub-pipeline's steps also get what the parent step's config.inject names, at /wave/in/<artifact>.
  for (const inherited of deps.inherited ?? []) await injectArtifact(ws, inherited.name, inherited.path);
  if (missing.length) {
    const reason = `required input artifact(s) missing: ${missing.join(', ')}`;
    return { ok: false, failure: failure('missing_input', reason) };
  }
  return { ok: true, present };
}
