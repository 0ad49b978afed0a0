// inject_artifacts from another pipeline: the artifact its pipeline_outputs name (resolved by wave validate's
// checks, validate/pipeline-injections.ts), taken from that pipeline's newest completed run in this project's
// state, copied to /wave/in/<as>. No completed run, or a run without the artifact, fails the attempt unless the
// entry is optional.

import { type Step, isPipelineInjection } from '../config/types.js';
import { pipelineInjectionKey } from '../plan/inputs.js';
import type { Store } from '../state/index.js';
import { injectArtifact, type StepWorkspace } from '../workspace/layout.js';

/** Copies each such artifact; adds what it injected to `present`, returns what is missing (one line each). */
export async function injectFromPipelines(
  store: Store,
  step: Step,
  ws: StepWorkspace,
  present: Set<string>,
): Promise<string[]> {
  const missing: string[] = [];
  for (const inj of (step.memory?.inject_artifacts ?? []).filter(isPipelineInjection)) {
    const source = inj.source;
    if (!source) throw new Error(`inject_artifacts from pipeline '${inj.pipeline}' was not resolved before the run`);
    const [run] = store.runs.list({ pipeline: inj.pipeline, status: 'completed', limit: 1 });
    const record = run && store.artifacts.list(run.id, source.step).find((a) => a.name === source.artifact);
    if (!record) {
      if (!inj.optional) {
        missing.push(
          run
            ? `${inj.pipeline}.${inj.artifact} (its newest completed run ${run.id} has no ${source.step}.${source.artifact})`
            : `${inj.pipeline}.${inj.artifact} (no completed run of pipeline '${inj.pipeline}' in this project)`,
        );
      }
      continue;
    }
    await injectArtifact(ws, inj.as ?? inj.artifact, record.path);
    present.add(pipelineInjectionKey(inj));
  }
  return missing;
}
