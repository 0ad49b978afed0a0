// Finding pipelines by name: the project's `.wave/pipelines/`, then `.agents/pipelines/` (the original Wave's
// layout), then the embedded defaults; or a path.

import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { WaveError } from '../errors.js';
import { CONTAINED_PATH_HINT, PROJECT_DIR_NAME, PROJECT_LAYOUTS, defaultsDir, linkEscape } from './paths.js';
import { didYouMean } from './suggest.js';

export type PipelineSource = 'project' | 'default' | 'path';

export interface FoundPipeline {
  name: string;
  path: string;
  source: PipelineSource;
}

export interface PipelineListing {
  name: string;
  path: string;
  source: 'project' | 'default';
  description: string;
  steps: number;
  /** Set when the file cannot be read as YAML; `wave validate` gives the details. */
  error?: string;
}

const EXTENSIONS = ['.yaml', '.yml'];

export function projectPipelinesDir(projectDir: string): string {
  return path.join(projectDir, PROJECT_DIR_NAME, 'pipelines');
}

/** Where pipelines are looked up by name, first match first. */
function pipelineDirs(projectDir: string): Array<[dir: string, source: 'project' | 'default']> {
  return [
    ...PROJECT_LAYOUTS.map((layout): [string, 'project'] => [path.join(projectDir, layout, 'pipelines'), 'project']),
    [defaultPipelinesDir(), 'default'],
  ];
}

export function defaultPipelinesDir(): string {
  return path.join(defaultsDir(), 'pipelines');
}

/** True when the argument is a file path rather than a pipeline name. */
export function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes(path.sep) || EXTENSIONS.some((e) => arg.endsWith(e));
}

/**
 * `name` → `<project>/.wave/pipelines/<name>.yaml|.yml`, then `<project>/.agents/pipelines/…`, then
 * `defaults/pipelines/<name>.yaml|.yml`.
 * An argument containing a `/` or ending in .yaml/.yml is a path (relative to the current directory).
 */
export async function findPipeline(name: string, projectDir: string): Promise<FoundPipeline> {
  if (looksLikePath(name)) {
    const p = path.resolve(name);
    if (!existsSync(p)) {
      throw new WaveError('pipeline_not_found', `no pipeline file at ${p}`, {
        hint: 'pass a pipeline name (wave list pipelines) or an existing .yaml file',
      });
    }
    return { name: path.basename(p).replace(/\.ya?ml$/, ''), path: p, source: 'path' };
  }
  for (const [dir, source] of pipelineDirs(projectDir)) {
    for (const ext of EXTENSIONS) {
      const p = path.join(dir, `${name}${ext}`);
      if (!existsSync(p)) continue;
      // A pipeline found by name is the project's (or Wave's) file: a link out of them would be read and quoted.
      const refused = linkEscape(p, projectDir);
      if (refused)
        throw new WaveError('pipeline_invalid', `pipeline '${name}' (${p}) ${refused}`, { hint: CONTAINED_PATH_HINT });
      return { name, path: p, source };
    }
  }
  const known = (await listPipelines(projectDir)).map((p) => p.name);
  throw new WaveError('pipeline_not_found', `no pipeline named '${name}'${didYouMean(name, known)}`, {
    hint: known.length
      ? `available: ${known.join(', ')} (looked in ${pipelineDirs(projectDir)
          .slice(0, -1)
          .map(([d]) => d)
          .join(', ')} and the embedded defaults)`
      : `add one at ${path.join(projectPipelinesDir(projectDir), `${name}.yaml`)}`,
  });
}

/** Project pipelines (`.wave/` shadowing `.agents/`), then the embedded defaults none shadows; sorted by name. */
export async function listPipelines(projectDir: string): Promise<PipelineListing[]> {
  const out = new Map<string, PipelineListing>();
  for (const [dir, source] of pipelineDirs(projectDir)) {
    for (const file of await pipelineFiles(dir)) {
      const name = file.replace(/\.ya?ml$/, '');
      if (out.has(name)) continue;
      out.set(name, await describePipeline(name, path.join(dir, file), source));
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function pipelineFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && EXTENSIONS.some((x) => e.name.endsWith(x)))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function describePipeline(name: string, file: string, source: 'project' | 'default'): Promise<PipelineListing> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as {
      metadata?: { description?: unknown };
      steps?: unknown;
    } | null;
    const description = typeof doc?.metadata?.description === 'string' ? doc.metadata.description : '';
    const steps = Array.isArray(doc?.steps) ? doc.steps.length : 0;
    return { name, path: file, source, description, steps };
  } catch (err) {
    return { name, path: file, source, description: '', steps: 0, error: (err as Error).message.split('\n')[0] ?? '' };
  }
}
