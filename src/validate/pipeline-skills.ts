// A pipeline's skills, checked before a run: each name (filled from project.*/forge.*) is a readable skill folder
// of the project, and every prompt step runs on a CLI Wave can give skills to (Claude Code so far).

import { findTemplateVars } from '../config/placeholders.js';
import type { Problem } from '../config/problems.js';
import { resolveStepAgent } from '../config/resolve.js';
import { SKILL_HOMES, findSkill, readSkill } from '../config/skills.js';
import type { DocPath, LoadedPipeline, Manifest } from '../config/types.js';
import { isWaveError } from '../errors.js';
import { fillTemplate } from '../plan/template.js';

export function checkPipelineSkills(loaded: LoadedPipeline, manifest?: Manifest): Problem[] {
  const skills = loaded.pipeline.skills ?? [];
  if (skills.length === 0) return [];
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath, hint?: string): void => {
    const pos = loaded.locate(at);
    problems.push({ severity: 'error', file: loaded.file, line: pos?.line, column: pos?.column, message, hint });
  };
  skills.forEach((written, k) => {
    let name = written;
    if (findTemplateVars(written).length > 0) {
      if (!manifest) return; // filled once the manifest is known
      const { rendered, failures } = fillTemplate(written, {
        input: '',
        runId: '',
        stepId: '',
        vars: manifest.variables ?? {},
      });
      const [failure] = failures;
      if (failure) return error(`skills: ${failure.message}`, ['skills', k], failure.hint);
      name = rendered;
      skills[k] = name;
    }
    const found = findSkill(name, loaded.projectDir);
    if ('problem' in found) return error(`skills: ${found.problem}`, ['skills', k], found.hint);
    try {
      readSkill(name, found.dir);
    } catch (err) {
      if (!isWaveError(err)) throw err;
      error(`skills: ${err.message}`, ['skills', k], err.hint);
    }
  });
  if (!manifest) return problems;
  loaded.pipeline.steps.forEach((step, i) => {
    if (step.exec.type !== 'prompt') return;
    let cli: string | undefined;
    try {
      const agent = resolveStepAgent(manifest, step);
      cli = agent.adapter.cli;
      if (cli !== undefined && SKILL_HOMES[cli]) return;
      error(
        `step '${step.id}': adapter '${agent.adapterName}' (${cli ?? 'no CLI'}) cannot be given the pipeline's skills`,
        ['steps', i, 'id'],
        `skills are given to ${Object.keys(SKILL_HOMES).join(', ')} so far: run the step on such an adapter`,
      );
    } catch {
      // reported by the manifest cross-check
    }
  });
  return problems;
}
