// Loads a pipeline file: YAML with positions → JSON Schema → per-step checks (pipeline-step.ts) → a normalised
// Pipeline. Graph checks (ids, dependencies, cycles, references between steps) live in src/plan/.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { PROJECT_LAYOUTS } from './paths.js';
import { normaliseTolerantly } from './partial-pipeline.js';
import type { RawStep } from './pipeline-context.js';
import { normaliseStep } from './pipeline-step.js';
import { type Problem, dedupeProblems, hasErrors, problemsToError, sortProblems } from './problems.js';
import { checkAgainstSchema } from './schema-check.js';
import type { DocPath, LoadedPipeline, Step } from './types.js';
import { parseYamlSource } from './yaml-source.js';

export interface PipelineReadOptions {
  /** The project whose `.wave/` paths the pipeline resolves against; default: inferred from the file's place. */
  projectDir?: string;
}

export interface PipelineReadResult {
  /** Present when the file has no errors. */
  loaded?: LoadedPipeline;
  /** With errors: what can still be checked (broken steps reduced to their place in the graph). */
  partial?: LoadedPipeline;
  problems: Problem[];
}

/** Reads and checks one pipeline file; every problem is returned, none thrown (except a missing file). */
export async function readPipeline(pipelinePath: string, opts: PipelineReadOptions = {}): Promise<PipelineReadResult> {
  const file = path.resolve(pipelinePath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WaveError('pipeline_not_found', `cannot read pipeline ${file}: ${(err as Error).message}`, {
      hint: 'wave list pipelines shows the pipelines Wave can find',
      cause: err,
    });
  }
  const projectDir = opts.projectDir ?? inferProjectDir(file);
  const src = parseYamlSource(file, text);
  if (hasErrors(src.problems)) return { problems: sortProblems(src.problems) };
  if (src.value === null || src.value === undefined) {
    return { problems: [{ severity: 'error', file, line: 1, column: 1, message: 'the pipeline is empty' }] };
  }
  const schema = await checkAgainstSchema('pipeline', src);
  const problems = [...src.problems, ...schema.problems];
  const ctx = { file, projectDir, locate: src.locate, problems };
  const normalise = (raw: unknown, at: DocPath): Step => normaliseStep(raw as RawStep, at, ctx);
  const pipeline = normaliseTolerantly(src.value, file, schema, problems, normalise);
  const checkable: LoadedPipeline = { pipeline, file, projectDir, locate: src.locate, source: src.source };
  const all = sortProblems(dedupeProblems(problems));
  return hasErrors(all) ? { problems: all, partial: checkable } : { loaded: checkable, problems: all };
}

/** Loads a pipeline or throws a WaveError listing every problem. */
export async function loadPipeline(
  pipelinePath: string,
  opts: PipelineReadOptions = {},
): Promise<LoadedPipeline & { warnings: Problem[] }> {
  const { loaded, problems } = await readPipeline(pipelinePath, opts);
  if (!loaded) throw problemsToError('pipeline_invalid', problems);
  return { ...loaded, warnings: problems };
}

/** `<project>/.wave/pipelines/x.yaml` (or `.agents/pipelines/`) → `<project>`; else the pipeline's own folder. */
export function inferProjectDir(file: string): string {
  const dir = path.dirname(file);
  if (
    path.basename(dir) === 'pipelines' &&
    (PROJECT_LAYOUTS as readonly string[]).includes(path.basename(path.dirname(dir)))
  ) {
    return path.dirname(path.dirname(dir));
  }
  return dir;
}

// ---- normalisation and per-step checks ----
