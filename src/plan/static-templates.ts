// Texts of the original format filled before a run starts, from wave.yaml alone: a templated persona name
// (`persona: "{{ forge.type }}-analyst"`) and a templated prompt file (`exec.source_path:
// .agents/prompts/{{ forge.type }}/triage.md`). Only {{ project.* }} and {{ forge.* }} may appear there; the name or
// path is filled before the persona is looked up or the file is read, so the rest of Wave sees the resolved one.

import { CONTAINED_PATH_HINT, resolveProjectPath } from '../config/paths.js';
import type { Problem } from '../config/problems.js';
import type { DocPath, LoadedPipeline } from '../config/types.js';
import { classifyTemplateVar, fillTemplate, findTemplateVars } from './template.js';

/** Fills each templated persona and exec.source_path in place; returns a problem for each that cannot be. */
export function expandStaticTemplates(loaded: LoadedPipeline, vars: Readonly<Record<string, string>>): Problem[] {
  const problems: Problem[] = [];
  loaded.pipeline.steps.forEach((step, i) => {
    const report = (at: DocPath, message: string, hint?: string): void => {
      const pos = loaded.locate(['steps', i, ...at]);
      const where = { file: loaded.file, line: pos?.line, column: pos?.column };
      problems.push({ severity: 'error', ...where, message: `step '${step.id}': ${message}`, hint });
    };
    const fill = (written: string, at: DocPath, what: string): string | undefined => {
      const other = findTemplateVars(written).find((v) => classifyTemplateVar(v.expr).kind !== 'project_var');
      if (other) {
        report(at, `${what}: {{ ${other.expr} }} is only known once the run starts`, ONLY_STATIC_HINT);
        return undefined;
      }
      const { rendered, failures } = fillTemplate(written, { input: '', runId: '', stepId: step.id, vars });
      if (failures[0]) report(at, `${what}: ${failures[0].message}`, failures[0].hint);
      return failures.length ? undefined : rendered;
    };
    if (step.persona !== undefined && findTemplateVars(step.persona).length) {
      const persona = fill(step.persona, ['persona'], 'persona');
      if (persona !== undefined) step.persona = persona;
    }
    const exec = step.exec;
    if (exec.type === 'prompt' && exec.source_path !== undefined && findTemplateVars(exec.source_path).length) {
      const at = ['exec', 'source_path'];
      const file = fill(exec.source_path, at, 'exec.source_path');
      if (file === undefined) return;
      const resolved = resolveProjectPath(file, loaded.projectDir);
      if (resolved.refused) report(at, `prompt file '${file}' ${resolved.refused}`, CONTAINED_PATH_HINT);
      else if (!resolved.exists) report(at, `prompt file '${file}' not found (looked for ${resolved.path})`);
      else exec.source_path = file;
    }
  });
  return problems;
}

const ONLY_STATIC_HINT = 'a persona name or prompt file path may use {{ project.* }} and {{ forge.* }}';
