// A throwaway project for `wave run` tests with command steps: a git repository with a README and a pipelines
// folder, plus the helpers every such test needs (write a pipeline, read the run id, read `wave status`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runWave } from './run-cli.js';

export function createCommandProject(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(path.join(dir, 'README.md'), '# a project\n');
  mkdirSync(path.join(dir, '.wave', 'pipelines'), { recursive: true });
  return dir;
}

/** Writes `.wave/pipelines/<name>.yaml` with the given (already indented) step list. */
export function writePipeline(dir: string, name: string, steps: string): void {
  writeFileSync(
    path.join(dir, '.wave', 'pipelines', `${name}.yaml`),
    `kind: WavePipeline\nmetadata: {name: ${name}}\nsteps:\n${steps}`,
  );
}

/** The NDJSON events of `wave run -o json`. */
export function ndjsonEvents<T = { type: string; runId: string }>(stdout: string): T[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** The run id from the first NDJSON line, which must be run_started. */
export function runIdOf(stdout: string): string {
  const first = ndjsonEvents<{ type?: string; runId?: string }>(stdout)[0];
  assert.equal(first?.type, 'run_started', 'the first NDJSON line is run_started');
  return first.runId as string;
}

/** `wave status <run> -o json`, parsed. */
export function runStatus<T>(dir: string, runId: string): T {
  const res = runWave(['status', runId, '-o', 'json'], dir);
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as T;
}
