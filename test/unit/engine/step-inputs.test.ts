// What a step receives in /wave/in during a real run (the run service with an in-process sandbox): its direct
// dependencies' outputs, and what memory.inject_artifacts names from further upstream - as in the default
// code-review pipeline, whose summary step reads the analysis of a step two levels up.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startRun } from '../../../src/engine/run-service.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { treeDigest } from '../../../src/workspace/artifacts.js';
import { ExitCode } from '../../../src/errors.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-step-inputs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

interface Seen {
  script: string;
  inputs: Record<string, string>;
}

/** Every file under `root`, relative, with its content. */
function filesUnder(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = path.join(entry.parentPath, entry.name);
    out[path.relative(root, abs)] = readFileSync(abs, 'utf8');
  }
  return out;
}

/** Runs no container: records each step's script and inputs, then writes `writes[step]` into out/. */
function recordingSandbox(seen: Map<string, Seen>, writes: Record<string, Record<string, string>>): Sandbox {
  return {
    kind: 'host',
    async run(spec: SandboxSpec) {
      const step = spec.labels.step;
      seen.set(step, { script: spec.argv[2] ?? '', inputs: spec.mounts.in ? filesUnder(spec.mounts.in) : {} });
      for (const [rel, content] of Object.entries(writes[step] ?? {})) {
        const file = path.join(spec.mounts.out, rel);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, content);
      }
      return {
        status: 'exited',
        exitCode: 0,
        durationMs: 1,
        containerId: `fake:${step}`,
        stdoutTail: '',
        stderrTail: '',
      };
    },
  };
}

function project(pipeline: string, sandbox: Sandbox) {
  const projectDir = path.join(dir, 'project');
  mkdirSync(path.join(projectDir, '.wave', 'pipelines'), { recursive: true });
  const file = path.join(projectDir, '.wave', 'pipelines', 'p.yaml');
  writeFileSync(file, `kind: WavePipeline\nmetadata: {name: p}\nsteps:\n${pipeline}`);
  return { projectDir, manifestPath: path.join(projectDir, 'wave.yaml'), sinks: [], sandbox };
}

describe('step inputs in a run', () => {
  it('a step reads an artifact injected from two levels up, by path and through its template', async () => {
    const seen = new Map<string, Seen>();
    const sandbox = recordingSandbox(seen, {
      analyze: { 'analysis.json': '{"a":1}' },
      security: { 'findings.json': '{"s":1}' },
      summary: { 'summary.md': '# ok' },
    });
    const options = project(
      `  - id: analyze
    exec: {type: command, script: "true"}
    output_artifacts: [{name: analysis, path: analysis.json}]
  - id: security
    dependencies: [analyze]
    exec: {type: command, script: "cat {{ deps.analyze.analysis }}"}
    output_artifacts: [{name: findings, path: findings.json}]
  - id: summary
    dependencies: [security]
    memory:
      inject_artifacts:
        - {step: analyze, artifact: analysis}
        - {step: security, artifact: findings, as: security-findings}
    exec:
      type: command
      script: |
        cat {{ deps.analyze.analysis }} \\
          {{ deps.security.findings }}
    output_artifacts: [{name: summary, path: summary.md}]
`,
      sandbox,
    );
    const outcome = await startRun(options, 'p', '', {});
    assert.equal(outcome.exitCode, ExitCode.ok, outcome.summary.error);
    assert.equal(
      seen.get('summary')?.script,
      "cat '/wave/in/analyze/analysis.json' \\\n  '/wave/in/security/findings.json'\n",
    );
    assert.deepEqual(seen.get('summary')?.inputs, {
      'analyze/analysis.json': '{"a":1}',
      'security/findings.json': '{"s":1}',
      'security-findings': '{"s":1}',
    });
    // The step in between gets only its direct dependency.
    assert.deepEqual(seen.get('security')?.inputs, { 'analyze/analysis.json': '{"a":1}' });
  });

  it('a declared folder is recorded as one artifact and injected whole, also when reused by --from-step', async () => {
    const seen = new Map<string, Seen>();
    const sandbox = recordingSandbox(seen, {
      report: { 'pages/index.md': '# i', 'pages/sub/a.md': '# a' },
      publish: { 'done.txt': 'ok' },
    });
    const options = project(
      `  - id: report
    exec: {type: command, script: "true"}
    output_artifacts: [{name: pages, path: pages/}]
  - id: publish
    dependencies: [report]
    exec: {type: command, script: "ls {{ deps.report.pages }}"}
    output_artifacts: [{name: done, path: done.txt}]
`,
      sandbox,
    );
    const first = await startRun(options, 'p', '', {});
    assert.equal(first.exitCode, ExitCode.ok, first.summary.error);
    const expected = { 'report/pages/index.md': '# i', 'report/pages/sub/a.md': '# a' };
    assert.deepEqual(seen.get('publish')?.inputs, expected);
    assert.equal(seen.get('publish')?.script, "ls '/wave/in/report/pages/'");
    const store = new Store(defaultStatePath(options.projectDir));
    try {
      const [record] = store.artifacts.list(first.runId, 'report');
      const digest = treeDigest([
        { path: 'index.md', sha256: sha('# i') },
        { path: 'sub/a.md', sha256: sha('# a') },
      ]);
      assert.deepEqual([record?.name, record?.size, record?.sha256], ['pages', 6, digest]);
    } finally {
      store.close();
    }

    seen.clear();
    const again = await startRun(options, 'p', '', { fromStep: 'publish' });
    assert.equal(again.exitCode, ExitCode.ok, again.summary.error);
    assert.deepEqual([...seen.keys()], ['publish'], 'report is reused, not run');
    assert.deepEqual(seen.get('publish')?.inputs, expected);
  });
});
