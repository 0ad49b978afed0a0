// A project state the dashboard tests fill by hand: runs, steps and events shaped as the engine writes them,
// and artifact files (a `changes` record with its patch) in a temp project.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { Store } from '../../src/state/index.js';
import { artifactDigest } from '../../src/workspace/artifacts.js';

export const STEP_INFO = { persona: 'coder', adapter: 'claude', model: 'sonnet', image: 'wave/claude:test' };

export interface DashboardProject {
  dir: string;
  store: Store;
}

/** A temp project with its state db; `dispose` closes the db and removes the folder. */
export function createDashboardProject(): DashboardProject & { dispose: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-serve-'));
  const store = new Store(path.join(dir, '.wave', 'state.db'));
  return {
    dir,
    store,
    dispose: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A temp project removed after the current test. */
export function dashboardProject(): DashboardProject {
  const project = createDashboardProject();
  after(project.dispose);
  return project;
}

/** A pipeline file with these steps and dependencies, for the DAG's edges. */
export function writePipeline(dir: string, name: string, steps: Record<string, string[]>): string {
  const file = path.join(dir, '.wave', 'pipelines', `${name}.yaml`);
  mkdirSync(path.dirname(file), { recursive: true });
  const body = Object.entries(steps)
    .map(([id, deps]) => {
      const needs = deps.length ? `\n    dependencies: [${deps.join(', ')}]` : '';
      return `  - id: ${id}${needs}\n    exec: { type: command, script: "true" }`;
    })
    .join('\n');
  writeFileSync(file, `kind: WavePipeline\nmetadata: { name: ${name} }\nsteps:\n${body}\n`);
  return file;
}

/** Writes a file into the step's out/ folder and records it as the step's artifact. */
export async function recordArtifact(
  project: DashboardProject,
  runId: string,
  stepId: string,
  name: string,
  file: string,
  content: string | Record<string, string>,
): Promise<void> {
  const target = path.join(project.dir, '.wave', 'workspaces', runId, stepId, 'out', file);
  if (typeof content === 'string') {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  } else {
    for (const [child, text] of Object.entries(content)) {
      mkdirSync(target, { recursive: true });
      writeFileSync(path.join(target, child), text);
    }
  }
  const digest = await artifactDigest(target);
  if (!digest) throw new Error(`no artifact at ${target}`);
  project.store.artifacts.record(runId, stepId, { name, path: target, ...digest });
}

export const SAMPLE_PATCH = `diff --git a/src/greet.ts b/src/greet.ts
index 3b18e51..a9c4d2f 100644
--- a/src/greet.ts
+++ b/src/greet.ts
@@ -1,3 +1,4 @@
 export function greet(name: string): string {
-  return 'hello ' + name;
+  const who = name.trim() || 'world';
+  return \`hello \${who}\`;
 }
`;

/** A writing step's `changes` record: its summary and the patch, as the engine leaves them. */
export function changesRecord(patch = SAMPLE_PATCH): Record<string, string> {
  const summary = {
    base: 'a'.repeat(40),
    commit: 'b'.repeat(40),
    files: [
      {
        path: 'src/greet.ts',
        status: 'modified',
        old_mode: '100644',
        new_mode: '100644',
        additions: 2,
        deletions: 1,
        binary: false,
      },
    ],
    totals: { files: 1, additions: 2, deletions: 1 },
    skipped: [],
  };
  return { 'changes.json': JSON.stringify(summary), 'changes.patch': patch };
}
