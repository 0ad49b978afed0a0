// `wave validate` as a service: the manifest, its system prompt files, and one pipeline, all pipelines or none,
// each checked on its own and against the manifest. Returns every problem; only a missing manifest or an
// unknown pipeline name throws. It sits above config and plan because it joins the file checks (config) with the
// graph and template checks (plan); the checks of the layers above (contract files, adapters) come in as extraChecks.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkDag } from '../plan/dag.js';
import { StepGraph } from '../plan/graph.js';
import { checkStepTexts } from '../plan/step-templates.js';
import { expandStaticTemplates } from '../plan/static-templates.js';
import { resolveSubPipelines } from './sub-pipelines.js';
import { resolvePipelineInjections } from './pipeline-injections.js';
import { checkPipelineSkills } from './pipeline-skills.js';
import { checkPipelineAgainstManifest } from '../config/cross-check.js';
import { findPipeline, listPipelines, type FoundPipeline } from '../config/discover.js';
import { readManifest } from '../config/manifest.js';
import { resolveProjectPath } from '../config/paths.js';
import { type Problem, dedupeProblems, hasErrors, sortProblems } from '../config/problems.js';
import { readPipeline } from '../config/pipeline.js';
import type { LoadedPipeline, Manifest } from '../config/types.js';

export interface ValidateOptions {
  manifestPath: string;
  /** A pipeline name or path. */
  pipeline?: string;
  /** Every pipeline: the project's and the embedded defaults it does not shadow. */
  all?: boolean;
  /** Checks from the layers above config (contract files, adapter capabilities), run on each loaded pipeline. */
  extraChecks?: (loaded: LoadedPipeline, manifest?: Manifest) => Promise<Problem[]>;
}

export interface ValidateResult {
  problems: Problem[];
  /** Names of the pipelines that were checked, in order. */
  pipelinesChecked: string[];
}

export async function validateProject(opts: ValidateOptions): Promise<ValidateResult> {
  const manifestPath = path.resolve(opts.manifestPath);
  const projectDir = path.dirname(manifestPath);
  const { loaded: manifest, problems } = await readManifest(manifestPath);

  const targets: FoundPipeline[] = [];
  if (opts.pipeline !== undefined) targets.push(await findPipeline(opts.pipeline, projectDir));
  if (opts.all) {
    for (const p of await listPipelines(projectDir)) {
      if (!targets.some((t) => t.path === p.path)) targets.push({ name: p.name, path: p.path, source: p.source });
    }
  }

  const pipelinesChecked: string[] = [];
  for (const target of targets) {
    problems.push(...(await checkPipelineFile(target.path, projectDir, manifest?.manifest, opts.extraChecks)).problems);
    pipelinesChecked.push(target.name);
  }
  return { problems: sortProblems(dedupeProblems(problems)), pipelinesChecked };
}

export interface PipelineCheck {
  /** The pipeline, when it has no errors. */
  loaded?: LoadedPipeline;
  /** Every problem, sorted. */
  problems: Problem[];
}

/**
 * Every problem of one pipeline file in one go: its own, its graph's, its templates', and (given a manifest)
 * against the manifest. A file with errors is still checked as far as it can be (see partial-pipeline.ts).
 * `wave validate` and `wave run` both call this.
 */
export async function checkPipelineFile(
  file: string,
  projectDir: string,
  manifest?: Manifest,
  extraChecks?: ValidateOptions['extraChecks'],
): Promise<PipelineCheck> {
  const { loaded, partial, problems } = await readPipeline(file, { projectDir });
  const checkable = loaded ?? partial;
  if (checkable && manifest) problems.push(...expandStaticTemplates(checkable, manifest.variables ?? {}));
  if (checkable) problems.push(...(await resolveSubPipelines(checkable, projectDir)));
  if (checkable) problems.push(...(await resolvePipelineInjections(checkable, projectDir)));
  if (checkable) problems.push(...checkPipelineSkills(checkable, manifest));
  if (checkable) problems.push(...(await checkLoadedPipeline(checkable, manifest)));
  if (checkable && extraChecks) problems.push(...(await extraChecks(checkable, manifest)));
  const all = sortProblems(dedupeProblems(problems));
  return hasErrors(all) ? { problems: all } : { ...(loaded ? { loaded } : {}), problems: all };
}

/** The checks beyond the file itself: the graph, the templates, the manifest. */
export async function checkLoadedPipeline(loaded: LoadedPipeline, manifest?: Manifest): Promise<Problem[]> {
  const { pipeline, file, locate, source } = loaded;
  const { problems } = checkDag(pipeline, {
    file,
    locate,
    ...(source ? { source } : {}),
    ...(manifest ? { manifest } : {}),
  });
  if (manifest) problems.push(...checkPipelineAgainstManifest(loaded, manifest));
  problems.push(...(await checkPromptFiles(loaded, manifest?.variables)));
  return problems;
}

/** Placeholders in exec.source_path prompt files, as a run renders them (existence is checked at load). */
async function checkPromptFiles(loaded: LoadedPipeline, vars?: Record<string, string>): Promise<Problem[]> {
  const graph = new StepGraph(loaded.pipeline.steps);
  const problems: Problem[] = [];
  for (const [i, step] of loaded.pipeline.steps.entries()) {
    if (step.exec.type !== 'prompt' || step.exec.source_path === undefined) continue;
    const resolved = resolveProjectPath(step.exec.source_path, loaded.projectDir);
    if (!resolved.exists) continue;
    let text: string;
    try {
      text = await readFile(resolved.path, 'utf8');
    } catch (err) {
      const pos = loaded.locate(['steps', i, 'exec', 'source_path']);
      problems.push({
        severity: 'error',
        file: loaded.file,
        line: pos?.line,
        column: pos?.column,
        message: `step '${step.id}': cannot read prompt file ${resolved.path}: ${(err as Error).message}`,
      });
      continue;
    }
    const texts = [{ text, syntax: 'text' as const, at: ['exec', 'source_path'], file: resolved.path }];
    const pipelineName = loaded.pipeline.metadata.name;
    const check = { graph, step, index: i, pipelineName, file: loaded.file, ...(vars ? { vars } : {}) };
    problems.push(...checkStepTexts(texts, check));
  }
  return problems;
}
