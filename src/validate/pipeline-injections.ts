// inject_artifacts from another pipeline of the project: that pipeline must exist and offer the artifact in its
// pipeline_outputs. The step and artifact the alias names are stored on the entry, so a run only has to find the
// newest completed run of that pipeline (engine/pipeline-inputs.ts).

import { findPipeline } from '../config/discover.js';
import { readPipeline } from '../config/pipeline.js';
import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import { type LoadedPipeline, isPipelineInjection } from '../config/types.js';
import { isWaveError } from '../errors.js';

export async function resolvePipelineInjections(loaded: LoadedPipeline, projectDir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [i, step] of loaded.pipeline.steps.entries()) {
    for (const [j, inj] of (step.memory?.inject_artifacts ?? []).entries()) {
      if (!isPipelineInjection(inj)) continue;
      const pos = loaded.locate(['steps', i, 'memory', 'inject_artifacts', j, 'pipeline']);
      const report = (message: string, hint?: string): void => {
        const at = { file: loaded.file, line: pos?.line, column: pos?.column };
        problems.push({ severity: 'error', ...at, message: `step '${step.id}': inject_artifacts: ${message}`, hint });
      };
      if (inj.pipeline === loaded.pipeline.metadata.name) {
        report(`pipeline '${inj.pipeline}' is this pipeline`, 'name an upstream step with step: instead');
        continue;
      }
      let other;
      try {
        const found = await findPipeline(inj.pipeline, projectDir);
        other = (await readPipeline(found.path, { projectDir })).loaded ?? undefined;
        if (!other) {
          report(`pipeline '${inj.pipeline}' has errors`, `wave validate --pipeline ${inj.pipeline}`);
          continue;
        }
      } catch (err) {
        if (!isWaveError(err)) throw err;
        report(err.message, err.hint);
        continue;
      }
      const outputs = other.pipeline.pipeline_outputs ?? {};
      const out = outputs[inj.artifact];
      if (!out) {
        const names = Object.keys(outputs);
        report(
          `pipeline '${inj.pipeline}' offers no '${inj.artifact}' in its pipeline_outputs${didYouMean(inj.artifact, names)}`,
          names.length ? `it offers: ${names.join(', ')}` : `add pipeline_outputs: {${inj.artifact}: {step, artifact}}`,
        );
        continue;
      }
      inj.source = { step: out.step, artifact: out.artifact };
    }
  }
  return problems;
}
