// The default model scripts must keep matching the default pipelines they demonstrate: every step scripted,
// every declared output written at /wave/out/<path>, and what is written passes the step's contract, so the
// offline demo of `wave run` ends green.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { loadModelScript } from '../../../src/model/script-load.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

interface PipelineStep {
  id: string;
  output_artifacts?: { name: string; path: string }[];
  handover?: { contract?: { type: string; source?: string; schema_path?: string; required_headings?: string[] } };
}

for (const name of ['hello-world', 'code-review']) {
  describe(`defaults/scripts/${name}.yaml`, () => {
    it('scripts every step of the pipeline and writes outputs that pass each contract', async () => {
      const pipeline = parse(await readFile(root(`defaults/pipelines/${name}.yaml`), 'utf8')) as { steps: PipelineStep[] };
      const script = await loadModelScript(root(`defaults/scripts/${name}.yaml`));
      assert.deepEqual(Object.keys(script.steps).sort(), pipeline.steps.map((s) => s.id).sort());
      for (const step of pipeline.steps) {
        const turns = script.steps[step.id]!.attempts[0]!;
        const last = turns.at(-1);
        assert.ok(last?.kind === 'answer' && last.tool_calls.length === 0, `${step.id}: ends with a final text turn`);
        const written = new Map<string, string>();
        for (const t of turns) {
          if (t.kind !== 'answer') continue;
          for (const c of t.tool_calls) {
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
