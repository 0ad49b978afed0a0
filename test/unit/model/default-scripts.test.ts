// The default model scripts must keep matching the default pipelines they demonstrate: every step scripted,
// every declared output written at /wave/out/<path>, and what is written passes the step's contracts, so the
// offline demo of `wave run` ends green. Every pipeline in defaults/pipelines/ is covered, so one added later is too.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runContracts, type ContractInput } from '../../../src/contracts/index.js';
import { resolveCalls } from '../../../src/model/actions.js';
import { loadModelScript } from '../../../src/model/script-load.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

interface PipelineStep {
  id: string;
  exec?: { type?: string };
  output_artifacts?: { name: string; path: string }[];
  handover?: { contract?: ContractInput; contracts?: ContractInput[] };
}

const pipelines = readdirSync(root('defaults/pipelines'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));
/** Claude Code's file tool: what the write actions become for it, with the input filled. */
const CLAUDE_TOOLS = new Set(['Write', 'Read', 'Bash']);
const INPUT = 'Ada Lovelace';

it('covers the default pipelines', () =>
  assert.deepEqual(pipelines.sort(), [
    'code-review',
    'doc-explain',
    'fix-tests',
    'hello-world',
    'impl-issue',
    'refactor',
    'security-audit',
  ]));

for (const name of pipelines) {
  describe(`defaults/scripts/${name}.yaml`, () => {
    it('scripts every step of the pipeline and writes outputs that pass each contract', async () => {
      const pipeline = parse(await readFile(root(`defaults/pipelines/${name}.yaml`), 'utf8')) as {
        steps: PipelineStep[];
      };
      const script = await loadModelScript(root(`defaults/scripts/${name}.yaml`));
      // Command steps run no model.
      const prompted = pipeline.steps.filter((s) => s.exec?.type !== 'command');
      assert.deepEqual(Object.keys(script.steps).sort(), prompted.map((s) => s.id).sort());
      for (const step of prompted) {
        const turns = script.steps[step.id]!.attempts[0]!;
        const last = turns.at(-1);
        assert.ok(last?.kind === 'answer' && last.tool_calls.length === 0, `${step.id}: ends with a final text turn`);
        const written = new Map<string, string>();
        for (const t of turns) {
          if (t.kind !== 'answer') continue;
          const resolved = resolveCalls(t.tool_calls, CLAUDE_TOOLS, INPUT);
          assert.ok('calls' in resolved, `${step.id}: every action resolves`);
          for (const c of resolved.calls) {
            if (c.name === 'Write') written.set(String(c.input.file_path), String(c.input.content));
          }
        }
        for (const out of step.output_artifacts ?? []) {
          assert.ok(written.has(`/wave/out/${out.path}`), `${step.id}: writes /wave/out/${out.path}`);
        }
        // The step's own contracts, run by Wave on what the script wrote (those on changes need a run's trees).
        const contracts = (
          step.handover?.contracts ?? (step.handover?.contract ? [step.handover.contract] : [])
        ).filter((c) => !['test_suite', 'source_diff', 'test_diff', 'test_count_baseline'].includes(c.type));
        const outDir = await mkdtemp(path.join(tmpdir(), 'wave-default-script-'));
        try {
          for (const [file, content] of written) {
            if (!file.startsWith('/wave/out/')) continue;
            const rel = file.slice('/wave/out/'.length);
            await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
            await writeFile(path.join(outDir, rel), content);
          }
          const outputs = (step.output_artifacts ?? []).map((o) => ({ name: o.name, path: o.path }));
          const resolvePath = (p: string) => root(p.replace(/^\.wave\//, 'defaults/'));
          const run = await runContracts(contracts, { outDir, outputs, resolvePath });
          assert.ok(run.passed, `${step.id}: ${JSON.stringify(run.results.map((r) => r.errors))}`);
        } finally {
          await rm(outDir, { recursive: true, force: true });
        }
      }
    });
  });
}

it('the hello-world greeting names the input', async () => {
  const script = await loadModelScript(root('defaults/scripts/hello-world.yaml'));
  const first = script.steps.greet!.attempts[0]![0]!;
  assert.ok(first.kind === 'answer');
  const resolved = resolveCalls(first.tool_calls, CLAUDE_TOOLS, INPUT);
  assert.ok('calls' in resolved);
  assert.match(String(resolved.calls[0]?.input.content), /^# Greeting\n\nHello, Ada Lovelace,/);
});
