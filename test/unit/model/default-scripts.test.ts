// The default model scripts must keep matching the default pipelines they demonstrate: every step scripted,
// every declared output written at /wave/out/<path>, and what is written passes the step's contract, so the
// offline demo of `wave run` ends green. Every pipeline in defaults/pipelines/ is covered, so one added later is too.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { resolveCalls } from '../../../src/model/actions.js';
import { loadModelScript } from '../../../src/model/script-load.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

interface PipelineStep {
  id: string;
  exec?: { type?: string };
  output_artifacts?: { name: string; path: string }[];
  handover?: { contract?: { type: string; source?: string; schema_path?: string; required_headings?: string[] } };
}

const pipelines = readdirSync(root('defaults/pipelines'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));
/** Claude Code's file tool: what the write actions become for it, with the input filled. */
const CLAUDE_TOOLS = new Set(['Write', 'Read', 'Bash']);
const INPUT = 'Ada Lovelace';

it('covers the default pipelines', () =>
  assert.deepEqual(pipelines.sort(), ['code-review', 'fix-tests', 'hello-world', 'impl-issue', 'refactor']));

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
        const contract = step.handover?.contract;
        if (!contract) continue;
        const source = contract.source ?? step.output_artifacts?.[0]?.path;
        const content = written.get(`/wave/out/${source}`);
        assert.ok(content && content.trim() !== '', `${step.id}: contract source ${source} is written and not empty`);
        if (contract.type === 'json_schema') {
          const schemaFile = String(contract.schema_path).replace(/^\.wave\//, 'defaults/');
          const schema = JSON.parse(await readFile(root(schemaFile), 'utf8')) as object;
          const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
          const ok = validate(JSON.parse(content));
          assert.ok(ok, `${step.id}: ${source} matches ${schemaFile}: ${JSON.stringify(validate.errors)}`);
        } else if (contract.type === 'markdown_spec') {
          let at = -1;
          for (const h of contract.required_headings ?? []) {
            const i = content.search(new RegExp(`^## ${h}\\s*$`, 'm'));
            assert.ok(i > at, `${step.id}: heading "## ${h}" present and in order`);
            at = i;
          }
        } else {
          assert.equal(contract.type, 'non_empty_file');
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
