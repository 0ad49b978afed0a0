// Persona names built from templates (`persona: "{{ forge.type }}-analyst"`), as the original format allows: the
// name is filled from project.* and forge.* before the persona is looked up, so the rest of Wave (the manifest
// checks, the run) only ever sees the resolved name. Only those variables: a persona is chosen before a run starts.

import type { Problem } from '../config/problems.js';
import type { LoadedPipeline } from '../config/types.js';
import { classifyTemplateVar, fillTemplate, findTemplateVars } from './template.js';

/** Replaces each templated step persona by its name; returns a problem for each that cannot be filled. */
export function expandPersonaNames(loaded: LoadedPipeline, vars: Readonly<Record<string, string>>): Problem[] {
  const problems: Problem[] = [];
  loaded.pipeline.steps.forEach((step, i) => {
    const written = step.persona;
    if (written === undefined || findTemplateVars(written).length === 0) return;
    const pos = loaded.locate(['steps', i, 'persona']);
    const report = (message: string, hint?: string): void => {
      const at = { file: loaded.file, line: pos?.line, column: pos?.column };
      problems.push({ severity: 'error', ...at, message: `step '${step.id}': persona: ${message}`, hint });
    };
    const other = findTemplateVars(written).find((v) => classifyTemplateVar(v.expr).kind !== 'project_var');
    if (other) {
      report(`{{ ${other.expr} }} cannot name a persona`, 'a persona name may use {{ project.* }} and {{ forge.* }}');
      return;
    }
    const { rendered, failures } = fillTemplate(written, { input: '', runId: '', stepId: step.id, vars });
    const [failure] = failures;
    if (failure) report(failure.message, failure.hint);
    else step.persona = rendered;
  });
  return problems;
}
