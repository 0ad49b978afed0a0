// `wave doctor`'s checks for one project: the Docker engine's own checks (reachable, limits enforced, reaper),
// asked about the images this project needs: Wave's base image and every adapter's; then whether the image of every
// step of every pipeline has the tools its pipeline's requires.tools names.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_COMMAND_IMAGE, defaultManifestPath, loadManifest, type Problem } from '../config/index.js';
import { dockerDoctor, type DockerDoctorReport, type DoctorCheck } from '../sandbox/index.js';
import { validateProject } from '../validate/index.js';
import { projectToolChecker, requiredToolProblems, type ToolChecker } from './required-tools.js';

async function wantedImages(manifestPath: string): Promise<string[]> {
  const file = existsSync(manifestPath) ? manifestPath : defaultManifestPath();
  try {
    const { manifest } = await loadManifest(file);
    return [DEFAULT_COMMAND_IMAGE, ...new Set(Object.values(manifest.adapters).map((a) => a.image))];
  } catch {
    return [DEFAULT_COMMAND_IMAGE]; // a broken manifest is `wave validate`'s to report, not the engine's
  }
}

/** requires.tools of every pipeline of the project (and the defaults it does not shadow) against its images. */
async function toolsCheck(manifestPath: string): Promise<DoctorCheck> {
  const found: Problem[] = [];
  let tools: ToolChecker | undefined;
  let asked = 0;
  await validateProject({
    manifestPath: existsSync(manifestPath) ? manifestPath : defaultManifestPath(),
    all: true,
    extraChecks: async (loaded, manifest) => {
      if (!manifest || !loaded.pipeline.requires?.tools?.length) return [];
      asked += 1;
      tools ??= projectToolChecker(manifest);
      found.push(...(await requiredToolProblems(loaded, manifest, tools)));
      return [];
    },
  });
  const lines = found.map((p) => `${p.message} (${path.relative(process.cwd(), p.file) || p.file}:${p.line ?? 1})`);
  const failed = found.some((p) => p.severity === 'error');
  if (!lines.length) {
    const summary = asked ? `the images have the tools ${asked} pipeline(s) require` : 'no pipeline requires tools';
    return { id: 'tools', status: 'ok', summary, details: { pipelines: asked } };
  }
  return {
    id: 'tools',
    status: failed ? 'fail' : 'warn',
    summary: lines.length > 1 ? `${lines[0]} (and ${lines.length - 1} more)` : (lines[0] ?? ''),
    hint: lines.length > 1 ? `also: ${lines.slice(1).join('; ')}` : (found[0]?.hint ?? ''),
    details: { problems: lines },
  };
}

export async function projectDoctor(manifestPath: string): Promise<DockerDoctorReport> {
  const report = await dockerDoctor({ images: await wantedImages(manifestPath) });
  const tools = await toolsCheck(manifestPath);
  return { ok: report.ok && tools.status !== 'fail', checks: [...report.checks, tools] };
}
