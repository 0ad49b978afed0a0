// A pipeline's `requires.tools` (the original format's): every command it names must be on PATH in the image of
// every step, adapter images and command-step images alike. Each image is asked once per process and tool, by a
// tiny hardened container of the sandbox (no network, nothing mounted but two empty folders) running `command -v`;
// the answers are kept by image id, so a rebuilt tag is asked again. `wave validate` and `wave doctor` report what
// lacks what (a warning where an image could not be asked), and `wave run` refuses to start (tools_missing).
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_COMMAND_IMAGE, resolveStepAgent, type Problem } from '../config/index.js';
import type { LoadedPipeline, Manifest, Step } from '../config/types.js';
import { WaveError, isWaveError } from '../errors.js';
import type { Sandbox } from '../sandbox/types.js';

/** What one image has: the tools it lacks, or why it could not be asked. */
export type ToolAnswer = { missing: string[] } | { unchecked: string };

export interface ToolChecker {
  check(image: string, tools: readonly string[]): Promise<ToolAnswer>;
}

/** Image id → tool → on PATH; for the whole process (an image id never changes what it holds). */
const known = new Map<string, Map<string, boolean>>();

const PROBE =
  'for t do if command -v "$t" >/dev/null 2>&1; then echo "wave-tool yes $t"; else echo "wave-tool no $t"; fi; done';
const ANSWER = /^wave-tool (yes|no) (.+)$/;
const INSTALL_HINT =
  "install it in that image (the adapter's image, or a command step's exec.image), or drop it from requires.tools";

/** Asks images through `sandbox`; a sandbox without image ids (the host backend) is asked every time. */
export function createToolChecker(sandbox: Sandbox): ToolChecker {
  return {
    async check(image, tools) {
      let id: string | undefined;
      try {
        id = sandbox.imageId ? await sandbox.imageId(image) : undefined;
      } catch (err) {
        if (!isWaveError(err)) throw err;
        return { unchecked: err.message };
      }
      if (sandbox.imageId && id === undefined) return { unchecked: `image ${image} is not built here` };
      const have = (id !== undefined ? known.get(id) : undefined) ?? new Map<string, boolean>();
      const ask = [...new Set(tools)].filter((t) => !have.has(t));
      if (ask.length) {
        const answer = await probe(sandbox, image, ask);
        if ('unchecked' in answer) return answer;
        for (const [tool, present] of answer.found) have.set(tool, present);
        if (id !== undefined) known.set(id, have);
      }
      return { missing: [...new Set(tools)].filter((t) => have.get(t) === false) };
    },
  };
}

async function probe(
  sandbox: Sandbox,
  image: string,
  tools: string[],
): Promise<{ found: Map<string, boolean> } | { unchecked: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wave-tools-'));
  try {
    const src = path.join(dir, 'src');
    const out = path.join(dir, 'out');
    await mkdir(src);
    await mkdir(out);
    await chmod(src, 0o755); // read by the container user when Wave runs as root
    const found = new Map<string, boolean>();
    const result = await sandbox.run(
      {
        image,
        argv: ['sh', '-c', PROBE, 'wave-tools', ...tools],
        mounts: { src, out },
        labels: { run: 'wave-tools', step: 'probe', attempt: 1 },
        network: 'none',
        timeoutMs: 60_000,
      },
      {
        onLine: (line) => {
          const m = line.stream === 'stdout' ? ANSWER.exec(line.text) : null;
          if (m?.[2] !== undefined) found.set(m[2], m[1] === 'yes');
        },
      },
    );
    if (result.status === 'exited' && result.exitCode === 0 && tools.every((t) => found.has(t))) return { found };
    const said = result.stderrTail.trim().split('\n').pop() ?? '';
    const how = result.status === 'exited' ? `exit code ${result.exitCode}` : result.status;
    return { unchecked: `the check did not run in image ${image} (${how}${said ? `: ${said}` : ''})` };
  } catch (err) {
    if (!isWaveError(err)) throw err;
    return { unchecked: err.message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The image of each step → the ids of the steps that run in it; a step whose agent does not resolve is left out. */
export function stepImages(steps: readonly Step[], manifest: Manifest): Map<string, string[]> {
  const images = new Map<string, string[]>();
  for (const step of steps) {
    let image: string;
    if (step.exec.type === 'command') image = step.exec.image ?? DEFAULT_COMMAND_IMAGE;
    else {
      try {
        image = resolveStepAgent(manifest, step).adapter.image;
      } catch {
        continue; // reported by the manifest cross-check
      }
    }
    images.set(image, [...(images.get(image) ?? []), step.id]);
  }
  return images;
}

/**
 * One error per image and tool it lacks, at the tool in requires.tools; one warning per image that could not be
 * asked. `images` defaults to those of every step of the pipeline.
 */
export async function requiredToolProblems(
  loaded: LoadedPipeline,
  manifest: Manifest,
  checker: ToolChecker,
  images: Map<string, string[]> = stepImages(loaded.pipeline.steps, manifest),
): Promise<Problem[]> {
  const tools = loaded.pipeline.requires?.tools ?? [];
  if (tools.length === 0) return [];
  const name = loaded.pipeline.metadata.name;
  const at = (where: readonly (string | number)[]) => {
    const pos = loaded.locate(where);
    return { file: loaded.file, line: pos?.line, column: pos?.column };
  };
  const problems: Problem[] = [];
  for (const [image, steps] of images) {
    const answer = await checker.check(image, tools);
    const used = `step${steps.length > 1 ? 's' : ''} ${steps.join(', ')}`;
    if ('unchecked' in answer) {
      problems.push({
        severity: 'warning',
        ...at(['requires', 'tools']),
        message: `requires.tools: could not check image ${image} (${used}): ${answer.unchecked}`,
        hint: 'wave run checks again before any step starts; wave doctor says whether Docker and the images are there',
      });
      continue;
    }
    for (const tool of answer.missing) {
      problems.push({
        severity: 'error',
        ...at(['requires', 'tools', tools.indexOf(tool)]),
        message: `image ${image} lacks tool '${tool}' (needed by pipeline '${name}'; ${used} run in it)`,
        hint: INSTALL_HINT,
      });
    }
  }
  return problems;
}

/** `wave run`'s refusal before any step starts when an image of the run lacks a required tool. */
export async function requireTools(
  loaded: LoadedPipeline,
  manifest: Manifest,
  sandbox: Sandbox,
  images: Map<string, string[]>,
): Promise<void> {
  const problems = await requiredToolProblems(loaded, manifest, createToolChecker(sandbox), images);
  const errors = problems.filter((p) => p.severity === 'error');
  const unchecked = problems.filter((p) => p.severity === 'warning');
  const first = errors[0] ?? unchecked[0];
  if (!first) return;
  const where = (p: Problem) => `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`;
  throw new WaveError('tools_missing', where(first), {
    hint: first.hint ?? '',
    details: [...errors, ...unchecked].map(where),
  });
}

/**
 * A checker for `wave validate` and `wave doctor`: through the manifest's backend, connected only once an image is
 * asked about (a project that requires no tool never touches Docker); no engine is an unchecked answer, not an error.
 */
export function projectToolChecker(manifest: Manifest): ToolChecker {
  let checker: Promise<ToolChecker> | undefined;
  const connect = async (): Promise<ToolChecker> => {
    const { createDockerSandbox, HostSandbox } = await import('../sandbox/index.js');
    const host = manifest.runtime.sandbox.backend === 'host';
    return createToolChecker(host ? new HostSandbox({ warn: () => undefined }) : createDockerSandbox());
  };
  return {
    async check(image, tools) {
      checker ??= connect();
      return (await checker).check(image, tools);
    },
  };
}
