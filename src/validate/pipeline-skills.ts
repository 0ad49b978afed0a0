// A pipeline's skills, checked before a run: each name (filled by plan/static-templates.ts) is a readable skill folder
// of the project, and every prompt step runs on a CLI Wave can give skills to (config/skills.ts: SKILL_HOMES).

import { findTemplateVars } from '../config/placeholders.js';
import type { Problem } from '../config/problems.js';
import { resolveStepAgent } from '../config/resolve.js';
import { SKILL_HOMES, findSkill, readSkill } from '../config/skills.js';
import type { DocPath, LoadedPipeline, Manifest } from '../config/types.js';
import { isWaveError } from '../errors.js';

export function checkPipelineSkills(loaded: LoadedPipeline, manifest?: Manifest): Problem[] {
  const skills = loaded.pipeline.skills ?? [];
  if (skills.length === 0) return [];
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath, hint?: string): void => {
    const pos = loaded.locate(at);
    problems.push({ severity: 'error', file: loaded.file, line: pos?.line, column: pos?.column, message, hint });
  };
  skills.forEach((name, k) => {
    if (findTemplateVars(name).length > 0) return; // not filled: static-templates.ts said why (or no manifest)
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
        `skills are given to ${Object.keys(SKILL_HOMES).join(', ')}: run the step on such an adapter`,
      );
    } catch {
      // reported by the manifest cross-check
    }
  });
  return problems;
}
