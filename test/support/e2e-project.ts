// What the end-to-end tests of the agent CLIs share: a throwaway Wave project (git repository, `wave init`, the
// test's manifest edits and pipelines), `wave run -o json` parsed into its events, and the checks that the real
// provider key never reached the container or any file Wave wrote. Each test keeps its own model script, personas
// and assertions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { ScriptedModel } from '../../src/model/index.js';
import { runWave, runWaveAsync } from './run-cli.js';

/** One NDJSON event of `wave run -o json`. */
export type WaveEvent = { type: string; stepId?: string; runId: string; [k: string]: unknown };

/**
 * A shell command for the model to run in the step: the container's environment and that of every process in it,
 * into /wave/out/env.txt, where containerEnv reads it.
 */
export const DUMP_ENV_COMMAND =
  'env > /wave/out/env.txt; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done >> /wave/out/env.txt 2>/dev/null; true';

/** A step's `retry` line that switches retries off. */
export const NO_RETRY = '    retry: {policy: none}\n';

export interface E2eProjectSetup {
  /** The temporary directory is named wave-e2e-<name>-…. */
  name: string;
  /** Files put into the source before `wave init` (path relative to the project → content); folders are made. */
  files?: Record<string, string>;
  /** Edits the parsed wave.yaml that `wave init` wrote. */
  manifest: (manifest: any) => void;
  /** Pipeline name → YAML, written to .wave/pipelines/<name>.yaml. */
  pipelines: Record<string, string>;
}

/** A git repository with a README, initialised by `wave init`, with the test's manifest and pipelines. */
export function createE2eProject(setup: E2eProjectSetup): string {
  const dir = mkdtempSync(path.join(tmpdir(), `wave-e2e-${setup.name}-`));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(path.join(dir, 'README.md'), '# e2e project\n');
  for (const [file, content] of Object.entries(setup.files ?? {})) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  assert.equal(runWave(['init'], dir).status, 0);
  const manifestPath = path.join(dir, 'wave.yaml');
  const manifest = parse(readFileSync(manifestPath, 'utf8'));
  setup.manifest(manifest);
  writeFileSync(manifestPath, stringify(manifest));
  const pipelines = path.join(dir, '.wave', 'pipelines');
  mkdirSync(pipelines, { recursive: true });
  for (const [name, yaml] of Object.entries(setup.pipelines)) writeFileSync(path.join(pipelines, `${name}.yaml`), yaml);
  return dir;
}

/** For `after`: stops the model and removes the project; either may be missing (a skipped suite). */
export async function removeE2eProject(dir: string | undefined, model: ScriptedModel | undefined): Promise<void> {
  await model?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A manifest persona for the adapter and model every persona of a test shares. */
export function personaOf(adapter: string, model: string) {
  return (
    description: string,
    permissions: { allowed_tools: string[]; deny: string[] },
    systemPromptFile = '.wave/personas/craftsman.md',
  ) => ({
    adapter,
    description,
    model,
    system_prompt_file: systemPromptFile,
    permissions,
  });
}

export interface StepPipeline {
  id: string;
  persona: string;
  /** The output artifact's path under /wave/out. */
  output: string;
  /** The handover contract as YAML; a non-empty output file by default. */
  contract?: string;
  /** Lines appended to the step (e.g. NO_RETRY). */
  extra?: string;
}

/** A pipeline of one prompt step named after itself, with one output artifact and a handover contract. */
export function stepPipeline({
  id,
  persona,
  output,
  contract = '{type: non_empty_file}',
  extra = '',
}: StepPipeline): string {
  return `kind: WavePipeline
metadata: {name: ${id}}
steps:
  - id: ${id}
    persona: ${persona}
    exec: {type: prompt, source: "Do the ${id} task."}
    output_artifacts: [{name: out, path: ${output}}]
    handover:
      contract: ${contract}
${extra}`;
}

export interface PipelineRun {
  status: number | null;
  events: WaveEvent[];
  stderr: string;
}

/** `wave run <pipeline> -o json [flags]` in the project, its stdout parsed as NDJSON events. */
export async function runPipeline(
  dir: string,
  pipeline: string,
  options: { env: NodeJS.ProcessEnv; flags?: string[]; timeoutMs?: number },
): Promise<PipelineRun> {
  const res = await runWaveAsync(
    ['run', pipeline, '-o', 'json', ...(options.flags ?? [])],
    dir,
    options.env,
    options.timeoutMs,
  );
  const events = res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WaveEvent);
  return { status: res.status, events, stderr: res.stderr };
}

/** The model's turns for one step (no side requests, no invalid ones). */
export function modelTurns(model: ScriptedModel, stepId: string) {
  return model.requests.filter((r) => r.stepId === stepId && r.kind === 'turn');
}

/** The run's log, audit trace and egress log, those that exist. */
export function logFiles(dir: string, runId: string): string[] {
  const traces = path.join(dir, '.wave', 'traces');
  const files = [
    path.join(traces, `${runId}.log`),
    path.join(traces, runId, 'tools.ndjson'),
    path.join(traces, runId, 'egress.ndjson'),
  ];
  return files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'));
}

/** What DUMP_ENV_COMMAND wrote in the step's output folder. */
export function containerEnv(dir: string, runId: string, stepId: string): string {
  return readFileSync(path.join(dir, '.wave', 'workspaces', runId, stepId, 'out', 'env.txt'), 'utf8');
}

export function assertKeyNotInContainerEnv(env: string, key: string): void {
  assert.ok(!env.includes(key), 'the real key is nowhere in the container environment');
}

/** The state database, the run log, the audit trace and the egress log. */
export function assertKeyInNoWaveFile(dir: string, runId: string, key: string): void {
  const written = [readFileSync(path.join(dir, '.wave', 'state.db')).toString('latin1'), ...logFiles(dir, runId)];
  for (const text of written) assert.ok(!text.includes(key), 'the key is in no file Wave wrote');
}

/** In the description of SKILL_FILES' skill: a CLI that loaded the skill offers it to the model with this text. */
export const SKILL_MARKER = 'wave-e2e-skill-7f3a9c';

/**
 * A skill of the project in .wave/skills/, which the source snapshot leaves out: a CLI that offers it found it in
 * its HOME, where Wave put it, not in the source (.agents/skills/ there is a folder some CLIs scan themselves).
 */
export const SKILL_FILES: Record<string, string> = {
  '.wave/skills/tidy-notes/SKILL.md': `---\nname: tidy-notes\ndescription: Tidies (${SKILL_MARKER}).\n---\nTidy.\n`,
  '.wave/skills/tidy-notes/reference.md': 'Notes are tidy when sorted.\n',
};

/** A pipeline of one prompt step with no outputs, given the project's skill. */
export function skillPipeline(id: string, persona: string): string {
  return `kind: WavePipeline
metadata: {name: ${id}}
skills: [tidy-notes]
steps:
  - id: ${id}
    persona: ${persona}
    exec: {type: prompt, source: "Tidy the notes."}
${NO_RETRY}`;
}

/** The first request of `stepId` to the model carried the skill (its description): the CLI loaded it. */
export function assertSkillOffered(model: ScriptedModel, stepId: string): void {
  const first = modelTurns(model, stepId)[0];
  assert.ok(first, `no model request for step ${stepId}`);
  assert.ok(JSON.stringify(first.body).includes(SKILL_MARKER), 'the CLI offered the pipeline skill to the model');
}
