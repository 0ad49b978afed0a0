// Texts of the original format filled before a run starts, from wave.yaml alone: a templated persona name
// (`persona: "{{ forge.type }}-analyst"`), a templated prompt file (`exec.source_path:
// .agents/prompts/{{ forge.type }}/triage.md`), skill names (`skills: ["{{ project.skill }}"]`) and required tools
// (`requires: {tools: ["{{ forge.cli_tool }}"]}`). Only {{ project.* }} and {{ forge.* }} may appear there; the name or
// path is filled before the persona is looked up or the file is read, so the rest of Wave sees the resolved one.

import { CONTAINED_PATH_HINT, resolveProjectPath } from '../config/paths.js';
import type { Problem } from '../config/problems.js';
import type { DocPath, LoadedPipeline } from '../config/types.js';
import { classifyTemplateVar, fillTemplate, findTemplateVars } from './template.js';

type Report = (at: DocPath, message: string, hint?: string) => void;

/** `written` with its {{ project.* }} and {{ forge.* }} placeholders filled; undefined (reported) when it cannot be. */
function fillStatic(
  written: string,
  vars: Readonly<Record<string, string>>,
  report: Report,
  at: DocPath,
  what: string,
) {
  const other = findTemplateVars(written).find((v) => classifyTemplateVar(v.expr).kind !== 'project_var');
  if (other) {
    report(at, `${what}: {{ ${other.expr} }} is only known once the run starts`, ONLY_STATIC_HINT);
    return undefined;
  }
  const { rendered, failures } = fillTemplate(written, { input: '', runId: '', stepId: '', vars });
  if (failures[0]) report(at, `${what}: ${failures[0].message}`, failures[0].hint);
  return failures.length ? undefined : rendered;
}

/**
 * Fills each templated persona and exec.source_path, and the pipeline's skill and tool names, in place; returns a
 * problem for each that cannot be.
 */
export function expandStaticTemplates(loaded: LoadedPipeline, vars: Readonly<Record<string, string>>): Problem[] {
  const problems: Problem[] = [];
  const problemAt = (at: DocPath, message: string, hint?: string): void => {
    const pos = loaded.locate(at);
    problems.push({ severity: 'error', file: loaded.file, line: pos?.line, column: pos?.column, message, hint });
  };
  const skills = loaded.pipeline.skills ?? [];
  skills.forEach((written, k) => {
    if (findTemplateVars(written).length === 0) return;
    const name = fillStatic(written, vars, (at, m, h) => problemAt(at, m, h), ['skills', k], 'skills');
    if (name !== undefined) skills[k] = name;
  });
  const tools = loaded.pipeline.requires?.tools ?? [];
  tools.forEach((written, k) => {
    if (findTemplateVars(written).length === 0) return;
    const at = ['requires', 'tools', k];
    const name = fillStatic(written, vars, (where, m, h) => problemAt(where, m, h), at, 'requires.tools');
    if (name === undefined) return;
    if (TOOL_NAME.test(name)) tools[k] = name;
    else problemAt(at, `requires.tools: '${name}' is not a command name`, 'letters, digits, _, ., + and -');
  });
  loaded.pipeline.steps.forEach((step, i) => {
    const report: Report = (at, message, hint) => problemAt(['steps', i, ...at], `step '${step.id}': ${message}`, hint);
    const fill = (written: string, at: DocPath, what: string) => fillStatic(written, vars, report, at, what);
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

const ONLY_STATIC_HINT =
  'a persona name, prompt file path, skill name or required tool may use {{ project.* }} and {{ forge.* }}';

/** A command name as requires.tools takes it (the same as the pipeline schema's pattern). */
export const TOOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
