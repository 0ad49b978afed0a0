// Temporary projects for config tests: a folder with wave.yaml, prompt files and pipelines.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const made: string[] = [];
after(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

/** Creates a temp folder holding `files` (path → content); returns its absolute path. */
export async function tempProject(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wave-config-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, content);
  }
  return dir;
}

/** A small valid manifest; `extra` is appended verbatim (top-level YAML). */
export function manifestYaml(extra = ''): string {
  return `apiVersion: v1
kind: WaveManifest
metadata:
  name: test
adapters:
  claude:
    binary: claude
    image: wave/claude:latest
    default_model: claude-sonnet-4-5
    tier_models:
      cheapest: claude-haiku-4-5
      balanced: claude-sonnet-4-5
      strongest: claude-opus-4-1
personas:
  navigator:
    adapter: claude
    system_prompt_file: prompts/navigator.md
${extra}`;
}

export const PROMPT_FILES = { 'prompts/navigator.md': '# Navigator\nRead the code.\n' };

/** A minimal pipeline; `steps` is the YAML under `steps:` (indented by two spaces). */
export function pipelineYaml(steps: string, top = ''): string {
  return `kind: WavePipeline
metadata:
  name: demo
${top}steps:
${steps}`;
}
